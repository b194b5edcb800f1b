/**
 * Reads a dead-letter topic from its earliest offsets up to the end offsets measured when the scan
 * starts, then stops by itself: records written meanwhile are left for the next run, so a busy
 * topic cannot keep a scan going forever.
 *
 * kafkajs has no manual partition assignment, so the scan joins a throwaway consumer group of its
 * own (a random id, never the processor's) and commits nothing: the group holds no offsets and
 * the broker forgets it once the scan leaves.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { TopicNotFoundError } from './errors.js';
import { parseDeadLetter, type StoredDeadLetter } from './stored-letter.js';

export interface PartitionRange {
  readonly partition: number;
  /** Earliest offset still in the log. */
  readonly low: string;
  /** End offset at the start of the scan (next offset to be written). */
  readonly high: string;
}

export interface ScanOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  /** Receives the records of each fetched batch, in offset order per partition. */
  readonly onRecords: (letters: readonly StoredDeadLetter[]) => Promise<void> | void;
  /** Called with the partitions and the total once the end offsets are known. */
  readonly onStart?: (partitions: readonly PartitionRange[], total: number) => void;
  readonly onProgress?: (scanned: number, total: number) => void;
  /** Stops the scan early (Ctrl-C, or a caller that has seen enough). */
  readonly signal?: AbortSignal;
  readonly groupIdPrefix?: string;
}

export interface ScanResult {
  readonly partitions: readonly PartitionRange[];
  /** Records between the earliest and end offsets at the start. */
  readonly total: number;
  readonly scanned: number;
  /** True when stopped by the signal before the end offsets. */
  readonly aborted: boolean;
}

export async function measureTopic(kafka: Kafka, topic: string): Promise<PartitionRange[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) throw new TopicNotFoundError(`topic ${topic} does not exist`);
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets
      .map((o) => ({ partition: o.partition, low: o.low, high: o.high }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

export async function scanDeadLetters(options: ScanOptions): Promise<ScanResult> {
  const { kafka, topic, signal } = options;
  const partitions = await measureTopic(kafka, topic);
  const ends = new Map(partitions.map((p) => [p.partition, BigInt(p.high)]));
  const pending = new Set(
    partitions.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => p.partition),
  );
  const total = partitions.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0);
  options.onStart?.(partitions, total);
  let scanned = 0;
  if (pending.size === 0 || signal?.aborted) {
    return { partitions, total, scanned, aborted: signal?.aborted === true && pending.size > 0 };
  }

  const consumer = kafka.consumer({
    groupId: `${options.groupIdPrefix ?? 'segment-mixpanel-dlq'}-${randomUUID()}`,
    allowAutoTopicCreation: false,
  });
  // Once finished or failed, batches still in kafkajs' pipeline are ignored.
  let stopped = false;
  let finish!: () => void;
  let fail!: (err: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = () => {
      stopped = true;
      resolve();
    };
    fail = (err) => {
      stopped = true;
      reject(err);
    };
  });
  const onAbort = (): void => finish();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat, isRunning }) => {
        const end = ends.get(batch.partition) ?? 0n;
        if (stopped || !pending.has(batch.partition) || !isRunning()) return;
        const letters = batch.messages
          .filter((m) => BigInt(m.offset) < end)
          .map((m) => parseDeadLetter(topic, batch.partition, m));
        try {
          if (letters.length > 0) await options.onRecords(letters);
        } catch (err) {
          fail(err);
          return;
        }
        scanned += letters.length;
        options.onProgress?.(scanned, total);
        if (BigInt(batch.lastOffset()) + 1n >= end) {
          pending.delete(batch.partition);
          consumer.pause([{ topic, partitions: [batch.partition] }]);
          if (pending.size === 0) finish();
        }
        await heartbeat();
      },
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) fail(event.payload.error);
    });
    await finished;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await consumer.disconnect();
  }
  return { partitions, total, scanned, aborted: pending.size > 0 };
}
