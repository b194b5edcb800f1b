import { describe, expect, it } from 'vitest';
import { SpareBuffers } from './spare-buffers.js';

describe('SpareBuffers', () => {
  it('reuses a buffer large enough, makes power-of-two ones, keeps a few', () => {
    const made: number[] = [];
    const pool = new SpareBuffers(2, (size) => {
      made.push(size);
      return new ArrayBuffer(size);
    });
    const a = pool.take(100_000);
    expect(a.byteLength).toBe(131_072);
    expect(pool.take(10).byteLength).toBe(65_536);
    pool.giveBack(a);
    expect(pool.take(120_000)).toBe(a);
    pool.giveBack(a);
    // Too small for this need: a new one, and the kept one stays for later.
    expect(pool.take(200_000).byteLength).toBe(262_144);
    expect(pool.take(1)).toBe(a);
    pool.giveBack(new ArrayBuffer(1));
    pool.giveBack(new ArrayBuffer(2));
    pool.giveBack(new ArrayBuffer(3));
    expect(made).toEqual([131_072, 65_536, 262_144]);
    expect([pool.take(3).byteLength, pool.take(2).byteLength]).toEqual([65_536, 2]);
  });
});
