/**
 * A dead letter read back from the dead-letter topic: its position there, the original record
 * (key, value and the producer's own headers, unchanged) and the `dlq.*` headers parsed into
 * typed fields (written by letter.ts). Tolerant by design: a record without those
 * headers (written by another tool) is reported as unreadable, never thrown on.
 */
import type { IHeaders } from 'kafkajs';
import { DLQ_HEADER_PREFIX, REPLAYED_FROM_HEADER } from './letter.js';

/** Added to every replayed record: `<dead-letter topic>/<partition>/<offset>` it came from. */
export { REPLAYED_FROM_HEADER };

export interface DeadLetterInfo {
  readonly code: string;
  readonly stage: string;
  readonly message: string;
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
  /** Kafka timestamp of the original record, epoch ms. */
  readonly sourceTimestamp: number | undefined;
  /** When the processor gave up on it, epoch ms. */
  readonly failedAt: number | undefined;
  readonly attempts: number | undefined;
  readonly endpoint: string | undefined;
  readonly field: string | undefined;
}

export interface StoredDeadLetter {
  /** Position in the dead-letter topic. */
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The original record's headers: everything but `dlq.*`, as read. */
  readonly originalHeaders: IHeaders;
  /** Undefined when the `dlq.*` headers that locate the original are missing or malformed. */
  readonly info: DeadLetterInfo | undefined;
}

export interface KafkaMessageLike {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: IHeaders;
}

function headerText(value: IHeaders[string]): string | undefined {
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  if (last === undefined) return undefined;
  return Buffer.isBuffer(last) ? last.toString('utf8') : String(last);
}

function integer(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function parseDeadLetter(
  topic: string,
  partition: number,
  message: KafkaMessageLike,
): StoredDeadLetter {
  const originalHeaders: IHeaders = {};
  const dlq = new Map<string, string>();
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (name.startsWith(DLQ_HEADER_PREFIX)) {
      const text = headerText(value);
      if (text !== undefined) dlq.set(name, text);
    } else if (value !== undefined) {
      originalHeaders[name] = value;
    }
  }
  const code = dlq.get('dlq.error.code');
  const sourceTopic = dlq.get('dlq.source.topic');
  const sourcePartition = integer(dlq.get('dlq.source.partition'));
  const sourceOffset = dlq.get('dlq.source.offset');
  const located =
    code !== undefined &&
    sourceTopic !== undefined &&
    sourcePartition !== undefined &&
    sourceOffset !== undefined &&
    /^\d+$/.test(sourceOffset);
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    originalHeaders,
    info: located
      ? {
          code,
          stage: dlq.get('dlq.error.stage') ?? 'unknown',
          message: dlq.get('dlq.error.message') ?? '',
          sourceTopic,
          sourcePartition,
          sourceOffset,
          sourceTimestamp: integer(dlq.get('dlq.source.timestamp')),
          failedAt: integer(dlq.get('dlq.failed.at')),
          attempts: integer(dlq.get('dlq.attempts')),
          endpoint: dlq.get('dlq.mixpanel.endpoint'),
          field: dlq.get('dlq.mixpanel.field'),
        }
      : undefined,
  };
}

/** The headers a replayed record carries: the original ones plus where it was replayed from. */
export function replayHeaders(letter: StoredDeadLetter): IHeaders {
  return {
    ...letter.originalHeaders,
    [REPLAYED_FROM_HEADER]: `${letter.topic}/${letter.partition}/${letter.offset}`,
  };
}
