/**
 * Backoff between retries of one request (Mixpanel's guidance for its ingestion API:
 * start 2 s, double to 60 s, add 1–5 s of random jitter).
 */
import type { RetryConfig } from '../config/schema.js';

export type BackoffPolicy = Pick<
  RetryConfig,
  'initialDelayMs' | 'maxDelayMs' | 'multiplier' | 'jitterMinMs' | 'jitterMaxMs'
>;

/**
 * Delay before retry number `retryIndex` (0 for the first retry):
 * `max(min(initialDelayMs × multiplier^retryIndex, maxDelayMs), retryAfterMs)` plus a uniform
 * jitter in `[jitterMinMs, jitterMaxMs]`. A server's `Retry-After` is a floor, never shortened;
 * jitter still applies so that clients told the same instant do not return together.
 * `random` returns a number in [0, 1).
 */
export function backoffDelay(
  retryIndex: number,
  policy: BackoffPolicy,
  random: () => number,
  retryAfterMs?: number,
): number {
  const exponential = policy.initialDelayMs * policy.multiplier ** retryIndex;
  const base = Math.max(Math.min(exponential, policy.maxDelayMs), retryAfterMs ?? 0);
  const jitter = policy.jitterMinMs + random() * (policy.jitterMaxMs - policy.jitterMinMs);
  return Math.round(base + jitter);
}
