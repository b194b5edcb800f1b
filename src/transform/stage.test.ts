import type { DecodeInput } from '../decode/record-decoder.js';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { createInProcessStage, type TransformStage } from './stage.js';
import { prepareRecord } from './stage-results.js';
import { createWorkerStage, TransformStageFailed } from './worker-stage.js';

const config = configSchema.parse({ mixpanel: { projectToken: 'tok' } });
const now = Date.UTC(2025, 0, 2);
const json = (value: unknown): DecodeInput => ({
  bytes: Buffer.from(JSON.stringify(value)),
  kafkaTimestampMs: now,
});
const inputs: DecodeInput[] = [
  json({
    type: 'track',
    event: 'Signed Up',
    userId: 'u-1',
    messageId: 'm-1',
    timestamp: '2025-01-01T00:00:00Z',
  }),
  { bytes: Buffer.from('{ not json'), kafkaTimestampMs: now },
  json({ type: 'identify', userId: 'u-2', messageId: 'm-2', traits: { plan: 'pro' } }),
  {
    payload: { type: 'track', event: 'From Avro', userId: 'u-3', messageId: 'm-3' },
    kafkaTimestampMs: now,
  },
];

describe('transform stages', () => {
  let stage: TransformStage | undefined;
  afterEach(async () => stage?.close());

  it('prepares records once: JSON, bytes, routing', () => {
    const prepared = prepareRecord({
      endpoint: '/engage',
      record: { $token: 't', $distinct_id: 'ada', $add: { n: 1 } },
    });
    expect(prepared).toEqual({
      endpoint: '/engage',
      json: '{"$token":"t","$distinct_id":"ada","$add":{"n":1}}',
      bytes: 50,
      orderingKey: 'ada',
      identity: false,
      nonIdempotent: '$add',
    });
    expect(
      prepareRecord({
        endpoint: '/import',
        record: { event: '$identify', properties: { time: 1, distinct_id: 'a', $insert_id: 'i' } },
      }).identity,
    ).toBe(true);
  });

  it('gives the same outcomes on a worker thread as in process, in input order', async () => {
    const inProcess = (await createInProcessStage(config).submit(inputs, now)).toOutcomes();
    stage = createWorkerStage(config, { workers: 2 });
    const first = (await stage.submit(inputs, now)).toOutcomes();
    const second = (await stage.submit(inputs.slice(1), now)).toOutcomes();
    const texts = (outcomes: typeof inProcess) =>
      outcomes.map((o) =>
        o.map((x) => (x.kind === 'records' ? { ...x, records: x.records.map((r) => r.json) } : x)),
      );
    expect(texts(first)).toEqual(texts(inProcess));
    expect(texts(second)).toEqual(texts(inProcess.slice(1)));
    expect(first).toEqual(inProcess);
    expect(inProcess.map((o) => o.map((x) => x.kind))).toEqual([
      ['records'],
      ['rejected'],
      ['records'],
      ['records'],
    ]);
  });

  it('writes records longer than their messages, and non-ASCII text, byte for byte', async () => {
    // An order with many products gives far more output than input: the job's buffer must grow.
    const products = Array.from({ length: 40 }, (_, i) => ({
      product_id: `p-${i}`,
      name: 'Größe ✓',
    }));
    const order = json({
      type: 'track',
      event: 'Order Completed',
      userId: 'ü-1',
      messageId: 'm-9',
      timestamp: '2025-01-01T00:00:00Z',
      properties: { products, note: '日本語 😀' },
    });
    const [outcomes] = (await createInProcessStage(config).submit([order], now)).toOutcomes();
    const records = outcomes?.[0]?.kind === 'records' ? outcomes[0].records : [];
    expect(records).toHaveLength(41);
    for (const record of records) {
      expect(record.bytes).toBe(Buffer.byteLength(record.json));
      const utf8 = record.source.subarray(record.start, record.start + record.bytes);
      expect(utf8.equals(Buffer.from(record.json))).toBe(true);
      expect(JSON.parse(record.json)).toMatchObject({ properties: { time: expect.any(Number) } });
    }
    expect(JSON.parse(records[1]?.json ?? '')).toMatchObject({
      event: 'Product Purchased',
      properties: { name: 'Größe ✓', note: '日本語 😀', distinct_id: 'ü-1' },
    });
  });

  it('fails every job of a dead worker, and the stage from then on', async () => {
    stage = createWorkerStage(config, {
      workers: 1,
      entry: new URL('../../test/fixtures/dying-worker.mjs', import.meta.url),
    });
    await expect(stage.submit(inputs, now)).rejects.toBeInstanceOf(TransformStageFailed);
    await expect(stage.submit(inputs, now)).rejects.toThrow('a transform worker failed');
  });
});
