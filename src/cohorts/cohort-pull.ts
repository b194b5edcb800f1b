/** `segment-mixpanel cohorts sync`: the shared start, then the Query API puller. */
import { prepare, type CohortServiceConfig, type CohortServiceOptions } from './cohort-service.js';
import { CohortStartupError } from './errors.js';
import { CohortPuller, type CohortResult } from './query/cohort-puller.js';
import { QueryBudget } from './query/query-budget.js';
import { createQueryClient } from './query/query-client.js';
import { QueryRequests } from './query/query-requests.js';

export interface PullOptions extends CohortServiceOptions {
  readonly cohortIds: readonly string[];
  /** Repeat every this many ms; undefined: once. */
  readonly everyMs?: number | undefined;
  readonly signal: AbortSignal;
}

/** `cohorts sync`: one sync of every cohort, or one every `everyMs` until the signal aborts. */
export async function runCohortPull(
  config: Readonly<CohortServiceConfig>,
  options: PullOptions,
): Promise<CohortResult[]> {
  const query = config.cohorts.query;
  if (query.serviceAccount === undefined || query.projectId === undefined) {
    throw new CohortStartupError(
      'cohorts sync reads the Query API: set cohorts.query.serviceAccount (username, secret) and cohorts.query.projectId',
    );
  }
  const prepared = await prepare(
    config,
    { ...options, ops: options.everyMs !== undefined },
    'query',
  );
  const { sync, metrics, logger, clock, log, ops } = prepared;
  const client = createQueryClient({
    config: query,
    projectId: query.projectId,
    serviceAccount: query.serviceAccount,
    clock,
    metrics,
  });
  try {
    const budget = new QueryBudget({
      clock,
      metrics,
      perHour: query.queriesPerHour,
      concurrent: query.maxConcurrentQueries,
    });
    const puller = new CohortPuller({
      sync,
      requests: new QueryRequests({ client, budget, clock, metrics, config: query }),
      projectId: query.projectId,
      clock,
      metrics,
      logger,
      progress: options.progress ?? (() => {}),
      queriesPerHour: query.queriesPerHour,
    });
    return await puller.run(options.cohortIds, options.everyMs, options.signal);
  } finally {
    await client.close();
    await log.close().catch((err: unknown) => logger.warn({ err }, 'error closing producer'));
    await ops?.close();
  }
}
