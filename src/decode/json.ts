/**
 * Bytes of one Kafka record value (or one NDJSON line) → the raw Segment payloads it holds: one
 * message, or the messages of a Segment HTTP API batch payload (batch-payload.ts). Never throws.
 *
 * Checks, in this order, each a `decode`-stage rejection (docs/mapping.md):
 *   1. `invalid_utf8`: the bytes are not UTF-8 (buffer.isUtf8), or a string holds a lone UTF-16
 *      surrogate through a `\uD800`-style escape (Mixpanel requires valid UTF-8 strings,
 *      Mixpanel's ingestion rules, and a lone surrogate cannot be encoded as UTF-8);
 *   2. `invalid_json`: not JSON, or nested deeper than `maxNestingDepth` containers;
 *   3. `not_an_object`: the value (or a batch element) is not a JSON object.
 * A leading UTF-8 byte-order mark is ignored. Batch elements are returned as they are: one that
 * is not an object is rejected by validateMessage on its own while its siblings flow on.
 */
import { isUtf8 } from 'node:buffer';
import type { Rejection } from '../vocabulary.js';
import { expandBatch, isBatchPayload, isPlainObject } from './batch-payload.js';
import { kindOf } from './describe.js';
import { inspectTree, mayNestDeeperThan } from './json-tree.js';

export interface DecodeOptions {
  /** Containers deeper than this are `invalid_json` (config `input.maxNestingDepth`). */
  readonly maxNestingDepth: number;
}

export type DecodeResult = { ok: true; payloads: unknown[] } | { ok: false; rejection: Rejection };

/** A `\u` escape of a UTF-16 surrogate; only such escapes can produce a lone surrogate. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

export function decodeJson(bytes: Uint8Array, options: DecodeOptions): DecodeResult {
  const parsed = parseJson(bytes, options);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (!isPlainObject(value)) {
    return fail('not_an_object', `expected a JSON object, got ${kindOf(value)}`);
  }
  return { ok: true, payloads: isBatchPayload(value) ? expandBatch(value) : [value] };
}

type Parsed = { ok: true; value: unknown } | { ok: false; rejection: Rejection };

function parseJson(bytes: Uint8Array, options: DecodeOptions): Parsed {
  if (!isUtf8(bytes)) return fail('invalid_utf8', 'the bytes are not valid UTF-8');
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return fail('invalid_json', `not JSON: ${(err as Error).message.slice(0, 200)}`);
  }
  const checkStrings = text.includes('\\u') && SURROGATE_ESCAPE.test(text);
  const problem =
    checkStrings || mayNestDeeperThan(text, options.maxNestingDepth)
      ? inspectTree(value, options.maxNestingDepth, checkStrings)
      : undefined;
  if (problem?.kind === 'too_deep') {
    return fail(
      'invalid_json',
      `nested deeper than ${problem.maxDepth} levels (input.maxNestingDepth)`,
    );
  }
  if (problem?.kind === 'ill_formed_string') {
    return fail('invalid_utf8', 'a string holds a lone UTF-16 surrogate (\\uD800-\\uDFFF escape)');
  }
  return { ok: true, value };
}

function fail(code: Rejection['code'], message: string): { ok: false; rejection: Rejection } {
  return { ok: false, rejection: { code, stage: 'decode', message } };
}
