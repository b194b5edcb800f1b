/**
 * The kafkajs adapter of the Source port.
 *
 * - `eachBatch` with `autoCommit: false` and `eachBatchAutoResolve: false`. Resolving an offset in
 *   kafkajs only moves its *fetch* position (kafkajs 2.2.4's offset manager); commits are ours
 *   alone, from the settled watermark, so nothing is committed before it is settled, and kafkajs
 *   never commits on its own (not even around rebalances, with autoCommit off).
 * - Backpressure: when the handler accepts only part of a batch, the rest stays in hand and the
 *   batch waits for capacity, heartbeating at every wake-up (kafkajs has no background heartbeat
 *   and throttles heartbeat() to one request per interval). Pausing the topics instead would make
 *   kafkajs refetch and decode the untaken rest after resume. A rebalance reported by the
 *   heartbeat, a stale batch or a stop ends the wait; only the accepted prefix is resolved.
 * - Rebalances: the revoke gate (revoke-gate.ts) holds every rejoin until the handler's
 *   onRevoking() finished, while this member still belongs to the old generation; once a
 *   heartbeat reported the rebalance, later batches of the same fetch are not taken. After any
 *   join kafkajs refetches every assigned partition from its committed offset.
 */
import { PartitionAssigners, type Consumer, type EachBatchPayload, type Kafka } from 'kafkajs';
import type { Clock } from '../clock.js';
import type { KafkaConfig } from '../config/schema.js';
import type { KafkaRecord } from '../kafka/record.js';
import { ownRecords } from './own-records.js';
import {
  partitionKey,
  type CommittableOffset,
  type TopicPartition,
} from '../kafka/topic-partition.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/registry.js';
import { createRevokeGate } from './revoke-gate.js';
import { NotAGroupMemberError, type Source, type SourceHandler } from './source.js';
import { kafkaRetry } from '../kafka/client.js';

export interface KafkaSourceOptions {
  readonly kafka: Kafka;
  readonly config: KafkaConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics?: Metrics;
  /**
   * Longest the member holds a rebalance for onRevoking (default: the rebalance timeout minus
   * what the rejoin itself needs).
   */
  readonly revokeTimeoutMs?: number;
}

/** Heartbeat errors that mean "rejoin": kafkajs's own rebalancing set plus a lost membership. */
const REJOIN = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'NOT_COORDINATOR_FOR_GROUP',
  'UNKNOWN_MEMBER_ID',
]);

/** What the rejoin needs besides the hold: a heartbeat to notice, a fetch to end, some slack. */
export function defaultRevokeTimeoutMs(config: KafkaConfig): number {
  return Math.max(
    1000,
    config.rebalanceTimeoutMs - config.heartbeatIntervalMs - config.maxWaitTimeMs - 5000,
  );
}

export function createKafkaSource(options: KafkaSourceOptions): Source {
  const { config, logger, metrics, clock } = options;
  let handler: SourceHandler | undefined;
  let current: TopicPartition[] = [];
  let hasJoined = false;
  let paused = false;
  let stopping = false;
  /** A heartbeat reported a rebalance: take no batch until the next join. */
  let rejoinPending = false;
  /** kafkajs restarted after a crash and left the group: commits would silently do nothing. */
  let membershipLost = false;

  const gate = createRevokeGate({
    groupId: config.groupId,
    clock,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    capMs: options.revokeTimeoutMs ?? defaultRevokeTimeoutMs(config),
    graceMs: Math.min(2000, config.heartbeatIntervalMs),
    onRevoking: async (signal) => {
      rejoinPending = true;
      if (!handler || stopping || current.length === 0) return;
      logger.info(
        { partitions: current.length },
        'rebalance: finishing in-flight work before rejoining',
      );
      await handler.onRevoking(current, signal);
    },
    onError: (err) => logger.warn({ err }, 'finishing work before a rebalance failed; rejoining'),
  });

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
    retry: kafkaRetry(config),
    partitionAssigners: [gate.assigner(PartitionAssigners.roundRobin)],
  });

  /** Heartbeats (throttled by kafkajs); false when a rebalance was reported. */
  async function beat(payload: EachBatchPayload): Promise<boolean> {
    try {
      await payload.heartbeat();
      return true;
    } catch (err) {
      const type = (err as { type?: unknown }).type;
      if (typeof type === 'string' && REJOIN.has(type)) rejoinPending = true;
      logger.info({ err: { message: (err as Error).message } }, 'rebalance reported by heartbeat');
      return false;
    }
  }

  const interrupted = (payload: EachBatchPayload): boolean =>
    rejoinPending || stopping || !payload.isRunning() || payload.isStale();

  /**
   * Offers the records to the handler until it took them all, waiting for capacity in between;
   * returns how many were taken (fewer on a rebalance, a stale batch, a stop or closed intake).
   */
  async function offerUntilTaken(
    payload: EachBatchPayload,
    records: readonly KafkaRecord[],
    h: SourceHandler,
  ): Promise<number> {
    const { batch } = payload;
    let taken = 0;
    while (taken < records.length) {
      taken += await h.onBatch({
        topic: batch.topic,
        partition: batch.partition,
        records: taken === 0 ? records : records.slice(taken),
        lastOffset: Number(batch.lastOffset()),
        highWatermark: Number(batch.highWatermark),
      });
      if (taken >= records.length || interrupted(payload)) break;
      metrics?.consumerPaused.set(1);
      try {
        if (!(await waitForCapacity(payload, h))) break;
      } finally {
        metrics?.consumerPaused.set(0);
      }
    }
    return taken;
  }

  /** Waits for room in the backlog, heartbeating at every wake-up; false when the wait must end. */
  async function waitForCapacity(payload: EachBatchPayload, h: SourceHandler): Promise<boolean> {
    const capacity = h.awaitCapacity();
    for (;;) {
      const tick = new AbortController();
      const room = await Promise.race([
        capacity,
        clock.sleep(config.heartbeatIntervalMs, tick.signal).then(() => undefined),
      ]);
      tick.abort();
      if (!(await beat(payload)) || interrupted(payload)) return false;
      if (room !== undefined) return room;
    }
  }

  return {
    async start(h: SourceHandler) {
      handler = h;
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        hasJoined = true;
        rejoinPending = false;
        membershipLost = false;
        gate.joined();
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
        h.onAssignment(change);
        // Pauses are per topic in kafkajs and survive the rejoin; re-apply in case they did not.
        if (paused) consumer.pause(config.topics.map((topic) => ({ topic })));
      });
      consumer.on(consumer.events.REBALANCING, () => {
        logger.info('consumer group rebalancing');
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        membershipLost = true;
        const error =
          payload.error instanceof Error ? payload.error : new Error(String(payload.error));
        if (payload.restart) {
          logger.warn({ err: error }, 'consumer crashed; kafkajs restarts it');
          return;
        }
        if (!stopping) h.onFatal(error);
      });

      await consumer.connect();
      for (const topic of config.topics)
        await consumer.subscribe({ topic, fromBeginning: config.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: async (payload: EachBatchPayload) => {
          gate.useHeartbeat(payload.heartbeat);
          const { batch } = payload;
          if (interrupted(payload) || batch.messages.length === 0) return;
          const { records, valueBytes } = ownRecords(batch);
          metrics?.messagesConsumed.inc(
            { topic: batch.topic, partition: String(batch.partition) },
            records.length,
          );
          metrics?.bytesConsumed.inc({ topic: batch.topic }, valueBytes);
          const accepted = await offerUntilTaken(payload, records, h);
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
      // kafkajs's commitOffsets silently does nothing while its runner restarts after a crash.
      if (membershipLost)
        throw new NotAGroupMemberError('not a member of the group; not committing');
      await consumer.commitOffsets(
        offsets.map((o) => ({
          topic: o.topic,
          partition: o.partition,
          offset: String(o.offset),
          ...(o.metadata !== undefined ? { metadata: o.metadata } : {}),
        })),
      );
    },

    async committed(partitions) {
      if (partitions.length === 0) return [];
      const admin = options.kafka.admin();
      await admin.connect();
      try {
        const topics = [...new Set(partitions.map((tp) => tp.topic))];
        const fetched = await admin.fetchOffsets({ groupId: config.groupId, topics });
        const wanted = new Set(partitions.map(partitionKey));
        return fetched.flatMap(({ topic, partitions: ps }) =>
          ps
            .filter((p) => wanted.has(partitionKey({ topic, partition: p.partition })))
            .map((p) => ({
              topic,
              partition: p.partition,
              offset: Number(p.offset),
              metadata: p.metadata,
            })),
        );
      } finally {
        await admin.disconnect();
      }
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
