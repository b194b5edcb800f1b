/** kafkajs clients and topic helpers for integration tests, aimed at the harness broker. */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { Kafka, logLevel, type Admin } from 'kafkajs';

export function testBrokers(): string[] {
  return inject('kafkaBrokers');
}

/** A client of the harness broker, or of `brokers` (e.g. the PLAINTEXT listener of another). */
export function testKafka(clientId = 'integration-test', brokers?: readonly string[]): Kafka {
  return new Kafka({
    clientId,
    brokers: brokers ? [...brokers] : testBrokers(),
    logLevel: logLevel.NOTHING,
    retry: { retries: 8 },
  });
}

/** A name no other test (or earlier run against an external cluster) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

export async function createTopic(kafka: Kafka, topic: string, numPartitions = 1): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    await admin.createTopics({
      topics: [{ topic, numPartitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  });
}

/** Per partition: the log end offset (next offset to be written). */
export async function endOffsets(kafka: Kafka, topic: string): Promise<Map<number, bigint>> {
  return withAdmin(kafka, async (admin) => {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  });
}

/** Per partition: the group's committed offset (-1 when nothing is committed). */
export async function committedOffsets(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<Map<number, bigint>> {
  return withAdmin(kafka, async (admin) => {
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((result?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  });
}

export interface ReadRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

/**
 * Reads a topic from the beginning until `count` records arrived (or the timeout fails the test),
 * with headers decoded as strings.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 60_000,
): Promise<ReadRecord[]> {
  const records: ReadRecord[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) {
        if (value !== undefined)
          headers[name] = Buffer.isBuffer(value) ? value.toString() : String(value);
      }
      records.push({
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        value: message.value,
        headers,
      });
      if (records.length >= count) done();
    },
  });
  const timer = setTimeout(done, timeoutMs);
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  if (records.length < count)
    throw new Error(`read ${records.length} of ${count} records from ${topic} before the timeout`);
  return records;
}
