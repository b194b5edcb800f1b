import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/load.js';
import { runTransform } from './transform.js';

const NOW = Date.UTC(2025, 0, 1);
const dir = mkdtempSync(join(tmpdir(), 'transform-command-'));
const config = join(dir, 'config.yaml');
writeFileSync(
  config,
  'mixpanel:\n  projectToken: mp-token-7f3c21\nmapping:\n  sourceName: web-prod\n',
);

async function run(
  input: string | Buffer,
  options: { config?: string; nowMs?: number } = { config },
) {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (chunk: Buffer) => chunks.push(chunk));
  const summary = await runTransform(options, {
    input: Readable.from([input]),
    output,
    clock: { now: () => NOW },
  });
  output.end();
  return { text: Buffer.concat(chunks).toString('utf8'), summary };
}
const lines = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown);

const TS = '2024-12-30T09:15:00.000Z';
const track = JSON.stringify({
  type: 'track',
  event: 'Signed Up',
  userId: 'u-1',
  messageId: 'm-1',
  timestamp: TS,
});

describe('segment-mixpanel transform', () => {
  it('writes the exact documented line formats, with line numbers that count blank lines', async () => {
    const input = [
      track,
      '',
      '{"type":"track","userId":"u-1","timestamp":"2024-12-30T09:15:00Z"}',
      'not json',
      JSON.stringify({ type: 'alias', userId: 'u-1', previousId: 'a-1', timestamp: TS }),
    ].join('\n');
    const { text, summary } = await run(input);
    expect(text.split('\n').slice(1)).toEqual([
      '{"error":{"code":"missing_event","message":"a track call needs a non-empty string event name"},"line":3}',
      expect.stringMatching(
        /^\{"error":\{"code":"invalid_json","message":"not JSON: .*"\},"line":4\}$/,
      ),
      '{"skipped":"identity_not_sent","line":5}',
      '',
    ]);
    expect(lines(text)[0]).toEqual({
      endpoint: '/import',
      record: {
        event: 'Signed Up',
        properties: {
          time: Date.parse(TS),
          id: 'u-1',
          distinct_id: 'u-1',
          $identified_id: 'u-1',
          $insert_id: 'm-1',
          $source: 'segment',
          $user_id: 'u-1',
          segment_source_name: 'web-prod',
          event_original_name: 'Signed Up',
        },
      },
    });
    expect(summary).toEqual({ lines: 4, records: 1, rejected: 2, skipped: 1 });
  });

  it('writes one line per record, and the outputs of every message of a batch payload under its line', async () => {
    const batch = JSON.stringify({
      batch: [
        {
          type: 'track',
          event: 'Order Completed',
          userId: 'u',
          messageId: 'o-1',
          properties: { products: [{ sku: 'a' }, { sku: 'b' }] },
        },
        { type: 'group', groupId: 'g', traits: {} },
      ],
      sentAt: TS,
    });
    const out = lines((await run(`${track}\n${batch}\n`)).text);
    expect(out).toMatchObject([
      { endpoint: '/import', record: { event: 'Signed Up' } },
      { endpoint: '/import', record: { event: 'Order Completed' } },
      { endpoint: '/import', record: { event: 'Product Purchased', properties: { sku: 'a' } } },
      { endpoint: '/import', record: { event: 'Product Purchased', properties: { sku: 'b' } } },
      { skipped: 'no_profile_update', line: 2 },
    ]);
  });

  it('keeps good lines flowing around bad bytes', async () => {
    const input = Buffer.concat([
      Buffer.from(`${track}\n`),
      Buffer.from([0xc3, 0x28, 0x0a]),
      Buffer.from(`${track}\n`),
    ]);
    const out = lines((await run(input)).text);
    expect(out).toMatchObject([
      { endpoint: '/import' },
      { error: { code: 'invalid_utf8' }, line: 2 },
      { endpoint: '/import' },
    ]);
  });

  it('gives identical bytes on every run', async () => {
    const fixtures = readFileSync(
      join(import.meta.dirname, '../../test/fixtures/segment/messages.ndjson'),
    );
    const first = await run(fixtures);
    const second = await run(fixtures);
    expect(first.summary.records).toBeGreaterThan(10);
    expect(second.text).toBe(first.text);
  });

  it('checks "more than 1 h in the future" against --now when given, else the clock', async () => {
    const future = JSON.stringify({
      type: 'track',
      event: 'E',
      userId: 'u',
      timestamp: '2025-01-01T02:00:00Z',
    });
    expect(lines((await run(future)).text)).toMatchObject([
      { error: { code: 'time_out_of_range' } },
    ]);
    expect(lines((await run(future, { config, nowMs: NOW + 3_600_000 })).text)).toMatchObject([
      { endpoint: '/import' },
    ]);
  });

  it('rejects a message without any time, as there is no Kafka timestamp here', async () => {
    const out = lines((await run('{"type":"track","event":"E","userId":"u"}')).text);
    expect(out).toMatchObject([{ error: { code: 'invalid_timestamp' }, line: 1 }]);
  });

  it('fails with a ConfigError for a config without mixpanel.projectToken', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'mapping:\n  people: false\n');
    await expect(run(track, { config: bad })).rejects.toBeInstanceOf(ConfigError);
  });

  it('streams: a large input is processed without reading it all first', async () => {
    const many = Array.from({ length: 5000 }, () => track).join('\n');
    const { summary } = await run(many);
    expect(summary).toEqual({ lines: 5000, records: 5000, rejected: 0, skipped: 0 });
  });
});

describe('segment-mixpanel transform output closing early', () => {
  it('stops quietly when the reader goes away (EPIPE), like any Unix filter', async () => {
    const { Writable } = await import('node:stream');
    let writes = 0;
    const output = new Writable({
      write(_chunk, _encoding, callback) {
        writes += 1;
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const many = Array.from({ length: 2000 }, () => track).join('\n');
    const summary = await runTransform(
      { config },
      { input: Readable.from([many]), output, clock: { now: () => NOW } },
    );
    expect(writes).toBe(1);
    expect(summary.lines).toBeLessThan(2000);
  });

  it('still fails on other output errors', async () => {
    const { Writable } = await import('node:stream');
    const output = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('disk full'), { code: 'ENOSPC' }));
      },
    });
    const many = Array.from({ length: 2000 }, () => track).join('\n');
    await expect(
      runTransform({ config }, { input: Readable.from([many]), output, clock: { now: () => NOW } }),
    ).rejects.toThrow('disk full');
  });
});
