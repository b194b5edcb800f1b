import { describe, expect, it } from 'vitest';
import { validateMessage } from './validate.js';

const ctx = { nowMs: Date.UTC(2025, 0, 1) };
const TS = '2024-12-30T09:15:00.000Z';
const T = Date.UTC(2024, 11, 30, 9, 15);

const valid = {
  track: { type: 'track', event: 'Signed Up', userId: 'u-1', timestamp: TS },
  page: { type: 'page', anonymousId: 'a-1', timestamp: TS },
  screen: { type: 'screen', userId: 'u-1', name: 'Home', timestamp: TS },
  identify: { type: 'identify', userId: 'u-1', traits: { plan: 'pro' }, timestamp: TS },
  group: { type: 'group', groupId: 'g-1', timestamp: TS },
  alias: { type: 'alias', userId: 'u-1', previousId: 'a-1', timestamp: TS },
} as const;

function codeOf(payload: unknown): string | undefined {
  const result = validateMessage(payload, ctx);
  return result.ok ? undefined : result.rejection.code;
}

describe('validateMessage', () => {
  it.each(Object.entries(valid))('accepts a minimal %s', (type, payload) => {
    const result = validateMessage(payload, ctx);
    expect(result).toMatchObject({ ok: true, message: { type, timeMs: T } });
  });

  it.each([
    ['null', null],
    ['an array', [valid.track]],
    ['a string', 'track'],
  ])('rejects %s as not_an_object', (_name, payload) => {
    expect(validateMessage(payload, ctx)).toMatchObject({
      ok: false,
      rejection: { code: 'not_an_object', stage: 'validate' },
    });
  });

  it.each([
    ['context', { ...valid.track, context: 'web' }],
    ['integrations', { ...valid.track, integrations: [] }],
    ['properties', { ...valid.track, properties: [1, 2] }],
    ['traits', { ...valid.identify, traits: 'pro' }],
  ])('rejects a %s that is not an object as not_an_object, naming the field', (field, payload) => {
    expect(validateMessage(payload, ctx)).toMatchObject({
      ok: false,
      segmentType: payload.type,
      rejection: { code: 'not_an_object', field },
    });
  });

  it('treats null context, properties and traits as empty', () => {
    const result = validateMessage({ ...valid.track, context: null, properties: null }, ctx);
    expect(result).toMatchObject({ ok: true, message: { context: {}, properties: {} } });
  });

  it.each([
    ['missing', { event: 'A', userId: 'u' }],
    ['unknown', { type: 'purchase', event: 'A', userId: 'u' }],
    ['capitalised', { type: 'Track', event: 'A', userId: 'u' }],
    ['not a string', { type: 1, event: 'A', userId: 'u' }],
  ])('rejects a %s type as unknown_type, without a segmentType', (_name, payload) => {
    const result = validateMessage({ ...payload, timestamp: TS }, ctx);
    expect(result).toMatchObject({ ok: false, rejection: { code: 'unknown_type', field: 'type' } });
    expect(result).not.toHaveProperty('segmentType');
  });

  describe('identity', () => {
    it.each([
      ['no ids', { type: 'track', event: 'A' }, 'missing_identity'],
      [
        'empty-string ids',
        { type: 'track', event: 'A', userId: '', anonymousId: '' },
        'missing_identity',
      ],
      ['null ids', { type: 'page', userId: null, anonymousId: null }, 'missing_identity'],
      ['an object id', { type: 'identify', userId: { id: 1 } }, 'missing_identity'],
      ['userId only', { type: 'track', event: 'A', userId: 'u' }, undefined],
      ['anonymousId only', { type: 'screen', anonymousId: 'a' }, undefined],
      ['a numeric userId', { type: 'track', event: 'A', userId: 42 }, undefined],
      ['group without groupId', { type: 'group', userId: 'u' }, 'missing_identity'],
      [
        'group with an empty groupId',
        { type: 'group', userId: 'u', groupId: '' },
        'missing_identity',
      ],
      ['group with groupId and no user ids', { type: 'group', groupId: 'g' }, undefined],
      ['alias without previousId', { type: 'alias', userId: 'u' }, 'missing_identity'],
      [
        'alias without userId (A46)',
        { type: 'alias', previousId: 'p', anonymousId: 'a' },
        'missing_identity',
      ],
      ['alias with both', { type: 'alias', previousId: 'p', userId: 'u' }, undefined],
    ])('%s', (_name, payload, code) => {
      expect(codeOf({ ...payload, timestamp: TS })).toBe(code);
    });

    // What JSON.parse makes of 9007199254740993 (2^53 + 1): 2^53, another user.
    const UNSAFE = JSON.parse('9007199254740993') as number;
    it.each([
      ['userId', { type: 'track', event: 'A', userId: UNSAFE }],
      ['anonymousId', { type: 'page', userId: 'u', anonymousId: UNSAFE }],
      ['groupId', { type: 'group', groupId: UNSAFE }],
      ['groupId', { type: 'track', event: 'A', userId: 'u', groupId: -UNSAFE }],
      ['previousId', { type: 'alias', userId: 'u', previousId: UNSAFE }],
      ['messageId', { type: 'identify', userId: 'u', messageId: 2 ** 60 }],
    ])('rejects a numeric %s above 2^53 as unsafe_integer_id', (field, payload) => {
      expect(validateMessage({ ...payload, timestamp: TS }, ctx)).toMatchObject({
        ok: false,
        segmentType: payload.type,
        rejection: { code: 'unsafe_integer_id', stage: 'validate', field },
      });
    });

    it('keeps numeric ids up to 2^53 - 1', () => {
      const result = validateMessage({ ...valid.track, userId: Number.MAX_SAFE_INTEGER }, ctx);
      expect(result.ok && result.message.userId).toBe('9007199254740991');
    });

    it('lets an empty userId fall back to the anonymousId instead of hiding it (A53)', () => {
      const result = validateMessage({ ...valid.track, userId: '', anonymousId: 'a-53' }, ctx);
      expect(result.ok && result.message).toMatchObject({ anonymousId: 'a-53' });
      expect(result.ok && result.message.userId).toBeUndefined();
    });
  });

  it.each([
    ['missing', {}],
    ['empty', { event: '' }],
    ['a number', { event: 7 }],
    ['null', { event: null }],
  ])('rejects a track whose event is %s as missing_event (A22)', (_name, patch) => {
    const { event: _e, ...rest } = valid.track;
    expect(validateMessage({ ...rest, ...patch }, ctx)).toMatchObject({
      ok: false,
      segmentType: 'track',
      rejection: { code: 'missing_event', field: 'event' },
    });
  });

  it('checks identity before the event name and the event name before time', () => {
    expect(codeOf({ type: 'track', timestamp: 'garbage' })).toBe('missing_identity');
    expect(codeOf({ type: 'track', userId: 'u', timestamp: 'garbage' })).toBe('missing_event');
    expect(codeOf({ type: 'track', userId: 'u', event: 'A', timestamp: 'garbage' })).toBe(
      'invalid_timestamp',
    );
    expect(codeOf({ type: 'track', userId: 'u', event: 'A', timestamp: '1970-06-01' })).toBe(
      'time_out_of_range',
    );
  });

  it('keeps page/screen name and category only when they are non-empty strings', () => {
    const result = validateMessage({ ...valid.page, name: '', category: 'Docs' }, ctx);
    expect(result.ok && result.message).toMatchObject({ category: 'Docs', name: undefined });
  });

  it('keeps the raw payload for insert-id hashing and stringifies numeric message ids', () => {
    const payload = { ...valid.track, messageId: 123 };
    const result = validateMessage(payload, ctx);
    expect(result.ok && result.message.raw).toBe(payload);
    expect(result.ok && result.message.messageId).toBe('123');
  });
});
