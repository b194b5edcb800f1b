/**
 * Sends one body until Mixpanel gives a terminal answer: each attempt holds a concurrency permit
 * for the HTTP exchange only, and retryable answers (429, 5xx, timeouts, resets, protocol errors)
 * are retried after a backoff (backoff.ts) that honours `Retry-After` up to
 * `retry.maxRetryAfterMs`, slept on the Clock so that tests run on virtual time and shutdown cuts
 * every wait short.
 *
 * A protocol error (classify.ts) is logged once per condition: when an endpoint first answers one
 * with a given status, and again only after a valid answer cleared it or the status changed, so a
 * proxy answering every retry with its page does not flood the log. The loop is written out rather than delegated
 * to a retry library: the delay depends on each answer (`Retry-After`), and the wait must go
 * through the Clock.
 */
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
  | Exclude<Classification, { kind: 'retryable' | 'protocol_error' }>
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

export function createSender(deps: SenderDeps): Sender {
  const { client, clock, metrics, retry, logger } = deps;
  /** The status of the protocol error last logged per endpoint, until a valid answer clears it. */
  const protocolErrorLogged = new Map<Endpoint, number>();

  function noteProtocol(endpoint: Endpoint, classification: Classification): void {
    if (classification.kind !== 'protocol_error') {
      if (classification.kind !== 'retryable') protocolErrorLogged.delete(endpoint);
      return;
    }
    metrics?.protocolErrors.inc({ endpoint });
    if (protocolErrorLogged.get(endpoint) === classification.status) return;
    protocolErrorLogged.set(endpoint, classification.status);
    logger.warn(
      {
        endpoint,
        status: classification.status,
        problem: classification.message,
        body: classification.body,
      },
      'answer does not account for the records sent; retrying (logged once until a valid answer)',
    );
  }

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
      rateLimited
        ? 'rate_limited'
        : classification.kind === 'retryable' || classification.kind === 'protocol_error'
          ? 'other'
          : 'success',
    );
    noteProtocol(endpoint, classification);
    return classification;
  }

  return {
    async send(endpoint, request, batchSize, { signal, deadline }) {
      let attempts = 0;
      for (let retryIndex = 0; ; retryIndex++) {
        attempts++;
        const classification = await attempt(endpoint, request, batchSize, signal);
        if (classification === undefined || signal.aborted) return { kind: 'aborted', attempts };
        if (classification.kind !== 'retryable' && classification.kind !== 'protocol_error') {
          return { ...classification, attempts };
        }
        const { message } = classification;
        const reason =
          classification.kind === 'retryable' ? classification.reason : 'protocol_error';
        const retryAfterMs =
          classification.kind === 'retryable' ? classification.retryAfterMs : undefined;
        const delay = backoffDelay(retryIndex, retry, deps.random, retryAfterMs);
        if (deadline !== undefined && clock.monotonic() + delay > deadline) {
          return { kind: 'exhausted', message, attempts };
        }
        metrics?.retries.inc({ endpoint, reason });
        logger.debug({ endpoint, reason, attempt: attempts, delayMs: delay }, 'retrying');
        const sleepStarted = clock.monotonic();
        try {
          await clock.sleep(delay, signal);
        } catch {
          return { kind: 'aborted', attempts };
        } finally {
          metrics?.backoffSeconds.inc({ endpoint }, (clock.monotonic() - sleepStarted) / 1000);
        }
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
