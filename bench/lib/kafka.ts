/** Broker-side helpers for the benchmarks: topics, pre-produced traffic, committed offsets. */
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { systemClock } from '../../src/clock.js';
import { TrafficGenerator } from '../../src/produce/generator.js';
import { SeededRandom } from '../../src/random.js';
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

/**
 * The shape of pre-produced traffic. Default: the realistic mix of the seeded generator (~1 KB per
 * message), one Segment message per Kafka record.
 */
export interface TrafficShape {
  /** Average message size to aim at; undefined keeps the generator's (~1,057 B). */
  readonly messageBytes?: number;
  /** Share of Segment messages that travel inside batch payloads of `BATCH_PAYLOAD_SIZE`. */
  readonly batchShare?: number;
}

/** Messages per Segment batch payload (`{"batch":[…]}`) in shaped traffic. */
export const BATCH_PAYLOAD_SIZE = 10;

export interface Produced {
  /** Kafka records written. */
  readonly records: number;
  /** Segment messages in them (more than records when some are batch payloads). */
  readonly events: number;
  readonly bytes: number;
  readonly seconds: number;
}

/** Seeded Segment messages, timestamped in the last hour, shaped as asked. */
export async function preProduce(
  kafka: Kafka,
  topic: string,
  events: number,
  progress: (line: string) => void,
  shape: TrafficShape = {},
): Promise<Produced> {
  const generator = new TrafficGenerator({
    seed: 2026,
    users: 20_000,
    startTimeMs: Date.now() - 3_600_000,
    stepMs: 1,
  });
  const padding = new SeededRandom(7);
  let bytes = 0;
  let records = 0;
  let lastReport = 0;
  const result = await produceMessages({
    kafka,
    topic,
    clock: systemClock,
    maxInFlight: 4,
    // Each partition's share of a produce request must stay under the broker's 1 MB message limit.
    batchSize: Math.max(
      10,
      Math.min(
        1000,
        Math.floor(
          500_000 / ((shape.messageBytes ?? 1100) * (shape.batchShare ? BATCH_PAYLOAD_SIZE : 1)),
        ),
      ),
    ),
    messages: (function* () {
      let made = 0;
      let batchShareSoFar = 0;
      while (made < events) {
        const batched =
          shape.batchShare !== undefined &&
          shape.batchShare > 0 &&
          events - made >= BATCH_PAYLOAD_SIZE &&
          batchShareSoFar <= shape.batchShare * made;
        const count = batched ? BATCH_PAYLOAD_SIZE : 1;
        const messages = Array.from({ length: count }, () => {
          const message = generator.next();
          return {
            key: message.key,
            value:
              shape.messageBytes === undefined
                ? message.value
                : resize(message.value, shape.messageBytes, padding),
          };
        });
        const value = batched
          ? Buffer.from(`{"batch":[${messages.map((m) => m.value.toString()).join(',')}]}`)
          : (messages[0] as { value: Buffer }).value;
        if (batched) batchShareSoFar += count;
        made += count;
        bytes += value.length;
        records++;
        yield { key: (messages[0] as { key: string }).key, value };
      }
    })(),
    onProgress: (sent) => {
      if (sent - lastReport >= 100_000) {
        lastReport = sent;
        progress(`  produced ${sent.toLocaleString('en')} records`);
      }
    },
  });
  return { records, events, bytes, seconds: result.elapsedMs / 1000 };
}

/** Keys that make a message what it is; everything else may go to shrink it. */
const ESSENTIAL = new Set([
  'type',
  'event',
  'name',
  'userId',
  'anonymousId',
  'messageId',
  'timestamp',
  'previousId',
  'groupId',
  'properties',
  'traits',
]);

/**
 * The message brought to about `target` bytes: larger by adding 200-character string properties
 * (traits for identify and group), smaller by dropping the context and envelope fields, then
 * trailing properties or traits.
 */
export function resize(value: Buffer, target: number, random: SeededRandom): Buffer {
  const message = JSON.parse(value.toString()) as Record<string, unknown>;
  const bagKey = message.type === 'identify' || message.type === 'group' ? 'traits' : 'properties';
  const bag = (message[bagKey] ?? {}) as Record<string, unknown>;
  message[bagKey] = bag;
  let size = value.length;
  if (size > target) {
    for (const key of Object.keys(message)) if (!ESSENTIAL.has(key)) delete message[key];
    size = JSON.stringify(message).length;
    for (const key of Object.keys(bag).reverse()) {
      if (size <= target) break;
      size -= JSON.stringify({ [key]: bag[key] }).length - 1;
      delete bag[key];
    }
  }
  for (let i = 0; size < target - 100; i++) {
    const text = random.hex(200);
    bag[`attribute_${i}`] = text;
    size += 220;
  }
  return Buffer.from(JSON.stringify(message));
}

/** Sum over partitions of the group's committed offsets (0 for partitions without a commit). */
export async function committedTotal(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<number> {
  const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (result?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}
