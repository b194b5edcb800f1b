import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/harness/manual-clock.js';
import { Batcher, type Batch } from './batcher.js';

function setup(options: { maxRecords?: number; maxBytes?: number; lingerMs?: number } = {}) {
  const clock = new ManualClock();
  const batches: Batch<string>[] = [];
  const batcher = new Batcher<string>({
    maxRecords: options.maxRecords ?? 3,
    maxBytes: options.maxBytes ?? 1000,
    lingerMs: options.lingerMs ?? 100,
    clock,
    onBatch: (b) => batches.push(b),
  });
  return { clock, batches, batcher };
}

describe('Batcher', () => {
  it('closes a batch when it reaches maxRecords', () => {
    const { batcher, batches } = setup({ maxRecords: 3 });
    for (const r of ['a', 'b', 'c', 'd']) batcher.add(r, 10);
    expect(batches.map((b) => [b.items, b.reason])).toEqual([[['a', 'b', 'c'], 'size']]);
    expect(batcher.size).toBe(1);
  });

  it('closes before a record would push the body over maxBytes', () => {
    const { batcher, batches } = setup({ maxRecords: 100, maxBytes: 40 });
    batcher.add('a', 15); // 2 + 16
    batcher.add('b', 15); // 34
    batcher.add('c', 15); // would be 50 > 40
    expect(batches).toEqual([{ items: ['a', 'b'], bytes: 34, reason: 'bytes' }]);
    expect(batcher.size).toBe(1);
  });

  it('closes when the body exactly reaches maxBytes', () => {
    const { batcher, batches } = setup({ maxRecords: 100, maxBytes: 20 });
    batcher.add('a', 17); // 2 + 18 = 20
    expect(batches.map((b) => b.reason)).toEqual(['bytes']);
  });

  it('sends a record larger than maxBytes alone rather than dropping it', () => {
    const { batcher, batches } = setup({ maxRecords: 100, maxBytes: 20 });
    batcher.add('small', 5);
    batcher.add('huge', 50);
    expect(batches.map((b) => b.items)).toEqual([['small'], ['huge']]);
  });

  it('flushes a partial batch lingerMs after its first record arrived', async () => {
    const { batcher, batches, clock } = setup({ lingerMs: 100 });
    batcher.add('a', 1);
    await clock.advance(60);
    batcher.add('b', 1);
    await clock.advance(39);
    expect(batches).toEqual([]);
    await clock.advance(1);
    expect(batches.map((b) => [b.items, b.reason])).toEqual([[['a', 'b'], 'time']]);
  });

  it('starts the linger clock again for the next batch', async () => {
    const { batcher, batches, clock } = setup({ maxRecords: 2, lingerMs: 100 });
    batcher.add('a', 1);
    batcher.add('b', 1); // closes by size, cancelling the timer
    await clock.advance(50);
    batcher.add('c', 1);
    await clock.advance(99);
    expect(batches.map((b) => b.reason)).toEqual(['size']);
    await clock.advance(1);
    expect(batches.map((b) => b.reason)).toEqual(['size', 'time']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('flushes on demand with the reason given, and not when empty', () => {
    const { batcher, batches } = setup();
    batcher.flush('shutdown');
    batcher.add('a', 1);
    batcher.flush('rebalance');
    expect(batches.map((b) => [b.items, b.reason])).toEqual([[['a'], 'rebalance']]);
  });
});
