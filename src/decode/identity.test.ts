import { describe, expect, it } from 'vitest';
import { normaliseId } from './identity.js';

describe('normaliseId', () => {
  it('keeps non-empty strings, stringifies finite numbers, drops the rest', () => {
    expect(normaliseId('u')).toBe('u');
    expect(normaliseId(42)).toBe('42');
    expect(normaliseId(0)).toBe('0');
    expect(normaliseId('')).toBeUndefined();
    expect(normaliseId(Number.NaN)).toBeUndefined();
    expect(normaliseId(true)).toBeUndefined();
  });
});
