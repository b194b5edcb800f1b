import { describe, expect, it } from 'vitest';
import { mappingSettings, TOKEN, validMessage } from '../../test/support/transform-config.js';
import type { ConfigInput } from '../config/schema.js';
import type { IdentifyMessage } from '../segment/message.js';
import { mapIdentify } from './identify.js';
import { insertIds } from './insert-id.js';

type Mapping = NonNullable<ConfigInput['mapping']>;
const T = Date.UTC(2024, 11, 30, 9, 15);
const identify = (payload: Record<string, unknown>) =>
  validMessage({
    type: 'identify',
    userId: 'u-1',
    messageId: 'm-1',
    ...payload,
  }) as IdentifyMessage;
const map = (payload: Record<string, unknown>, mapping: Mapping = {}) =>
  mapIdentify(identify(payload), mappingSettings(mapping));
const engage = (op: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  endpoint: '/engage',
  record: { $token: TOKEN, $distinct_id: 'u-1', ...extra, ...op },
});

describe('mapIdentify', () => {
  it('renames the special traits after the others, in Segment order (A34)', () => {
    const traits = {
      email: 'a@x',
      firstName: 'Ana',
      lastName: 'Silva',
      username: 'ana',
      phone: '1',
      created_at: '2023-05-04T10:00:00Z',
      plan: 'pro',
      logins: 12,
    };
    expect(map({ traits, context: { ip: '203.0.113.24' } })).toEqual({
      records: [
        engage(
          {
            $set: {
              plan: 'pro',
              logins: 12,
              $created: '2023-05-04T10:00:00Z',
              $email: 'a@x',
              $first_name: 'Ana',
              $last_name: 'Silva',
              $name: 'Ana Silva',
              $username: 'ana',
              $phone: '1',
            },
          },
          { $ip: '203.0.113.24' },
        ),
      ],
    });
  });

  it.each([
    [
      { name: 'N', firstName: 'A', lastName: 'B' },
      { $first_name: 'A', $last_name: 'B', $name: 'N' },
    ],
    [{ firstName: 'A' }, { $first_name: 'A' }],
    [{ created: 'c1', createdAt: 'c2', created_at: 'c3' }, { $created: 'c1' }],
    [{ created: null, createdAt: 'c2' }, { $created: 'c2' }],
    [{ email: null }, { $email: null }],
  ])('special traits %j → %j', (traits, expected) => {
    const out = map({ traits });
    expect('records' in out && out.records[0]?.record).toEqual({
      $token: TOKEN,
      $distinct_id: 'u-1',
      $set: expected,
    });
  });

  it('keeps arrays, nested objects and null in $set and sends ip 0 as "0" (A39)', () => {
    const traits = { tags: ['a', 'b'], address: { city: 'Seoul' }, nothing: null };
    expect(map({ traits, context: { ip: 0 } })).toEqual({
      records: [engage({ $set: traits }, { $ip: '0' })],
    });
  });

  it('uses the anonymousId as $distinct_id without a userId (A36, A37)', () => {
    const out = map({ userId: null, anonymousId: 'a-1', traits: { theme: 'dark' } });
    expect(out).toEqual({
      records: [
        {
          endpoint: '/engage',
          record: { $token: TOKEN, $distinct_id: 'a-1', $set: { theme: 'dark' } },
        },
      ],
    });
  });

  it('adds $ignore_time for context.active false', () => {
    expect(map({ traits: { a: 1 }, context: { active: false } })).toEqual({
      records: [engage({ $set: { a: 1 } }, { $ignore_time: true })],
    });
  });

  it('unions context.device.token into $ios_devices (C08)', () => {
    expect(map({ traits: { a: 1 }, context: { device: { token: 'tok' } } })).toEqual({
      records: [engage({ $set: { a: 1 } }), engage({ $union: { $ios_devices: ['tok'] } })],
    });
    expect(map({ traits: {}, context: { device: { token: 'tok' } } })).toEqual({
      records: [engage({ $union: { $ios_devices: ['tok'] } })],
    });
  });

  describe('settings', () => {
    const traits = { plan: 'pro', tags: ['a'], empty: [], first_seen: '2024', email: 'a@x' };

    it('setAllTraits false: only peopleTraits and the special traits', () => {
      expect(map({ traits }, { setAllTraits: false, peopleTraits: ['plan'] })).toEqual({
        records: [engage({ $set: { plan: 'pro', $email: 'a@x' } })],
      });
    });

    it('setOnceTraits go through $set_once, special ones under their Mixpanel name', () => {
      expect(map({ traits }, { setOnceTraits: ['first_seen', 'email'] })).toEqual({
        records: [
          engage({ $set: { plan: 'pro', tags: ['a'], empty: [] } }),
          engage({ $set_once: { first_seen: '2024', $email: 'a@x' } }),
        ],
      });
    });

    it('arrayTraits union sends non-empty arrays through $union, empty ones stay in $set', () => {
      expect(
        map({ traits, context: { device: { token: 'tok' } } }, { arrayTraits: 'union' }),
      ).toEqual({
        records: [
          engage({ $set: { plan: 'pro', empty: [], first_seen: '2024', $email: 'a@x' } }),
          engage({ $union: { tags: ['a'], $ios_devices: ['tok'] } }),
        ],
      });
    });

    it('setOnceTraits win over arrayTraits', () => {
      const out = map(
        { traits: { tags: ['a'] } },
        { arrayTraits: 'union', setOnceTraits: ['tags'] },
      );
      expect(out).toEqual({ records: [engage({ $set_once: { tags: ['a'] } })] });
    });

    it('reads configured trait names as own properties only', () => {
      expect(
        map(
          { traits: { a: 1 } },
          { setAllTraits: false, peopleTraits: ['constructor', 'toString'] },
        ),
      ).toEqual({ skip: 'no_profile_update' });
    });
  });

  describe('skips', () => {
    it('no_profile_update for empty traits (A38) or no traits', () => {
      expect(map({ anonymousId: 'a', traits: {} })).toEqual({ skip: 'no_profile_update' });
      expect(map({})).toEqual({ skip: 'no_profile_update' });
    });

    it('people_disabled with people: false (C10)', () => {
      expect(map({ traits: { plan: 'x' } }, { people: false })).toEqual({
        skip: 'people_disabled',
      });
    });
  });

  describe('idMergeMode original', () => {
    const original = { idMergeMode: 'original' } as const;
    const identifyEvent = (source?: string) => ({
      endpoint: '/import',
      record: {
        event: '$identify',
        properties: {
          time: T,
          distinct_id: 'u-1',
          $insert_id: insertIds({ messageId: 'm-1', raw: {} }).derived('$identify'),
          $identified_id: 'u-1',
          $anon_id: 'a-1',
          token: TOKEN,
          ...(source ? { segment_source_name: source } : {}),
        },
      },
    });

    it('sends $identify first when both ids are present and differ (A34)', () => {
      expect(
        map({ anonymousId: 'a-1', traits: { a: 1 } }, { ...original, sourceName: 'ios-prod' }),
      ).toEqual({
        records: [identifyEvent('ios-prod'), engage({ $set: { a: 1 } })],
      });
    });

    it('sends $identify alone for empty traits (A38) and with people off', () => {
      expect(map({ anonymousId: 'a-1', traits: {} }, original)).toEqual({
        records: [identifyEvent()],
      });
      expect(map({ anonymousId: 'a-1', traits: { a: 1 } }, { ...original, people: false })).toEqual(
        { records: [identifyEvent()] },
      );
    });

    it.each([
      ['no anonymousId (A35)', { traits: { a: 1 } }],
      ['no userId (A36, A37)', { userId: null, anonymousId: 'a-1', traits: { a: 1 } }],
      ['equal ids', { anonymousId: 'u-1', traits: { a: 1 } }],
    ])('sends no $identify with %s', (_name, payload) => {
      const out = map(payload, original);
      expect('records' in out && out.records.every((r) => r.endpoint === '/engage')).toBe(true);
    });

    it('never sends $identify in simplified mode', () => {
      const out = map({ anonymousId: 'a-1', traits: { a: 1 } });
      expect('records' in out && out.records.map((r) => r.endpoint)).toEqual(['/engage']);
    });
  });
});
