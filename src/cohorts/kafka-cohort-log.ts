/**
 * The CohortLog on Kafka: one producer (acknowledged by all in-sync replicas, one request in
 * flight, so records of a key are never reordered by a retry) writing identify messages to
 * `cohorts.topic` and state records to `cohorts.stateTopic`. kafkajs's retries are bounded: a
 * failed write comes back as a value, cohort sync stops where it stands and the webhook answers
 * failure (Mixpanel retries) or the Query API sync is tried again later.
 *
 * Not kafkajs's idempotent producer: a retried write may leave a copy, and cohort sync already
 * writes the same bytes again after any failure (deterministic messages), so the copy is harmless;
 * bounding an idempotent producer's retries would only trade its promise for a warning, and it
 * would need the IdempotentWrite permission on secured clusters.
 */
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { CohortLog, LogResult } from './cohort-log.js';

export interface KafkaCohortLog extends CohortLog {
  connect(): Promise<void>;
  close(): Promise<void>;
}

export function createKafkaCohortLog(options: {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly stateTopic: string;
}): KafkaCohortLog {
  const producer: Producer = options.kafka.producer({
    maxInFlightRequests: 1,
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 10_000 },
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const send = async (
    topic: string,
    messages: { key: string; value: Buffer | null }[],
  ): Promise<LogResult> => {
    if (messages.length === 0) return { ok: true };
    try {
      await producer.send({ topic, acks: -1, messages });
      return { ok: true };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
    }
  };
  return {
    connect: () => producer.connect(),
    close: () => producer.disconnect(),
    publish: (messages) =>
      send(
        options.topic,
        messages.map((m) => ({ key: m.key, value: m.value })),
      ),
    record: (writes) =>
      send(
        options.stateTopic,
        writes.map((w) => ({ key: w.key, value: w.value })),
      ),
  };
}
