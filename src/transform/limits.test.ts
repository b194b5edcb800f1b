import { describe, expect, it } from 'vitest';
import { PLACEHOLDER_IDS } from '../mixpanel/placeholder-ids.js';
import { type MixpanelRecord } from '../mixpanel/records.js';
import { checkRecord } from './limits.js';
import { MAX_RECORD_BYTES } from './record-size.js';

const T = Date.UTC(2024, 11, 30);
const event = (properties: Record<string, unknown>): MixpanelRecord => ({
  endpoint: '/import',
  record: {
    event: 'E',
    properties: { time: T, distinct_id: 'u', $insert_id: 'i', ...properties } as never,
  },
});
const profile = (extra: Record<string, unknown>): MixpanelRecord => ({
  endpoint: '/engage',
  record: { $token: 't', $distinct_id: 'u', ...extra } as never,
});
const many = (n: number): Record<string, number> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, i]));

describe('checkRecord', () => {
  it('accepts an ordinary record', () => {
    expect(checkRecord(event({ plan: 'pro' }))).toBeUndefined();
  });

  it('accepts 254 event properties and rejects 255 as too_many_properties', () => {
    expect(checkRecord(event(many(254 - 3)))).toBeUndefined();
    expect(checkRecord(event(many(255 - 3)))).toMatchObject({
      code: 'too_many_properties',
      stage: 'transform',
      field: 'properties',
    });
  });

  it('rejects a nested object with 255 keys or an array with 255 items, naming the path', () => {
    expect(checkRecord(event({ a: many(254), b: Array(254).fill(0) }))).toBeUndefined();
    expect(checkRecord(event({ a: { b: many(255) } }))).toMatchObject({
      code: 'too_many_properties',
      field: 'properties.a.b',
    });
    expect(checkRecord(event({ list: [1, Array(255).fill(0)] }))).toMatchObject({
      code: 'too_many_properties',
      field: 'properties.list[1]',
    });
  });

  it('allows long lists in profiles but not more than 2,000 properties in one operation', () => {
    expect(checkRecord(profile({ $union: { tags: Array(300).fill('t') } }))).toBeUndefined();
    expect(checkRecord(profile({ $set: many(2000) }))).toBeUndefined();
    expect(checkRecord(profile({ $set: many(2001) }))).toMatchObject({
      code: 'too_many_properties',
      field: '$set',
    });
  });

  it('rejects a record over 1 MiB and accepts one just under', () => {
    const base = JSON.stringify(event({ big: '' }).record).length;
    const fits = event({ big: 'x'.repeat(MAX_RECORD_BYTES - base) });
    expect(Buffer.byteLength(JSON.stringify(fits.record))).toBe(MAX_RECORD_BYTES);
    expect(checkRecord(fits)).toBeUndefined();
    expect(checkRecord(event({ big: 'x'.repeat(MAX_RECORD_BYTES - base + 1) }))).toMatchObject({
      code: 'record_too_large',
    });
  });

  it('measures UTF-8 bytes, not characters', () => {
    const chars = Math.ceil(MAX_RECORD_BYTES / 3); // under the limit in characters, over it in bytes
    expect(checkRecord(event({ big: '€'.repeat(chars) }))).toMatchObject({
      code: 'record_too_large',
    });
    expect(checkRecord(profile({ $set: { big: '€'.repeat(chars) } }))).toMatchObject({
      code: 'record_too_large',
    });
    expect(checkRecord(profile({ $set: { big: 'e'.repeat(chars) } }))).toBeUndefined();
  });

  describe('placeholder ids (Mixpanel ingestion rules)', () => {
    it('knows all 17', () => {
      expect(PLACEHOLDER_IDS.size).toBe(17);
    });

    it.each([...PLACEHOLDER_IDS])('rejects distinct_id %j', (id) => {
      expect(checkRecord(event({ distinct_id: id }))).toMatchObject({
        code: 'invalid_distinct_id',
        field: 'properties.distinct_id',
      });
    });

    it.each(['NULL', 'Undefined', 'N/A', 'ANON'])('compares case-insensitively: %s', (id) => {
      expect(checkRecord(event({ distinct_id: id }))).toMatchObject({
        code: 'invalid_distinct_id',
      });
    });

    it.each(['$user_id', '$device_id', '$identified_id', '$anon_id', 'alias'])(
      'checks %s too',
      (field) => {
        expect(checkRecord(event({ [field]: 'none' }))).toMatchObject({
          code: 'invalid_distinct_id',
          field: `properties.${field}`,
        });
      },
    );

    it('checks $distinct_id of profile updates', () => {
      expect(checkRecord(profile({ $distinct_id: 'null', $set: { a: 1 } }))).toMatchObject({
        code: 'invalid_distinct_id',
        field: '$distinct_id',
      });
    });

    it.each(['', 'nulls', 'user-0', '00000000-0000-0000-0000-000000000001', 'none '])(
      'accepts %j',
      (id) => {
        expect(checkRecord(event({ distinct_id: id }))).toBeUndefined();
      },
    );
  });
});

describe('checkRecord time', () => {
  it('rejects an event before 1971, which a product event of an order at exactly 1971-01-01 would be', () => {
    expect(checkRecord(event({ time: Date.UTC(1971, 0, 1) }))).toBeUndefined();
    expect(checkRecord(event({ time: Date.UTC(1971, 0, 1) - 1 }))).toMatchObject({
      code: 'time_out_of_range',
      field: 'properties.time',
    });
  });
});
