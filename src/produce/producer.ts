/**
 * Writes a stream of keyed messages to a topic, flat out or at a steady rate. By default sends are
 * sequential, so a user's messages keep their order on their partition even across retries;
 * `maxInFlight` > 1 trades that order for speed (benchmark data).
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
  /** Produce requests in flight at once (default 1: ordered). */
  readonly maxInFlight?: number;
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
  let queued = 0;
  let batch: { key: string | null; value: Buffer }[] = [];
  const inFlight = new Set<Promise<void>>();
  const maxInFlight = options.maxInFlight ?? 1;

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const messages = batch;
    batch = [];
    queued += messages.length;
    if (ratePerSecond) {
      // Pace by schedule, not by sleeping a fixed gap, so send time does not slow the rate down.
      const wait = started + (queued / ratePerSecond) * 1000 - clock.monotonic();
      if (wait > 0) await clock.sleep(wait, signal);
    }
    const send = producer.send({ topic: options.topic, messages }).then(() => {
      sent += messages.length;
      options.onProgress?.(sent);
    });
    inFlight.add(send);
    void send.finally(() => inFlight.delete(send)).catch(() => {});
    if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
  };

  try {
    for await (const message of options.messages) {
      if (signal?.aborted) break;
      batch.push({ key: message.key, value: message.value });
      if (batch.length >= batchSize) await flush();
    }
    if (!signal?.aborted) await flush();
    await Promise.all(inFlight);
  } catch (err) {
    if (!signal?.aborted) throw err;
  } finally {
    await Promise.allSettled(inFlight);
    await producer.disconnect();
  }
  return { sent, elapsedMs: clock.monotonic() - started };
}
