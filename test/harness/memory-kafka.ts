/**
 * The processor's Kafka side in memory, for unit tests of the app and the pipeline on virtual
 * time: a MemoryBroker, the in-memory Source, a dead-letter sink that writes to the broker (with
 * the same headers as the Kafka sink), and a lag monitor that measures nothing.
 */
import type { KafkaAdapters } from '../../src/app.js';
import type { Config } from '../../src/config/schema.js';
import { deadLetterRecordHeaders, letterBytes } from '../../src/dead-letter/letter.js';
import type { KafkaRecord } from '../../src/kafka/record.js';
import type { Metrics } from '../../src/metrics/registry.js';
import { MemoryBroker } from '../../src/source/memory-broker.js';
import { createMemorySource } from '../../src/source/memory-source.js';
import { MissingTopicError } from '../../src/source/topics.js';

export interface MemoryKafka {
  readonly broker: MemoryBroker;
  /** Adapters for one processor (one group member) with this config. */
  adapters(config: Readonly<Config>, metrics?: Metrics): KafkaAdapters;
  /** Every record of a topic, partition by partition. */
  records(topic: string): KafkaRecord[];
  /** The group's committed offset per partition (-1 when none). */
  committed(config: Readonly<Config>): number[];
  /** Log end offset per partition. */
  ends(topic: string): number[];
  /** Dead-letter writes to refuse from now on (a broker refusing the produce). */
  failDeadLetters: number;
  /** The dead-letter topic's `max.message.bytes`: larger writes are refused as too large. */
  deadLetterMaxBytes: number;
}

export function memoryKafka(now: () => number): MemoryKafka {
  const broker = new MemoryBroker(now);
  const partitionsOf = (topic: string): number[] =>
    Array.from({ length: broker.partitions(topic) }, (_, p) => p);
  const kafka: MemoryKafka = {
    broker,
    failDeadLetters: 0,
    deadLetterMaxBytes: 1_048_588,
    adapters(config, metrics) {
      const { topics, deadLetterTopic, groupId, fromBeginning } = config.kafka;
      return {
        async checkTopics() {
          const missing = [...topics, deadLetterTopic].filter((t) => !broker.hasTopic(t));
          if (missing.length > 0)
            throw new MissingTopicError(`topics not found: ${missing.join(', ')}`);
          return {
            rawMaxMessageBytes: 1_048_588,
            deadLetterMaxMessageBytes: kafka.deadLetterMaxBytes,
          };
        },
        source: () =>
          createMemorySource({
            broker,
            groupId,
            topics,
            fromBeginning,
            ...(metrics ? { metrics } : {}),
          }),
        deadLetterSink: () => ({
          connect: async () => {},
          close: async () => {},
          async write(letters) {
            if (kafka.failDeadLetters > 0) {
              kafka.failDeadLetters--;
              return {
                ok: false,
                tooLarge: false,
                error: new Error('dead-letter topic unavailable'),
              };
            }
            if (letters.reduce((sum, l) => sum + letterBytes(l), 0) > kafka.deadLetterMaxBytes) {
              return { ok: false, tooLarge: true, error: new Error('MESSAGE_TOO_LARGE') };
            }
            broker.produce(
              deadLetterTopic,
              letters.map((letter) => ({
                key: letter.source.key,
                value: letter.source.value,
                headers: Object.fromEntries(
                  Object.entries(deadLetterRecordHeaders(letter)).map(([k, v]) => [k, String(v)]),
                ),
                timestamp: letter.failedAt,
              })),
            );
            return { ok: true };
          },
        }),
        lagMonitor: async () => ({ measure: async () => {}, stop: async () => {} }),
      };
    },
    records: (topic) =>
      partitionsOf(topic).flatMap((partition) =>
        broker.read({ topic, partition }, 0, Number.MAX_SAFE_INTEGER),
      ),
    committed: (config) => {
      const [topic] = config.kafka.topics as [string];
      return partitionsOf(topic).map(
        (partition) => broker.committed(config.kafka.groupId, { topic, partition }) ?? -1,
      );
    },
    ends: (topic) => partitionsOf(topic).map((partition) => broker.endOffset({ topic, partition })),
  };
  return kafka;
}
