/**
 * `segment-mixpanel cohorts sync`: reads the members of saved cohorts through the Query API and
 * hands each page to cohort sync, which writes the enter/exit difference against the stored
 * membership. One cycle: finish or abandon what an earlier run left open, look the cohorts' names
 * up (`/cohorts/list`, one query), then list every cohort (`/engage` with `filter_by_cohort`,
 * paged with `session_id`/`page`), cohorts in parallel within the budget. A listing that fails
 * midway is abandoned: its entries stand, it never exits anyone. `run` repeats the cycle every
 * `everyMs` until stopped.
 */
import type { Clock } from '../../clock.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics/registry.js';
import {
  QUERY_PATHS,
  cohortsListAnswerSchema,
  engageAnswerSchema,
  engageForm,
} from '../../mixpanel/query-api.js';
import type { CohortFailureReason } from '../../vocabulary.js';
import type { CohortSync } from '../cohort-sync.js';
import { describeCohort, type CohortRef } from '../cohort-ref.js';
import type { QueryRequests, RequestEvent } from './query-requests.js';

export interface CohortResult {
  readonly cohortId: string;
  readonly name: string | undefined;
  readonly generation: string | undefined;
  readonly pages: number;
  readonly listed: number;
  readonly entered: number;
  readonly exited: number;
  /** Absent when the sync completed. */
  readonly failure?: { readonly reason: CohortFailureReason; readonly message: string };
}

export interface PullerDeps {
  readonly sync: CohortSync;
  readonly requests: QueryRequests;
  readonly projectId: string;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Human progress lines (stderr of the command). */
  readonly progress: (line: string) => void;
  /** `cohorts.query.queriesPerHour`, for the progress output. */
  readonly queriesPerHour: number;
}

type Failure = NonNullable<CohortResult['failure']>;

const minutes = (ms: number): string =>
  ms >= 90_000 ? `${Math.round(ms / 60_000)} min` : `${Math.max(1, Math.round(ms / 1000))} s`;

export class CohortPuller {
  constructor(private readonly deps: PullerDeps) {}

  /** Syncs the cohorts every `everyMs` (once when undefined) until `signal` aborts. */
  async run(
    cohortIds: readonly string[],
    everyMs: number | undefined,
    signal: AbortSignal,
  ): Promise<CohortResult[]> {
    const { clock } = this.deps;
    for (;;) {
      const started = clock.now();
      const results = await this.cycle(cohortIds, signal);
      if (everyMs === undefined || signal.aborted) return results;
      const wait = started + everyMs - clock.now();
      if (wait > 0) {
        this.deps.progress(`next sync in ${minutes(wait)}`);
        try {
          await clock.sleep(wait, signal);
        } catch {
          return results;
        }
      }
    }
  }

  /** One sync of every cohort. */
  async cycle(cohortIds: readonly string[], signal: AbortSignal): Promise<CohortResult[]> {
    const { sync, projectId } = this.deps;
    const recovered = await sync.recover('query', 0);
    if (!recovered.ok) {
      return this.failAll(cohortIds, { reason: 'kafka', message: recovered.error.message });
    }
    const names = await this.names(signal);
    if (!names.ok) return this.failAll(cohortIds, names.failure);
    return Promise.all(
      cohortIds.map((cohortId) => {
        const name = names.byId.get(cohortId);
        if (name === undefined) {
          return this.failed(cohortId, undefined, undefined, 0, 0, {
            reason: 'query_rejected',
            message: `not a saved cohort of project ${projectId} (the Query API's cohorts/list does not list it)`,
          });
        }
        return this.syncCohort({ projectId, cohortId }, name, signal);
      }),
    );
  }

  private async names(
    signal: AbortSignal,
  ): Promise<{ ok: true; byId: Map<string, string> } | { ok: false; failure: Failure }> {
    const answer = await this.deps.requests.post(
      QUERY_PATHS.cohortsList,
      undefined,
      signal,
      this.onEvent,
    );
    if (!answer.ok) {
      return {
        ok: false,
        failure: { reason: this.reasonOf(answer.reason), message: answer.message },
      };
    }
    const list = cohortsListAnswerSchema.safeParse(answer.body);
    if (!list.success) {
      return {
        ok: false,
        failure: {
          reason: 'query_unavailable',
          message: 'cohorts/list answered something that is not a list of cohorts',
        },
      };
    }
    return { ok: true, byId: new Map(list.data.map((c) => [c.id, c.name])) };
  }

  private async syncCohort(
    ref: CohortRef,
    name: string,
    signal: AbortSignal,
  ): Promise<CohortResult> {
    const { sync, requests, progress } = this.deps;
    const generation = sync.nextQueryGeneration(ref);
    let sessionId: string | undefined;
    let pages = 0;
    let listed = 0;
    let entered = 0;
    let exited = 0;
    for (let page = 1; ; page++) {
      const form = engageForm({ cohortId: ref.cohortId, page: page - 1, sessionId });
      const answer = await requests.post(QUERY_PATHS.engage, form, signal, this.onEvent);
      let failure: Failure | undefined;
      let last = false;
      let ids: string[] = [];
      if (!answer.ok) {
        failure = { reason: this.reasonOf(answer.reason), message: answer.message };
      } else {
        const parsed = engageAnswerSchema.safeParse(answer.body);
        if (!parsed.success) {
          failure = {
            reason: 'query_unavailable',
            message: 'engage answered something that is not a page of profiles',
          };
        } else {
          ids = parsed.data.results.map((r) => r.$distinct_id);
          last = ids.length < parsed.data.page_size;
          sessionId = parsed.data.session_id ?? sessionId;
          if (!last && sessionId === undefined) {
            failure = {
              reason: 'query_unavailable',
              message: 'engage gave no session_id to read the next page with',
            };
          }
        }
      }
      if (!failure) {
        const outcome = await sync.receive({
          ref,
          name,
          source: 'query',
          generation,
          kind: 'full',
          page,
          last,
          ids,
        });
        if (outcome.kind === 'failed')
          failure = { reason: 'kafka', message: outcome.error.message };
        else if (outcome.kind === 'applied') {
          pages++;
          listed += ids.length;
          entered += outcome.entered;
          exited += outcome.exited;
        }
      }
      if (failure) {
        if (pages > 0) await sync.abandon(ref, generation);
        return this.failed(ref.cohortId, name, generation, pages, listed, failure, entered);
      }
      if (last) break;
    }
    progress(
      `${describeCohort(ref, name)}: ${listed} members in ${pages} page${pages === 1 ? '' : 's'}, ${entered} entered, ${exited} exited (${generation})`,
    );
    return { cohortId: ref.cohortId, name, generation, pages, listed, entered, exited };
  }

  private readonly onEvent = (event: RequestEvent): void => {
    const { progress, queriesPerHour } = this.deps;
    switch (event.kind) {
      case 'wait':
        if (event.wait.cause === 'hourly_limit' && event.wait.ms !== undefined) {
          progress(
            `Query API: waiting ${minutes(event.wait.ms)} for the hourly budget (cohorts.query.queriesPerHour = ${queriesPerHour}): the rate limit is the bottleneck`,
          );
        }
        return;
      case 'rate_limited':
        progress(`Query API: 429 rate limited; backing off ${minutes(event.retryInMs)}`);
        return;
      case 'retry':
        progress(`Query API: ${event.message}; retrying in ${minutes(event.retryInMs)}`);
        return;
    }
  };

  private reasonOf(reason: CohortFailureReason | 'aborted'): CohortFailureReason {
    return reason === 'aborted' ? 'query_unavailable' : reason;
  }

  private failAll(cohortIds: readonly string[], failure: Failure): CohortResult[] {
    return cohortIds.map((id) => this.failed(id, undefined, undefined, 0, 0, failure));
  }

  private failed(
    cohortId: string,
    name: string | undefined,
    generation: string | undefined,
    pages: number,
    listed: number,
    failure: Failure,
    entered = 0,
  ): CohortResult {
    const { metrics, progress, logger, projectId } = this.deps;
    metrics.cohortFailures.inc({ source: 'query', reason: failure.reason });
    metrics.cohortSyncs.inc({ source: 'query', result: 'failed' });
    const ref = { projectId, cohortId };
    logger.warn({ cohort: ref, generation, ...failure }, 'cohort sync failed');
    progress(
      `${describeCohort(ref, name)}: sync failed (${failure.reason}): ${failure.message}; ${entered} entered, no exits written`,
    );
    return { cohortId, name, generation, pages, listed, entered, exited: 0, failure };
  }
}
