/**
 * Writes a stream of keyed messages to a topic, flat out or at a steady rate, in order: sends are
 * sequential so a user's messages keep their order on their partition even across retries.
 */
import { Partitioners, type Kafka } from 'kafkajs';
import type { Clock } from '../clock.js';

export interface OutgoingMessage {
  readonly key: string | null;
  readonly value: Buffer;
}

export interface ProduceOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly messages: Iterable<OutgoingMessage> | AsyncIterable<OutgoingMessage>;
  readonly clock: Clock;
  /** Messages per second; undefined sends as fast as the broker takes them. */
  readonly ratePerSecond?: number;
  /** Messages per produce request (default 1000; smaller at low rates to keep pacing smooth). */
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (sent: number) => void;
}

export interface ProduceResult {
  readonly sent: number;
  readonly elapsedMs: number;
}

export async function produceMessages(options: ProduceOptions): Promise<ProduceResult> {
  const { clock, ratePerSecond, signal } = options;
  const batchSize =
    options.batchSize ??
    (ratePerSecond ? Math.max(1, Math.min(1000, Math.floor(ratePerSecond / 20))) : 1000);
  const producer = options.kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const started = clock.monotonic();
  let sent = 0;
  let batch: { key: string | null; value: Buffer }[] = [];

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    if (ratePerSecond) {
      // Pace by schedule, not by sleeping a fixed gap, so send time does not slow the rate down.
      const dueAt = started + ((sent + batch.length) / ratePerSecond) * 1000;
      const wait = dueAt - clock.monotonic();
      if (wait > 0) await clock.sleep(wait, signal);
    }
    await producer.send({ topic: options.topic, messages: batch });
    sent += batch.length;
    batch = [];
    options.onProgress?.(sent);
  };

  try {
    for await (const message of options.messages) {
      if (signal?.aborted) break;
      batch.push({ key: message.key, value: message.value });
      if (batch.length >= batchSize) await flush();
    }
    if (!signal?.aborted) await flush();
  } catch (err) {
    if (!signal?.aborted) throw err;
  } finally {
    await producer.disconnect();
  }
  return { sent, elapsedMs: clock.monotonic() - started };
}
