/**
 * The composition of the cohort commands (the processor's own root is src/app.ts): the start both
 * share is here; cohort-receiver.ts adds the webhook receiver (`cohorts serve`) and cohort-pull.ts
 * the Query API puller (`cohorts sync`). Together they own the start and stop order.
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
import { loadCohortState } from './state-loader.js';
import { CohortStartupError } from './errors.js';
import { checkCohortTopics, createCohortTopics } from './topics.js';

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
export type OpsWanted = { readonly ops: boolean };

export interface Prepared {
  readonly kafka: Kafka;
  readonly log: KafkaCohortLog;
  readonly sync: CohortSync;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly ops: OpsServer | undefined;
}

export async function prepare(
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
