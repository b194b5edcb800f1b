/**
 * How big a record is, cheaply: an upper bound from the size of the input a message was parsed
 * from, and an upper bound from a walk over the record, so that exact serialisation (the costly
 * part) is needed only for records that might really be near Mixpanel's 1 MiB limit.
 */
import { MIXPANEL_LIMITS } from '../mixpanel/limits.js';

/** Mixpanel's per-record limit, 1 MiB of uncompressed JSON (Mixpanel's ingestion rules). */
export const MAX_RECORD_BYTES = MIXPANEL_LIMITS.maxRecordBytes;

/**
 * How large a record of a message can get, from the size of the JSON the message was parsed
 * from. Every byte of a record comes from that input, copied and expanded at most 32 times over
 * (a userId is copied to 4 keys; a number like 1e20 prints as 21 digits; a value stringified at
 * the nesting limit escapes its quotes), plus the computed keys (well under 16 KiB) and the
 * config strings each record may carry (`$token`, `segment_source_name`). Asserted by the
 * property tests; it lets the transform skip measuring records of ordinary-sized messages.
 */
export function recordSizeBound(inputBytes: number, configChars: number): number {
  return 32 * inputBytes + 16 * 1024 + 12 * configChars;
}

/**
 * An upper bound of a value's serialized JSON size in bytes; stops adding once past `limit`.
 * A UTF-16 unit costs at most 6 bytes (`\u001f`), a number at most 24 characters.
 */
export function jsonSizeBound(value: unknown, limit: number): number {
  return addSize(value, 0, limit);
}

function addSize(value: unknown, total: number, limit: number): number {
  if (total > limit) return total;
  switch (typeof value) {
    case 'string':
      return total + value.length * 6 + 2;
    case 'number':
      return total + 24;
    case 'object':
      if (value === null) return total + 4;
      if (Array.isArray(value)) {
        total += 2 + value.length;
        for (const item of value) total = addSize(item, total, limit);
        return total;
      }
      total += 2;
      for (const key in value)
        total = addSize((value as Record<string, unknown>)[key], total + key.length * 6 + 4, limit);
      return total;
    default:
      return total + 5;
  }
}
