/** Broker-side helpers for the benchmarks: topics, pre-produced traffic, committed offsets. */
import { Kafka, logLevel } from 'kafkajs';
import { systemClock } from '../../src/clock.js';
import { TrafficGenerator } from '../../src/produce/generator.js';
import { produceMessages } from '../../src/produce/producer.js';

export function benchKafka(brokers: readonly string[]): Kafka {
  return new Kafka({ clientId: 'bench', brokers: [...brokers], logLevel: logLevel.NOTHING });
}

export async function createTopics(
  kafka: Kafka,
  topics: { topic: string; partitions: number }[],
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: topics.map((t) => ({
      topic: t.topic,
      numPartitions: t.partitions,
      replicationFactor: 1,
    })),
    waitForLeaders: true,
  });
  await admin.disconnect();
}

/** Realistic ~1 KB Segment messages from the seeded generator, timestamped in the last hour. */
export async function preProduce(
  kafka: Kafka,
  topic: string,
  count: number,
  progress: (line: string) => void,
): Promise<{ bytes: number; seconds: number }> {
  const generator = new TrafficGenerator({
    seed: 2026,
    users: 20_000,
    startTimeMs: Date.now() - 3_600_000,
    stepMs: 1,
  });
  let bytes = 0;
  let lastReport = 0;
  const result = await produceMessages({
    kafka,
    topic,
    clock: systemClock,
    maxInFlight: 4,
    messages: (function* () {
      for (let i = 0; i < count; i++) {
        const message = generator.next();
        bytes += message.value.length;
        yield message;
      }
    })(),
    onProgress: (sent) => {
      if (sent - lastReport >= 100_000) {
        lastReport = sent;
        progress(`  produced ${sent.toLocaleString('en')} / ${count.toLocaleString('en')}`);
      }
    },
  });
  return { bytes, seconds: result.elapsedMs / 1000 };
}

export async function endOffsetTotal(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  return offsets.reduce((sum, o) => sum + Number(o.high), 0);
}

/** Sum over partitions of the group's committed offsets (0 for partitions without a commit). */
export async function committedTotal(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (result?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}
