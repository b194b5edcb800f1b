/**
 * Confluent wire-format Avro (magic byte 0, 4-byte big-endian schema id, Avro binary) decoded
 * with @kafkajs/confluent-schema-registry (Confluent's wire format).
 *
 * Outcomes: the decoded payload; `schema_not_found` when the registry answers 404 for the id;
 * `avro_decode_failed` when the bytes do not decode with the writer schema. Anything else (the
 * registry unreachable, 5xx, bad registry credentials) is not the message's fault: the lookup is
 * retried with backoff until it works or the signal aborts, and the message stays unsettled.
 * (The client reports network errors as status 400, so only a 404 is trusted as "not found".)
 *
 * Avro has no free-form object type, so Segment's `properties`, `traits`, `context` and
 * `integrations` commonly travel as JSON strings: such strings holding a JSON object are parsed.
 */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Clock } from '../clock.js';
import type { InputConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Rejection } from '../vocabulary.js';

export const CONFLUENT_MAGIC_BYTE = 0;
const HEADER_BYTES = 5;
const JSON_OBJECT_FIELDS = ['properties', 'traits', 'context', 'integrations'] as const;

export type AvroOutcome = { ok: true; payload: unknown } | { ok: false; rejection: Rejection };

export interface AvroDecoder {
  /** Resolves with an outcome; rejects only with the signal's reason when aborted while retrying. */
  decode(bytes: Buffer, signal?: AbortSignal): Promise<AvroOutcome>;
}

export interface AvroDecoderOptions {
  readonly registry: NonNullable<InputConfig['schemaRegistry']>;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Backoff between registry retries: starts here, doubles up to maxRetryDelayMs. */
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
}

/** True when the bytes start like a Confluent wire-format message (JSON never starts with 0x00). */
export function isConfluentWireFormat(bytes: Uint8Array): boolean {
  return bytes.length >= HEADER_BYTES && bytes[0] === CONFLUENT_MAGIC_BYTE;
}

export function createAvroDecoder(options: AvroDecoderOptions): AvroDecoder {
  const { url, username, password } = options.registry;
  const registry = new SchemaRegistry({
    host: url.replace(/\/+$/, ''),
    clientId: 'segment-mixpanel',
    ...(username !== undefined ? { auth: { username, password: password ?? '' } } : {}),
  });
  const initialDelay = options.retryDelayMs ?? 500;
  const maxDelay = options.maxRetryDelayMs ?? 30_000;

  return {
    async decode(bytes, signal) {
      if (!isConfluentWireFormat(bytes)) {
        return reject(
          'avro_decode_failed',
          'not Confluent wire format (magic byte 0 and a 4-byte schema id expected)',
        );
      }
      const schemaId = bytes.readInt32BE(1);
      let delay = initialDelay;
      for (;;) {
        try {
          await registry.getSchema(schemaId);
          break;
        } catch (err) {
          const status = (err as { status?: unknown }).status;
          if (status === 404)
            return reject('schema_not_found', `schema id ${schemaId} is not in the registry`);
          options.logger?.warn(
            { err: { message: (err as Error).message }, schemaId, retryInMs: delay },
            'schema registry lookup failed; retrying',
          );
          await options.clock.sleep(delay, signal);
          delay = Math.min(delay * 2, maxDelay);
        }
      }
      try {
        return { ok: true, payload: normalise(await registry.decode(bytes)) };
      } catch (err) {
        return reject('avro_decode_failed', `schema id ${schemaId}: ${(err as Error).message}`);
      }
    },
  };
}

function reject(code: 'schema_not_found' | 'avro_decode_failed', message: string): AvroOutcome {
  return { ok: false, rejection: { code, stage: 'decode', message } };
}

/** Parses JSON-string object fields; leaves everything else as decoded. */
function normalise(decoded: unknown): unknown {
  if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded)) return decoded;
  const record = { ...(decoded as Record<string, unknown>) };
  for (const field of JSON_OBJECT_FIELDS) {
    const value = record[field];
    if (typeof value === 'string' && value.trimStart().startsWith('{')) {
      try {
        record[field] = JSON.parse(value) as unknown;
      } catch {
        // Left as a string: validation reports it.
      }
    }
  }
  return record;
}
