/**
 * The kafkajs adapter of the Source port (../shared/reference/kafka-runtime.md Part 2).
 *
 * - `eachBatch` with `autoCommit: false` and `eachBatchAutoResolve: false`. Resolving an offset in
 *   kafkajs only moves its *fetch* position (verified in kafkajs 2.2.4 offsetManager); commits are
 *   ours alone, from the settled watermark, so nothing is committed before it is settled, and
 *   kafkajs never commits on its own (not even around rebalances, with autoCommit off).
 * - Backpressure: when the handler accepts only part of a batch, the rest stays unresolved and the
 *   topics are paused; kafkajs keeps heartbeating while paused, and refetches from the resolved
 *   position on resume.
 * - Rebalances: kafkajs (eager protocol, no revoke hook) rejoins as soon as a heartbeat reports the
 *   rebalance; REBALANCING and GROUP_JOIN are the only hooks. Assignment changes are diffed here.
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { KafkaConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/registry.js';
import type { CommittableOffset, TopicPartition } from '../settle/offset-tracker.js';
import type { Source, SourceHandler, SourceRecord } from './source.js';

export interface KafkaSourceOptions {
  readonly kafka: Kafka;
  readonly config: KafkaConfig;
  readonly logger: Logger;
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
    // kafkajs sleeps this long when every partition is paused, so it bounds how fast intake
    // resumes after backpressure (kafkajs default 5 s; the Java consumer's 500 ms here).
    maxWaitTimeInMs: config.maxWaitTimeMs,
    allowAutoTopicCreation: false,
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
  });
  let current: TopicPartition[] = [];
  let hasJoined = false;
  let paused = false;
  let stopping = false;

  const key = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

  return {
    async start(handler: SourceHandler) {
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        hasJoined = true;
        const next: TopicPartition[] = Object.entries(payload.memberAssignment).flatMap(
          ([topic, partitions]) => partitions.map((partition) => ({ topic, partition })),
        );
        const before = new Set(current.map(key));
        const after = new Set(next.map(key));
        const change = {
          assigned: next.filter((tp) => !before.has(key(tp))),
          revoked: current.filter((tp) => !after.has(key(tp))),
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
        handler.onRebalancing();
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
          const records: SourceRecord[] = batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: Number(m.offset),
            timestamp: Number(m.timestamp),
            key: m.key,
            value: m.value,
            headers: (m.headers ?? {}) as Record<string, Buffer | string | undefined>,
          }));
          metrics?.messagesConsumed.inc(
            { topic: batch.topic, partition: String(batch.partition) },
            records.length,
          );
          metrics?.bytesConsumed.inc(
            { topic: batch.topic },
            records.reduce((sum, r) => sum + (r.value?.length ?? 0), 0),
          );
          const accepted = await handler.onBatch({
            topic: batch.topic,
            partition: batch.partition,
            records,
            lastOffset: Number(batch.lastOffset()),
            highWatermark: Number(batch.highWatermark),
          });
          if (accepted >= records.length) {
            // Also passes trailing control records, which carry nothing to settle.
            payload.resolveOffset(batch.lastOffset());
          } else if (accepted > 0) {
            payload.resolveOffset((records[accepted - 1] as SourceRecord).offset.toString());
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
      metrics?.consumerPaused.set(1);
      consumer.pause(config.topics.map((topic) => ({ topic })));
    },

    resume() {
      if (!paused) return;
      paused = false;
      metrics?.consumerPaused.set(0);
      consumer.resume(config.topics.map((topic) => ({ topic })));
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
