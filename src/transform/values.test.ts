import { describe, expect, it } from 'vitest';
import { safeValue } from './values.js';

describe('safeValue', () => {
  it('returns JSON that needs no change as the same reference (copy-on-write)', () => {
    const value = { a: [1, 'x', null, { b: true }], c: { d: { e: 1 } } };
    expect(safeValue(value)).toBe(value);
  });

  it('keeps containers to level 3 and stringifies a container at level 4', () => {
    const value = { l2: { l3: { l4: { deep: [1, { x: 'y' }] }, keep: 1 } } };
    expect(safeValue(value)).toEqual({ l2: { l3: { l4: '{"deep":[1,{"x":"y"}]}', keep: 1 } } });
    expect(value.l2.l3.l4).toEqual({ deep: [1, { x: 'y' }] }); // the input is not mutated
  });

  it('counts arrays as levels too', () => {
    expect(safeValue([[[1, [2]]]])).toEqual([[[1, '[2]']]]);
    expect(safeValue([[[1, 2]]])).toEqual([[[1, 2]]]);
  });

  it('drops __proto__ keys at every level, including inside stringified subtrees', () => {
    const value = JSON.parse(
      '{"__proto__":{"polluted":1},"a":{"__proto__":[1],"b":2},"c":{"d":{"e":{"__proto__":1,"f":2}}}}',
    );
    const safe = safeValue(value) as Record<string, unknown>;
    expect(Object.keys(safe)).toEqual(['a', 'c']);
    expect(JSON.stringify(safe)).toBe('{"a":{"b":2},"c":{"d":{"e":"{\\"f\\":2}"}}}');
    expect(Object.getPrototypeOf(safe['a'])).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('keeps constructor and prototype keys as plain data', () => {
    const value = JSON.parse('{"constructor":"Ferrari","prototype":{"v":1}}');
    expect(safeValue(value)).toBe(value);
  });

  it('maps non-JSON values (Avro) to JSON', () => {
    expect(
      safeValue({
        n: Number.NaN,
        i: Number.POSITIVE_INFINITY,
        big: 12345678901234567890n,
        when: new Date(Date.UTC(2024, 0, 1)),
        gone: undefined,
        fn: () => 1,
        arr: [undefined, Symbol('s')],
      }),
    ).toEqual({
      n: null,
      i: null,
      big: '12345678901234567890',
      when: '2024-01-01T00:00:00.000Z',
      arr: [null, null],
    });
  });

  it('drops undefined at the top level', () => {
    expect(safeValue(undefined)).toBeUndefined();
  });
});
