/**
 * The decode stage's first step, on the main thread: what a Kafka record's bytes are. A tombstone
 * (no value) is rejected; Confluent wire-format Avro is decoded through the schema registry (the
 * only step that may wait on I/O, and only for a schema id not seen before); anything else is
 * JSON, whose parsing and validation run with the transform on its workers (message-decoder.ts).
 */
import type { InputConfig } from '../config/schema.js';
import type { KafkaRecord } from '../kafka/record.js';
import type { FatalReason, Rejection } from '../vocabulary.js';
import { isConfluentWireFormat, type AvroDecoder, type AvroOutcome } from './avro.js';

/** A record's content, ready for the message decoder: JSON bytes, or a payload decoded from Avro. */
export type DecodeInput =
  | { readonly bytes: Uint8Array; readonly kafkaTimestampMs: number }
  | { readonly payload: unknown; readonly kafkaTimestampMs: number };

export type RecordDecoded =
  | { readonly ok: true; readonly input: DecodeInput }
  | { readonly ok: false; readonly rejection: Rejection }
  /** Nothing can be decoded until an operator fixes the configuration (registry credentials). */
  | {
      readonly ok: false;
      readonly fatal: { readonly reason: FatalReason; readonly message: string };
    };

export interface RecordDecoderOptions {
  readonly format: InputConfig['format'];
  /** Set when `input.schemaRegistry` is configured. */
  readonly avro?: AvroDecoder | undefined;
}

/**
 * Synchronous except for Avro records whose schema id is not cached yet; such a lookup rejects only
 * when `signal` aborts.
 */
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
    const fromAvro = (decoded: AvroOutcome): RecordDecoded => {
      if (decoded.ok) {
        return {
          ok: true,
          input: { payload: decoded.payload, kafkaTimestampMs: record.timestamp },
        };
      }
      return 'fatal' in decoded
        ? { ok: false, fatal: { reason: 'schema_registry', message: decoded.fatal } }
        : { ok: false, rejection: decoded.rejection };
    };
    const decoded = options.avro.decode(value, signal);
    return decoded instanceof Promise ? decoded.then(fromAvro) : fromAvro(decoded);
  };
}

function rejected(code: 'invalid_json' | 'avro_decode_failed', message: string): RecordDecoded {
  return { ok: false, rejection: { code, stage: 'decode', message } };
}
