import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('escapes like JSON and keeps __proto__ as an ordinary key', () => {
    expect(canonicalJson(JSON.parse('{"__proto__":{"x":"é\\n"},"a":"\\""}'))).toBe(
      '{"__proto__":{"x":"é\\n"},"a":"\\""}',
    );
  });

  it('is total over non-JSON values', () => {
    expect(canonicalJson({ a: undefined, b: 1n, c: [undefined, Number.NaN], d: new Date(0) })).toBe(
      '{"b":"1","c":[null,null],"d":"1970-01-01T00:00:00.000Z"}',
    );
  });
});
