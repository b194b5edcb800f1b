import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, type BackoffPolicy } from './backoff.js';

// Mixpanel's published retry guidance (backoff from 2 s to 60 s, 1–5 s jitter) is the config default.
const MIXPANEL: BackoffPolicy = {
  initialDelayMs: 2000,
  maxDelayMs: 60_000,
  multiplier: 2,
  jitterMinMs: 1000,
  jitterMaxMs: 5000,
  maxRetryAfterMs: 300_000,
};
const low = (): number => 0;
const high = (): number => 0.999_999;

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap, plus the minimum jitter', () => {
    const delays = Array.from({ length: 8 }, (_, n) => backoffDelay(n, MIXPANEL, low));
    expect(delays).toEqual([3000, 5000, 9000, 17_000, 33_000, 61_000, 61_000, 61_000]);
  });

  it('adds at most the maximum jitter', () => {
    expect(backoffDelay(0, MIXPANEL, high)).toBe(7000);
    expect(backoffDelay(20, MIXPANEL, high)).toBe(65_000);
  });

  it('never goes below Retry-After, and still adds jitter to it', () => {
    expect(backoffDelay(0, MIXPANEL, low, 30_000)).toBe(31_000);
    expect(backoffDelay(10, MIXPANEL, low, 120_000)).toBe(121_000);
    // A short Retry-After does not shorten our own backoff.
    expect(backoffDelay(3, MIXPANEL, low, 1000)).toBe(17_000);
  });

  it('caps Retry-After at maxRetryAfterMs: a proxy asking for a day waits 5 minutes', () => {
    expect(backoffDelay(0, MIXPANEL, low, 86_400_000)).toBe(301_000);
    expect(backoffDelay(0, MIXPANEL, low, 300_000)).toBe(301_000);
    // The cap only shortens Retry-After, never our own backoff.
    expect(backoffDelay(20, { ...MIXPANEL, maxRetryAfterMs: 0 }, low, 86_400_000)).toBe(61_000);
  });

  it('stays finite for very high retry counts', () => {
    expect(backoffDelay(10_000, MIXPANEL, low)).toBe(61_000);
  });

  it('always lies within [base + jitterMin, base + jitterMax] and respects Retry-After', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.option(fc.integer({ min: 0, max: 600_000 }), { nil: undefined }),
        fc.record({
          initialDelayMs: fc.integer({ min: 0, max: 10_000 }),
          extra: fc.integer({ min: 0, max: 100_000 }),
          multiplier: fc.double({ min: 1, max: 4, noNaN: true }),
          jitterMinMs: fc.integer({ min: 0, max: 5000 }),
          jitterSpan: fc.integer({ min: 0, max: 5000 }),
        }),
        (n, r, retryAfter, p) => {
          const policy: BackoffPolicy = {
            initialDelayMs: p.initialDelayMs,
            maxDelayMs: p.initialDelayMs + p.extra,
            multiplier: p.multiplier,
            jitterMinMs: p.jitterMinMs,
            jitterMaxMs: p.jitterMinMs + p.jitterSpan,
            maxRetryAfterMs: 600_000,
          };
          const delay = backoffDelay(n, policy, () => r, retryAfter);
          const base = Math.max(
            Math.min(policy.initialDelayMs * policy.multiplier ** n, policy.maxDelayMs),
            retryAfter ?? 0,
          );
          expect(delay).toBeGreaterThanOrEqual(Math.round(base + policy.jitterMinMs) - 1);
          expect(delay).toBeLessThanOrEqual(Math.round(base + policy.jitterMaxMs) + 1);
          expect(delay).toBeGreaterThanOrEqual(retryAfter ?? 0);
        },
      ),
    );
  });
});
