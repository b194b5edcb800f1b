import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOW, transformConfig } from '../../test/support/transform-config.js';
import { createRecordTransformer } from './record-transformer.js';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/segment');
const read = (name: string) => readFileSync(join(FIXTURES, name));
const lines = (name: string) =>
  read(name)
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');
const rt = createRecordTransformer(transformConfig());
const run = (text: string | Buffer) => rt.transformRecord(Buffer.from(text), { nowMs: NOW });

describe('test/fixtures/segment', () => {
  it('maps every realistic message to records', () => {
    for (const line of lines('messages.ndjson')) {
      const [outcome] = run(line);
      const type = (JSON.parse(line) as { type: string }).type;
      if (type === 'alias')
        expect(outcome).toMatchObject({ kind: 'skipped', reason: 'identity_not_sent' });
      else expect(outcome, line.slice(0, 80)).toMatchObject({ kind: 'records', segmentType: type });
    }
  });

  it('per-type files hold the same messages as messages.ndjson', () => {
    const all = ['track', 'page', 'screen', 'identify', 'group', 'alias'].flatMap(
      (type) => JSON.parse(read(`${type}.json`).toString('utf8')) as unknown[],
    );
    expect(all).toEqual(lines('messages.ndjson').map((l) => JSON.parse(l) as unknown));
  });

  it('expands batch.json with its context and sentAt as defaults', () => {
    const outcomes = run(read('batch.json'));
    expect(outcomes.map((o) => o.kind)).toEqual(['records', 'records', 'records']);
    expect(outcomes[2]).toMatchObject({
      records: [
        {
          record: {
            properties: {
              time: Date.parse('2024-12-30T09:30:00.000Z'),
              ip: '198.51.100.7',
              mp_lib: 'Segment Actions: analytics-node',
            },
          },
        },
      ],
    });
  });

  it.each(['malformed', 'oversize'])(
    'rejects each line of %s.ndjson with its expected code',
    (name) => {
      const expected = JSON.parse(read(`${name}.expected.json`).toString('utf8')) as string[];
      const codes = lines(`${name}.ndjson`).map((line) => {
        const [outcome] = run(line);
        return outcome?.kind === 'rejected' ? outcome.rejection.code : outcome?.kind;
      });
      expect(codes).toEqual(expected);
    },
  );

  it('keeps __proto__ payloads as inert data: dropped from records, Object.prototype untouched', () => {
    const [track, identify] = lines('hostile.ndjson').map((line) => run(line)[0]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
    const text = JSON.stringify([track, identify]);
    expect(text).not.toContain('__proto__');
    expect(track).toMatchObject({
      kind: 'records',
      records: [
        {
          record: {
            properties: { constructor: { prototype: { polluted: true } }, nested: { ok: 1 } },
          },
        },
      ],
    });
    expect(identify).toMatchObject({
      kind: 'records',
      records: [{ record: { $set: { constructor: 'Ferrari', plan: 'pro' } } }],
    });
    expect(JSON.stringify(track)).not.toContain('6.6.6.6');
  });
});
