/**
 * Query API requests with the budget and retries around them: each request waits for the budget
 * (query-budget.ts), and an answer that may succeed later (429, 5xx, no answer) is tried again
 * after a backoff — `cohorts.query.retryInitialDelayMs` doubling to `retryMaxDelayMs`, a
 * `Retry-After` as a floor — up to `maxAttempts` attempts. A 429 also pauses every other request
 * for that backoff: they share the project's limit.
 */
import type { Clock } from '../../clock.js';
import type { Metrics } from '../../metrics/registry.js';
import type { CohortFailureReason } from '../../vocabulary.js';
import type { BudgetWait, QueryBudget } from './query-budget.js';
import type { QueryClient, QueryConfig } from './query-client.js';

export type Requested =
  | { readonly ok: true; readonly body: unknown }
  | {
      readonly ok: false;
      readonly reason: Extract<CohortFailureReason, `query_${string}`>;
      readonly message: string;
    }
  | { readonly ok: false; readonly reason: 'aborted'; readonly message: string };

/** What the progress output hears about: waits for the budget, 429s and retries. */
export type RequestEvent =
  | { readonly kind: 'wait'; readonly wait: BudgetWait }
  | { readonly kind: 'rate_limited'; readonly retryInMs: number }
  | { readonly kind: 'retry'; readonly retryInMs: number; readonly message: string };

export class QueryRequests {
  constructor(
    private readonly deps: {
      readonly client: QueryClient;
      readonly budget: QueryBudget;
      readonly clock: Clock;
      readonly metrics: Metrics;
      readonly config: Pick<QueryConfig, 'maxAttempts' | 'retryInitialDelayMs' | 'retryMaxDelayMs'>;
    },
  ) {}

  async post(
    path: string,
    form: URLSearchParams | undefined,
    signal: AbortSignal | undefined,
    onEvent: (event: RequestEvent) => void = () => {},
  ): Promise<Requested> {
    const { client, budget, clock, metrics, config } = this.deps;
    let lastMessage = '';
    for (let attempt = 0; attempt < config.maxAttempts; attempt++) {
      let release: () => void;
      try {
        release = await budget.acquire(signal, (wait) => onEvent({ kind: 'wait', wait }));
      } catch {
        return { ok: false, reason: 'aborted', message: 'stopped' };
      }
      const answer = await client.post(path, form, signal).finally(release);
      switch (answer.kind) {
        case 'ok':
          return { ok: true, body: answer.body };
        case 'aborted':
          return { ok: false, reason: 'aborted', message: 'stopped' };
        case 'auth':
          return { ok: false, reason: 'query_auth', message: answer.message };
        case 'rejected':
          return { ok: false, reason: 'query_rejected', message: answer.message };
        case 'rate_limited':
        case 'unavailable': {
          const delay = Math.max(
            Math.min(config.retryInitialDelayMs * 2 ** attempt, config.retryMaxDelayMs),
            answer.kind === 'rate_limited'
              ? Math.min(answer.retryAfterMs ?? 0, config.retryMaxDelayMs)
              : 0,
          );
          if (answer.kind === 'rate_limited') {
            metrics.cohortQueryRateLimited.inc();
            lastMessage = 'HTTP 429 (the Query API rate limit)';
            budget.pause(delay);
            if (attempt + 1 < config.maxAttempts)
              onEvent({ kind: 'rate_limited', retryInMs: delay });
          } else {
            lastMessage = answer.message;
            if (attempt + 1 < config.maxAttempts) {
              onEvent({ kind: 'retry', retryInMs: delay, message: answer.message });
              try {
                await clock.sleep(delay, signal);
              } catch {
                return { ok: false, reason: 'aborted', message: 'stopped' };
              }
            }
          }
          break;
        }
      }
    }
    return {
      ok: false,
      reason: 'query_unavailable',
      message: `${lastMessage}, after ${config.maxAttempts} attempts (cohorts.query.maxAttempts)`,
    };
  }
}
