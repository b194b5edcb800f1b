/**
 * The kafkajs adapter of the Source port.
 *
 * - `eachBatch` with `autoCommit: false` and `eachBatchAutoResolve: false`. Resolving an offset in
 *   kafkajs only moves its *fetch* position (verified in kafkajs 2.2.4 offsetManager); commits are
 *   ours alone, from the settled watermark, so nothing is committed before it is settled, and
 *   kafkajs never commits on its own (not even around rebalances, with autoCommit off).
 * - Backpressure: when the handler accepts only part of a batch, the rest stays in hand and the
 *   batch waits for capacity, heartbeating meanwhile (kafkajs has no background heartbeat). Pausing
 *   the topics instead would make kafkajs refetch and decode the untaken rest after resume, and
 *   sleep maxWaitTimeInMs while everything is paused. A rebalance reported by the heartbeat, a
 *   stale batch or a stop ends the wait; only the accepted prefix is resolved.
 * - Rebalances: kafkajs (eager protocol, no revoke hook) rejoins as soon as a heartbeat reports the
 *   rebalance; REBALANCING and GROUP_JOIN are the only hooks. Assignment changes are diffed here.
 */
import type { Consumer, EachBatchPayload, IHeaders, Kafka } from 'kafkajs';
import type { Clock } from '../clock.js';
import type { KafkaConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/registry.js';
import {
  partitionKey,
  type CommittableOffset,
  type TopicPartition,
} from '../kafka/topic-partition.js';
import type { Source, SourceHandler } from './source.js';
import type { KafkaRecord } from '../kafka/record.js';

export interface KafkaSourceOptions {
  readonly kafka: Kafka;
  readonly config: KafkaConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics?: Metrics;
}

export function createKafkaSource(options: KafkaSourceOptions): Source {
  const { config, logger, metrics } = options;
  const consumer: Consumer = options.kafka.consumer({
    groupId: config.groupId,
    sessionTimeout: config.sessionTimeoutMs,
    heartbeatInterval: config.heartbeatIntervalMs,
    rebalanceTimeout: config.rebalanceTimeoutMs,
    maxBytesPerPartition: config.maxBytesPerPartition,
    maxBytes: config.maxBytes,
    // How long the broker holds a fetch without new data (kafkajs default 5 s; Java's 500 ms).
    maxWaitTimeInMs: config.maxWaitTimeMs,
    allowAutoTopicCreation: false,
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
  });
  let current: TopicPartition[] = [];
  let hasJoined = false;
  let paused = false;
  let stopping = false;

  /**
   * Offers the records to the handler until it took them all, waiting for capacity in between;
   * returns how many were taken (fewer on a rebalance, a stale batch, a stop or closed intake).
   */
  async function offerUntilTaken(
    payload: EachBatchPayload,
    records: readonly KafkaRecord[],
    handler: SourceHandler,
  ): Promise<number> {
    const { batch } = payload;
    let taken = 0;
    while (taken < records.length) {
      taken += await handler.onBatch({
        topic: batch.topic,
        partition: batch.partition,
        records: taken === 0 ? records : records.slice(taken),
        lastOffset: Number(batch.lastOffset()),
        highWatermark: Number(batch.highWatermark),
      });
      if (taken >= records.length || !payload.isRunning() || payload.isStale() || stopping) break;
      metrics?.consumerPaused.set(1);
      try {
        if (!(await waitForCapacity(payload, handler))) break;
      } finally {
        metrics?.consumerPaused.set(0);
      }
    }
    return taken;
  }

  /** Waits for room in the backlog, heartbeating; false when the wait must end without it. */
  async function waitForCapacity(
    payload: EachBatchPayload,
    handler: SourceHandler,
  ): Promise<boolean> {
    const capacity = handler.awaitCapacity();
    for (;;) {
      const tick = new AbortController();
      const room = await Promise.race([
        capacity,
        options.clock.sleep(config.heartbeatIntervalMs, tick.signal).then(() => undefined),
      ]);
      tick.abort();
      if (room !== undefined) return room;
      if (!payload.isRunning() || payload.isStale() || stopping) return false;
      try {
        await payload.heartbeat();
      } catch (err) {
        // A rebalance: give back the batch in hand (unresolved records are refetched by the owner).
        logger.info(
          { err: { message: (err as Error).message } },
          'rebalance while waiting for capacity',
        );
        return false;
      }
    }
  }

  return {
    async start(handler: SourceHandler) {
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        hasJoined = true;
        const next: TopicPartition[] = Object.entries(payload.memberAssignment).flatMap(
          ([topic, partitions]) => partitions.map((partition) => ({ topic, partition })),
        );
        const before = new Set(current.map(partitionKey));
        const after = new Set(next.map(partitionKey));
        const change = {
          assigned: next.filter((tp) => !before.has(partitionKey(tp))),
          revoked: current.filter((tp) => !after.has(partitionKey(tp))),
        };
        current = next;
        if (change.assigned.length > 0) metrics?.rebalances.inc({ kind: 'assign' });
        if (change.revoked.length > 0) metrics?.rebalances.inc({ kind: 'revoke' });
        for (const topic of config.topics) {
          metrics?.assignedPartitions.set(
            { topic },
            next.filter((tp) => tp.topic === topic).length,
          );
        }
        logger.info(
          {
            partitions: next.length,
            assigned: change.assigned.length,
            revoked: change.revoked.length,
          },
          'partitions assigned',
        );
        handler.onAssignment(change);
        // Pauses are per topic in kafkajs and survive the rejoin; re-apply in case they did not.
        if (paused) consumer.pause(config.topics.map((topic) => ({ topic })));
      });
      consumer.on(consumer.events.REBALANCING, () => {
        logger.info('consumer group rebalancing');
        // kafkajs emits this and rejoins in the same tick: the hook cannot hold the rejoin here.
        void handler.onRevoking(current, new AbortController().signal);
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        const error =
          payload.error instanceof Error ? payload.error : new Error(String(payload.error));
        if (payload.restart) {
          logger.warn({ err: error }, 'consumer crashed; kafkajs restarts it');
          return;
        }
        if (!stopping) handler.onFatal(error);
      });

      await consumer.connect();
      for (const topic of config.topics)
        await consumer.subscribe({ topic, fromBeginning: config.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: async (payload: EachBatchPayload) => {
          const { batch } = payload;
          if (!payload.isRunning() || payload.isStale() || batch.messages.length === 0) return;
          const records: KafkaRecord[] = batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: Number(m.offset),
            timestamp: Number(m.timestamp),
            key: own(m.key),
            value: own(m.value),
            headers: m.headers ? ownHeaders(m.headers) : {},
          }));
          metrics?.messagesConsumed.inc(
            { topic: batch.topic, partition: String(batch.partition) },
            records.length,
          );
          metrics?.bytesConsumed.inc(
            { topic: batch.topic },
            records.reduce((sum, r) => sum + (r.value?.length ?? 0), 0),
          );
          const accepted = await offerUntilTaken(payload, records, handler);
          if (accepted >= records.length) {
            // Also passes trailing control records, which carry nothing to settle.
            payload.resolveOffset(batch.lastOffset());
          } else if (accepted > 0) {
            payload.resolveOffset((records[accepted - 1] as KafkaRecord).offset.toString());
          }
        },
      });
    },

    async commit(offsets: readonly CommittableOffset[]) {
      if (offsets.length === 0) return;
      await consumer.commitOffsets(
        offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })),
      );
    },

    pause() {
      if (paused) return;
      paused = true;
      consumer.pause(config.topics.map((topic) => ({ topic })));
    },

    joined: () => hasJoined,
    assignment: () => current,

    async stop() {
      stopping = true;
      await consumer.disconnect();
      hasJoined = false;
    },
  };
}

/**
 * kafkajs hands out keys, values and headers as slices of the whole fetch response (megabytes):
 * keeping one unsettled message would keep its entire response alive. A copy of the ~1 KB is
 * cheap and lets each response go as soon as its batch is taken.
 */
function own(buffer: Buffer | null): Buffer | null {
  return buffer === null ? null : Buffer.from(buffer);
}

function ownHeaders(headers: IHeaders): Record<string, Buffer | string | undefined> {
  const out: Record<string, Buffer | string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = Buffer.isBuffer(value)
      ? Buffer.from(value)
      : Array.isArray(value)
        ? value.join(',')
        : value;
  }
  return out;
}
