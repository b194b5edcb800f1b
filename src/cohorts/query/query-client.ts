/**
 * The HTTP side of the Query API: one POST → a classified answer (query-answer.ts), never an
 * exception. Builds the URL from `cohorts.query` (the region's host or `apiHost`, `project_id` in
 * the query string), authenticates with the service account (HTTP Basic), bounds each request by
 * `requestTimeoutMs` on the Clock, and times it for `segment_mixpanel_cohort_query_duration_seconds`.
 */
import { Pool } from 'undici';
import type { Clock } from '../../clock.js';
import type { CohortsConfig } from '../../config/schema.js';
import { startDeadline } from '../../deadline.js';
import { describeCause } from '../../error-cause.js';
import type { Metrics } from '../../metrics/registry.js';
import { QUERY_API_HOSTS } from '../../mixpanel/endpoints.js';
import type { StatusClass } from '../../vocabulary.js';
import { classifyQueryAnswer, type QueryAnswer } from './query-answer.js';

export type QueryConfig = CohortsConfig['query'];

export type QueryResult = QueryAnswer | { readonly kind: 'aborted' };

export interface QueryClient {
  /** POSTs to `path` (e.g. `/api/query/engage`) with `form` as the body, if any. */
  post(path: string, form: URLSearchParams | undefined, signal?: AbortSignal): Promise<QueryResult>;
  close(): Promise<void>;
}

function statusClass(status: number): StatusClass {
  if (status === 429) return '429';
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return '2xx';
}

export function createQueryClient(options: {
  readonly config: QueryConfig;
  /** Required; cohorts/commands check it is set before building a client. */
  readonly projectId: string;
  readonly serviceAccount: { readonly username: string; readonly secret: string };
  readonly clock: Clock;
  readonly metrics: Metrics;
}): QueryClient {
  const { config, clock, metrics } = options;
  const base = new URL(config.apiHost ?? QUERY_API_HOSTS[config.region]);
  const prefix = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, { connections: config.maxConcurrentQueries });
  const { username, secret } = options.serviceAccount;
  const authorization = `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}`;

  return {
    async post(path, form, signal) {
      if (signal?.aborted) return { kind: 'aborted' };
      const deadline = startDeadline(clock, config.requestTimeoutMs, signal);
      const started = clock.monotonic();
      const query = new URLSearchParams({ project_id: options.projectId });
      let klass: StatusClass = 'network';
      try {
        const response = await pool.request({
          method: 'POST',
          path: `${prefix}${path}?${query}`,
          headers: {
            authorization,
            accept: 'application/json',
            'user-agent': 'segment-mixpanel',
            ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          },
          body: form?.toString() ?? '',
          signal: deadline.signal,
        });
        const body = await response.body.text();
        klass = statusClass(response.statusCode);
        const retryAfter = response.headers['retry-after'];
        return classifyQueryAnswer(
          response.statusCode,
          body,
          Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
          clock.now(),
        );
      } catch (err) {
        if (signal?.aborted) return { kind: 'aborted' };
        return {
          kind: 'unavailable',
          message: deadline.timedOut
            ? `no answer within ${config.requestTimeoutMs} ms (cohorts.query.requestTimeoutMs)`
            : describeCause(err),
        };
      } finally {
        deadline.end();
        metrics.cohortQueryDuration.observe(
          { status_class: klass },
          (clock.monotonic() - started) / 1000,
        );
      }
    },
    close: () => pool.close(),
  };
}
