import { describe, expect, it } from 'vitest';
import { orderingKey, type MixpanelRecord } from '../mixpanel/records.js';
import {
  endpointOfRoute,
  keyHashOf,
  nonIdempotentOfRoute,
  prepareRecord,
  routeOf,
  StageResults,
  StageResultsWriter,
} from './stage-results.js';

const event = (name: string): MixpanelRecord => ({
  endpoint: '/import',
  record: { event: name, properties: { time: 1, distinct_id: 'ü', $insert_id: 'i' } },
});
const records: MixpanelRecord[] = [
  event('Signed Up'),
  event('$identify'),
  event('$create_alias'),
  { endpoint: '/engage', record: { $token: 't', $distinct_id: 'ada', $set: { a: 1 } } },
  { endpoint: '/engage', record: { $token: 't', $distinct_id: 'bob', $add: { n: 1 } } },
  { endpoint: '/engage', record: { $token: 't', $distinct_id: 'cy', $append: { l: 'x' } } },
  {
    endpoint: '/groups',
    record: { $token: 't', $group_key: 'company', $group_id: 'acme', $union: { l: ['x'] } },
  },
];

describe('stage results', () => {
  it('carry each record as the text stage would prepare it: bytes, route, key hash', () => {
    const writer = new StageResultsWriter();
    writer.records('identify', records.slice(0, 4));
    writer.decide({ kind: 'skipped', segmentType: 'track', reason: 'integrations_disabled' });
    writer.endInput();
    writer.records('track', records.slice(4));
    writer.endInput();
    const results = new StageResults(writer.finish());
    expect(results.inputs).toBe(2);
    expect([results.outcomesStart(1), results.outcomesEnd(1)]).toEqual([2, 3]);
    expect(results.decided(1)).toMatchObject({ kind: 'skipped' });
    records.forEach((record, r) => {
      const prepared = prepareRecord(record);
      const bytes = results.utf8.subarray(
        results.recordStart(r),
        results.recordStart(r) + results.recordBytes(r),
      );
      expect(bytes.toString('utf8')).toBe(prepared.json);
      expect(results.route(r)).toBe(routeOf(prepared));
      expect(endpointOfRoute(results.route(r))).toBe(record.endpoint);
      expect(nonIdempotentOfRoute(results.route(r))).toBe(prepared.nonIdempotent);
      if (record.endpoint !== '/import')
        expect(results.keyHash(r)).toBe(keyHashOf(orderingKey(record)));
    });
    expect(nonIdempotentOfRoute(results.route(4))).toBe('$add');
    expect(results.route(1)).not.toBe(results.route(0)); // $identify has a lane of its own
  });
});
