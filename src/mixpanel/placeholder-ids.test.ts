import { describe, expect, it } from 'vitest';
import { isPlaceholderId, PLACEHOLDER_IDS } from './placeholder-ids.js';

describe('isPlaceholderId', () => {
  it('finds every placeholder in any case, and nothing else', () => {
    for (const id of PLACEHOLDER_IDS) {
      expect(isPlaceholderId(id)).toBe(true);
      expect(isPlaceholderId(id.toUpperCase())).toBe(true);
      expect(isPlaceholderId(`${id}x`)).toBe(false);
      expect(isPlaceholderId(` ${id}`)).toBe(false);
    }
    expect(isPlaceholderId('NuLl')).toBe(true);
    // The Kelvin sign lower-cases to an ASCII "k": a placeholder once lower-cased, as before.
    expect(isPlaceholderId('un\u212Anown')).toBe(true);
    for (const id of ['user-1', 'f3a1c2d4-0000-0000-0000-000000000000', '', 'nulls', 1, null])
      expect(isPlaceholderId(id)).toBe(false);
  });
});
