/**
 * The demo's account of every message, kept outside the processor so it survives the processor's
 * crashes and restarts. Each term of
 *
 *     produced = delivered + dead-lettered + skipped + unsettled
 *
 * is measured at its own source:
 *
 * - produced: the end offsets of the raw topic;
 * - unsettled: produced minus the consumer group's committed offsets (what a restarted processor
 *   would read again), so a dead processor shows its backlog growing;
 * - dead-lettered: the committed messages found in the dead-letter topic (by their source
 *   topic, partition and offset, so a message dead-lettered twice around a crash counts once);
 * - delivered: the committed messages whose every record the sandbox holds (events by their
 *   dedupe key, profile and group updates by their profile);
 * - skipped: the committed messages the mapping settings leave out, by the same transform the
 *   processor runs, read from the raw topic here.
 *
 * A committed message found in none of these is `missing`: the check fails. Committed messages
 * this ledger has not read yet are `checking` for a moment.
 */
import type { Consumer, Kafka } from 'kafkajs';
import type { Clock } from '../../src/clock.js';
import type { Config } from '../../src/config/schema.js';
import { parseDeadLetter } from '../../src/dead-letter/stored-letter.js';
import type { MixpanelRecord } from '../../src/mixpanel/records.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { createRecordTransformer } from '../../src/transform/record-transformer.js';

/** What the processor must do with one raw message, by the transform it runs. */
type Expectation =
  | { readonly kind: 'deliver'; readonly records: readonly MixpanelRecord[] }
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'reject'; readonly code: string };

interface Entry {
  readonly offset: number;
  readonly expect: Expectation;
}

export interface LedgerSnapshot {
  readonly produced: number;
  readonly committed: number;
  readonly unsettled: number;
  readonly delivered: number;
  readonly deadLettered: number;
  readonly deadLetteredByCode: ReadonlyMap<string, number>;
  readonly skipped: number;
  readonly skippedByReason: ReadonlyMap<string, number>;
  /** Committed, not yet read here: resolved at a later snapshot. */
  readonly checking: number;
  /** Committed, yet neither delivered, dead-lettered nor skipped. */
  readonly missing: number;
  /** A few `topic/partition/offset` of missing messages. */
  readonly missingSamples: readonly string[];
}

export interface Ledger {
  snapshot(): Promise<LedgerSnapshot>;
  stop(): Promise<void>;
}

const MISSING_SAMPLES = 5;

export async function startLedger(options: {
  readonly kafka: Kafka;
  readonly config: Readonly<Config>;
  readonly sandbox: Sandbox;
  readonly clock: Clock;
  /** Unique per run: the group ids of the ledger's own readers derive from it. */
  readonly runId: string;
}): Promise<Ledger> {
  const { kafka, config, sandbox, clock } = options;
  const topics = config.kafka.topics;
  const transformer = createRecordTransformer(config);
  /** Per `topic/partition`: messages read, not yet resolved, in offset order. */
  const pending = new Map<string, Entry[]>();
  /** Per `topic/partition`: the next offset the raw reader will see. */
  const readUpTo = new Map<string, number>();
  /** `topic/partition/offset` → reason code of every dead letter read. */
  const deadLetters = new Map<string, string>();
  /** Per dead-letter partition: the next offset the dead-letter reader will see. */
  const deadLetterReadUpTo = new Map<number, number>();
  const deadLetteredByCode = new Map<string, number>();
  const skippedByReason = new Map<string, number>();
  const missingSamples: string[] = [];
  let delivered = 0;
  let missing = 0;

  const expectationOf = (value: Buffer | null, timestamp: number): Expectation => {
    const outcomes = transformer.transformRecord(value ?? Buffer.alloc(0), {
      nowMs: clock.now(),
      kafkaTimestampMs: timestamp,
    });
    const rejected = outcomes.find((o) => o.kind === 'rejected');
    if (rejected) return { kind: 'reject', code: rejected.rejection.code };
    const records = outcomes.flatMap((o) => (o.kind === 'records' ? o.records : []));
    const skipped = outcomes.find((o) => o.kind === 'skipped');
    if (records.length === 0 && skipped) return { kind: 'skip', reason: skipped.reason };
    return { kind: 'deliver', records };
  };

  const rawReader: Consumer = kafka.consumer({ groupId: `${options.runId}-raw` });
  await rawReader.connect();
  for (const topic of topics) await rawReader.subscribe({ topic, fromBeginning: true });
  await rawReader.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const key = `${batch.topic}/${batch.partition}`;
      const list = pending.get(key) ?? [];
      pending.set(key, list);
      for (const m of batch.messages) {
        const offset = Number(m.offset);
        // Read again after a rejoin (this reader commits nothing): already counted.
        if (offset < (readUpTo.get(key) ?? 0)) continue;
        list.push({ offset, expect: expectationOf(m.value, Number(m.timestamp)) });
        readUpTo.set(key, offset + 1);
      }
    },
  });

  const deadLetterReader: Consumer = kafka.consumer({ groupId: `${options.runId}-dead-letters` });
  await deadLetterReader.connect();
  await deadLetterReader.subscribe({ topic: config.kafka.deadLetterTopic, fromBeginning: true });
  await deadLetterReader.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const info = parseDeadLetter(batch.topic, batch.partition, m).info;
        if (info) {
          deadLetters.set(
            `${info.sourceTopic}/${info.sourcePartition}/${info.sourceOffset}`,
            info.code,
          );
        }
        deadLetterReadUpTo.set(batch.partition, Number(m.offset) + 1);
      }
    },
  });

  const admin = kafka.admin();
  await admin.connect();

  const count = (map: Map<string, number>, key: string): void => {
    map.set(key, (map.get(key) ?? 0) + 1);
  };

  return {
    async snapshot() {
      const [ends, groupOffsets, deadLetterEnds] = await Promise.all([
        Promise.all(
          topics.map(async (topic) => ({ topic, offsets: await admin.fetchTopicOffsets(topic) })),
        ),
        admin.fetchOffsets({ groupId: config.kafka.groupId, topics: [...topics] }),
        admin.fetchTopicOffsets(config.kafka.deadLetterTopic),
      ]);
      // The dead-letter reader has seen every letter written before this snapshot began.
      const deadLettersRead = deadLetterEnds.every(
        (p) => (deadLetterReadUpTo.get(p.partition) ?? Number(p.low)) >= Number(p.high),
      );
      let produced = 0;
      let committedTotal = 0;
      let unsettled = 0;
      let checking = 0;
      for (const { topic, offsets } of ends) {
        for (const p of offsets) {
          const key = `${topic}/${p.partition}`;
          const end = Number(p.high);
          const group = groupOffsets
            .find((g) => g.topic === topic)
            ?.partitions.find((g) => g.partition === p.partition);
          const committed = Math.max(Number(group?.offset ?? -1), Number(p.low));
          produced += end;
          committedTotal += committed;
          unsettled += end - committed;
          checking += Math.max(0, committed - (readUpTo.get(key) ?? Number(p.low)));
          const list = pending.get(key) ?? [];
          const keep: Entry[] = [];
          for (const entry of list) {
            if (entry.offset >= committed) {
              keep.push(entry);
              continue;
            }
            const code = deadLetters.get(`${key}/${entry.offset}`);
            if (code !== undefined) {
              count(deadLetteredByCode, code);
              continue;
            }
            if (entry.expect.kind === 'skip') {
              count(skippedByReason, entry.expect.reason);
              continue;
            }
            if (
              entry.expect.kind === 'deliver' &&
              entry.expect.records.every((r) => sandbox.holds(r))
            ) {
              delivered++;
              continue;
            }
            // Maybe dead-lettered by Mixpanel's answer, in a letter not read yet: look again later.
            if (!deadLettersRead) {
              keep.push(entry);
              checking++;
              continue;
            }
            missing++;
            if (missingSamples.length < MISSING_SAMPLES)
              missingSamples.push(`${key}/${entry.offset}`);
          }
          pending.set(key, keep);
        }
      }
      const total = (map: Map<string, number>): number =>
        [...map.values()].reduce((a, b) => a + b, 0);
      return {
        produced,
        committed: committedTotal,
        unsettled,
        delivered,
        deadLettered: total(deadLetteredByCode),
        deadLetteredByCode: new Map(deadLetteredByCode),
        skipped: total(skippedByReason),
        skippedByReason: new Map(skippedByReason),
        checking,
        missing,
        missingSamples: [...missingSamples],
      };
    },
    async stop() {
      await Promise.allSettled([
        rawReader.disconnect(),
        deadLetterReader.disconnect(),
        admin.disconnect(),
      ]);
    },
  };
}
