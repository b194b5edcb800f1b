import { describe, expect, it } from 'vitest';
import { NOW, transformConfig } from '../../test/support/transform-config.js';
import { createRecordTransformer } from './record-transformer.js';

const rt = createRecordTransformer(transformConfig());
const ctx = { nowMs: NOW };
const run = (value: unknown) =>
  rt.transformRecord(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), ctx);
const TS = '2024-12-30T09:15:00Z';

describe('createRecordTransformer', () => {
  it('gives one rejected outcome for bytes that do not decode', () => {
    expect(run('{nope')).toEqual([
      {
        kind: 'rejected',
        rejection: expect.objectContaining({ code: 'invalid_json', stage: 'decode' }),
      },
    ]);
    expect(rt.transformRecord(Uint8Array.from([0xff]), ctx)).toMatchObject([
      { kind: 'rejected', rejection: { code: 'invalid_utf8' } },
    ]);
  });

  it('gives one outcome per batch element, in order, bad elements alone rejected', () => {
    const outcomes = run({
      batch: [
        { type: 'track', event: 'A', userId: 'u' },
        'junk',
        { type: 'track', userId: 'u' },
        { type: 'identify', userId: 'u', traits: { a: 1 } },
      ],
      sentAt: TS,
    });
    expect(outcomes).toMatchObject([
      { kind: 'records', segmentType: 'track' },
      { kind: 'rejected', rejection: { code: 'not_an_object', stage: 'validate' } },
      { kind: 'rejected', segmentType: 'track', rejection: { code: 'missing_event' } },
      { kind: 'records', segmentType: 'identify' },
    ]);
  });

  it('uses the batch sentAt as the time of messages without one', () => {
    const [outcome] = run({ batch: [{ type: 'track', event: 'A', userId: 'u' }], sentAt: TS });
    expect(outcome).toMatchObject({
      kind: 'records',
      records: [{ record: { properties: { time: Date.parse(TS) } } }],
    });
  });

  it('gives an empty batch one empty_batch skip, so every record settles', () => {
    expect(run({ batch: [] })).toEqual([{ kind: 'skipped', reason: 'empty_batch' }]);
  });

  it('skips a message disabled by integrations before validating it (it would never reach Mixpanel)', () => {
    expect(run({ type: 'track', integrations: { Mixpanel: false } })).toEqual([
      { kind: 'skipped', segmentType: 'track', reason: 'integrations_disabled' },
    ]);
    expect(run({ type: 'nonsense', integrations: { All: false } })).toEqual([
      { kind: 'skipped', reason: 'integrations_disabled' },
    ]);
  });

  it('uses the Kafka timestamp when the message has no time', () => {
    const outcomes = rt.transformRecord(Buffer.from('{"type":"track","event":"A","userId":"u"}'), {
      nowMs: NOW,
      kafkaTimestampMs: NOW - 5,
    });
    expect(outcomes).toMatchObject([
      { kind: 'records', records: [{ record: { properties: { time: NOW - 5 } } }] },
    ]);
    expect(run('{"type":"track","event":"A","userId":"u"}')).toMatchObject([
      { kind: 'rejected', rejection: { code: 'invalid_timestamp' } },
    ]);
  });

  it('honours input.maxNestingDepth', () => {
    const shallow = createRecordTransformer({
      ...transformConfig(),
      input: { maxNestingDepth: 4 },
    });
    const message = {
      type: 'track',
      event: 'A',
      userId: 'u',
      timestamp: TS,
      properties: { a: { b: { c: {} } } }, // 5 levels with the root
    };
    expect(shallow.transformRecord(Buffer.from(JSON.stringify(message)), ctx)).toMatchObject([
      { kind: 'rejected', rejection: { code: 'invalid_json' } },
    ]);
    expect(run(message)).toMatchObject([{ kind: 'records' }]);
  });

  it('transforms an already decoded payload (the Avro path)', () => {
    expect(
      rt.transformPayload({ type: 'page', userId: 'u', timestamp: new Date(Date.parse(TS)) }, ctx),
    ).toMatchObject({
      kind: 'records',
      segmentType: 'page',
    });
  });
});

describe('transformPayload depth check', () => {
  it('rejects an already-decoded payload nested deeper than maxNestingDepth', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const payload = { type: 'track', event: 'E', userId: 'u', timestamp: TS, properties: { deep } };
    expect(rt.transformPayload(payload, ctx)).toMatchObject({
      kind: 'rejected',
      rejection: { code: 'invalid_json', stage: 'decode' },
    });
  });
});
