import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NOW, transformConfig, validMessage } from '../../test/support/transform-config.js';
import type { TrackMessage } from '../segment/message.js';
import { eventProperties } from './event-properties.js';
import { createRecordTransformer } from './record-transformer.js';

const T = Date.UTC(2024, 11, 30, 9, 15);
const track = (payload: Record<string, unknown>): TrackMessage =>
  validMessage({ type: 'track', event: 'E', userId: 'u-1', ...payload }) as TrackMessage;
const props = (payload: Record<string, unknown>, sourceName?: string) =>
  eventProperties(track(payload), { insertId: 'ins-1', originalName: 'E', sourceName });

/** Every context source of docs/mapping.md, so that every computed key is present. */
const FULL_CONTEXT = {
  ip: '203.0.113.24',
  app: { build: '421', version: '4.2.1', namespace: 'com.acme', name: 'Acme', platform: 'ios' },
  userAgent:
    'Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.91 Safari/537.36',
  network: { bluetooth: true, cellular: false, carrier: 'T', wifi: true },
  page: { url: 'https://x.test/a', referrer: 'https://r.test/' },
  device: {
    name: 'iPhone',
    type: 'ios',
    advertisingId: 'AD-1',
    manufacturer: 'Apple',
    model: 'iPhone15,2',
    adTrackingEnabled: false,
  },
  groupId: 'org-1',
  library: { name: 'analytics.js', version: '1.0.0' },
  locale: 'de-DE',
  os: { name: 'iOS', version: '17.4' },
  screen: { height: 852, width: 393, density: 3 },
  location: { country: 'Germany' },
  campaign: { name: 'c', content: 'ct', medium: 'm', source: 's', term: 't' },
  timezone: 'Europe/Berlin',
  userAgentData: {
    mobile: false,
    platform: 'Windows',
    bitness: '64',
    platformVersion: '15.0.0',
    uaFullVersion: '124.0.6367.91',
    wow64: false,
  },
};

describe('eventProperties', () => {
  it('emits the message properties, then every computed key of docs/mapping.md in the table order', () => {
    const out = props(
      { anonymousId: 'a-1', context: FULL_CONTEXT, properties: { plan: 'pro', seats: 5 } },
      'web',
    );
    expect(Object.keys(out)).toEqual([
      'plan',
      'seats',
      'time',
      'ip',
      'id',
      '$anon_id',
      'distinct_id',
      '$app_build_number',
      '$app_version_string',
      '$app_namespace',
      '$app_name',
      '$browser',
      '$browser_version',
      '$bluetooth_enabled',
      '$cellular_enabled',
      '$carrier',
      '$current_url',
      '$device',
      '$device_id',
      '$device_type',
      '$device_name',
      '$group_id',
      '$identified_id',
      '$insert_id',
      '$ios_ifa',
      '$lib_version',
      '$locale',
      '$manufacturer',
      '$model',
      '$os',
      '$os_version',
      '$referrer',
      '$screen_height',
      '$screen_width',
      '$screen_density',
      '$source',
      '$user_id',
      '$wifi_enabled',
      'mp_country_code',
      'mp_lib',
      'segment_source_name',
      'utm_campaign',
      'utm_content',
      'utm_medium',
      'utm_source',
      'utm_term',
      'advertising_id',
      'ad_tracking_enabled',
      'timezone',
      'app_platform',
      'event_original_name',
      '$mobile',
      '$platform',
      '$bitness',
      '$platformVersion',
      '$uaFullVersion',
      '$wow64',
    ]);
    expect(out).toMatchObject({
      time: T,
      ip: '203.0.113.24',
      id: 'u-1',
      distinct_id: 'u-1',
      $anon_id: 'a-1',
      $device_id: 'a-1',
      $user_id: 'u-1',
      $identified_id: 'u-1',
      $insert_id: 'ins-1',
      $browser: 'Chrome',
      $browser_version: '124.0.6367.91',
      $group_id: 'org-1',
      $ios_ifa: 'AD-1',
      mp_lib: 'Segment Actions: analytics.js',
      utm_campaign: 'c',
      ad_tracking_enabled: 'false',
      app_platform: 'ios',
      segment_source_name: 'web',
      $uaFullVersion: '124.0.6367.91',
      $wow64: false,
    });
  });

  it.each([
    [
      'userId and anonymousId',
      { userId: 'u', anonymousId: 'a' },
      { distinct_id: 'u', id: 'u', $device_id: 'a', $user_id: 'u' },
    ],
    [
      'anonymousId only (A02)',
      { userId: undefined, anonymousId: 'a' },
      { distinct_id: 'a', id: 'a', $device_id: 'a', $anon_id: 'a' },
    ],
    [
      'empty userId falls back to anonymousId (A53)',
      { userId: '', anonymousId: 'a' },
      { distinct_id: 'a', id: 'a' },
    ],
  ])('identity: %s', (_name, ids, expected) => {
    const out = props(ids);
    expect(out).toMatchObject(expected);
    if (ids.userId === undefined || ids.userId === '') {
      expect(out).not.toHaveProperty('$user_id');
      expect(out).not.toHaveProperty('$identified_id');
    }
  });

  it('coerces like Segment: ip 0 → "0" (A11), numbers to strings, numeric strings to numbers', () => {
    const out = props({
      context: { ip: 0, app: { build: 421 }, screen: { width: '393' }, network: { wifi: 'true' } },
    });
    expect(out).toMatchObject({
      ip: '0',
      $app_build_number: '421',
      $screen_width: 393,
      $wifi_enabled: true,
    });
  });

  it('leaves out empty strings and values that cannot be coerced', () => {
    const out = props({
      context: { page: { referrer: '', url: { href: 'x' } }, screen: { width: 'wide' }, os: null },
    });
    for (const key of ['$referrer', '$current_url', '$screen_width', '$os'])
      expect(out).not.toHaveProperty(key);
  });

  it('falls back from advertisingId to idfa for $ios_ifa, but advertising_id needs advertisingId', () => {
    const out = props({ context: { device: { idfa: 'IDFA-1' } } });
    expect(out['$ios_ifa']).toBe('IDFA-1');
    expect(out).not.toHaveProperty('advertising_id');
  });

  it('sends $browser "" for an unknown agent, and nothing without one', () => {
    expect(props({ context: { userAgent: 'curl/8' } })['$browser']).toBe('');
    expect(props({})).not.toHaveProperty('$browser');
  });

  it('sets $source to Iterable only for context.integration.name "Iterable"', () => {
    expect(props({ context: { integration: { name: 'Iterable' } } })['$source']).toBe('Iterable');
    expect(props({ context: { integration: { name: 'iterable' } } })['$source']).toBe('segment');
  });

  it('drops reserved property keys and lets other properties override computed ones in place (A10); keeps $group_id', () => {
    const out = props({
      context: { ip: '1.1.1.1' },
      properties: {
        time: 1,
        id: 'x',
        distinct_id: 'x',
        $insert_id: 'x',
        $user_id: 'x',
        $anon_id: 'x',
        $group_id: 'x',
        ip: '2.2.2.2',
        token: 't',
      },
    });
    expect(out).toMatchObject({
      time: T,
      id: 'u-1',
      distinct_id: 'u-1',
      $insert_id: 'ins-1',
      ip: '2.2.2.2',
      token: 't',
    });
    expect(out).not.toHaveProperty('$anon_id');
    expect(out['$group_id']).toBe('x');
    expect(Object.keys(out).indexOf('ip')).toBe(1);
  });

  it('keeps a property named like a computed key where the message has it, computed or not', () => {
    const out = props({
      context: { library: { name: 'analytics.js' }, os: { name: 'iOS' } },
      properties: { first: 1, mp_lib: 'mine', $os: 'Plan 9', $group_id: 'g-1', last: 2 },
    });
    const keys = Object.keys(out);
    expect(keys.slice(0, 5)).toEqual(['first', 'mp_lib', '$os', '$group_id', 'last']);
    expect(keys.filter((k) => k === 'mp_lib' || k === '$os')).toHaveLength(2);
    expect(keys[5]).toBe('time');
    expect(out).toMatchObject({ mp_lib: 'mine', $os: 'Plan 9', $group_id: 'g-1' });
  });

  /** Every computed key a message property may replace, and the reserved ones it never does. */
  const OVERRIDABLE = ['ip', '$device_id', 'mp_lib', '$source', '$browser', '$os', '$group_id'];
  const RESERVED = ['time', 'id', 'distinct_id', '$insert_id', '$user_id', '$anon_id'];
  it.each([
    ['plain values', {}],
    ['a value made safe (non-finite number)', { odd: Number.NaN }],
    ['a reserved key', { $anon_id: 'x' }],
    ['a nested value deeper than Mixpanel keeps', { deep: { a: { b: { c: 1 } } } }],
  ])(
    'resolves collisions the same way with %s among the properties',
    (_name, extra: Record<string, unknown>) => {
      const properties: Record<string, unknown> = { ...extra };
      for (const key of OVERRIDABLE) properties[key] = `message ${key}`;
      for (const key of RESERVED) properties[key] = `message ${key}`;
      const out = props({
        anonymousId: 'a-1',
        context: { ip: '1.1.1.1', os: { name: 'iOS' }, library: { name: 'l' }, groupId: 'g' },
        properties,
      });
      for (const key of OVERRIDABLE) expect(out[key]).toBe(`message ${key}`);
      expect(out).toMatchObject({
        time: T,
        id: 'u-1',
        distinct_id: 'u-1',
        $insert_id: 'ins-1',
        $user_id: 'u-1',
        $anon_id: 'a-1',
      });
      const keys = Object.keys(out);
      const kept = Object.keys(properties).filter((k) => !RESERVED.includes(k));
      expect(keys.slice(0, kept.length)).toEqual(kept);
      expect(keys[kept.length]).toBe('time');
      expect(new Set(keys).size).toBe(keys.length);
    },
  );

  it('renames length and bucket on request, and writes a Classic mp_lib', () => {
    const message = validMessage({
      type: 'track',
      event: 'E',
      userId: 'u',
      properties: { length: 3, bucket: 'b' },
    }) as TrackMessage;
    const out = eventProperties(message, {
      insertId: 'i',
      originalName: 'E',
      sourceName: undefined,
      mpLib: 'classic',
      renameReserved: true,
    });
    expect(out).toMatchObject({ mp_lib: 'Segment: unknown', length_: 3, bucket_: 'b' });
    expect(out).not.toHaveProperty('length');
  });

  it('drops __proto__ and keeps the output a plain object', () => {
    const message = validMessage(
      JSON.parse(
        '{"type":"track","event":"E","userId":"u","properties":{"__proto__":{"x":1},"constructor":"c"}}',
      ),
    );
    const out = eventProperties(message as TrackMessage, {
      insertId: 'i',
      originalName: 'E',
      sourceName: undefined,
    });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out).not.toHaveProperty('x');
    expect(Object.keys(out)).toContain('constructor');
    expect(Object.keys(out)).not.toContain('__proto__');
  });

  it('forwards nested, null, array and numeric-string properties as sent (A09)', () => {
    const properties = {
      nested: { a: { b: 1 } },
      none: null,
      list: [1, 'two', { three: 3 }],
      num: '42',
    };
    expect(props({ properties })).toMatchObject(properties);
  });
});

describe('event properties across resends', () => {
  it('are byte-identical for the same message, in one transformer and in a fresh one', () => {
    const key = fc.constantFrom('plan', 'ip', '$os', 'mp_lib', 'time', '$anon_id', 'seats', '0');
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
    const message = fc.record({
      type: fc.constantFrom('track', 'page', 'screen'),
      event: fc.constant('E'),
      userId: fc.constantFrom('u-1', undefined),
      anonymousId: fc.constant('a-1'),
      messageId: fc.constant('m-1'),
      timestamp: fc.constant('2025-06-01T00:00:00Z'),
      properties: fc.dictionary(key, fc.oneof(value, fc.dictionary(key, value))),
      context: fc.record({ ip: fc.string(), os: fc.record({ name: fc.string() }) }),
    });
    const first = createRecordTransformer(transformConfig());
    fc.assert(
      fc.property(message, (m) => {
        const bytes = Buffer.from(JSON.stringify(m));
        const once = JSON.stringify(first.transformRecord(bytes, { nowMs: NOW }));
        expect(JSON.stringify(first.transformRecord(bytes, { nowMs: NOW }))).toBe(once);
        const fresh = createRecordTransformer(transformConfig());
        expect(JSON.stringify(fresh.transformRecord(bytes, { nowMs: NOW }))).toBe(once);
      }),
      { numRuns: 300, seed: 16 },
    );
  });
});
