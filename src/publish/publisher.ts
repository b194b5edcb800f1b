/**
 * The Mixpanel publisher: sends one batch per call and settles every record (delivered, rejected
 * with a reason code, or unsettled). It turns classified answers into per-record results: partial
 * successes are split by index, 413s and poison batches are halved until the culprits are found,
 * 401/403 stop everything. Retries, backoff and concurrency live in send-with-retry.ts.
 */
import { setMaxListeners } from 'node:events';
import { systemClock, type Clock } from '../clock.js';
import { type BatchingConfig, type MixpanelConfig, type RetryConfig } from '../config/schema.js';
import { silentLogger, type Logger } from '../log.js';
import type { Metrics } from '../metrics/registry.js';
import type { ReasonCode } from '../vocabulary.js';
import { VERSION } from '../version.js';
import type { RejectReason } from '../vocabulary.js';
import { createConcurrencyLimiter, type ConcurrencyLimiter } from './concurrency.js';
import { encodeBody, type Compress } from './encode.js';
import { ENDPOINT_SPECS } from '../mixpanel/endpoints.js';
import { credentialHint, requestPath, resolveDestination, resolveRoute } from './destination.js';
import { createHttpClient, type HttpClient } from './http-client.js';
import { ENDPOINTS, targetOf, type Endpoint } from '../mixpanel/endpoints.js';
import type { PreparedRecord } from '../mixpanel/records.js';
import { linkSignals } from './link-signals.js';
import { createSender, type SendOutcome } from './send-with-retry.js';

export type RecordResult =
  | { readonly status: 'delivered' }
  /** Terminal: goes to the dead-letter topic. */
  | {
      readonly status: 'rejected';
      readonly code: ReasonCode;
      readonly message: string;
      readonly field?: string;
      /** HTTP attempts of the request that got the terminal answer (`dlq.attempts`). */
      readonly attempts: number;
    }
  /** Shutdown aborted (or a fatal answer stopped) the batch before a terminal answer. */
  | { readonly status: 'unsettled' };

export interface PublishResult {
  /** One entry per input record, same order. */
  readonly results: RecordResult[];
  /**
   * 401/403 (bad credentials, wrong region), an answer showing `apiHost` is wrong (reason `auth`),
   * a proxy's 407 (reason `proxy`) or a certificate that is not trusted (reason `certificate`):
   * the pipeline must stop. Records without a terminal answer
   * are 'unsettled'; records Mixpanel had already answered keep that answer. `message` names the
   * setting to fix.
   */
  readonly fatal?: {
    /** `internal` only from the dispatcher, when the publisher itself failed. */
    readonly reason: 'auth' | 'proxy' | 'certificate' | 'internal';
    readonly status: number;
    readonly message: string;
  };
}

export interface Publisher {
  /**
   * Sends one batch (already within maxRecords/maxBytes) and resolves once every record is settled
   * or the signal aborted. Never rejects for HTTP problems. Safe to call concurrently; the
   * per-endpoint adaptive limiter decides how many requests are actually in flight. Records are
   * never reordered: parts of an /engage or /groups batch are sent one after the other, first
   * part first. After a fatal answer every call returns at once with that `fatal`.
   */
  publish(
    endpoint: Endpoint,
    records: readonly PreparedRecord[],
    signal?: AbortSignal,
  ): Promise<PublishResult>;
  /** False while the latest HTTP attempt got no answer at all (refused, reset, timed out). */
  reachable(): boolean;
  /** Aborts whatever is still in flight (its records resolve 'unsettled') and closes the pool. */
  close(): Promise<void>;
}

export interface PublisherOptions {
  readonly mixpanel: MixpanelConfig;
  readonly retry: RetryConfig;
  readonly batching: Pick<
    BatchingConfig,
    'maxInFlightRequests' | 'initialInFlightRequests' | 'gzipLevel'
  >;
  readonly clock?: Clock;
  /** Uniform in [0, 1); drives backoff jitter. */
  readonly random?: () => number;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  /**
   * The HTTP transport. Default: an undici keep-alive pool to the resolved host, owned and closed
   * by the publisher. Unit tests pass a scripted one to run on virtual time.
   */
  readonly transport?: HttpClient;
  /**
   * How /import bodies are gzipped. Default: on libuv's thread pool. Tests on virtual time pass a
   * synchronous one, so that no work happens off the clock.
   */
  readonly compress?: Compress;
}

const DELIVERED: RecordResult = Object.freeze({ status: 'delivered' });
const UNSETTLED: RecordResult = Object.freeze({ status: 'unsettled' });

interface Job {
  readonly endpoint: Endpoint;
  readonly records: readonly PreparedRecord[];
  readonly results: (RecordResult | undefined)[];
  readonly signal: AbortSignal;
  readonly deadline: number | undefined;
}

export function createPublisher(options: PublisherOptions): Publisher {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger();
  const { metrics, retry } = options;
  const destination = resolveDestination(options.mixpanel);
  const maxInFlight = options.batching.maxInFlightRequests;
  const gzipLevel = options.batching.gzipLevel;
  const client =
    options.transport ??
    createHttpClient({
      origin: destination.origin,
      connections: maxInFlight * ENDPOINTS.length,
      clock,
      ...resolveRoute(options.mixpanel),
    });
  const limiters = Object.fromEntries(
    ENDPOINTS.map((endpoint) => [
      endpoint,
      createConcurrencyLimiter({
        initial: Math.min(options.batching.initialInFlightRequests, maxInFlight),
        max: maxInFlight,
        onLimit: (limit) => metrics?.concurrencyLimit.set({ endpoint }, limit),
      }),
    ]),
  ) as { [E in Endpoint]: ConcurrencyLimiter };
  let answered = true;
  const sender = createSender({
    client,
    limiters,
    retry,
    clock,
    random: options.random ?? Math.random,
    logger,
    metrics,
    onReach: (reached) => {
      answered = reached;
    },
  });
  const userAgent = `segment-mixpanel/${VERSION}`;
  /** Aborted by close() and by the first fatal answer: stops every publish at once. */
  const lifetime = new AbortController();
  // One listener per batch in flight (linkSignals detaches it when the batch settles).
  setMaxListeners(0, lifetime.signal);
  let fatal: PublishResult['fatal'];

  function headersFor(endpoint: Endpoint, contentEncoding?: string): Record<string, string> {
    const spec = ENDPOINT_SPECS[endpoint];
    const headers: Record<string, string> = {
      'content-type': spec.contentType,
      accept: 'application/json',
      'user-agent': userAgent,
    };
    if (contentEncoding) headers['content-encoding'] = contentEncoding;
    if (spec.auth === 'basic') headers.authorization = destination.authorization;
    return headers;
  }

  function reject(
    job: Job,
    index: number,
    attempts: number,
    code: ReasonCode,
    message: string,
    reason: RejectReason | undefined,
    field?: string,
  ): void {
    job.results[index] =
      field === undefined
        ? { status: 'rejected', code, message, attempts }
        : { status: 'rejected', code, message, field, attempts };
    if (reason) metrics?.recordsRejected.inc({ target: targetOf(job.endpoint), reason });
  }

  /** Sends records [lo, hi) of the job and settles them. */
  async function sendPart(job: Job, lo: number, hi: number): Promise<void> {
    if (job.signal.aborted) return;
    const { endpoint } = job;
    const body = await encodeBody(
      ENDPOINT_SPECS[endpoint],
      job.records,
      { lo, hi },
      gzipLevel,
      options.compress,
    );
    const outcome = await sender.send(
      endpoint,
      {
        path: requestPath(destination, ENDPOINT_SPECS[endpoint]),
        headers: headersFor(endpoint, body.contentEncoding),
        body: body.bytes,
      },
      hi - lo,
      { signal: job.signal, deadline: job.deadline },
    );
    await settle(job, lo, hi, outcome);
  }

  async function settle(job: Job, lo: number, hi: number, outcome: SendOutcome): Promise<void> {
    const target = targetOf(job.endpoint);
    const size = hi - lo;
    switch (outcome.kind) {
      case 'delivered':
        job.results.fill(DELIVERED, lo, hi);
        return;
      case 'partial': {
        // Mixpanel ingested every record not listed; the listed ones are refused for good, never resent.
        const failures = new Map(outcome.failures.map((f) => [f.index, f]));
        for (let i = lo; i < hi; i++) {
          const failure = failures.get(i - lo);
          if (failure) {
            reject(
              job,
              i,
              outcome.attempts,
              'mixpanel_rejected',
              failure.message,
              failure.reason,
              failure.field,
            );
          } else {
            job.results[i] = DELIVERED;
          }
        }
        return;
      }
      case 'rejected':
        if (outcome.bisect && size > 1) {
          logger.debug({ endpoint: job.endpoint, records: size }, 'batch refused; bisecting');
          return split(job, lo, hi);
        }
        for (let i = lo; i < hi; i++) {
          reject(
            job,
            i,
            outcome.attempts,
            'mixpanel_rejected',
            outcome.message,
            outcome.reason,
            outcome.field,
          );
        }
        metrics?.batchSendFailures.inc({ target, reason: 'poison_batch' });
        return;
      case 'too_large':
        if (size > 1) return split(job, lo, hi);
        reject(job, lo, outcome.attempts, 'record_too_large', outcome.message, 'event_too_large');
        metrics?.batchSendFailures.inc({ target, reason: 'payload_too_large' });
        return;
      case 'exhausted':
        for (let i = lo; i < hi; i++) {
          reject(
            job,
            i,
            outcome.attempts,
            'retries_exhausted',
            `gave up after ${outcome.attempts} attempts: ${outcome.message}`,
            undefined,
          );
        }
        metrics?.batchSendFailures.inc({ target, reason: 'retries_exhausted' });
        logger.warn(
          { endpoint: job.endpoint, records: size, attempts: outcome.attempts },
          'retry budget exhausted; records rejected',
        );
        return;
      case 'fatal':
        stopOnFatal(job.endpoint, outcome.status, outcome.message);
        return;
      case 'aborted':
        return;
    }
  }

  /**
   * Halves [lo, hi). /import events carry their own time, so the halves go concurrently; profile
   * and group updates must keep their order, so the second half starts after the first settled.
   */
  async function split(job: Job, lo: number, hi: number): Promise<void> {
    const mid = lo + Math.ceil((hi - lo) / 2);
    if (job.endpoint === '/import') {
      await Promise.all([sendPart(job, lo, mid), sendPart(job, mid, hi)]);
      return;
    }
    await sendPart(job, lo, mid);
    await sendPart(job, mid, hi);
  }

  function stopOnFatal(endpoint: Endpoint, status: number, serverMessage: string): void {
    if (fatal) return;
    const proxy = status === 407;
    // Status 0: no answer, because the certificate is not trusted (classify.ts).
    const certificate = status === 0;
    const hint = proxy
      ? 'check mixpanel.proxy (or the HTTPS_PROXY environment variable) and the credentials the proxy expects'
      : certificate
        ? 'behind a TLS-inspecting proxy, set mixpanel.tls.ca to its CA certificate'
        : status === 401 || status === 403
          ? credentialHint(destination, endpoint)
          : 'check mixpanel.apiHost (or mixpanel.region)';
    fatal = {
      reason: proxy ? 'proxy' : certificate ? 'certificate' : 'auth',
      status,
      message: proxy
        ? `the HTTP proxy answered 407 on ${endpoint} (${serverMessage}): ${hint}`
        : certificate
          ? `TLS with ${destination.origin} failed on ${endpoint} (${serverMessage}): ${hint}`
          : `Mixpanel answered ${status} on ${endpoint} (${serverMessage}): ${hint}`,
    };
    logger.error({ endpoint, status }, 'Mixpanel refused the configuration; publishing stopped');
    lifetime.abort();
  }

  function finish(results: (RecordResult | undefined)[]): PublishResult {
    const settled = Array.from(results, (r) => r ?? UNSETTLED);
    return fatal ? { results: settled, fatal } : { results: settled };
  }

  return {
    async publish(endpoint, records, signal) {
      const results = new Array<RecordResult | undefined>(records.length);
      if (lifetime.signal.aborted || signal?.aborted || records.length === 0) {
        return finish(results);
      }
      const link = linkSignals(lifetime.signal, signal);
      try {
        const deadline =
          retry.maxElapsedMs !== undefined ? clock.monotonic() + retry.maxElapsedMs : undefined;
        await sendPart(
          { endpoint, records, results, signal: link.signal, deadline },
          0,
          records.length,
        );
      } finally {
        link.dispose();
      }
      return finish(results);
    },
    reachable: () => answered,
    async close() {
      lifetime.abort();
      await client.close();
    },
  };
}
