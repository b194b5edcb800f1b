import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/harness/manual-clock.js';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('refuses what would pass the events limit within a rolling minute', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter(clock, 100, 1e12);
    expect(limiter.tryConsume(60, 1)).toBe(true);
    await clock.advance(30_000);
    expect(limiter.tryConsume(40, 1)).toBe(true);
    expect(limiter.tryConsume(1, 1)).toBe(false);
    // The first 60 leave the window one minute after they arrived.
    await clock.advance(30_000);
    expect(limiter.tryConsume(60, 1)).toBe(true);
    expect(limiter.tryConsume(1, 1)).toBe(false);
    await clock.advance(5 * 60_000);
    expect(limiter.tryConsume(100, 1)).toBe(true);
  });

  it('refuses what would pass the bytes limit', () => {
    const limiter = new RateLimiter(new ManualClock(), 1e9, 1000);
    expect(limiter.tryConsume(1, 900)).toBe(true);
    expect(limiter.tryConsume(1, 200)).toBe(false);
    expect(limiter.tryConsume(1, 100)).toBe(true);
  });
});
