/**
 * The contract of the Source port, as one suite that runs against every adapter: the in-memory
 * one in the unit tests (memory-source.test.ts) and the kafkajs one against a real broker
 * (test/integration/kafka-source.test.ts). What the pipeline relies on:
 *
 * - every record of a partition is offered once, in offset order, from the committed offset;
 * - a batch taken in part is offered again, from the first untaken record, only after
 *   awaitCapacity() resolved;
 * - commit() is what a later member of the group starts from, and its metadata is kept with it;
 * - a rebalance calls onRevoking() with the partitions given up before the new assignment, and a
 *   partition that moves restarts at its committed offset (never at the old owner's position);
 * - no member is assigned anything while another still holds the rebalance in onRevoking(), and
 *   what the old owner commits there is where the new owner starts;
 * - stop() leaves the group and the others take over its partitions.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { waitFor } from '../../test/harness/wait.js';
import type { KafkaRecord } from '../kafka/record.js';
import { partitionKey, type TopicPartition } from '../kafka/topic-partition.js';
import type { AssignmentChange, Source, SourceBatch, SourceHandler } from './source.js';

export interface SourceContractEnv {
  /** A new topic no other test uses. */
  createTopic(partitions: number): Promise<string>;
  /** Produces keyed messages; resolves once they are written. */
  produce(topic: string, messages: readonly { key: string; value: string }[]): Promise<void>;
  /** A new member of the group, consuming from the beginning when nothing is committed. */
  source(groupId: string, topics: readonly string[]): Source;
  /** A group id no other test uses. */
  groupId(): string;
  /** The group's committed offset per partition (absent when none). */
  committed(groupId: string, topic: string): Promise<Map<number, number>>;
  /** Bound of each wait (a real broker rebalances in seconds). */
  readonly timeoutMs: number;
}

/** Records what a source hands over; takes everything unless told otherwise. */
class Recorder implements SourceHandler {
  readonly records: KafkaRecord[] = [];
  readonly batches: SourceBatch[] = [];
  readonly events: string[] = [];
  readonly revoked: TopicPartition[][] = [];
  readonly assignments: AssignmentChange[] = [];
  fatal: Error | undefined;
  /** How many records of an offer to take (default: all). */
  take: (batch: SourceBatch) => number = (batch) => batch.records.length;
  capacity: () => Promise<boolean> = () => Promise.resolve(true);

  async onBatch(batch: SourceBatch): Promise<number> {
    this.batches.push(batch);
    this.events.push('batch');
    const n = this.take(batch);
    this.records.push(...batch.records.slice(0, n));
    return n;
  }

  awaitCapacity(): Promise<boolean> {
    this.events.push('capacity');
    return this.capacity();
  }

  /** Work to finish before giving partitions up (default: none). */
  finishWork: (partitions: readonly TopicPartition[]) => Promise<void> = async () => {};

  async onRevoking(partitions: readonly TopicPartition[]): Promise<void> {
    this.events.push('revoking');
    this.revoked.push([...partitions]);
    await this.finishWork(partitions);
    this.events.push('revoked');
  }

  onAssignment(change: AssignmentChange): void {
    this.events.push('assignment');
    this.assignments.push(change);
  }

  onFatal(error: Error): void {
    this.fatal = error;
  }

  offsets(partition: number): number[] {
    return this.records.filter((r) => r.partition === partition).map((r) => r.offset);
  }

  firstOffset(partition: number): number | undefined {
    return this.records.find((r) => r.partition === partition)?.offset;
  }

  owned(): Set<string> {
    const owned = new Set<string>();
    for (const change of this.assignments) {
      for (const tp of change.revoked) owned.delete(partitionKey(tp));
      for (const tp of change.assigned) owned.add(partitionKey(tp));
    }
    return owned;
  }
}

function messages(count: number, prefix = 'm'): { key: string; value: string }[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `user-${i % 7}`,
    value: `${prefix}${i}`,
  }));
}

export function sourceContract(name: string, env: () => SourceContractEnv): void {
  describe(`Source contract: ${name}`, () => {
    async function started(topic: string, groupId: string, handler: Recorder): Promise<Source> {
      const source = env().source(groupId, [topic]);
      onTestFinished(() => source.stop());
      await source.start(handler);
      return source;
    }

    const waitUntil = (what: string, done: () => boolean): Promise<boolean> =>
      waitFor(done, Boolean, { what, timeoutMs: env().timeoutMs, intervalMs: 20 });

    it('offers every record once, in offset order per partition, from the beginning', async () => {
      const topic = await env().createTopic(3);
      await env().produce(topic, messages(60));
      const handler = new Recorder();
      await started(topic, env().groupId(), handler);
      await waitUntil('60 records', () => handler.records.length >= 60);
      for (const partition of [0, 1, 2]) {
        const offsets = handler.offsets(partition);
        expect(offsets).toEqual(offsets.map((_, i) => i));
      }
      expect(handler.records.map((r) => r.value?.toString()).sort()).toEqual(
        messages(60)
          .map((m) => m.value)
          .sort(),
      );
      for (const batch of handler.batches) {
        const last = batch.records[batch.records.length - 1] as KafkaRecord;
        expect(batch.lastOffset).toBeGreaterThanOrEqual(last.offset);
        expect(batch.records.every((r) => r.partition === batch.partition)).toBe(true);
      }
    });

    it('offers the untaken rest of a batch again only after awaitCapacity, never skipping or repeating', async () => {
      const topic = await env().createTopic(2);
      await env().produce(topic, messages(40));
      const handler = new Recorder();
      let waiting = false;
      let offeredWhileWaiting = 0;
      handler.take = (batch) => {
        if (waiting) offeredWhileWaiting++;
        return Math.min(3, batch.records.length);
      };
      handler.capacity = () => {
        waiting = true;
        // Room comes back a moment later (a macrotask), not within the same tick.
        return new Promise((resolve) =>
          setImmediate(() => {
            waiting = false;
            resolve(true);
          }),
        );
      };
      await started(topic, env().groupId(), handler);
      await waitUntil('40 records', () => handler.records.length >= 40);
      expect(offeredWhileWaiting).toBe(0);
      for (const partition of [0, 1]) {
        const offsets = handler.offsets(partition);
        expect(offsets).toEqual(offsets.map((_, i) => i));
      }
      expect(handler.events).toContain('capacity');
    });

    it('starts a later member of the group exactly at the committed offsets', async () => {
      const topic = await env().createTopic(2);
      await env().produce(topic, messages(20));
      const groupId = env().groupId();
      const first = new Recorder();
      const source = await started(topic, groupId, first);
      await waitUntil('20 records', () => first.records.length >= 20);
      await source.commit([
        { topic, partition: 0, offset: 2, metadata: 'kept with the offset' },
        { topic, partition: 1, offset: 5 },
      ]);
      await source.stop();
      expect(await env().committed(groupId, topic)).toEqual(
        new Map([
          [0, 2],
          [1, 5],
        ]),
      );
      const second = new Recorder();
      const later = await started(topic, groupId, second);
      expect(
        await later.committed([
          { topic, partition: 0 },
          { topic, partition: 1 },
        ]),
      ).toEqual([
        { topic, partition: 0, offset: 2, metadata: 'kept with the offset' },
        { topic, partition: 1, offset: 5, metadata: null },
      ]);
      await waitUntil('the rest again', () => second.records.length >= 20 - 7);
      expect(second.firstOffset(0)).toBe(2);
      expect(second.firstOffset(1)).toBe(5);
    });

    it('on a rebalance calls onRevoking first, splits the partitions, and restarts moved ones at the commit', async () => {
      const topic = await env().createTopic(4);
      await env().produce(topic, messages(40));
      const groupId = env().groupId();
      const a = new Recorder();
      const sourceA = await started(topic, groupId, a);
      await waitUntil('A read everything', () => a.records.length >= 40);
      // A settled only the first two records of each partition: the rest is in flight.
      await sourceA.commit([0, 1, 2, 3].map((partition) => ({ topic, partition, offset: 2 })));
      const b = new Recorder();
      await started(topic, groupId, b);
      await waitUntil(
        'the partitions split between A and B',
        () => a.owned().size > 0 && b.owned().size > 0 && a.owned().size + b.owned().size === 4,
      );
      expect([...a.owned()].some((tp) => b.owned().has(tp))).toBe(false);
      // A was asked to give its partitions up before it learnt what it lost.
      const revokedAt = a.events.indexOf('revoking');
      expect(revokedAt).toBeGreaterThan(-1);
      expect(a.events.lastIndexOf('assignment')).toBeGreaterThan(revokedAt);
      expect(a.revoked[0]?.length).toBe(4);
      const lost = a.assignments.flatMap((c) => c.revoked);
      expect(lost.length).toBe(b.owned().size);
      await waitUntil('B read its partitions', () =>
        lost.every((tp) => b.firstOffset(tp.partition) !== undefined),
      );
      for (const tp of lost) expect(b.firstOffset(tp.partition)).toBe(2);
    });

    it('holds the rebalance while the old owner finishes: nobody is assigned meanwhile, and its last commit is where the new owner starts', async () => {
      const topic = await env().createTopic(2);
      await env().produce(topic, messages(20));
      const groupId = env().groupId();
      const a = new Recorder();
      const sourceA = await started(topic, groupId, a);
      await waitUntil('A read everything', () => a.records.length >= 20);
      const b = new Recorder();
      let assignedDuringHold = 0;
      a.finishWork = async (partitions) => {
        // In-flight work that takes a while: B must not get a partition before it is done.
        await waitFor(
          () => b.assignments.length,
          (n) => n > 0,
          { timeoutMs: 3000 },
        ).then(
          () => assignedDuringHold++,
          () => {},
        );
        await sourceA.commit(partitions.map((tp) => ({ ...tp, offset: 5 })));
      };
      const joining = started(topic, groupId, b);
      await waitUntil('A finished its work', () => a.events.includes('revoked'));
      await joining;
      await waitUntil('B owns a partition', () => b.owned().size > 0);
      expect(assignedDuringHold).toBe(0);
      await waitUntil('B read its partition', () =>
        [...b.owned()].every((tp) => b.firstOffset(Number(tp.split('\u0000')[1])) !== undefined),
      );
      for (const tp of b.owned()) expect(b.firstOffset(Number(tp.split('\u0000')[1]))).toBe(5);
    });

    it('leaves the group on stop: the remaining member takes over at the committed offsets', async () => {
      const topic = await env().createTopic(2);
      await env().produce(topic, messages(20));
      const groupId = env().groupId();
      const a = new Recorder();
      const sourceA = await started(topic, groupId, a);
      await waitUntil('A read everything', () => a.records.length >= 20);
      const b = new Recorder();
      await started(topic, groupId, b);
      await waitUntil('both own a partition', () => a.owned().size === 1 && b.owned().size === 1);
      const [aPartition] = [...a.owned()];
      const partition = Number(aPartition?.split('\u0000')[1]);
      await sourceA.commit([{ topic, partition, offset: 1 }]);
      await sourceA.stop();
      expect(sourceA.joined()).toBe(false);
      await waitUntil('B owns both', () => b.owned().size === 2);
      await waitUntil('B read the moved partition', () => b.firstOffset(partition) !== undefined);
      expect(b.firstOffset(partition)).toBe(1);
    });
  });
}
