import { describe, expect, it } from 'vitest';
import { PLACEHOLDER_IDS } from '../mixpanel/placeholder-ids.js';
import { checkEvent, type EventRules } from './event-rules.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const NOW_S = Math.floor(NOW / 1000);
const strict: EventRules = { now: NOW, idMergeMode: 'original', maxProperties: 255, strict: true };

function event(properties: Record<string, unknown>, name: unknown = 'Viewed'): unknown {
  return {
    event: name,
    properties: { time: NOW_S - 60, distinct_id: 'u1', $insert_id: 'abc-123', ...properties },
  };
}

function nested(depth: number): unknown {
  return depth === 0 ? 'leaf' : { level: nested(depth - 1) };
}

/** [name, input, rules, expected field of the failure or 'ok']: Mixpanel's strict-mode rules. */
const rows: [string, unknown, EventRules, string][] = [
  ['a valid event with time in seconds', event({}), strict, 'ok'],
  ['a valid event with time in ms', event({ time: NOW - 5000 }), strict, 'ok'],
  ['not an object', 'hello', strict, 'event'],
  ['event missing', { properties: {} }, strict, 'event'],
  ['event not a string', event({}, 42), strict, 'event'],
  ['properties not an object', { event: 'E', properties: [1] }, strict, 'properties'],
  ['time missing', event({ time: undefined }), strict, 'properties.time'],
  ['time a string', event({ time: '1700000000' }), strict, 'properties.time'],
  ['time before 1971-01-01', event({ time: 86_400 * 300 }), strict, 'properties.time'],
  ['time more than 1 h ahead', event({ time: NOW_S + 2 * 3600 }), strict, 'properties.time'],
  ['time 30 min ahead is accepted', event({ time: NOW_S + 1800 }), strict, 'ok'],
  [
    'distinct_id missing on an Original project',
    event({ distinct_id: undefined }),
    strict,
    'properties.distinct_id',
  ],
  ['distinct_id empty string is allowed', event({ distinct_id: '' }), strict, 'ok'],
  ['distinct_id a number', event({ distinct_id: 7 }), strict, 'properties.distinct_id'],
  [
    'distinct_id placeholder "null"',
    event({ distinct_id: 'null' }),
    strict,
    'properties.distinct_id',
  ],
  [
    'distinct_id placeholder in another case "Undefined"',
    event({ distinct_id: 'Undefined' }),
    strict,
    'properties.distinct_id',
  ],
  ['$insert_id missing', event({ $insert_id: undefined }), strict, '$insert_id'],
  ['$insert_id of 36 characters', event({ $insert_id: 'a'.repeat(36) }), strict, 'ok'],
  ['$insert_id of 37 characters', event({ $insert_id: 'a'.repeat(37) }), strict, '$insert_id'],
  ['$insert_id with a colon', event({ $insert_id: 'ajs-next-1:2' }), strict, '$insert_id'],
  ['$insert_id with a non-ASCII letter', event({ $insert_id: 'café' }), strict, '$insert_id'],
  ['$insert_id placeholder "-1"', event({ $insert_id: '-1' }), strict, '$insert_id'],
  ['$insert_id a number', event({ $insert_id: 123 }), strict, '$insert_id'],
  [
    '254 properties',
    event(Object.fromEntries(Array.from({ length: 251 }, (_, i) => [`p${i}`, i]))),
    strict,
    'ok',
  ],
  [
    '255 properties',
    event(Object.fromEntries(Array.from({ length: 252 }, (_, i) => [`p${i}`, i]))),
    strict,
    'properties',
  ],
  [
    'a nested object of 255 keys',
    event({ obj: Object.fromEntries(Array.from({ length: 255 }, (_, i) => [`k${i}`, i])) }),
    strict,
    'properties.obj',
  ],
  [
    'a list of 255 items',
    event({ list: Array.from({ length: 255 }, (_, i) => i) }),
    strict,
    'properties.list',
  ],
  ['a list of 254 items', event({ list: Array.from({ length: 254 }, (_, i) => i) }), strict, 'ok'],
  ['objects nested 3 deep', event({ deep: nested(2) }), strict, 'ok'],
  [
    'objects nested 4 deep',
    event({ deep: nested(4) }),
    strict,
    'properties.deep.level.level.level',
  ],
  [
    'a lone surrogate: not valid UTF-8',
    event({ utm_source: 'a\ud800b' }),
    strict,
    'properties.utm_source',
  ],
  [
    'a long string is accepted (truncated when stored)',
    event({ long: 'x'.repeat(1000) }),
    strict,
    'ok',
  ],
  [
    'non-strict: time and $insert_id may be missing',
    event({ time: undefined, $insert_id: undefined }),
    { ...strict, strict: false },
    'ok',
  ],
];

describe('checkEvent', () => {
  it.each(rows)('%s', (_name, input, rules, expected) => {
    const verdict = checkEvent(input, rules);
    expect(verdict.ok ? 'ok' : verdict.field).toBe(expected);
    if (!verdict.ok) expect(verdict.message).toMatch(/^'[^']+' is invalid: /);
  });

  it('rejects every documented placeholder as distinct_id and $insert_id, in any case', () => {
    expect(PLACEHOLDER_IDS.size).toBe(17);
    for (const id of PLACEHOLDER_IDS) {
      for (const variant of [id, id.toUpperCase()]) {
        const asDistinct = checkEvent(event({ distinct_id: variant }), strict);
        expect(asDistinct.ok ? 'ok' : asDistinct.field).toBe('properties.distinct_id');
        const asInsert = checkEvent(event({ $insert_id: variant }), strict);
        expect(asInsert.ok).toBe(false);
      }
    }
  });

  it('reports time as sent (for the dedupe key) and clamps a near-future time when stored', () => {
    const verdict = checkEvent(event({ time: NOW_S + 1800 }), strict);
    expect(verdict).toMatchObject({ ok: true, timeMs: (NOW_S + 1800) * 1000, storedTimeMs: NOW });
    const ms = checkEvent(event({ time: NOW - 1234 }), strict);
    expect(ms).toMatchObject({ ok: true, timeMs: NOW - 1234, storedTimeMs: NOW - 1234 });
  });

  it('quotes the observed messages', () => {
    const future = checkEvent(event({ time: NOW_S + 7 * 3600 }), strict);
    expect(future.ok || future.message).toBe(
      "'properties.time' is invalid: must not be in the future",
    );
    const id = checkEvent(event({ $insert_id: 'a b' }), strict);
    expect(id.ok || id.message).toBe(
      "'$insert_id' is invalid: must only contain alphanumeric or hyphen '-' characters",
    );
    expect(id.ok || id.insertId).toBe('a b');
  });

  it('derives distinct_id on a Simplified project: $user_id, else $device: + $device_id', () => {
    const simplified = { ...strict, idMergeMode: 'simplified' as const };
    expect(
      checkEvent(
        event({ distinct_id: undefined, $user_id: 'user-9', $device_id: 'd' }),
        simplified,
      ),
    ).toMatchObject({ ok: true, distinctId: 'user-9' });
    expect(
      checkEvent(event({ distinct_id: undefined, $device_id: 'dev-1' }), simplified),
    ).toMatchObject({ ok: true, distinctId: '$device:dev-1' });
    expect(checkEvent(event({ distinct_id: undefined }), simplified).ok).toBe(false);
  });

  it('flags identity events', () => {
    for (const name of ['$identify', '$create_alias', '$merge']) {
      expect(checkEvent(event({}, name), strict)).toMatchObject({ ok: true, identity: true });
    }
    expect(checkEvent(event({}, 'Signed Up'), strict)).toMatchObject({ ok: true, identity: false });
  });
});
