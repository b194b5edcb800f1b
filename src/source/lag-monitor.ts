/**
 * Measures committed-offset lag per assigned partition on a timer: log end offset (from the
 * broker) minus the group's committed offset. It is the lag that matters for "nothing is lost":
 * records read but not yet settled still count. Series of partitions no longer assigned are
 * removed, so a rebalance does not leave stale lag behind.
 */
import type { Admin, Kafka } from 'kafkajs';
import type { Clock, Timer } from '../clock.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/registry.js';
import { fromPartitionKey, partitionKey, type TopicPartition } from '../kafka/topic-partition.js';

export interface LagMonitorOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly intervalMs: number;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** The partitions this instance owns right now. */
  readonly assignment: () => readonly TopicPartition[];
}

export interface LagMonitor {
  /** Measures once now (also used by tests and at shutdown). */
  measure(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLagMonitor(options: LagMonitorOptions): Promise<LagMonitor> {
  const admin: Admin = options.kafka.admin();
  await admin.connect();
  const reported = new Set<string>();
  let timer: Timer | undefined;
  let stopped = false;

  const measure = async (): Promise<void> => {
    const owned = options.assignment();
    const ownedKeys = new Set(owned.map(partitionKey));
    for (const label of [...reported]) {
      if (!ownedKeys.has(label)) {
        const { topic, partition } = fromPartitionKey(label);
        options.metrics.consumerLag.remove({ topic, partition: String(partition) });
        reported.delete(label);
      }
    }
    if (owned.length === 0) return;
    const [ends, committed] = await Promise.all([
      Promise.all(
        options.topics.map(async (topic) => ({
          topic,
          offsets: await admin.fetchTopicOffsets(topic),
        })),
      ),
      admin.fetchOffsets({ groupId: options.groupId, topics: [...options.topics] }),
    ]);
    for (const tp of owned) {
      const end = ends
        .find((e) => e.topic === tp.topic)
        ?.offsets.find((o) => o.partition === tp.partition);
      if (!end) continue;
      const group = committed
        .find((c) => c.topic === tp.topic)
        ?.partitions.find((p) => p.partition === tp.partition);
      const committedOffset = Number(group?.offset ?? -1);
      const start = committedOffset >= 0 ? committedOffset : Number(end.low);
      const lag = Math.max(0, Number(end.high) - start);
      options.metrics.consumerLag.set({ topic: tp.topic, partition: String(tp.partition) }, lag);
      reported.add(partitionKey(tp));
    }
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = options.clock.setTimer(() => {
      measure()
        .catch((err: unknown) => options.logger.warn({ err }, 'could not measure consumer lag'))
        .finally(schedule);
    }, options.intervalMs);
  };
  schedule();

  return {
    measure,
    async stop() {
      stopped = true;
      timer?.cancel();
      await admin.disconnect();
    },
  };
}
