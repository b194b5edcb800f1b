/**
 * Sends one body until Mixpanel gives a terminal answer: each attempt holds a concurrency permit
 * for the HTTP exchange only, and retryable answers (429, 5xx, timeouts, resets) are retried with
 * backoff through p-retry. p-retry's own delay is zero: the wait is `clock.sleep` inside
 * `onFailedAttempt` (which p-retry awaits), so time stays injectable and `Retry-After` is honoured.
 */
import pRetry from 'p-retry';
import type { Clock } from '../clock.js';
import type { RetryConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { StatusClass } from '../vocabulary.js';
import type { Metrics } from '../metrics/registry.js';
import { backoffDelay } from './backoff.js';
import { classify, type Classification } from './classify.js';
import type { ConcurrencyLimiter } from './concurrency.js';
import type { AttemptResult, HttpClient, HttpRequest } from './http-client.js';
import type { Endpoint } from '../mixpanel/endpoints.js';

export type SendOutcome = (
  | Exclude<Classification, { kind: 'retryable' }>
  /** The give-up budget (`retry.maxElapsedMs`) ran out; `message` is the last failure. */
  | { readonly kind: 'exhausted'; readonly message: string }
  /** The signal aborted (shutdown, fatal elsewhere): the outcome is unknown. */
  | { readonly kind: 'aborted' }
) & { readonly attempts: number };

export interface SendOptions {
  readonly signal: AbortSignal;
  /** Monotonic ms after which no retry may start; undefined retries until success or abort. */
  readonly deadline?: number | undefined;
}

export interface Sender {
  /** Resolves with the terminal outcome; never rejects for HTTP or network problems. */
  send(
    endpoint: Endpoint,
    request: HttpRequest,
    batchSize: number,
    options: SendOptions,
  ): Promise<SendOutcome>;
}

export interface SenderDeps {
  readonly client: HttpClient;
  readonly limiters: { readonly [E in Endpoint]: ConcurrencyLimiter };
  readonly retry: RetryConfig;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
  readonly metrics?: Metrics | undefined;
  /** Told after every attempt whether Mixpanel answered at all (any HTTP status) or not. */
  readonly onReach?: ((answered: boolean) => void) | undefined;
}

class RetryableFailure extends Error {
  constructor(readonly outcome: Extract<Classification, { kind: 'retryable' }>) {
    super(outcome.message);
  }
}

class BudgetExhausted extends Error {}

export function createSender(deps: SenderDeps): Sender {
  const { client, clock, metrics, retry, logger } = deps;

  /** One HTTP exchange; undefined when aborted. */
  async function attempt(
    endpoint: Endpoint,
    request: HttpRequest,
    batchSize: number,
    signal: AbortSignal,
  ): Promise<Classification | undefined> {
    let permit;
    try {
      permit = await deps.limiters[endpoint].acquire(signal);
    } catch {
      return undefined;
    }
    metrics?.requestsInFlight.inc({ endpoint });
    const started = clock.monotonic();
    let result: AttemptResult;
    try {
      result = await client.send(request, retry.requestTimeoutMs, signal);
    } finally {
      metrics?.requestsInFlight.dec({ endpoint });
    }
    if (result.kind === 'aborted') {
      permit.release('other');
      return undefined;
    }
    deps.onReach?.(result.kind === 'response');
    const rateLimited = result.kind === 'response' && result.status === 429;
    metrics?.requestDuration.observe(
      { endpoint, status_class: statusClass(result) },
      (clock.monotonic() - started) / 1000,
    );
    if (rateLimited) metrics?.rateLimited.inc({ endpoint });
    const classification = classify(endpoint, result, { batchSize, now: clock.now() });
    permit.release(
      rateLimited ? 'rate_limited' : classification.kind === 'retryable' ? 'other' : 'success',
    );
    return classification;
  }

  return {
    async send(endpoint, request, batchSize, { signal, deadline }) {
      let attempts = 0;
      let retryIndex = 0;
      try {
        const outcome = await pRetry(
          async () => {
            attempts++;
            const classification = await attempt(endpoint, request, batchSize, signal);
            // Aborted: p-retry re-checks the signal after each attempt and stops.
            if (classification === undefined) return undefined;
            if (classification.kind === 'retryable') throw new RetryableFailure(classification);
            return classification;
          },
          {
            retries: Number.POSITIVE_INFINITY,
            minTimeout: 0,
            signal,
            onFailedAttempt: async ({ error }) => {
              if (!(error instanceof RetryableFailure)) throw error;
              const { reason, retryAfterMs } = error.outcome;
              const delay = backoffDelay(retryIndex, retry, deps.random, retryAfterMs);
              if (deadline !== undefined && clock.monotonic() + delay > deadline) {
                throw new BudgetExhausted(error.message);
              }
              retryIndex++;
              metrics?.retries.inc({ endpoint, reason });
              logger.debug({ endpoint, reason, attempt: attempts, delayMs: delay }, 'retrying');
              const sleepStarted = clock.monotonic();
              try {
                await clock.sleep(delay, signal);
              } finally {
                metrics?.backoffSeconds.inc(
                  { endpoint },
                  (clock.monotonic() - sleepStarted) / 1000,
                );
              }
            },
          },
        );
        if (outcome === undefined || signal.aborted) return { kind: 'aborted', attempts };
        return { ...outcome, attempts };
      } catch (err) {
        if (signal.aborted) return { kind: 'aborted', attempts };
        if (err instanceof BudgetExhausted) {
          return { kind: 'exhausted', message: err.message, attempts };
        }
        throw err;
      }
    },
  };
}

function statusClass(result: Exclude<AttemptResult, { kind: 'aborted' }>): StatusClass {
  if (result.kind === 'network') return 'network';
  const { status } = result;
  if (status === 429) return '429';
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return '2xx';
}
