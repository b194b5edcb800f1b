/**
 * The decode stage's first step, on the main thread: what a Kafka record's bytes are. A tombstone
 * (no value) is rejected; Confluent wire-format Avro is decoded through the schema registry (the
 * only step that waits on I/O); anything else is JSON, whose parsing and validation run with the
 * transform on its workers (message-decoder.ts).
 */
import type { InputConfig } from '../config/schema.js';
import type { KafkaRecord } from '../kafka/record.js';
import type { Rejection } from '../vocabulary.js';
import { isConfluentWireFormat, type AvroDecoder } from './avro.js';

/** A record's content, ready for the message decoder: JSON bytes, or a payload decoded from Avro. */
export type DecodeInput =
  | { readonly bytes: Uint8Array; readonly kafkaTimestampMs: number }
  | { readonly payload: unknown; readonly kafkaTimestampMs: number };

export type RecordDecoded =
  | { readonly ok: true; readonly input: DecodeInput }
  | { readonly ok: false; readonly rejection: Rejection };

export interface RecordDecoderOptions {
  readonly format: InputConfig['format'];
  /** Set when `input.schemaRegistry` is configured. */
  readonly avro?: AvroDecoder | undefined;
}

/** Synchronous except for Avro records; an Avro lookup rejects only when `signal` aborts. */
export type RecordDecoder = (
  record: KafkaRecord,
  signal: AbortSignal,
) => RecordDecoded | Promise<RecordDecoded>;

export function createRecordDecoder(options: RecordDecoderOptions): RecordDecoder {
  return (record, signal) => {
    const { value } = record;
    if (value === null || value.length === 0) {
      return rejected('invalid_json', 'the record has no value (a tombstone?)');
    }
    const avro =
      options.format === 'avro' || (options.format === 'auto' && isConfluentWireFormat(value));
    if (!avro) return { ok: true, input: { bytes: value, kafkaTimestampMs: record.timestamp } };
    if (!options.avro) {
      return rejected(
        'avro_decode_failed',
        'Avro message but no input.schemaRegistry is configured',
      );
    }
    return options.avro
      .decode(value, signal)
      .then((decoded): RecordDecoded =>
        decoded.ok
          ? { ok: true, input: { payload: decoded.payload, kafkaTimestampMs: record.timestamp } }
          : { ok: false, rejection: decoded.rejection },
      );
  };
}

function rejected(code: 'invalid_json' | 'avro_decode_failed', message: string): RecordDecoded {
  return { ok: false, rejection: { code, stage: 'decode', message } };
}
