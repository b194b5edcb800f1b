import { describe, expect, it } from 'vitest';
import { DeadLetterGuard } from './guard.js';

describe('DeadLetterGuard', () => {
  it('trips only over a full window whose ratio passes the limit', () => {
    const guard = new DeadLetterGuard(0.5, 4);
    guard.record(true);
    guard.record(true);
    guard.record(true);
    expect(guard.tripped).toBe(false); // window not full yet
    guard.record(false);
    expect(guard.ratio).toBe(0.75);
    expect(guard.tripped).toBe(true);
    expect(guard.describe()).toContain('deadLetter.maxRatio 0.5');
  });

  it('forgets messages that slid out of the window', () => {
    const guard = new DeadLetterGuard(0.5, 4);
    for (const d of [true, true, true, false, false, false, false]) guard.record(d);
    expect(guard.ratio).toBe(0);
    expect(guard.tripped).toBe(false);
  });

  it('never trips with maxRatio 1', () => {
    const guard = new DeadLetterGuard(1, 2);
    guard.record(true);
    guard.record(true);
    expect(guard.tripped).toBe(false);
  });
});
