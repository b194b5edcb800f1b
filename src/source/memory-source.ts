/**
 * The in-memory adapter of the Source port, over a MemoryBroker: the same contract as the kafkajs
 * adapter (source.contract.ts runs against both), with a rebalance that waits for the handler's
 * onRevoking() before partitions move, as the Kafka group protocol lets a member finish its work
 * before it rejoins. No timers: it delivers as fast as the handler takes records, and otherwise
 * waits for the next produce, so it runs on virtual time.
 */
import type { KafkaRecord } from '../kafka/record.js';
import { PartitionMap } from '../kafka/partition-map.js';
import { partitionKey, type TopicPartition } from '../kafka/topic-partition.js';
import type { Metrics } from '../metrics/registry.js';
import type { GroupMember, MemoryBroker } from './memory-broker.js';
import type { Source, SourceHandler } from './source.js';

export interface MemorySourceOptions {
  readonly broker: MemoryBroker;
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a partition without a committed offset starts: its beginning, or its end. */
  readonly fromBeginning: boolean;
  /** Records per batch handed to the handler (a Kafka fetch returns many). */
  readonly maxBatchRecords?: number;
  readonly metrics?: Metrics;
}

export function createMemorySource(options: MemorySourceOptions): Source {
  const { broker, groupId } = options;
  const maxBatch = options.maxBatchRecords ?? 100;
  let handler: SourceHandler | undefined;
  let owned: TopicPartition[] = [];
  const positions = new PartitionMap<number>();
  let generation = 0;
  let hasJoined = false;
  let revoking = false;
  let paused = false;
  let stopped = false;
  let loop: Promise<void> | undefined;
  /** The batch being offered right now: a rebalance waits for it, as kafkajs does. */
  let inHand: Promise<unknown> = Promise.resolve();
  let wake: () => void = () => {};

  const member: GroupMember = {
    async revokeAll() {
      revoking = true;
      await inHand;
      if (stopped || !handler || owned.length === 0) return;
      await handler.onRevoking(owned, new AbortController().signal);
    },
    assign(partitions, nextGeneration) {
      const before = new Set(owned.map(partitionKey));
      const after = new Set(partitions.map(partitionKey));
      const change = {
        assigned: partitions.filter((tp) => !before.has(partitionKey(tp))),
        revoked: owned.filter((tp) => !after.has(partitionKey(tp))),
      };
      owned = [...partitions];
      positions.clear();
      // Every assigned partition restarts from the commit, kept ones too, as with kafkajs.
      for (const tp of partitions) {
        positions.set(
          tp,
          broker.committed(groupId, tp) ?? (options.fromBeginning ? 0 : broker.endOffset(tp)),
        );
      }
      generation = nextGeneration;
      hasJoined = true;
      revoking = false;
      handler?.onAssignment(change);
      wake();
    },
  };

  /** Offers one partition's next records until taken, waiting for capacity in between. */
  async function offer(tp: TopicPartition, records: readonly KafkaRecord[]): Promise<void> {
    const h = handler as SourceHandler;
    const fetchedIn = generation;
    const stale = (): boolean => revoking || stopped || generation !== fetchedIn;
    const last = records[records.length - 1] as KafkaRecord;
    options.metrics?.messagesConsumed.inc(
      { topic: tp.topic, partition: String(tp.partition) },
      records.length,
    );
    options.metrics?.bytesConsumed.inc(
      { topic: tp.topic },
      records.reduce((sum, r) => sum + (r.value?.length ?? 0), 0),
    );
    let taken = 0;
    while (taken < records.length) {
      taken += await h.onBatch({
        topic: tp.topic,
        partition: tp.partition,
        records: taken === 0 ? records : records.slice(taken),
        lastOffset: last.offset,
        highWatermark: broker.endOffset(tp),
      });
      if (taken >= records.length || stale()) break;
      if (!(await h.awaitCapacity()) || stale()) break;
    }
    if (generation === fetchedIn && taken > 0) {
      positions.set(tp, (records[taken - 1] as KafkaRecord).offset + 1);
    }
  }

  async function run(): Promise<void> {
    while (!stopped) {
      const woken = new Promise<void>((resolve) => (wake = resolve));
      let delivered = false;
      if (!paused && !revoking) {
        for (const tp of owned) {
          if (paused || revoking || stopped) break;
          const records = broker.read(tp, positions.get(tp) ?? 0, maxBatch);
          if (records.length === 0) continue;
          delivered = true;
          inHand = offer(tp, records);
          await inHand;
        }
      }
      if (!delivered) await Promise.race([woken, broker.nextProduce()]);
    }
  }

  return {
    async start(h) {
      handler = h;
      for (const topic of options.topics) {
        if (!broker.hasTopic(topic)) throw new Error(`topic ${topic} does not exist`);
      }
      await broker.join(groupId, options.topics, member);
      loop = run();
    },
    async commit(offsets) {
      if (offsets.length === 0) return;
      broker.commit(groupId, member, offsets);
    },
    async committed(partitions) {
      return partitions.map((tp) => ({
        ...tp,
        offset: broker.committed(groupId, tp) ?? -1,
        metadata: broker.committedMetadata(groupId, tp),
      }));
    },
    pause() {
      paused = true;
    },
    joined: () => hasJoined,
    assignment: () => owned,
    async stop() {
      stopped = true;
      wake();
      await loop;
      await broker.leave(groupId, member);
      hasJoined = false;
      owned = [];
    },
  };
}
