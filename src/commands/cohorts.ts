/**
 * `segment-mixpanel cohorts serve` and `cohorts sync`: config and overrides, progress on stderr,
 * the outcome on stdout. The work is in src/cohorts/ (composed in cohort-service.ts,
 * cohort-receiver.ts and cohort-pull.ts).
 */
import { runCohortPull } from '../cohorts/cohort-pull.js';
import { startCohortReceiver } from '../cohorts/cohort-receiver.js';
import type { CohortResult } from '../cohorts/query/cohort-puller.js';
import { loadToolConfig } from '../config/load.js';
import { createLogger } from '../log.js';

export interface CohortsCommonOptions {
  readonly config?: string | undefined;
  readonly brokers?: string | undefined;
  readonly createTopics?: boolean | undefined;
  readonly partitions: number;
}

export interface CohortsServeOptions extends CohortsCommonOptions {
  readonly port?: number | undefined;
}

export interface CohortsSyncOptions extends CohortsCommonOptions {
  readonly cohort: readonly string[];
  /** Milliseconds between syncs; undefined: sync once. */
  readonly every?: number | undefined;
}

interface Io {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}

function configFor(options: CohortsCommonOptions) {
  const config = loadToolConfig({ file: options.config });
  return options.brokers
    ? {
        ...config,
        kafka: { ...config.kafka, brokers: options.brokers.split(',').map((b) => b.trim()) },
      }
    : config;
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return signal.aborted
    ? Promise.resolve()
    : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

export async function cohortsServeCommand(
  options: CohortsServeOptions,
  io: Io,
  stop: AbortSignal,
): Promise<number> {
  const loaded = configFor(options);
  const config =
    options.port === undefined
      ? loaded
      : {
          ...loaded,
          cohorts: {
            ...loaded.cohorts,
            webhook: { ...loaded.cohorts.webhook, port: options.port },
          },
        };
  const receiver = await startCohortReceiver(config, {
    createTopics: options.createTopics ? { partitions: options.partitions } : undefined,
    progress: (line) => io.err.write(`${line}\n`),
  });
  io.out.write(
    `cohort receiver listening on ${receiver.url}\n` +
      `  register it in Mixpanel as a webhook destination, then export cohorts to it\n` +
      `  identify messages go to ${config.cohorts.topic}${config.cohorts.sendToMixpanel ? '' : ' with integrations {"Mixpanel": false}'}\n` +
      (receiver.opsUrl ? `  metrics: ${receiver.opsUrl}/metrics\n` : ''),
  );
  await untilAborted(stop);
  await receiver.stop();
  io.out.write('cohort receiver stopped\n');
  return 0;
}

function summary(result: CohortResult): string {
  const who = `cohort ${result.cohortId}${result.name === undefined ? '' : ` "${result.name}"`}`;
  return result.failure
    ? `${who}: failed (${result.failure.reason}): ${result.failure.message}`
    : `${who}: ${result.listed} members, ${result.entered} entered, ${result.exited} exited`;
}

export async function cohortsSyncCommand(
  options: CohortsSyncOptions,
  io: Io,
  stop: AbortSignal,
): Promise<number> {
  const config = configFor(options);
  const results = await runCohortPull(config, {
    cohortIds: options.cohort,
    everyMs: options.every,
    signal: stop,
    createTopics: options.createTopics ? { partitions: options.partitions } : undefined,
    progress: (line) => io.err.write(`${line}\n`),
    // The outcome goes to stdout; logs join the progress on stderr.
    logger: createLogger(config.log, { write: (line: string) => io.err.write(line) }),
  });
  for (const result of results) io.out.write(`${summary(result)}\n`);
  return results.every((r) => r.failure === undefined) ? 0 : 1;
}
