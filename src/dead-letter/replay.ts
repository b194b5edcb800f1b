/**
 * `dlq replay` as a function (the CLI and end-to-end tests both call it): re-produces chosen dead
 * letters to the raw topic so the pipeline processes them again.
 *
 * Each replayed record is the original: same key, same value bytes, the original headers, the
 * original Kafka timestamp (the transform may take an event's time from it, and Mixpanel
 * deduplicates on time), and, when it goes back to its source topic, the original partition (so
 * per-user ordering holds whatever partitioner the producer used). One header is added,
 * `dlq.replayed.from`, naming the dead letter it came from. It never writes to the dead-letter
 * topic, and a dry run opens no producer at all.
 */
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import type { Clock } from '../clock.js';
import { ReplayRefused } from './errors.js';
import { isEmptyFilter, matchesFilter, type DeadLetterFilter } from './filter.js';
import { measureTopic, scanDeadLetters } from './reader.js';
import { replayHeaders, type StoredDeadLetter } from './stored-letter.js';

export interface ReplayItem {
  /** Position in the dead-letter topic. */
  readonly partition: number;
  readonly offset: string;
  readonly code: string;
  readonly target: string;
  readonly source: { topic: string; partition: number; offset: string };
  readonly failedAt?: number;
}

export interface ReplayProgress {
  readonly scanned: number;
  readonly total: number;
  readonly replayed: number;
}

export interface ReplayOptions {
  readonly kafka: Kafka;
  readonly clock: Clock;
  /** The dead-letter topic read. Never written to. */
  readonly deadLetterTopic: string;
  readonly filter: DeadLetterFilter;
  /** Every record goes here instead of its `dlq.source.topic`. */
  readonly to?: string;
  /** Other topics that must never receive replays (the configured dead-letter topic). */
  readonly forbiddenTopics?: readonly string[];
  /** Replay everything when the filter is empty (otherwise refused). */
  readonly all?: boolean;
  readonly dryRun?: boolean;
  /** Stop after this many records. */
  readonly limit?: number;
  /** Records per second; undefined is as fast as the broker takes them. */
  readonly ratePerSecond?: number;
  readonly signal?: AbortSignal;
  /** Every record replayed (or, in a dry run, that would be). */
  readonly onItem?: (item: ReplayItem) => void;
  readonly onProgress?: (progress: ReplayProgress) => void;
}

export interface ReplaySummary {
  readonly deadLetterTopic: string;
  readonly dryRun: boolean;
  readonly total: number;
  readonly scanned: number;
  readonly matched: number;
  readonly replayed: number;
  readonly byTarget: Record<string, number>;
  readonly byCode: Record<string, number>;
  /** Matching records whose source is a forbidden topic, left alone. */
  readonly refused: number;
  /** Matching records without readable dlq.* headers (no known source), left alone. */
  readonly unreadable: number;
  readonly limitReached: boolean;
  /** Stopped by the signal before the end of the topic. */
  readonly interrupted: boolean;
}

const MAX_SEND_BATCH = 500;

export async function replayDeadLetters(options: ReplayOptions): Promise<ReplaySummary> {
  const { kafka, clock, deadLetterTopic, filter } = options;
  const forbidden = new Set([deadLetterTopic, ...(options.forbiddenTopics ?? [])]);
  if (options.to !== undefined && forbidden.has(options.to)) {
    throw new ReplayRefused(`refusing to replay into ${options.to}: it is a dead-letter topic`);
  }
  if (isEmptyFilter(filter) && !options.all) {
    throw new ReplayRefused(
      'no filter given: choose records with --code, --since, --until or --offsets, or pass --all',
    );
  }
  const partitionCounts = new Map<string, number>();
  const partitionsOf = async (topic: string): Promise<number> => {
    let count = partitionCounts.get(topic);
    if (count === undefined) {
      count = (await measureTopic(kafka, topic)).length;
      partitionCounts.set(topic, count);
    }
    return count;
  };
  if (options.to !== undefined) await partitionsOf(options.to);

  const producer = options.dryRun
    ? undefined
    : kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
  await producer?.connect();

  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const byTarget: Record<string, number> = {};
  const byCode: Record<string, number> = {};
  let matched = 0;
  let replayed = 0;
  let refused = 0;
  let unreadable = 0;
  let limitReached = false;
  let scanned = 0;
  let total = 0;
  /** Records the broker acknowledged. */
  let sent = 0;
  const started = clock.monotonic();
  // Small requests at low rates keep the pacing smooth.
  const sendBatch = options.ratePerSecond
    ? Math.max(1, Math.min(MAX_SEND_BATCH, Math.floor(options.ratePerSecond / 20)))
    : MAX_SEND_BATCH;

  const toMessage = async (letter: StoredDeadLetter, target: string): Promise<Message> => {
    const info = letter.info as NonNullable<StoredDeadLetter['info']>;
    const samePartition =
      target === info.sourceTopic && info.sourcePartition < (await partitionsOf(target));
    return {
      key: letter.key,
      value: letter.value,
      headers: replayHeaders(letter),
      ...(info.sourceTimestamp !== undefined ? { timestamp: String(info.sourceTimestamp) } : {}),
      ...(samePartition ? { partition: info.sourcePartition } : {}),
    };
  };

  const send = async (target: string, messages: Message[]): Promise<void> => {
    if (!producer || messages.length === 0) return;
    if (options.ratePerSecond) {
      // Paced by schedule, so the time sends take does not slow the rate down.
      const dueAt = started + ((sent + messages.length) / options.ratePerSecond) * 1000;
      const wait = dueAt - clock.monotonic();
      // Interrupted while pacing: send what was chosen anyway; the scan stops right after.
      if (wait > 0) await clock.sleep(wait, options.signal).catch(() => undefined);
    }
    try {
      await producer.send({ topic: target, acks: -1, messages });
    } catch (err) {
      throw new Error(
        `replay stopped after ${sent} records were written: producing to ${target} failed: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    sent += messages.length;
  };

  try {
    const result = await scanDeadLetters({
      kafka,
      topic: deadLetterTopic,
      groupIdPrefix: 'segment-mixpanel-dlq-replay',
      signal: stop.signal,
      onStart: (_partitions, n) => (total = n),
      onRecords: async (letters) => {
        let target: string | undefined;
        let outgoing: Message[] = [];
        for (const letter of letters) {
          if (stop.signal.aborted) break;
          if (!matchesFilter(filter, letter)) continue;
          matched++;
          const info = letter.info;
          if (!info) {
            unreadable++;
            continue;
          }
          const destination = options.to ?? info.sourceTopic;
          if (forbidden.has(destination)) {
            refused++;
            continue;
          }
          // One produce request per target topic and at most SEND_BATCH records, in order.
          if (target !== destination || outgoing.length >= sendBatch) {
            if (target !== undefined) await send(target, outgoing);
            target = destination;
            outgoing = [];
          }
          if (!options.dryRun) outgoing.push(await toMessage(letter, destination));
          replayed++;
          byTarget[destination] = (byTarget[destination] ?? 0) + 1;
          byCode[info.code] = (byCode[info.code] ?? 0) + 1;
          options.onItem?.({
            partition: letter.partition,
            offset: letter.offset,
            code: info.code,
            target: destination,
            source: {
              topic: info.sourceTopic,
              partition: info.sourcePartition,
              offset: info.sourceOffset,
            },
            ...(info.failedAt !== undefined ? { failedAt: info.failedAt } : {}),
          });
          if (options.limit !== undefined && replayed >= options.limit) {
            limitReached = true;
            stop.abort();
          }
        }
        if (target !== undefined) await send(target, outgoing);
      },
      onProgress: (n) => {
        scanned = n;
        options.onProgress?.({ scanned, total, replayed });
      },
    });
    scanned = result.scanned;
    total = result.total;
    return {
      deadLetterTopic,
      dryRun: options.dryRun === true,
      total,
      scanned,
      matched,
      replayed,
      byTarget,
      byCode,
      refused,
      unreadable,
      limitReached,
      interrupted: result.aborted && !limitReached,
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await producer?.disconnect();
  }
}
