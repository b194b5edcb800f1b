/**
 * Dead letters: the original Kafka record (key and value bytes unchanged, so it can be replayed as
 * is) plus headers saying why it was rejected. The closed `dlq.error.code` set is the
 * one of src/vocabulary.ts.
 */
import type { Endpoint } from '../mixpanel/endpoints.js';
import type { Rejection } from '../vocabulary.js';
import type { KafkaRecord } from '../kafka/record.js';

export interface DeadLetter {
  readonly source: KafkaRecord;
  readonly rejection: Rejection;
  /** The Mixpanel endpoint that refused the record, for `publish`-stage rejections. */
  readonly endpoint?: Endpoint;
  /** HTTP attempts made before giving up (0 when rejected before publishing). */
  readonly attempts: number;
  /** When the rejection was decided, epoch milliseconds. */
  readonly failedAt: number;
}

/** What became of one write to the dead-letter topic. */
export type SinkResult =
  | { readonly ok: true }
  /** `tooLarge`: the broker refused the request's size (the topic's `max.message.bytes`). */
  | { readonly ok: false; readonly tooLarge: boolean; readonly error: Error };

/** Where dead letters go. `ok` only once every letter of the write is durably acknowledged. */
export interface DeadLetterSink {
  write(letters: readonly DeadLetter[]): Promise<SinkResult>;
  close(): Promise<void>;
}

/** Per-record overhead of a Kafka record batch (lengths, offsets, timestamps), generously. */
const RECORD_OVERHEAD_BYTES = 64;

/** An estimate of a letter's size in a produce request: key, value and headers. */
export function letterBytes(letter: DeadLetter): number {
  let bytes = RECORD_OVERHEAD_BYTES + (letter.source.key?.length ?? 0);
  bytes += letter.source.value?.length ?? 0;
  for (const [name, value] of Object.entries(deadLetterRecordHeaders(letter))) {
    bytes +=
      name.length + (typeof value === 'string' ? Buffer.byteLength(value) : value.length) + 2;
  }
  return bytes;
}

export const DLQ_HEADER_PREFIX = 'dlq.';
export const MAX_MESSAGE_BYTES = 1024;
/**
 * What the dlq.* headers can add to a record (the message is capped at 1 KB, the rest is small):
 * the dead-letter topic's max.message.bytes must exceed the raw topics' by this much.
 */
export const DEAD_LETTER_HEADER_ROOM = 2048;

/** The `dlq.*` headers, all strings. Timestamps are epoch milliseconds, as Kafka writes them. */
export function deadLetterHeaders(letter: DeadLetter): Record<string, string> {
  const headers: Record<string, string> = {
    'dlq.error.code': letter.rejection.code,
    'dlq.error.stage': letter.rejection.stage,
    'dlq.error.message': truncateUtf8(letter.rejection.message, MAX_MESSAGE_BYTES),
    'dlq.source.topic': letter.source.topic,
    'dlq.source.partition': String(letter.source.partition),
    'dlq.source.offset': String(letter.source.offset),
    'dlq.source.timestamp': String(letter.source.timestamp),
    'dlq.failed.at': String(letter.failedAt),
    'dlq.attempts': String(letter.attempts),
  };
  if (letter.endpoint !== undefined) headers['dlq.mixpanel.endpoint'] = letter.endpoint;
  if (letter.rejection.field !== undefined) headers['dlq.mixpanel.field'] = letter.rejection.field;
  return headers;
}

/**
 * Set by `dlq replay` (`<dead-letter topic>/<partition>/<offset>`); kept when a replayed record
 * is dead-lettered again, so the trail survives.
 */
export const REPLAYED_FROM_HEADER = 'dlq.replayed.from';

/**
 * The headers of the dead-letter record: the source record's own headers (so a replay is
 * faithful), minus any stale `dlq.*` ones from an earlier trip (but the replay trail), plus the
 * new `dlq.*` headers.
 */
export function deadLetterRecordHeaders(letter: DeadLetter): Record<string, Buffer | string> {
  const out: Record<string, Buffer | string> = {};
  for (const [name, value] of Object.entries(letter.source.headers ?? {})) {
    if (value === undefined) continue;
    if (!name.startsWith(DLQ_HEADER_PREFIX) || name === REPLAYED_FROM_HEADER) out[name] = value;
  }
  return Object.assign(out, deadLetterHeaders(letter));
}

/** Cuts a string to at most maxBytes of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const ellipsis = '…';
  const budget = maxBytes - Buffer.byteLength(ellipsis);
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > budget) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end) + ellipsis;
}
