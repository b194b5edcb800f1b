/**
 * `segment-mixpanel run`: the stream processor.
 *
 * Before the processor starts, the cluster is probed (src/kafka/probe.ts): an unreachable broker,
 * a refused login or a missing topic ends the command within kafka.startupTimeoutMs with one line
 * naming the setting (exit code 1). `--create-topics` creates missing topics first.
 *
 * SIGTERM/SIGINT stop it gracefully (a later second signal exits at once, see termination.ts); a
 * fatal condition (credentials refused, dead-letter guard) exits with code 1 and a message naming
 * the setting to fix. On the way out it logs a summary: totals, dead letters by code and the
 * committed offsets.
 */
import { createApp, StartupError, type ExitStatus } from '../app.js';
import { systemClock } from '../clock.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { readCommittedOffsets } from '../kafka/committed-offsets.js';
import { describeKafkaProblem } from '../kafka/problem.js';
import { probeKafka, processorTopics } from '../kafka/probe.js';
import type { Logger } from '../log.js';
import { EXIT_CODES, CommandFailed } from './exit-codes.js';
import { createCommandLogger, resolveLogFormat, type LogFormatSetting } from './log-output.js';
import { startRunReport, type Totals } from './run-report.js';
import { onTermination } from './termination.js';
import { createTopics } from './topics.js';
import { renderTopicOutcome } from '../topics/ensure.js';

export interface RunOptions {
  readonly config?: string | undefined;
  /** Create missing topics with the recommended settings before starting (development). */
  readonly createTopics?: boolean | undefined;
  /** Overrides log.format. */
  readonly logFormat?: LogFormatSetting | undefined;
}

export interface RunIo {
  readonly out: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly err: NodeJS.WritableStream;
}

export async function runCommand(options: RunOptions, io: RunIo): Promise<number> {
  const config = loadConfig({ file: options.config });
  const format = resolveLogFormat(options.logFormat ?? config.log.format, io.out);
  const logger = await createCommandLogger(config.log, format, io.out);
  /** A failure said once: logged, and on stderr too unless the log is already human-readable. */
  const fail = (problem: string, detail: string): number => {
    logger.fatal({ code: EXIT_CODES.failure, problem, detail }, 'cannot start');
    if (format === 'json') io.err.write(`segment-mixpanel: cannot start: ${detail}\n`);
    return EXIT_CODES.failure;
  };

  let stopRequested = false;
  let stopApp: (() => void) | undefined;
  const dispose = onTermination(() => {
    stopRequested = true;
    stopApp?.();
  });
  try {
    const ready = await prepareCluster(config, options, logger);
    if (!ready.ok) return fail(ready.problem, ready.detail);
    if (stopRequested) return EXIT_CODES.ok;

    const app = createApp(config, { logger });
    stopApp = () => void app.stop();
    const report = startRunReport({
      metrics: app.metrics,
      logger,
      clock: systemClock,
      intervalMs: config.log.progressIntervalMs,
    });
    try {
      await app.start();
    } catch (error) {
      await app.stop();
      await report.stop();
      if (error instanceof StartupError) return fail('startup', error.message);
      throw error;
    }
    const status: ExitStatus = await app.exited;
    await summarize(config, logger, await report.stop(), status);
    // Everything is closed; a client library still retrying in the background must not keep the
    // process alive after a stop (the timer itself never does).
    systemClock.setTimer(() => process.exit(status.code), 3000);
    if (status.code !== 0 && format === 'json')
      io.err.write(`segment-mixpanel: stopped (${status.reason}): ${status.message}\n`);
    return status.code;
  } finally {
    dispose();
  }
}

type Readiness = { ok: true } | { ok: false; problem: string; detail: string };

/** Creates topics when asked, then checks the brokers and every topic the processor needs. */
async function prepareCluster(
  config: Readonly<Config>,
  options: RunOptions,
  logger: Logger,
): Promise<Readiness> {
  if (options.createTopics) {
    try {
      const outcomes = await createTopics(config.kafka, systemClock, logger, {
        rawTopics: config.kafka.topics.map((topic) => ({ topic, setting: 'kafka.topics' })),
        deadLetterTopic: config.kafka.deadLetterTopic,
      });
      for (const outcome of outcomes) {
        logger.info({ topic: outcome.topic, action: outcome.action }, renderTopicOutcome(outcome));
      }
    } catch (err) {
      if (err instanceof CommandFailed)
        return { ok: false, problem: 'topics', detail: err.message };
      throw err;
    }
  }
  const probe = await probeKafka({
    kafka: config.kafka,
    clock: systemClock,
    require: processorTopics(config.kafka),
  });
  if (probe.ok) return { ok: true };
  const detail = describeKafkaProblem(probe.problem, {
    brokers: config.kafka.brokers,
    createTopics: `segment-mixpanel topics create${options.config ? ` -c ${options.config}` : ''} (or run --create-topics)`,
  });
  return { ok: false, problem: probe.problem.kind, detail };
}

/** The last lines of a run: what went where, and the offsets a restart resumes from. */
async function summarize(
  config: Readonly<Config>,
  logger: Logger,
  totals: Totals,
  status: ExitStatus,
): Promise<void> {
  // After a Kafka failure the brokers are unlikely to answer: do not wait for them again.
  const committed =
    status.reason === 'kafka' ? undefined : await readCommittedOffsets(config.kafka, systemClock);
  logger.info(
    {
      consumed: totals.consumed,
      delivered: totals.delivered,
      deadLettered: totals.deadLetteredByCode,
      skipped: totals.skippedByReason,
      unsettled: totals.unsettled,
      committed: committed?.ok ? committed.value : 'unknown',
      code: status.code,
    },
    'summary',
  );
}
