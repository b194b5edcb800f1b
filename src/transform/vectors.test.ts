/**
 * Segment's own requests (test/fixtures/reference/segment-actions-vectors.json) against ours.
 *
 * Actions vectors (A*): with default settings our records must equal the bodies Segment sent,
 * byte for byte (same keys; inside event properties in our documented order), except where
 * docs/mapping.md corrects Segment; each such difference is written out below as an explicit
 * expectation. Key order: Segment puts the computed keys first, we put the message's own
 * properties first (docs/mapping.md, "track"; Mixpanel's deduplication ignores the order), so
 * Segment's events are compared after moving the message's keys to the front (inBuiltInOrder). Transport (host, `strict`, auth,
 * form vs JSON) is the publisher's business and not compared here.
 *
 * Classic vectors (C*, D*): under the Classic-style settings, the event names, profile
 * operations and the properties both products produce must agree; the keys only Classic sends
 * (and the differences it has) are listed explicitly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOW, TOKEN, transformConfig } from '../../test/support/transform-config.js';
import type { ConfigInput } from '../config/schema.js';
import type { JsonValue, MixpanelRecord } from '../mixpanel/records.js';
import { inBuiltInOrder, messagePropertyKeys } from '../../test/support/property-order.js';
import { insertIds } from './insert-id.js';
import { createRecordTransformer } from './record-transformer.js';
import type { TransformOutcome } from './transform.js';

interface Vector {
  readonly id: string;
  readonly engine: string;
  readonly settings: Record<string, unknown>;
  readonly mapping?: { overrides?: Record<string, unknown> };
  readonly input: Record<string, unknown> | Record<string, unknown>[];
  readonly expected: { endpoint: string; body: unknown }[];
}
type Json = { [key: string]: JsonValue };
type Mapping = NonNullable<ConfigInput['mapping']>;

const VECTORS = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '../../test/fixtures/reference/segment-actions-vectors.json'),
    'utf8',
  ),
) as Vector[];
const vector = (id: string): Vector => {
  const found = VECTORS.find((v) => v.id === id);
  if (!found) throw new Error(`no vector ${id}`);
  return found;
};

/**
 * The vector's destination settings as our mapping config: `sourceName` → `sourceName`, the
 * purchase action's `generatePurchaseEventPerProduct` → `productEvents`. (The group action's
 * `group_key` has no exact equivalent: see A43.)
 */
function vectorMapping(v: Vector): Mapping {
  const mapping: Mapping = {};
  if (typeof v.settings['sourceName'] === 'string') mapping.sourceName = v.settings['sourceName'];
  if (v.mapping?.overrides?.['generatePurchaseEventPerProduct'] === false)
    mapping.productEvents = false;
  return mapping;
}

/** Our outcomes for a vector's input (one message, or each message of a batch vector). */
function ours(v: Vector, mapping: Mapping = {}): TransformOutcome[] {
  const rt = createRecordTransformer(transformConfig({ ...vectorMapping(v), ...mapping }));
  const inputs = Array.isArray(v.input) ? v.input : [v.input];
  return inputs.flatMap((input) =>
    rt.transformRecord(Buffer.from(JSON.stringify(input)), { nowMs: NOW }),
  );
}
function oursRecords(v: Vector, mapping: Mapping = {}): MixpanelRecord[] {
  return ours(v, mapping).flatMap((o) => {
    if (o.kind !== 'records')
      throw new Error(`${v.id}: expected records, got ${JSON.stringify(o)}`);
    return o.records;
  });
}

/** Segment's requests as records: `/import` arrays flattened, `/track` identity events kept apart. */
type SegmentRecord = { endpoint: '/import' | '/engage' | '/groups' | '/track'; record: Json };
function segmentRecords(v: Vector): SegmentRecord[] {
  return v.expected.flatMap(({ endpoint, body }) => {
    const path = new URL(endpoint).pathname as SegmentRecord['endpoint'];
    return Array.isArray(body)
      ? body.map((record) => ({ endpoint: path, record: record as Json }))
      : [{ endpoint: path, record: body as Json }];
  });
}

/** Equal as values, and as bytes once Segment's event properties are in our key order. */
function expectSameRecords(v: Vector, actual: unknown[], expected: unknown[]): void {
  expect(actual).toEqual(expected);
  expect(JSON.stringify(actual)).toBe(
    JSON.stringify(inBuiltInOrder(expected, messagePropertyKeys(v.input))),
  );
}

/** A copy of `record` with properties changed in place (keeping key order) or inserted after `after`. */
function withProperties(record: Json, changes: Json, after?: string): Json {
  const properties = record['properties'] as Json;
  const out: Json = {};
  for (const [key, value] of Object.entries(properties)) {
    out[key] = Object.hasOwn(changes, key) ? (changes[key] as JsonValue) : value;
    if (key === after)
      for (const [k, v] of Object.entries(changes)) if (!Object.hasOwn(properties, k)) out[k] = v;
  }
  return { ...record, properties: out };
}
const imported = (record: Json): MixpanelRecord =>
  ({ endpoint: '/import', record }) as unknown as MixpanelRecord;

/** The $identify Segment sends via /track, as we send it via /import in Original ID Merge mode. */
function identifyViaImport(segment: SegmentRecord, v: Vector): MixpanelRecord {
  const input = v.input as Record<string, unknown>;
  const properties = segment.record['properties'] as Json;
  return imported({
    event: '$identify',
    properties: {
      time: Date.parse(String(input['timestamp'])),
      distinct_id: properties['$identified_id'] as string,
      $insert_id: insertIds({ messageId: String(input['messageId']), raw: {} }).derived(
        '$identify',
      ),
      ...properties,
    },
  });
}

const A_VECTORS = VECTORS.filter((v) => v.id.startsWith('A')).map((v) => v.id);

/**
 * Every deliberate difference from Segment (Actions), by vector: what we produce instead, and
 * why. A vector not listed here must match Segment exactly.
 */
const DIFFERENCES: Record<string, (v: Vector, segment: SegmentRecord[]) => void> = {
  // time comes from originalTimestamp, not from the clock of the delivery attempt.
  A04: (v, [event]) => {
    expect((event?.record['properties'] as Json)['time']).toBe(NOW); // Segment: processing clock
    expectSameRecords(v, oursRecords(v), [
      imported(withProperties(event!.record, { time: Date.parse('2024-12-30T08:00:00.000Z') })),
    ]);
  },
  // a JSON number in seconds is sent as integer milliseconds (Segment forwards it as is).
  A07: (v, [event]) => {
    expectSameRecords(v, oursRecords(v), [
      imported(withProperties(event!.record, { time: 1735550100000 })),
    ]);
  },
  // A `$group_id` event property is kept (Segment drops it): it is how a track call names its
  // group in Mixpanel. It takes the computed key's position.
  A10: (v, [event]) => {
    expect(event?.record['properties']).not.toHaveProperty('$group_id');
    expectSameRecords(v, oursRecords(v), [
      imported(withProperties(event!.record, { $group_id: 'prop-group' }, '$device_id')),
    ]);
  },
  // Track without an event name: Segment fails the payload (400); we dead-letter it.
  A22: (v, segment) => {
    expect(segment).toEqual([]);
    expect(ours(v)).toMatchObject([
      {
        kind: 'rejected',
        segmentType: 'track',
        rejection: { code: 'missing_event', stage: 'validate' },
      },
    ]);
  },
  // an unnamed page is "Loaded a Page", not "Viewed " with a trailing space.
  A29: (v, [event]) => {
    expect(event?.record['event']).toBe('Viewed ');
    expectSameRecords(v, oursRecords(v), [imported({ ...event!.record, event: 'Loaded a Page' })]);
  },
  // product events get valid, distinct insert ids instead of index + messageId (37 chars).
  A31: (v, [order, p0, p1]) => {
    const ids = insertIds({ messageId: 'c0ffee00-1111-4222-8333-944455556666', raw: {} });
    expect((p0?.record['properties'] as Json)['$insert_id']).toBe(
      '0c0ffee00-1111-4222-8333-944455556666',
    );
    expectSameRecords(v, oursRecords(v), [
      imported(order!.record),
      imported(withProperties(p0!.record, { $insert_id: ids.derived('product:0') })),
      imported(withProperties(p1!.record, { $insert_id: ids.derived('product:1') })),
    ]);
  },
  // no $identify in Simplified ID Merge; in Original, $identify through /import with time and insert id.
  A34: (v, [identify, engage]) => {
    expect(identify?.endpoint).toBe('/track');
    expectSameRecords(v, oursRecords(v), [engage]);
    expectSameRecords(v, oursRecords(v, { idMergeMode: 'original' }), [
      identifyViaImport(identify!, v),
      engage,
    ]);
  },
  // $identify with "$identified_id": null is never sent: Original mode needs both ids.
  A37: (v, [identify, engage]) => {
    expect((identify?.record['properties'] as Json)['$identified_id']).toBeNull();
    expectSameRecords(v, oursRecords(v), [engage]);
    expectSameRecords(v, oursRecords(v, { idMergeMode: 'original' }), [engage]);
  },
  // Empty traits: Segment sends only $identify. Simplified: nothing at all (skip); Original: the $identify.
  A38: (v, [identify]) => {
    expect(ours(v)).toEqual([
      { kind: 'skipped', segmentType: 'identify', reason: 'no_profile_update' },
    ]);
    expectSameRecords(v, oursRecords(v, { idMergeMode: 'original' }), [
      identifyViaImport(identify!, v),
    ]);
  },
  A40: (v, [identify, engage]) => {
    expectSameRecords(v, oursRecords(v), [engage]);
    expectSameRecords(v, oursRecords(v, { idMergeMode: 'original' }), [
      identifyViaImport(identify!, v),
      engage,
    ]);
  },
  // A group key without its trait: Actions falls back to groupId; our Classic-style groupIdentifierTraits
  // skip the call (D01). Without that setting the key is $group_id.
  A43: (v, [groups]) => {
    expect(groups?.record).toMatchObject({ $group_key: 'company_id', $group_id: 'org-44' });
    expect(ours(v, { groupIdentifierTraits: ['company_id'] })).toEqual([
      { kind: 'skipped', segmentType: 'group', reason: 'no_group_identifier_trait' },
    ]);
    expectSameRecords(v, oursRecords(v), [
      { endpoint: '/groups', record: { ...groups!.record, $group_key: '$group_id' } },
    ]);
  },
  // Group without traits: Segment fails with 400 "traits is a required field"; nothing to send is a skip for us.
  A44: (v, segment) => {
    expect(segment).toEqual([]);
    expect(ours(v)).toEqual([
      { kind: 'skipped', segmentType: 'group', reason: 'no_profile_update' },
    ]);
  },
  // Alias without userId: Segment aliases the anonymousId; the Segment spec requires userId (missing_identity).
  A46: (v) => {
    for (const idMergeMode of ['simplified', 'original'] as const) {
      expect(ours(v, { idMergeMode })).toMatchObject([
        { kind: 'rejected', rejection: { code: 'missing_identity', field: 'userId' } },
      ]);
    }
  },
  // incrementProperties has no preset: with default settings the message is an ordinary track event.
  A47: (v, [engage]) => {
    expect(engage?.endpoint).toBe('/engage');
    const records = oursRecords(v);
    expect(records).toMatchObject([
      {
        endpoint: '/import',
        record: { event: 'Credits Used', properties: { increment: { logins: 1, credits: '5' } } },
      },
    ]);
  },
  A49: (v, segment) => {
    expect(segment).toEqual([]);
    expect(oursRecords(v)).toMatchObject([
      { endpoint: '/import', record: { event: 'Credits Used' } },
    ]);
  },
  // userId "" is missing, so the anonymousId is the distinct_id (Segment: "", and no id).
  A53: (v, [event]) => {
    expect((event?.record['properties'] as Json)['distinct_id']).toBe('');
    expectSameRecords(v, oursRecords(v), [
      imported(
        withProperties(event!.record, { id: 'anon-1053', distinct_id: 'anon-1053' }, 'time'),
      ),
    ]);
  },
};

describe('Segment (Actions) vectors', () => {
  it('covers every A vector of the reference (R vectors are the publisher’s)', () => {
    expect(A_VECTORS).toHaveLength(36);
    for (const id of Object.keys(DIFFERENCES)) expect(A_VECTORS).toContain(id);
  });

  it.each(A_VECTORS)('%s', (id) => {
    const v = vector(id);
    const segment = segmentRecords(v);
    const difference = DIFFERENCES[id];
    if (difference) {
      difference(v, segment);
      return;
    }
    expectSameRecords(v, oursRecords(v), segment);
  });
});

/** Classic v3.3.2 properties we never send (transport, Classic-only enrichment) — see docs/mapping.md. */
const CLASSIC_ONLY = ['token', 'mp_name_tag', 'mp_lib', '$search_engine', '$username'];

/** The Classic event as we compare it: time in ms (ours) instead of seconds, Classic-only keys dropped. */
function classicShared(segment: SegmentRecord): Json {
  const properties = { ...(segment.record['properties'] as Json) };
  for (const key of CLASSIC_ONLY) delete properties[key];
  properties['time'] = (properties['time'] as number) * 1000;
  return properties;
}
function oursEvent(v: Vector, mapping: Mapping): { event: string; properties: Json } {
  const [first] = oursRecords(v, mapping);
  if (first?.endpoint !== '/import') throw new Error('expected an event');
  return first.record as unknown as { event: string; properties: Json };
}

describe('Segment Classic vectors under the Classic-style settings', () => {
  it.each([
    ['C01', {}],
    ['C02', {}],
  ])(
    '%s: same event and shared properties; message properties Classic renamed are kept as sent',
    (id, mapping) => {
      const v = vector(id);
      const [segment] = segmentRecords(v);
      const event = oursEvent(v, mapping);
      expect(event.event).toBe(segment!.record['event']);
      const shared = classicShared(segment!);
      // Classic moved these message properties to $referrer/$search_engine/$username; we keep them.
      for (const [from, to] of [
        ['referrer', '$referrer'],
        ['searchEngine', '$search_engine'],
        ['username', '$username'],
      ] as const) {
        const input = (v.input as { properties: Json }).properties;
        if (input[from] !== undefined) {
          expect(event.properties[from]).toBe(input[from]);
          if (to === '$referrer') expect(event.properties['$referrer']).toBe(shared['$referrer']); // context.page.referrer
        }
      }
      expect(event.properties).toMatchObject(shared);
    },
  );

  it('C04: an event older than 5 years is sent (Mixpanel /import accepts ≥ 1971); Classic refused it', () => {
    expect(vector('C04').expected).toEqual([]);
    expect(oursRecords(vector('C04'))).toMatchObject([
      { endpoint: '/import', record: { event: 'Ancient' } },
    ]);
  });

  it('C05: revenue becomes a $transactions charge with revenueAsCharge (and people, which Classic docs require)', () => {
    const v = vector('C05');
    const [event, charge] = segmentRecords(v);
    const records = oursRecords(v, { revenueAsCharge: true });
    expect(records[0]?.record).toMatchObject({
      event: event!.record['event'],
      properties: classicShared(event!),
    });
    expect(records[1]).toEqual({ endpoint: '/engage', record: charge!.record });
    // v3.3.2 charged with people off; the documented behaviour (and ours) needs people on.
    expect(v.settings['people']).toBe(false);
    expect(oursRecords(v, { revenueAsCharge: true, people: false })).toHaveLength(1);
  });

  it('C07: eventIncrements $add and $set "Last <event>" (without Classic’s mp_lib on updates)', () => {
    const v = vector('C07');
    const [add, set, event] = segmentRecords(v);
    const strip = (r: SegmentRecord) => {
      const { mp_lib: _lib, ...rest } = r.record;
      return { endpoint: '/engage', record: rest };
    };
    const records = oursRecords(v, { eventIncrements: ['logged in'] });
    expect(records).toEqual([
      expect.objectContaining({ endpoint: '/import' }),
      strip(add!),
      strip(set!),
    ]);
    expect(records[0]?.record).toMatchObject({
      event: 'Logged In',
      properties: classicShared(event!),
    });
  });

  it('C08: identify with a device token; Actions-style $set plus the Classic $ios_devices union', () => {
    const v = vector('C08');
    const [classicSet, classicUnion] = segmentRecords(v);
    const [set, union] = oursRecords(v);
    expect(union).toEqual({
      endpoint: '/engage',
      record: {
        $token: TOKEN,
        $distinct_id: 'u-2008',
        $ip: '203.0.113.24',
        $union: classicUnion!.record['$union'] as Json,
      },
    });
    const classic = classicSet!.record['$set'] as Json;
    const ourSet = (set?.record as Json)['$set'] as Json;
    for (const key of ['plan', 'tags', '$email', '$name', '$phone'])
      expect(ourSet[key]).toEqual(classic[key]);
    // Differences: nested objects stay objects (Classic stringified), $created as sent (Classic
    // reformatted), no `id` trait, `token` not renamed, no $first/$last_name split from name, no
    // device keys; no $time/mp_lib/$ignore_time:false on the update.
    expect(ourSet).toEqual({
      plan: 'free',
      address: { city: 'Seoul' },
      tags: ['a', 'b'],
      token: 'user-supplied',
      $created: '2021-02-03T04:05:06Z',
      $email: 'lee@example.com',
      $name: 'Lee Park',
      $phone: '555-0100',
    });
  });

  it('C10: identify with people off is skipped', () => {
    expect(vector('C10').expected).toEqual([]);
    expect(ours(vector('C10'), { people: false })).toEqual([
      { kind: 'skipped', segmentType: 'identify', reason: 'people_disabled' },
    ]);
  });

  it.each([
    ['C11', { pageNaming: 'consolidated' }],
    ['C13', { pageNaming: 'named' }],
    ['C14', { pageNaming: 'named' }],
  ] as const)(
    '%s: the Classic page name, with name/category copied into properties',
    (id, mapping) => {
      const v = vector(id);
      const [segment] = segmentRecords(v);
      const event = oursEvent(v, mapping);
      expect(event.event).toBe(segment!.record['event']);
      expect(event.properties).toMatchObject(classicShared(segment!));
    },
  );

  it('C16: Classic sends nothing with every page option off; we have no "off" naming and send the default', () => {
    expect(vector('C16').expected).toEqual([]);
    expect(oursEvent(vector('C16'), {}).event).toBe('Viewed Home');
  });

  it('C17: alias is $create_alias with the same ids (Original ID Merge)', () => {
    const v = vector('C17');
    const [segment] = segmentRecords(v);
    const [record] = oursRecords(v, { idMergeMode: 'original' });
    expect(record?.record).toMatchObject({
      event: '$create_alias',
      properties: segment!.record['properties'] as Json,
    });
  });

  it('D01: a group without any Group Identifier Trait is ignored', () => {
    expect(ours(vector('D01'), { groupIdentifierTraits: ['company_id'] })).toEqual([
      { kind: 'skipped', segmentType: 'group', reason: 'no_group_identifier_trait' },
    ]);
  });

  it('D02: our $insert_id is the valid messageId itself; Classic’s uuidv5 namespace is not public', () => {
    const event = oursEvent(vector('D02'), {});
    expect(event.properties['$insert_id']).toBe('d0000000-0002-4000-8000-000000000002');
  });
});
