/**
 * The dead-letter topic as a DeadLetterSink: an idempotent kafkajs producer (acks from all
 * in-sync replicas, one request in flight) writing the original key and value unchanged, so a
 * dead letter can be replayed as is, with the dlq.* headers. The record timestamp is the time of
 * dead-lettering (retention counts from then); the source timestamp travels in a header.
 *
 * kafkajs retries an idempotent producer practically forever by default, so a deleted topic or
 * too few in-sync replicas would hang the write inside kafkajs where nothing counts or reports
 * it. Its retries are bounded here (`deadLetter.produceRetries`; kafkajs logs once that this
 * weakens its exactly-once guarantee — a duplicate dead letter is harmless, a silent stall is not)
 * and the writer above retries with its own backoff, counting every failed attempt.
 */
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { deadLetterRecordHeaders, type DeadLetter, type DeadLetterSink } from './letter.js';

export interface KafkaDeadLetterSink extends DeadLetterSink {
  connect(): Promise<void>;
}

/** Broker answers meaning the request was larger than the topic accepts. */
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/** True when kafkajs's error, or one it wraps, is the broker refusing the request's size. */
export function isTooLarge(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && TOO_LARGE.has(type)) return true;
    e = (e as { cause?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return false;
}

export function createKafkaDeadLetterSink(options: {
  kafka: Kafka;
  topic: string;
  /** Attempts kafkajs makes per write before the writer's own backoff takes over. */
  retries: number;
}): KafkaDeadLetterSink {
  const producer: Producer = options.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: options.retries, initialRetryTime: 300, maxRetryTime: 10_000 },
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  return {
    connect: () => producer.connect(),
    async write(letters: readonly DeadLetter[]) {
      try {
        await producer.send({
          topic: options.topic,
          acks: -1,
          messages: letters.map((letter) => ({
            key: letter.source.key,
            value: letter.source.value,
            headers: deadLetterRecordHeaders(letter),
            timestamp: String(letter.failedAt),
          })),
        });
        return { ok: true };
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        return { ok: false, tooLarge: isTooLarge(error), error };
      }
    },
    close: () => producer.disconnect(),
  };
}
