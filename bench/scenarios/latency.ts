/**
 * Latency at a steady rate: messages are produced at `rate` per second for `seconds`, without a
 * time of their own, so each event's `time` is its Kafka append timestamp; the
 * sandbox measures arrival minus that time at 1 ms resolution.
 */
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { systemClock } from '../../src/clock.js';
import { TrafficGenerator } from '../../src/produce/generator.js';
import { produceMessages } from '../../src/produce/producer.js';
import { freePort } from '../../test/harness/ports.js';
import { sandboxStats, startProcessor } from '../lib/children.js';
import { createTopics } from '../lib/kafka.js';

export interface LatencyResult {
  readonly rate: number;
  readonly seconds: number;
  readonly lingerMs: number;
  readonly events: number;
  readonly p50Ms: number | null;
  readonly p90Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

const TIME_FIELDS = ['timestamp', 'originalTimestamp', 'sentAt', 'receivedAt'];

export async function latency(options: {
  readonly kafka: Kafka;
  readonly brokers: readonly string[];
  readonly sandboxUrl: string;
  readonly rate: number;
  readonly seconds: number;
  readonly lingerMs: number;
  readonly progress: (line: string) => void;
}): Promise<LatencyResult> {
  const topic = `bench-latency-${randomBytes(3).toString('hex')}`;
  await createTopics(options.kafka, [
    { topic, partitions: 8 },
    { topic: `${topic}-dlq`, partitions: 1 },
  ]);
  const before = (await sandboxStats(options.sandboxUrl)).records['/import'];
  if (before.unique !== 0) throw new Error('latency needs a fresh sandbox');
  const port = await freePort();
  const processor = startProcessor({
    kafka: {
      brokers: [...options.brokers],
      topics: [topic],
      deadLetterTopic: `${topic}-dlq`,
      groupId: `${topic}-group`,
      fromBeginning: false,
    },
    mixpanel: { projectToken: 'bench-token', apiHost: options.sandboxUrl },
    batching: { lingerMs: options.lingerMs },
    metrics: { enabled: true, host: '127.0.0.1', port },
    log: { level: 'warn' },
  });
  try {
    // Produce only once the processor is ready (joined, Mixpanel reachable): startup is not latency.
    for (let ready = false; !ready;) {
      ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    options.progress(
      `▶ latency: ${options.rate.toLocaleString('en')} events/s for ${options.seconds} s, linger ${options.lingerMs} ms`,
    );
    const generator = new TrafficGenerator({ seed: 7, users: 20_000, startTimeMs: Date.now() });
    const total = options.rate * options.seconds;
    let imports = 0;
    await produceMessages({
      kafka: options.kafka,
      topic,
      clock: systemClock,
      ratePerSecond: options.rate,
      messages: (function* () {
        for (let i = 0; i < total; i++) {
          const message = generator.next();
          const value = JSON.parse(message.value.toString()) as Record<string, unknown>;
          for (const field of TIME_FIELDS) delete value[field];
          if (value.type !== 'identify' && value.type !== 'group' && value.type !== 'alias')
            imports++;
          yield { key: message.key, value: Buffer.from(JSON.stringify(value)) };
        }
      })(),
    });
    for (let i = 0; i < 600; i++) {
      const stats = (await sandboxStats(options.sandboxUrl)).records['/import'];
      if (stats.arrivalDelayMs.count >= imports) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const delay = (await sandboxStats(options.sandboxUrl)).records['/import'].arrivalDelayMs;
    return {
      rate: options.rate,
      seconds: options.seconds,
      lingerMs: options.lingerMs,
      events: delay.count,
      p50Ms: delay.p50,
      p90Ms: delay.p90,
      p99Ms: delay.p99,
      maxMs: delay.max,
    };
  } finally {
    await processor.stop();
  }
}
