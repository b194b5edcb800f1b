/**
 * The dead-letter topic as a DeadLetterSink: an idempotent kafkajs producer (acks from all
 * in-sync replicas, one request in flight) writing the original key and value unchanged, so a
 * dead letter can be replayed as is, with the dlq.* headers. The record timestamp is the time of
 * dead-lettering (retention counts from then); the source timestamp travels in a header.
 */
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { deadLetterRecordHeaders, type DeadLetter, type DeadLetterSink } from './letter.js';

export interface KafkaDeadLetterSink extends DeadLetterSink {
  connect(): Promise<void>;
}

export function createKafkaDeadLetterSink(options: {
  kafka: Kafka;
  topic: string;
}): KafkaDeadLetterSink {
  const producer: Producer = options.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // The idempotent producer expects unbounded retries (kafkajs warns otherwise); the writer
    // above keeps its own backoff for failures that still come through.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  return {
    connect: () => producer.connect(),
    async write(letters: readonly DeadLetter[]) {
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
    },
    close: () => producer.disconnect(),
  };
}
