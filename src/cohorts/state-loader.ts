/**
 * Loads the cohort state topic into memory at start: every record from the earliest offsets up to
 * the end offsets measured first (nothing else writes the cohorts this process owns meanwhile).
 *
 * kafkajs has no manual partition assignment, so the read joins a throwaway consumer group of its
 * own (a random id) and commits nothing; the broker forgets the group once it leaves.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { MembershipState } from './membership-state.js';
import { decodeState } from './state-records.js';

export interface LoadedState {
  readonly state: MembershipState;
  /** Records read. */
  readonly records: number;
  /** Records that are not cohort state (logged, ignored). */
  readonly unreadable: number;
}

export async function loadCohortState(options: {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly clientId: string;
}): Promise<LoadedState> {
  const { kafka, topic } = options;
  const state = new MembershipState();
  const admin = kafka.admin();
  await admin.connect();
  let offsets: { partition: number; low: string; high: string }[];
  try {
    offsets = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const ends = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  const pending = new Set(
    offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => o.partition),
  );
  let records = 0;
  let unreadable = 0;
  if (pending.size === 0) return { state, records, unreadable };

  const consumer = kafka.consumer({
    groupId: `${options.clientId}-cohort-state-${randomUUID()}`,
    allowAutoTopicCreation: false,
  });
  let finish!: () => void;
  let fail!: (err: unknown) => void;
  let stopped = false;
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
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) fail(event.payload.error);
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        const end = ends.get(batch.partition) ?? 0n;
        if (stopped || !pending.has(batch.partition)) return;
        for (const message of batch.messages) {
          if (BigInt(message.offset) >= end) break;
          records++;
          const record = decodeState(message.key?.toString('utf8') ?? '', message.value);
          if (record) state.apply(record);
          else unreadable++;
        }
        if (BigInt(batch.lastOffset()) + 1n >= end) {
          pending.delete(batch.partition);
          consumer.pause([{ topic, partitions: [batch.partition] }]);
          if (pending.size === 0) finish();
        }
        await heartbeat();
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
  }
  return { state, records, unreadable };
}
