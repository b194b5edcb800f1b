import { describe, expect, it } from 'vitest';
import { decodeJson } from './json.js';

const options = { maxNestingDepth: 64 };
const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const decode = (input: string | Uint8Array, opts = options) =>
  decodeJson(typeof input === 'string' ? bytes(input) : input, opts);

describe('decodeJson', () => {
  it('returns one payload for one message', () => {
    expect(decode('{"type":"track","event":"A"}')).toEqual({
      ok: true,
      payloads: [{ type: 'track', event: 'A' }],
    });
  });

  it('reads a Uint8Array that is a view into a larger buffer', () => {
    const whole = Buffer.from('xx{"a":1}yy');
    expect(decode(whole.subarray(2, 9))).toEqual({ ok: true, payloads: [{ a: 1 }] });
  });

  it('ignores a leading UTF-8 byte-order mark', () => {
    expect(decode(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('{"a":1}')]))).toEqual({
      ok: true,
      payloads: [{ a: 1 }],
    });
  });

  it.each([
    ['a 0xff byte', [0x7b, 0xff, 0x7d]],
    ['an overlong encoding of "/"', [0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x7d]],
    ['a truncated 3-byte sequence', [0x22, 0xe2, 0x82, 0x22]],
    ['a UTF-8-encoded surrogate (CESU-8)', [0x22, 0xed, 0xa0, 0x80, 0x22]],
  ])('rejects %s as invalid_utf8', (_name, raw) => {
    expect(decode(Uint8Array.from(raw))).toMatchObject({
      ok: false,
      rejection: { code: 'invalid_utf8', stage: 'decode' },
    });
  });

  it.each([
    ['a lone high surrogate in a value', '{"a":"\\ud800"}'],
    ['a lone low surrogate in a value', '{"a":"x\\uDFFFy"}'],
    ['a lone surrogate in a key', '{"\\ud83d":1}'],
    ['a reversed pair', '{"a":"\\ude80\\ud83d"}'],
  ])('rejects %s as invalid_utf8', (_name, text) => {
    expect(decode(text)).toMatchObject({ ok: false, rejection: { code: 'invalid_utf8' } });
  });

  it.each([
    ['an escaped surrogate pair', '{"a":"\\ud83d\\ude80"}', { a: '🚀' }],
    ['a literal backslash before u-d-8-0-0', '{"a":"\\\\ud800"}', { a: '\\ud800' }],
    ['raw non-ASCII text', '{"名前":"テスト ✅"}', { 名前: 'テスト ✅' }],
  ])('accepts %s', (_name, text, value) => {
    expect(decode(text)).toEqual({ ok: true, payloads: [value] });
  });

  it.each([
    ['empty input', ''],
    ['only whitespace', '   '],
    ['truncated JSON', '{"type":"track"'],
    ['trailing garbage', '{"a":1} x'],
    ['single quotes', "{'a':1}"],
    ['NaN', '{"a":NaN}'],
  ])('rejects %s as invalid_json', (_name, text) => {
    expect(decode(text)).toMatchObject({
      ok: false,
      rejection: { code: 'invalid_json', stage: 'decode' },
    });
  });

  it.each([
    ['null', 'null'],
    ['an array', '[{"type":"track"}]'],
    ['a string', '"track"'],
    ['a number', '42'],
  ])('rejects %s as not_an_object', (_name, text) => {
    expect(decode(text)).toMatchObject({
      ok: false,
      rejection: { code: 'not_an_object', stage: 'decode' },
    });
  });

  describe('nesting depth', () => {
    const nested = (depth: number): string =>
      '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);

    it('accepts exactly maxNestingDepth levels and rejects one more', () => {
      expect(decode(nested(4), { maxNestingDepth: 4 })).toMatchObject({ ok: true });
      expect(decode(nested(5), { maxNestingDepth: 4 })).toMatchObject({
        ok: false,
        rejection: {
          code: 'invalid_json',
          message: expect.stringContaining('nested deeper than 4'),
        },
      });
    });

    it('counts arrays as levels', () => {
      expect(decode('{"a":[[[1]]]}', { maxNestingDepth: 4 })).toMatchObject({ ok: true });
      expect(decode('{"a":[[[[1]]]]}', { maxNestingDepth: 4 })).toMatchObject({ ok: false });
    });

    it('rejects a million-deep array without overflowing the stack', () => {
      const deep = '{"a":' + '['.repeat(1_000_000) + ']'.repeat(1_000_000) + '}';
      expect(decode(deep)).toMatchObject({ ok: false, rejection: { code: 'invalid_json' } });
    });
  });

  describe('Segment batch payloads', () => {
    it('expands the batch in order', () => {
      expect(
        decode('{"batch":[{"type":"track","event":"A"},{"type":"identify","userId":"u"}]}'),
      ).toEqual({
        ok: true,
        payloads: [
          { type: 'track', event: 'A' },
          { type: 'identify', userId: 'u' },
        ],
      });
    });

    it('applies top-level context, integrations and sentAt as defaults, the message winning', () => {
      const payload = {
        batch: [
          {
            type: 'track',
            event: 'A',
            context: { ip: '1.1.1.1' },
            integrations: { Mixpanel: true },
          },
          { type: 'track', event: 'B', sentAt: '2024-12-30T00:00:00Z' },
          { type: 'track', event: 'C', context: null },
        ],
        context: { ip: '9.9.9.9', library: { name: 'analytics-node' } },
        integrations: { All: false },
        sentAt: '2024-12-31T00:00:00Z',
      };
      const result = decode(JSON.stringify(payload));
      expect(result).toEqual({
        ok: true,
        payloads: [
          {
            type: 'track',
            event: 'A',
            context: { ip: '1.1.1.1', library: { name: 'analytics-node' } },
            integrations: { All: false, Mixpanel: true },
            sentAt: '2024-12-31T00:00:00Z',
          },
          {
            type: 'track',
            event: 'B',
            sentAt: '2024-12-30T00:00:00Z',
            context: payload.context,
            integrations: { All: false },
          },
          {
            type: 'track',
            event: 'C',
            context: payload.context,
            integrations: { All: false },
            sentAt: payload.sentAt,
          },
        ],
      });
    });

    it('keeps non-object elements for validation to reject one by one', () => {
      expect(decode('{"batch":[1,{"type":"track"},null]}')).toEqual({
        ok: true,
        payloads: [1, { type: 'track' }, null],
      });
    });

    it('expands an empty batch to no payloads', () => {
      expect(decode('{"batch":[]}')).toEqual({ ok: true, payloads: [] });
    });

    it('treats an object with both batch and type as a message', () => {
      expect(decode('{"type":"track","batch":[]}')).toEqual({
        ok: true,
        payloads: [{ type: 'track', batch: [] }],
      });
    });

    it('keeps a __proto__ key of the batch context as data and leaves Object.prototype alone', () => {
      const result = decode(
        '{"batch":[{"type":"track","context":{"a":1}}],"context":{"__proto__":{"polluted":true}}}',
      );
      expect(result.ok).toBe(true);
      const context = (result as { payloads: Array<{ context: object }> }).payloads[0]
        ?.context as Record<string, unknown>;
      expect(Object.getPrototypeOf(context)).toBe(Object.prototype);
      expect(Object.keys(context)).toEqual(['__proto__', 'a']);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });
  });
});

describe('mayNestDeeperThan', () => {
  it('is true whenever the real depth is deeper, and settles shallow text without a walk', async () => {
    const { mayNestDeeperThan } = await import('./json-tree.js');
    expect(mayNestDeeperThan('{"a":[1,{"b":2}]}', 3)).toBe(false);
    expect(mayNestDeeperThan('{"a":[1,{"b":{}}]}', 3)).toBe(true);
    expect(mayNestDeeperThan('{"a":"[[[[["}', 3)).toBe(true); // conservative: brackets in strings count
  });
});
