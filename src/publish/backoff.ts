/**
 * Backoff between retries of one request (Mixpanel's guidance for its ingestion API:
 * start 2 s, double to 60 s, add 1–5 s of random jitter).
 */
import type { RetryConfig } from '../config/schema.js';

export type BackoffPolicy = Pick<
  RetryConfig,
  'initialDelayMs' | 'maxDelayMs' | 'multiplier' | 'jitterMinMs' | 'jitterMaxMs' | 'maxRetryAfterMs'
>;

/**
 * Delay before retry number `retryIndex` (0 for the first retry):
 * `max(min(initialDelayMs × multiplier^retryIndex, maxDelayMs), min(retryAfterMs, maxRetryAfterMs))`
 * plus a uniform jitter in `[jitterMinMs, jitterMaxMs]`. A server's `Retry-After` is a floor, up to
 * `maxRetryAfterMs` (a proxy asking for a day must not stall delivery for a day); jitter still
 * applies so that clients told the same instant do not return together.
 * `random` returns a number in [0, 1).
 */
export function backoffDelay(
  retryIndex: number,
  policy: BackoffPolicy,
  random: () => number,
  retryAfterMs?: number,
): number {
  const exponential = policy.initialDelayMs * policy.multiplier ** retryIndex;
  const told = Math.min(retryAfterMs ?? 0, policy.maxRetryAfterMs);
  const base = Math.max(Math.min(exponential, policy.maxDelayMs), told);
  const jitter = policy.jitterMinMs + random() * (policy.jitterMaxMs - policy.jitterMinMs);
  return Math.round(base + jitter);
}
