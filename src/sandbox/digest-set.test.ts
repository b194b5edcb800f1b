import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DigestSet } from './digest-set.js';

const digest = (key: string): Buffer => createHash('md5').update(key).digest();

describe('DigestSet', () => {
  it('counts copies like a Map would, across growth', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 6 }), { maxLength: 400 }), (keys) => {
        const set = new DigestSet(16);
        const model = new Map<string, number>();
        for (const key of keys) {
          const before = model.get(key) ?? 0;
          expect(set.add(digest(key))).toBe(before);
          model.set(key, before + 1);
        }
        expect(set.size).toBe(model.size);
        for (const [key, copies] of model) expect(set.count(digest(key))).toBe(copies);
        expect(set.count(digest('never added \u0000'))).toBe(0);
      }),
    );
  });

  it('treats an all-zero digest as a key like any other', () => {
    const set = new DigestSet();
    expect(set.add(Buffer.alloc(16))).toBe(0);
    expect(set.add(Buffer.alloc(16))).toBe(1);
    expect(set.size).toBe(1);
  });

  it('stays compact: about 20–60 bytes per key', () => {
    const set = new DigestSet(16);
    for (let i = 0; i < 200_000; i++) set.add(digest(`k${i}`));
    expect(set.size).toBe(200_000);
    expect(set.byteLength / set.size).toBeLessThan(60);
  });
});
