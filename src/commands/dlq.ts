/**
 * `segment-mixpanel dlq inspect` and `dlq replay`: config and client wiring, progress on stderr,
 * results on stdout (text, or JSON with --json). The work is in src/dead-letter/.
 */
import { systemClock, type Clock } from '../clock.js';
import { loadToolConfig } from '../config/load.js';
import type { DeadLetterFilter, OffsetRange } from '../dead-letter/filter.js';
import { inspectDeadLetters } from '../dead-letter/inspect.js';
import {
  renderInspectReport,
  renderReplayItem,
  renderReplaySummary,
} from '../dead-letter/render.js';
import { replayDeadLetters, type ReplayItem } from '../dead-letter/replay.js';
import { createLogger } from '../log.js';
import { createKafka } from '../kafka/client.js';
import { preflight } from './kafka-preflight.js';
import { withBrokers } from './topics.js';

export interface DlqCommonOptions {
  readonly config?: string | undefined;
  readonly brokers?: string | undefined;
  /** The dead-letter topic (default kafka.deadLetterTopic). */
  readonly topic?: string | undefined;
  readonly code?: readonly string[] | undefined;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  readonly offsets?: readonly OffsetRange[] | undefined;
  readonly json?: boolean | undefined;
  readonly progress: boolean;
}

export interface DlqInspectOptions extends DlqCommonOptions {
  readonly samples: number;
  readonly valueBytes: number;
}

export interface DlqReplayOptions extends DlqCommonOptions {
  readonly to?: string | undefined;
  readonly all?: boolean | undefined;
  readonly dryRun?: boolean | undefined;
  readonly limit?: number | undefined;
  readonly rate?: number | undefined;
}

interface Io {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream & { isTTY?: boolean };
}

async function setup(options: DlqCommonOptions, io: Io, clock: Clock) {
  const config = loadToolConfig({ file: options.config });
  const kafkaConfig = withBrokers(config, options.brokers);
  const topic = options.topic ?? config.kafka.deadLetterTopic;
  await preflight(
    kafkaConfig,
    clock,
    [{ topic, setting: options.topic ? '--topic' : 'kafka.deadLetterTopic' }],
    'segment-mixpanel topics create',
  );
  // Client warnings go to stderr: stdout carries the report (JSON with --json).
  const kafka = createKafka(kafkaConfig, createLogger({ level: 'warn' }, io.err), '-dlq');
  const filter: DeadLetterFilter = {
    ...(options.code?.length ? { codes: new Set(options.code) } : {}),
    ...(options.since !== undefined ? { since: options.since } : {}),
    ...(options.until !== undefined ? { until: options.until } : {}),
    ...(options.offsets?.length ? { offsets: options.offsets } : {}),
  };
  return { config, kafka, filter, topic };
}

/** A progress line on stderr: rewritten in place on a terminal, every 5 s otherwise. */
function progressLine(options: DlqCommonOptions, io: Io, clock: Clock) {
  let last = -Infinity;
  let written = false;
  const tty = io.err.isTTY === true;
  return {
    update(text: string): void {
      if (!options.progress) return;
      const now = clock.monotonic();
      if (now - last < (tty ? 200 : 5000)) return;
      last = now;
      written = true;
      io.err.write(tty ? `\r\x1b[2K${text}` : `${text}\n`);
    },
    done(): void {
      if (written && tty) io.err.write('\n');
    },
  };
}

export async function dlqInspectCommand(
  options: DlqInspectOptions,
  io: Io,
  signal: AbortSignal,
  clock: Clock = systemClock,
): Promise<void> {
  const { kafka, filter, topic } = await setup(options, io, clock);
  const progress = progressLine(options, io, clock);
  const report = await inspectDeadLetters({
    kafka,
    topic,
    filter,
    samplesPerCode: options.samples,
    valueBytes: options.valueBytes,
    signal,
    onProgress: (scanned, total) => progress.update(`scanned ${scanned}/${total} dead letters`),
  });
  progress.done();
  io.out.write(
    options.json ? `${JSON.stringify(report, null, 2)}\n` : renderInspectReport(report, filter),
  );
}

export async function dlqReplayCommand(
  options: DlqReplayOptions,
  io: Io,
  signal: AbortSignal,
  clock: Clock = systemClock,
): Promise<void> {
  const { config, kafka, filter, topic } = await setup(options, io, clock);
  const progress = progressLine(options, io, clock);
  const items: ReplayItem[] = [];
  const summary = await replayDeadLetters({
    kafka,
    clock,
    deadLetterTopic: topic,
    forbiddenTopics: [config.kafka.deadLetterTopic],
    filter,
    ...(options.to !== undefined ? { to: options.to } : {}),
    all: options.all === true,
    dryRun: options.dryRun === true,
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.rate !== undefined ? { ratePerSecond: options.rate } : {}),
    signal,
    onItem: (item) => {
      if (!options.dryRun) return;
      if (options.json) items.push(item);
      else io.out.write(`${renderReplayItem(item, true)}\n`);
    },
    onProgress: ({ scanned, total, replayed }) =>
      progress.update(
        `scanned ${scanned}/${total} dead letters, ${options.dryRun ? 'would replay' : 'replayed'} ${replayed}`,
      ),
  });
  progress.done();
  io.out.write(
    options.json
      ? `${JSON.stringify(options.dryRun ? { ...summary, items } : summary, null, 2)}\n`
      : renderReplaySummary(summary, filter),
  );
}
