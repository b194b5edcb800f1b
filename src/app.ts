/**
 * The composition root: builds every adapter and stage from the config, connects them, and owns
 * the order of start and stop.
 *
 * Start: ops server (liveness during startup) → publisher → dead-letter producer (must be ready
 * before the first rejection) → Avro decoder → the stages, wired → consumer last (nothing is read before
 * every sink is ready) → committer and lag monitor.
 *
 * Stop (SIGTERM/SIGINT): close intake and pause fetching → flush open
 * batches and let in-flight requests and dead letters finish within batching.drainTimeoutMs →
 * commit the settled watermark (needs group membership, so before leaving) → leave the group →
 * close producer and HTTP pool → ops server last, so shutdown stays observable. Anything unsettled
 * stays uncommitted and is redelivered to the next owner; $insert_id makes that safe.
 */
import { Router } from './batch/router.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config/schema.js';
import { DeadLetterGuard } from './dead-letter/guard.js';
import { createKafkaDeadLetterSink, type KafkaDeadLetterSink } from './dead-letter/kafka-sink.js';
import { DEAD_LETTER_HEADER_ROOM } from './dead-letter/letter.js';
import { DeadLetterWriter } from './dead-letter/writer.js';
import { createAvroDecoder, type AvroDecoder } from './decode/avro.js';
import { createRecordDecoder } from './decode/record-decoder.js';
import { createKafka } from './kafka/client.js';
import { describeKafkaProblem, kafkaProblemOf } from './kafka/problem.js';
import { describeSecurityFailure } from './kafka/security-diagnosis.js';
import { preflightSecurity } from './kafka/security-preflight.js';
import type { TopicPartition } from './kafka/topic-partition.js';
import { createLogger, type Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics/registry.js';
import { startOpsServer, type OpsServer } from './metrics/server.js';
import { Pipeline } from './pipeline.js';
import { Dispatcher } from './publish/dispatcher.js';
import { createPublisher, type Publisher } from './publish/publisher.js';
import { Backlog } from './settle/backlog.js';
import { Committer } from './settle/committer.js';
import type { InFlightMessage } from './settle/in-flight-message.js';
import { LetterGroups } from './settle/letter-groups.js';
import { OffsetTracker } from './settle/offset-tracker.js';
import { Settler } from './settle/settler.js';
import { createKafkaSource } from './source/kafka-source.js';
import { startLagMonitor, type LagMonitor } from './source/lag-monitor.js';
import type { Source } from './source/source.js';
import { checkTopicsExist, MissingTopicError, type TopicLimits } from './source/topics.js';
import { createInProcessStage, type TransformStage } from './transform/stage.js';
import { createWorkerStage } from './transform/worker-stage.js';
import type { FatalReason } from './vocabulary.js';
import { VERSION } from './version.js';

export interface ExitStatus {
  /** 0 after a requested stop; 1 after a fatal condition. */
  readonly code: 0 | 1;
  readonly reason: 'stopped' | FatalReason;
  readonly message: string;
}

/** The Kafka side of the processor: the kafkajs adapters by default, in-memory ones in tests. */
export interface KafkaAdapters {
  /**
   * Reads the topics' size limits; rejects with a MissingTopicError naming the setting when a
   * configured topic is missing.
   */
  checkTopics(): Promise<TopicLimits>;
  source(): Source;
  deadLetterSink(): KafkaDeadLetterSink;
  lagMonitor(assignment: () => readonly TopicPartition[]): Promise<LagMonitor>;
}

export interface AppOverrides {
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly publisher?: Publisher;
  readonly transform?: TransformStage;
  readonly kafka?: KafkaAdapters;
}

/** The kafkajs adapters, all on one client. */
export function kafkaAdapters(
  config: Readonly<Config>,
  deps: { readonly logger: Logger; readonly clock: Clock; readonly metrics: Metrics },
): KafkaAdapters {
  const kafka = createKafka(config.kafka, deps.logger);
  return {
    checkTopics: async () => {
      await preflightSecurity(config.kafka);
      return checkTopicsExist(kafka, config.kafka);
    },
    source: () => createKafkaSource({ kafka, config: config.kafka, ...deps }),
    deadLetterSink: () =>
      createKafkaDeadLetterSink({
        kafka,
        topic: config.kafka.deadLetterTopic,
        retries: config.deadLetter.produceRetries,
      }),
    lagMonitor: (assignment) =>
      startLagMonitor({
        kafka,
        groupId: config.kafka.groupId,
        topics: config.kafka.topics,
        intervalMs: config.kafka.lagIntervalMs,
        assignment,
        ...deps,
      }),
  };
}

export interface App {
  /** Resolves once consuming has started (the group join completes in the background). */
  start(): Promise<void>;
  /** Graceful stop; resolves when everything is closed. Idempotent. */
  stop(): Promise<ExitStatus>;
  /** Resolves when the app has stopped, for whatever reason. */
  readonly exited: Promise<ExitStatus>;
  /** Where /metrics, /healthz and /readyz are served (after start, when metrics are enabled). */
  opsUrl(): string | undefined;
  readonly metrics: Metrics;
}

/** What to fix, by fatal reason: the message of a fatal stop names the setting. */
const FATAL_HINTS: Record<FatalReason, string> = {
  auth: 'check mixpanel.serviceAccount / mixpanel.apiSecret / mixpanel.projectToken / mixpanel.projectId and that mixpanel.region (or mixpanel.apiHost) matches the project',
  proxy:
    'check mixpanel.proxy (or the HTTPS_PROXY / HTTP_PROXY variable it came from) and the credentials the proxy expects; Mixpanel itself was not reached',
  schema_registry:
    'check input.schemaRegistry.url and the credentials in input.schemaRegistry (username and password, or token): the registry refused them',
  dead_letter_ratio:
    'inspect the dead-letter topic (segment-mixpanel dlq inspect); raise deadLetter.maxRatio only if this share of bad input is expected',
  kafka: 'check kafka.brokers and the broker logs',
  certificate:
    'if a TLS-inspecting proxy re-signs the traffic, set mixpanel.tls.ca to its CA certificate; otherwise check mixpanel.apiHost and the system clock',
  internal: 'this is a bug; please report it with the logs',
};

class StartupAborted extends Error {
  override name = 'StartupAborted';
}

/** A startup failure caused by the environment or the configuration, said in plain words. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** Startup failures with the setting to check: kafkajs errors alone do not say which broker list. */
function describeStartupError(err: unknown, config: Readonly<Config>): Error {
  const error = err instanceof Error ? err : new Error(String(err));
  if (error instanceof MissingTopicError) return new StartupError(error.message, { cause: error });
  const security = describeSecurityFailure(error, config.kafka);
  if (security !== undefined) return new StartupError(security, { cause: error });
  if (/^KafkaJS/.test(error.name)) {
    const line = describeKafkaProblem(kafkaProblemOf(error, config.kafka), {
      brokers: config.kafka.brokers,
    });
    return new StartupError(line, { cause: error });
  }
  return error;
}

/** A raw record near the raw topics' limit would not fit the dead-letter topic: say so at start. */
function warnIfRecordsCannotBeDeadLettered(
  limits: TopicLimits,
  config: Readonly<Config>,
  logger: Logger,
): void {
  const needed = limits.rawMaxMessageBytes + DEAD_LETTER_HEADER_ROOM;
  if (limits.deadLetterMaxMessageBytes >= needed) return;
  logger.warn(
    {
      deadLetterTopic: config.kafka.deadLetterTopic,
      deadLetterMaxMessageBytes: limits.deadLetterMaxMessageBytes,
      rawMaxMessageBytes: limits.rawMaxMessageBytes,
      needed,
    },
    'the dead-letter topic accepts smaller records than the raw topics: a large rejected record could not be dead-lettered and would hold its partition; raise max.message.bytes of the dead-letter topic',
  );
}

export function createApp(config: Readonly<Config>, overrides: AppOverrides = {}): App {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger(config.log);
  const metrics =
    overrides.metrics ??
    createMetrics({ topics: config.kafka.topics, defaultMetrics: true, version: VERSION });
  const adapters = overrides.kafka ?? kafkaAdapters(config, { logger, clock, metrics });
  /** The offsets settled per partition: written by the settler, read by the committer. */
  const tracker = new OffsetTracker();
  /** Fed by the settler; its window travels with each partition's committed offset. */
  const guard = new DeadLetterGuard(config.deadLetter.maxRatio, config.deadLetter.window);

  let ops: OpsServer | undefined;
  let source: Source | undefined;
  let pipeline: Pipeline | undefined;
  let committer: Committer | undefined;
  let lag: LagMonitor | undefined;
  let publisher: Publisher | undefined;
  let deadLetters: DeadLetterWriter | undefined;
  let sink: KafkaDeadLetterSink | undefined;
  let transform: TransformStage | undefined;
  let avro: AvroDecoder | undefined;
  let stopping: Promise<ExitStatus> | undefined;
  let fatal: { reason: FatalReason; message: string } | undefined;
  let resolveExited!: (status: ExitStatus) => void;
  const exited = new Promise<ExitStatus>((resolve) => (resolveExited = resolve));

  const onFatal = (reason: FatalReason, message: string): void => {
    if (fatal || stopping) return;
    fatal = { reason, message };
    metrics.fatalErrors.inc({ reason });
    logger.fatal(
      { reason, detail: message, fix: FATAL_HINTS[reason] },
      'stopping: fatal condition',
    );
    void stop();
  };

  /**
   * The stages of the run loop, connected: decode → transform → route → dispatch → publish →
   * settle. The backlog wakes intake, the router hands closed batches to the dispatcher, the
   * dispatcher hands answers back to the pipeline, which settles them.
   */
  function wire(parts: {
    publisher: Publisher;
    deadLetters: DeadLetterWriter;
    transform: TransformStage;
    avro: AvroDecoder | undefined;
  }): Pipeline {
    const backlog = new Backlog(
      {
        maxRecords: config.batching.maxBufferedRecords,
        maxBytes: config.batching.maxBufferedBytes,
        waitingFactor: config.batching.waitingRecordsFactor,
        resumeRatio: config.batching.resumeRatio,
      },
      () => pipeline?.roomFreed(),
      metrics,
    );
    const settler = new Settler({
      tracker,
      backlog,
      letters: new LetterGroups({ writer: parts.deadLetters, clock, logger }),
      guard,
      maxLetterGroup: config.deadLetter.maxGroupSize,
      metrics,
      onGuardTripped: (description) => onFatal('dead_letter_ratio', description),
    });
    const dispatcher = new Dispatcher<InFlightMessage>({
      publisher: parts.publisher,
      onResults: (batch, result) => pipeline?.published(batch, result),
    });
    const router = new Router<InFlightMessage>({
      batching: config.batching,
      clock,
      metrics,
      orderedLanes: config.batching.maxInFlightRequests,
      onBatch: (batch) => dispatcher.dispatch(batch),
    });
    return new Pipeline({
      decodeRecord: createRecordDecoder({ format: config.input.format, avro: parts.avro }),
      transform: parts.transform,
      router,
      dispatcher,
      settler,
      backlog,
      clock,
      metrics,
      onFatal,
    });
  }

  let starting: Promise<void> | undefined;

  /** Ends startup at the next step once a stop was requested meanwhile. */
  const checkpoint = (): void => {
    if (stopping) throw new StartupAborted();
  };

  function start(): Promise<void> {
    starting ??= startInOrder().catch((err: unknown) => {
      if (err instanceof StartupAborted) return;
      const described = describeStartupError(err, config);
      // The stop that follows reports this failure, with the exit code the process ends with.
      fatal ??= {
        reason: described instanceof StartupError ? 'kafka' : 'internal',
        message: described.message,
      };
      throw described;
    });
    return starting;
  }

  async function startInOrder(): Promise<void> {
    if (config.metrics.enabled) {
      ops = await startOpsServer({
        registry: metrics.registry,
        host: config.metrics.host,
        port: config.metrics.port,
        readiness: () => {
          const checks: Record<string, true | string> = {
            consumer: source?.joined() ? true : 'not a member of the consumer group yet',
            mixpanel:
              fatal?.reason === 'auth'
                ? 'credentials refused'
                : publisher && !publisher.reachable()
                  ? 'unreachable: the latest request got no answer'
                  : true,
            running: stopping ? 'shutting down' : true,
          };
          return { ready: Object.values(checks).every((c) => c === true), checks };
        },
      });
    }
    publisher =
      overrides.publisher ??
      createPublisher({
        mixpanel: config.mixpanel,
        retry: config.retry,
        batching: config.batching,
        clock,
        metrics,
        logger,
      });
    const limits = await adapters.checkTopics();
    checkpoint();
    warnIfRecordsCannotBeDeadLettered(limits, config, logger);
    sink = adapters.deadLetterSink();
    await sink.connect();
    checkpoint();
    deadLetters = new DeadLetterWriter({
      sink,
      clock,
      metrics,
      logger,
      policy: {
        ...config.deadLetter,
        maxBatchBytes: Math.min(config.deadLetter.maxBatchBytes, limits.deadLetterMaxMessageBytes),
      },
    });
    avro = config.input.schemaRegistry
      ? createAvroDecoder({ registry: config.input.schemaRegistry, clock, logger })
      : undefined;
    transform =
      overrides.transform ??
      (config.input.transformWorkers > 0
        ? createWorkerStage(config, { workers: config.input.transformWorkers, logger })
        : createInProcessStage(config));
    source = adapters.source();
    const theSource = source;
    pipeline = wire({ publisher, deadLetters, transform, avro });
    const thePipeline = pipeline;
    const theCommitter = (committer = new Committer({
      tracker,
      source,
      clock,
      intervalMs: config.kafka.commitIntervalMs,
      logger,
      metrics,
      metadata: (tp) => guard.snapshot(tp),
    }));
    /**
     * Intake of newly assigned partitions waits until the guard took in the window committed with
     * them, so a replica restarted on a persistent problem judges it at once.
     */
    let restoring: Promise<void> = Promise.resolve();
    const restoreGuard = (partitions: readonly TopicPartition[]): Promise<void> =>
      theSource
        .committed(partitions)
        .then((committed) => {
          for (const c of committed) guard.restore(c, c.metadata);
        })
        .catch((err: unknown) =>
          logger.warn(
            { err },
            'could not read the dead-letter window committed with the partitions',
          ),
        );
    checkpoint();
    await source.start({
      onBatch: async (batch) => {
        await restoring;
        return thePipeline.onBatch(batch);
      },
      awaitCapacity: () => thePipeline.awaitCapacity(),
      onAssignment: (change) => {
        restoring = restoreGuard(change.assigned);
        thePipeline.onAssignment(change);
      },
      onRevoking: async (partitions, signal) => {
        // Still a member of the old generation until this resolves: commits are accepted.
        const started = clock.monotonic();
        const settled = await thePipeline.revoke(signal, config.batching.drainTimeoutMs);
        if (!settled) {
          const abandoned = thePipeline.unsettled.records;
          metrics.rebalanceAbandoned.inc(abandoned);
          logger.warn(
            { partitions: partitions.length, abandoned },
            'rebalance: in-flight work unfinished at the deadline; it stays uncommitted',
          );
        }
        if (!(await theCommitter.commitNow())) {
          logger.warn('rebalance: the final commit was refused; the next owner repeats some work');
        }
        thePipeline.forget(partitions);
        metrics.rebalanceDrainDuration.observe((clock.monotonic() - started) / 1000);
      },
      onFatal: (error) => onFatal('kafka', error.message),
    });
    checkpoint();
    committer.start();
    lag = await adapters.lagMonitor(() => theSource.assignment());
    checkpoint();
    logger.info(
      {
        topics: config.kafka.topics,
        groupId: config.kafka.groupId,
        metrics: ops?.url,
        version: VERSION,
      },
      'processor started',
    );
  }

  function stop(): Promise<ExitStatus> {
    stopping ??= (async () => {
      logger.info({ reason: fatal?.reason ?? 'requested' }, 'processor stopping');
      if (starting) {
        // Startup ends at its next checkpoint; a step stuck on an unreachable broker is not waited out.
        const deadline = new AbortController();
        await Promise.race([
          starting.catch(() => {}),
          clock.sleep(config.batching.drainTimeoutMs, deadline.signal).catch(() => {}),
        ]);
        deadline.abort();
      }
      pipeline?.closeIntake();
      source?.pause();
      const settled = pipeline
        ? await pipeline.drain('shutdown', config.batching.drainTimeoutMs)
        : true;
      if (!settled) {
        logger.warn(
          { unsettled: pipeline?.unsettled },
          'drain deadline passed; unsettled records stay uncommitted',
        );
      }
      await committer?.stop();
      await closeQuietly('lag monitor', () => lag?.stop());
      await closeQuietly('consumer', () => source?.stop());
      await closeQuietly('dead-letter writer', () => deadLetters?.close());
      await closeQuietly('dead-letter producer', () => sink?.close());
      await closeQuietly('publisher', () => publisher?.close());
      await closeQuietly('transform workers', () => transform?.close());
      await closeQuietly('schema registry client', () => avro?.close());
      const status: ExitStatus = fatal
        ? {
            code: 1,
            reason: fatal.reason,
            message: `${fatal.message} (${FATAL_HINTS[fatal.reason]})`,
          }
        : { code: 0, reason: 'stopped', message: 'stopped' };
      logger.info({ code: status.code }, 'processor stopped');
      await closeQuietly('ops server', () => ops?.close());
      resolveExited(status);
      return status;
    })();
    return stopping;
  }

  async function closeQuietly(
    what: string,
    close: () => Promise<unknown> | undefined,
  ): Promise<void> {
    try {
      await close();
    } catch (err) {
      logger.warn({ err, component: what }, 'error while closing');
    }
  }

  return { start, stop, exited, opsUrl: () => ops?.url, metrics };
}
