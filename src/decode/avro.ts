/**
 * Confluent wire-format Avro: magic byte 0, a 4-byte big-endian schema id, then Avro binary written
 * with that schema. Writer schemas come from the schema registry (schema-lookup.ts) and are cached
 * per id: an id's schema never changes, so each id is looked up once per process, and every later
 * message of that id decodes synchronously.
 *
 * Outcomes, decided by what the registry said (registry-answer.ts):
 *   - the payload, decoded;
 *   - `schema_not_found`: the registry's own 40403 for the id (not cached: it may be registered);
 *   - `invalid_schema`: the registry served something that is not a usable Avro schema (cached);
 *   - `avro_decode_failed`: the bytes do not decode with the writer schema;
 *   - fatal: the registry refused our credentials (401/403), so nothing can decode until
 *     `input.schemaRegistry.*` is fixed;
 *   - anything else (no answer, 5xx, 429, an ingress's HTML 404, a proxy's page) is not the
 *     message's fault: the lookup is retried with backoff on the Clock
 *     (`input.schemaRegistry.retryInitialDelayMs`, doubling up to `retryMaxDelayMs`) until it
 *     works or the signal aborts, and the message waits, undecided.
 *
 * Avro has no free-form object type, so Segment's `properties`, `traits`, `context` and
 * `integrations` commonly travel as JSON strings: such strings holding a JSON object are parsed.
 */
import type Avsc from 'avsc';
import type { Clock } from '../clock.js';
import type { InputConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Rejection } from '../vocabulary.js';
import { onFirstUse } from '../first-use.js';
import { createRegistryClient } from './registry-client.js';
import { lookupSchema } from './schema-lookup.js';

/** Loaded with the first Avro message: a deployment that reads JSON never holds it. */
const avsc = onFirstUse<typeof Avsc>('avsc');

export const CONFLUENT_MAGIC_BYTE = 0;
const HEADER_BYTES = 5;
const JSON_OBJECT_FIELDS = ['properties', 'traits', 'context', 'integrations'] as const;

export type AvroOutcome =
  | { readonly ok: true; readonly payload: unknown }
  | { readonly ok: false; readonly rejection: Rejection }
  /** The registry refused our credentials; the text names the settings to check. */
  | { readonly ok: false; readonly fatal: string };

export interface AvroDecoder {
  /**
   * Synchronous once the message's schema id is cached; otherwise a promise, which rejects only
   * with the signal's reason when the signal aborts while the lookup is being retried.
   */
  decode(bytes: Buffer, signal?: AbortSignal): AvroOutcome | Promise<AvroOutcome>;
  /** Closes the registry connections. */
  close(): Promise<void>;
}

export interface AvroDecoderOptions {
  readonly registry: Omit<NonNullable<InputConfig['schemaRegistry']>, 'username' | 'password'> &
    Partial<Pick<NonNullable<InputConfig['schemaRegistry']>, 'username' | 'password'>>;
  readonly clock: Clock;
  readonly logger?: Logger;
}

/** True when the bytes start like a Confluent wire-format message (JSON never starts with 0x00). */
export function isConfluentWireFormat(bytes: Uint8Array): boolean {
  return bytes.length >= HEADER_BYTES && bytes[0] === CONFLUENT_MAGIC_BYTE;
}

/** What a schema id resolved to: its writer schema, a rejection, or a fatal refusal. */
type Resolved = Avsc.Type | Rejection | { readonly fatal: string };

export function createAvroDecoder(options: AvroDecoderOptions): AvroDecoder {
  const { registry, clock, logger } = options;
  const client = createRegistryClient(registry, clock);
  /** Per schema id, immutable: its writer schema, or why it cannot be used. */
  const known = new Map<number, Avsc.Type | Rejection>();
  /** One lookup per id at a time; later messages of the id wait for it. */
  const lookups = new Map<number, Promise<Resolved>>();

  async function resolve(schemaId: number, signal?: AbortSignal): Promise<Resolved> {
    let delay = registry.retryInitialDelayMs;
    for (let attempt = 1; ; attempt++) {
      const lookup = await lookupSchema(client, schemaId, signal);
      switch (lookup.kind) {
        case 'schema':
          known.set(schemaId, lookup.type);
          return lookup.type;
        case 'invalid': {
          const rejection = rejected('invalid_schema', `schema id ${schemaId}: ${lookup.problem}`);
          known.set(schemaId, rejection);
          return rejection;
        }
        case 'not_found':
          return rejected(
            'schema_not_found',
            `schema id ${schemaId} is not in the registry (${lookup.detail})`,
          );
        case 'refused':
          return {
            fatal: `the schema registry refused the lookup of schema id ${schemaId} (${lookup.detail}): check input.schemaRegistry.url, input.schemaRegistry.username and input.schemaRegistry.password (or input.schemaRegistry.token)`,
          };
        case 'aborted':
          throw signal?.reason ?? new Error('schema lookup aborted');
        case 'retry':
          logger?.warn(
            { schemaId, attempt, problem: lookup.detail, retryInMs: delay },
            'schema registry lookup failed; retrying',
          );
          await clock.sleep(delay, signal);
          delay = Math.min(delay * 2, registry.retryMaxDelayMs);
      }
    }
  }

  function outcome(resolved: Resolved, bytes: Buffer): AvroOutcome {
    if ('fatal' in resolved) return { ok: false, fatal: resolved.fatal };
    if (!(resolved instanceof avsc().Type)) return { ok: false, rejection: resolved };
    try {
      return { ok: true, payload: normalise(resolved.fromBuffer(bytes.subarray(HEADER_BYTES))) };
    } catch (err) {
      return {
        ok: false,
        rejection: rejected(
          'avro_decode_failed',
          `schema id ${bytes.readInt32BE(1)}: ${(err as Error).message}`,
        ),
      };
    }
  }

  return {
    decode(bytes, signal) {
      if (!isConfluentWireFormat(bytes)) {
        return {
          ok: false,
          rejection: rejected(
            'avro_decode_failed',
            'not Confluent wire format (magic byte 0 and a 4-byte schema id expected)',
          ),
        };
      }
      const schemaId = bytes.readInt32BE(1);
      const cached = known.get(schemaId);
      if (cached !== undefined) return outcome(cached, bytes);
      let pending = lookups.get(schemaId);
      if (!pending) {
        pending = resolve(schemaId, signal).finally(() => lookups.delete(schemaId));
        lookups.set(schemaId, pending);
      }
      return pending.then((resolved) => outcome(resolved, bytes));
    },
    close: () => client.close(),
  };
}

function rejected(
  code: 'schema_not_found' | 'invalid_schema' | 'avro_decode_failed',
  message: string,
): Rejection {
  return { code, stage: 'decode', message };
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
