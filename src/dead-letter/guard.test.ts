import { describe, expect, it } from 'vitest';
import { DeadLetterGuard } from './guard.js';

const TP = { topic: 'events', partition: 0 };

describe('DeadLetterGuard', () => {
  it('trips only over a full window whose ratio passes the limit', () => {
    const guard = new DeadLetterGuard(0.5, 4);
    guard.record(TP, true);
    guard.record(TP, true);
    guard.record(TP, true);
    expect(guard.tripped).toBe(false); // window not full yet
    guard.record(TP, false);
    expect(guard.ratio).toBe(0.75);
    expect(guard.tripped).toBe(true);
    expect(guard.describe()).toContain('deadLetter.maxRatio 0.5');
  });

  it('forgets messages that slid out of the window', () => {
    const guard = new DeadLetterGuard(0.5, 4);
    for (const d of [true, true, true, false, false, false, false]) guard.record(TP, d);
    expect(guard.ratio).toBe(0);
    expect(guard.tripped).toBe(false);
  });

  it('never trips with maxRatio 1', () => {
    const guard = new DeadLetterGuard(1, 2);
    guard.record(TP, true);
    guard.record(TP, true);
    expect(guard.tripped).toBe(false);
  });

  it("carries each partition's recent outcomes in commit metadata to the next process", () => {
    const before = new DeadLetterGuard(0.5, 4);
    const other = { topic: 'events', partition: 1 };
    for (const d of [true, false, true]) before.record(TP, d);
    before.record(other, true);
    const after = new DeadLetterGuard(0.5, 4);
    after.restore(TP, before.snapshot(TP));
    after.restore(other, before.snapshot(other));
    expect(after.ratio).toBe(0.75);
    expect(after.tripped).toBe(true);
    expect(after.snapshot(TP)).toBe(before.snapshot(TP));
  });

  it('restores a partition once per process, and ignores metadata it did not write', () => {
    const source = new DeadLetterGuard(0.5, 10);
    for (let i = 0; i < 5; i++) source.record(TP, true);
    const guard = new DeadLetterGuard(0.5, 10);
    guard.restore(TP, source.snapshot(TP));
    guard.restore(TP, source.snapshot(TP)); // a later rebalance hands it back: nothing new
    expect(guard.describe()).toContain('5 of the last 5');
    const fresh = new DeadLetterGuard(0.5, 10);
    fresh.restore(TP, 'written by another tool');
    fresh.restore(TP, 'dlq-guard:1:99:AAAA');
    expect(fresh.describe()).toContain('0 of the last 0');
  });
});
