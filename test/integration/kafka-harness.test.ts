/**
 * Proves the harness broker is a real Kafka: keyed messages spread over partitions, a consumer
 * group reads each exactly once, and its committed offsets reach the end of every partition.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Consumer } from 'kafkajs';
import {
  committedOffsets,
  createTopic,
  endOffsets,
  testKafka,
  uniqueName,
} from '../harness/kafka/client.js';
import { waitFor } from '../harness/wait.js';

const MESSAGES = 1000;
const PARTITIONS = 4;

describe('the harness broker', () => {
  const kafka = testKafka('harness-test');
  const consumers: Consumer[] = [];
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect()));
  });

  it('delivers 1,000 keyed messages exactly once to a consumer group and records its commits', async () => {
    const topic = uniqueName('harness');
    const groupId = uniqueName('harness-group');
    await createTopic(kafka, topic, PARTITIONS);

    const producer = kafka.producer();
    await producer.connect();
    const sent = Array.from({ length: MESSAGES }, (_, i) => ({
      key: `user-${i % 97}`,
      value: JSON.stringify({ seq: i }),
    }));
    for (let i = 0; i < sent.length; i += 250) {
      await producer.send({ topic, messages: sent.slice(i, i + 250) });
    }
    await producer.disconnect();

    const ends = await endOffsets(kafka, topic);
    expect([...ends.values()].reduce((a, b) => a + b, 0n)).toBe(BigInt(MESSAGES));
    // Keys spread the messages over every partition.
    expect([...ends.values()].every((end) => end > 0n)).toBe(true);

    const seen = new Map<number, number>();
    const keyPartition = new Map<string, number>();
    const keysOnTwoPartitions = new Set<string>();
    const consumer = kafka.consumer({ groupId });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const { seq } = JSON.parse(message.value?.toString() ?? '{}') as { seq: number };
        seen.set(seq, (seen.get(seq) ?? 0) + 1);
        const key = message.key?.toString() ?? '';
        if ((keyPartition.get(key) ?? partition) !== partition) keysOnTwoPartitions.add(key);
        keyPartition.set(key, partition);
      },
    });

    await waitFor(
      () => committedOffsets(kafka, groupId, topic),
      (committed) => [...ends].every(([partition, end]) => committed.get(partition) === end),
      { what: 'committed offsets at the end of every partition', timeoutMs: 60_000 },
    );
    expect(seen.size).toBe(MESSAGES);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    // A key always lands on one partition: the property per-user ordering relies on.
    expect(keysOnTwoPartitions).toEqual(new Set());
  });
});
