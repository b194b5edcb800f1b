/**
 * The composition of the cohort commands (the processor's own root is src/app.ts): builds the
 * Kafka side, cohort sync and either the webhook receiver (`cohorts serve`) or the Query API
 * puller (`cohorts sync`), and owns their start and stop order.
 *
 * Start: ops server (liveness while loading) → topics checked (or created) → producer connected →
 * the state topic loaded → interrupted syncs of this source recovered → only then the webhook
 * listens or the puller queries, so nothing is applied to a half-loaded membership.
 * Stop: the receiver stops accepting and finishes the requests in progress (their answers need
 * Kafka) → producer closed → ops server last.
 *
 * One process owns a cohort at a time: a receiver and a puller may share the topics, but a cohort
 * must come from one source, and two processes must not sync the same cohort at once.
 */
import type { Kafka } from 'kafkajs';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import { createKafka } from '../kafka/client.js';
import { describeSecurityFailure } from '../kafka/security-diagnosis.js';
import { preflightSecurity } from '../kafka/security-preflight.js';
import { createLogger, type Logger } from '../log.js';
import { createMetrics, type Metrics } from '../metrics/registry.js';
import { startOpsServer, type OpsServer } from '../metrics/server.js';
import { VERSION } from '../version.js';
import type { CohortLog } from './cohort-log.js';
import { CohortSync } from './cohort-sync.js';
import { createKafkaCohortLog, type KafkaCohortLog } from './kafka-cohort-log.js';
import { CohortPuller, type CohortResult } from './query/cohort-puller.js';
import { QueryBudget } from './query/query-budget.js';
import { createQueryClient } from './query/query-client.js';
import { QueryRequests } from './query/query-requests.js';
import { loadCohortState } from './state-loader.js';
import { checkCohortTopics, createCohortTopics } from './topics.js';
import { WebhookHandler } from './webhook/webhook-handler.js';
import { startWebhookServer, type WebhookServer } from './webhook/webhook-server.js';

export type CohortServiceConfig = Pick<Config, 'kafka' | 'cohorts' | 'metrics' | 'log'>;

export interface CohortServiceOptions {
  /** Create missing topics (the state topic compacted) instead of refusing to start. */
  readonly createTopics?: { readonly partitions: number } | undefined;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Wraps the Kafka log (tests inject failures at a chosen write). */
  readonly wrapLog?: (log: CohortLog) => CohortLog;
  /** Told what happens, in plain lines (the command prints them on stderr). */
  readonly progress?: (line: string) => void;
}

/** Whether to serve /metrics: a one-time sync ends before anything could scrape it. */
type OpsWanted = { readonly ops: boolean };

/** A problem starting that the user must fix: said in one line. */
export class CohortStartupError extends Error {
  override name = 'CohortStartupError';
}

interface Prepared {
  readonly kafka: Kafka;
  readonly log: KafkaCohortLog;
  readonly sync: CohortSync;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly ops: OpsServer | undefined;
}

async function prepare(
  config: Readonly<CohortServiceConfig>,
  options: CohortServiceOptions & OpsWanted,
  source: 'webhook' | 'query',
): Promise<Prepared> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.log);
  const metrics = options.metrics ?? createMetrics({ defaultMetrics: true, version: VERSION });
  const progress = options.progress ?? (() => {});
  let ready = false;
  const ops =
    config.metrics.enabled && options.ops
      ? await startOpsServer({
          registry: metrics.registry,
          host: config.metrics.host,
          port: config.metrics.port,
          readiness: () => ({
            ready,
            checks: { state: ready ? true : 'loading the cohort state topic' },
          }),
        })
      : undefined;
  const kafka = createKafka(config.kafka, logger, '-cohorts');
  const log = createKafkaCohortLog({
    kafka,
    topic: config.cohorts.topic,
    stateTopic: config.cohorts.stateTopic,
  });
  try {
    await preflightSecurity(config.kafka);
    if (options.createTopics) {
      const { created } = await createCohortTopics(
        kafka,
        config.cohorts,
        options.createTopics.partitions,
      );
      for (const topic of created) progress(`created topic ${topic}`);
    }
    await checkCohortTopics(kafka, config.cohorts);
    await log.connect();
    const loaded = await loadCohortState({
      kafka,
      topic: config.cohorts.stateTopic,
      clientId: config.kafka.clientId,
    });
    if (loaded.unreadable > 0) {
      logger.warn(
        { topic: config.cohorts.stateTopic, unreadable: loaded.unreadable },
        'records of the cohort state topic that are not cohort state were ignored',
      );
    }
    const cohorts = loaded.state.all();
    progress(
      `loaded ${config.cohorts.stateTopic}: ${cohorts.length} cohort${cohorts.length === 1 ? '' : 's'}, ${cohorts.reduce((n, c) => n + c.members.size, 0)} memberships`,
    );
    const sync = new CohortSync({
      state: loaded.state,
      log: options.wrapLog ? options.wrapLog(log) : log,
      clock,
      metrics,
      logger,
      sendToMixpanel: config.cohorts.sendToMixpanel,
      batchSize: config.cohorts.produceBatchSize,
    });
    const recovered = await sync.recover(source, config.cohorts.webhook.sessionTtlMs);
    if (!recovered.ok) {
      throw new CohortStartupError(
        `could not resume the interrupted cohort syncs: ${recovered.error.message}`,
      );
    }
    ready = true;
    return { kafka, log, sync, metrics, logger, clock, ops };
  } catch (err) {
    await log.close().catch(() => {});
    await ops?.close();
    const security = describeSecurityFailure(err, config.kafka);
    if (security !== undefined) throw new CohortStartupError(security, { cause: err });
    if (err instanceof Error && /^KafkaJS/.test(err.name)) {
      throw new CohortStartupError(
        `cannot reach Kafka (kafka.brokers = ${config.kafka.brokers.join(',')}): ${err.message}`,
        { cause: err },
      );
    }
    throw err;
  }
}

export interface CohortReceiver {
  /** Where Mixpanel posts: `http://host:port/path`. */
  readonly url: string;
  readonly opsUrl: string | undefined;
  readonly metrics: Metrics;
  readonly sync: CohortSync;
  stop(): Promise<void>;
}

/** `cohorts serve`: resolves once the receiver listens. */
export async function startCohortReceiver(
  config: Readonly<CohortServiceConfig>,
  options: CohortServiceOptions = {},
): Promise<CohortReceiver> {
  const prepared = await prepare(config, { ...options, ops: true }, 'webhook');
  const { sync, metrics, logger, clock, log, ops } = prepared;
  const webhook = config.cohorts.webhook;
  let server: WebhookServer;
  try {
    server = await startWebhookServer({
      host: webhook.host,
      port: webhook.port,
      path: webhook.path,
      credentials:
        webhook.username !== undefined && webhook.password !== undefined
          ? { username: webhook.username, password: webhook.password }
          : undefined,
      maxBodyBytes: webhook.maxBodyBytes,
      handler: new WebhookHandler({ sync, metrics, logger }),
      logger,
    });
  } catch (err) {
    await log.close();
    await ops?.close();
    throw new CohortStartupError(
      `cannot listen on ${webhook.host}:${webhook.port} (cohorts.webhook.host, cohorts.webhook.port): ${(err as Error).message}`,
    );
  }
  // Incomplete full syncs are abandoned once they outlive the TTL.
  let expiry = clock.setTimer(
    function sweep() {
      void sync.expire(webhook.sessionTtlMs).finally(() => {
        expiry = clock.setTimer(sweep, Math.min(webhook.sessionTtlMs, 60 * 60 * 1000));
      });
    },
    Math.min(webhook.sessionTtlMs, 60 * 60 * 1000),
  );
  const url = `${server.url}${webhook.path}`;
  logger.info({ url, topic: config.cohorts.topic, metrics: ops?.url }, 'cohort receiver started');
  let stopping: Promise<void> | undefined;
  return {
    url,
    opsUrl: ops?.url,
    metrics,
    sync,
    stop() {
      stopping ??= (async () => {
        expiry.cancel();
        await server.close();
        await sync.idle();
        await log.close().catch((err: unknown) => logger.warn({ err }, 'error closing producer'));
        logger.info('cohort receiver stopped');
        await ops?.close();
      })();
      return stopping;
    },
  };
}

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
