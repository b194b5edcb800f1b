/**
 * Mixpanel's per-record limits (Mixpanel's ingestion rules), checked on each finished record so a
 * record Mixpanel would reject is dead-lettered here with a precise reason instead of failing
 * inside a batch of 2,000. First failure wins:
 *
 *   record_too_large     serialized JSON over 1 MiB (1,048,576 bytes), any endpoint
 *   too_many_properties  an event with 255 or more properties ("fewer than 255"); inside an
 *                        event, a nested object with 255+ keys or an array with 255+ items;
 *                        a profile/group operation with more than 2,000 properties (profile cap)
 *   invalid_distinct_id  an identity field equal, case-insensitively, to one of Mixpanel's 17
 *                        placeholder ids (IDENTITY_FIELDS below). "" stays allowed ("no user").
 *   time_out_of_range    an event before 1971-01-01: validation range-checks the message time, but
 *                        product events are 1–N ms earlier than their order (purchase.ts).
 *
 * Size (record-size.ts): when the caller proved the record small nothing is measured; otherwise
 * a cheap bound first, and only a record whose bound passes 1 MiB is serialized and measured.
 */
import { isPlaceholderId } from '../mixpanel/placeholder-ids.js';
import { type MixpanelRecord } from '../mixpanel/records.js';
import type { Rejection } from '../vocabulary.js';
import { MIN_EVENT_TIME_MS } from '../decode/time.js';
import { jsonSizeBound, MAX_RECORD_BYTES } from './record-size.js';

/** An event may have at most 254 properties; nested containers at most 254 entries. */
export const MAX_EVENT_PROPERTIES = 254;
export const MAX_NESTED_ENTRIES = 254;
/** A profile holds at most 2,000 properties (Mixpanel's ingestion rules). */
export const MAX_PROFILE_PROPERTIES = 2000;

/**
 * Identity fields checked for placeholders. Besides `distinct_id` and `$distinct_id`, the
 * Simplified ID Merge keys `$user_id` and `$device_id` are checked: Mixpanel merges on them, and
 * a shared placeholder device id would try to merge every user who sent it.
 */
const EVENT_IDENTITY_FIELDS = [
  'distinct_id',
  '$user_id',
  '$device_id',
  '$identified_id',
  '$anon_id',
  'alias',
];

/**
 * Checks one record. `sizeIsKnownSmall`: the caller proved the record fits (recordSizeBound),
 * so its size is not measured.
 */
export function checkRecord(
  output: MixpanelRecord,
  sizeIsKnownSmall = false,
): Rejection | undefined {
  const record = output.record as Record<string, unknown>;
  if (output.endpoint === '/import') {
    const properties = output.record.properties;
    if (properties.time < MIN_EVENT_TIME_MS) {
      return reject(
        'time_out_of_range',
        'properties.time',
        'the event time is before 1971-01-01, which Mixpanel rejects',
      );
    }
    let count = 0;
    for (const key in properties) {
      count += 1;
      const value = properties[key];
      if (value !== null && typeof value === 'object' && hasOversizedContainer(value)) {
        const path = oversizedPath(value, `properties.${key}`) as string;
        return reject(
          'too_many_properties',
          path,
          `${path} has more than ${MAX_NESTED_ENTRIES} entries; Mixpanel accepts at most ${MAX_NESTED_ENTRIES}`,
        );
      }
    }
    if (count > MAX_EVENT_PROPERTIES) {
      return reject(
        'too_many_properties',
        'properties',
        `the event has ${count} properties; Mixpanel accepts at most ${MAX_EVENT_PROPERTIES}`,
      );
    }
    for (const field of EVENT_IDENTITY_FIELDS) {
      if (isPlaceholderId(properties[field]))
        return placeholder(`properties.${field}`, properties[field]);
    }
  } else {
    for (const key in record) {
      const value = record[key];
      if (
        key.startsWith('$') &&
        value !== null &&
        typeof value === 'object' &&
        !Array.isArray(value)
      ) {
        const count = Object.keys(value).length;
        if (count > MAX_PROFILE_PROPERTIES) {
          return reject(
            'too_many_properties',
            key,
            `${key} has ${count} properties; a Mixpanel profile holds at most ${MAX_PROFILE_PROPERTIES}`,
          );
        }
      }
    }
    if (output.endpoint === '/engage' && isPlaceholderId(record['$distinct_id'])) {
      return placeholder('$distinct_id', record['$distinct_id']);
    }
  }
  if (!sizeIsKnownSmall && jsonSizeBound(record, MAX_RECORD_BYTES) > MAX_RECORD_BYTES) {
    const bytes = Buffer.byteLength(JSON.stringify(record), 'utf8');
    if (bytes > MAX_RECORD_BYTES) {
      return reject(
        'record_too_large',
        output.endpoint,
        `the ${output.endpoint} record is ${bytes} bytes; Mixpanel accepts at most ${MAX_RECORD_BYTES}`,
      );
    }
  }
  return undefined;
}

/** Whether a container, or one inside it, has more than MAX_NESTED_ENTRIES entries. */
function hasOversizedContainer(value: object): boolean {
  if (Array.isArray(value)) {
    if (value.length > MAX_NESTED_ENTRIES) return true;
    for (const item of value) {
      if (item !== null && typeof item === 'object' && hasOversizedContainer(item)) return true;
    }
    return false;
  }
  let entries = 0;
  for (const key in value) {
    if (++entries > MAX_NESTED_ENTRIES) return true;
    const item = (value as Record<string, unknown>)[key];
    if (item !== null && typeof item === 'object' && hasOversizedContainer(item)) return true;
  }
  return false;
}

/** The path of the first oversized container (only computed once one is known to exist). */
function oversizedPath(value: unknown, path: string): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const entries = Array.isArray(value)
    ? value.map((v, i) => [`${path}[${i}]`, v] as const)
    : Object.entries(value).map(([k, v]) => [`${path}.${k}`, v] as const);
  if (entries.length > MAX_NESTED_ENTRIES) return path;
  for (const [childPath, child] of entries) {
    const found = oversizedPath(child, childPath);
    if (found !== undefined) return found;
  }
  return undefined;
}

function placeholder(field: string, value: unknown): Rejection {
  return reject(
    'invalid_distinct_id',
    field,
    `${field} ${JSON.stringify(value)} is one of Mixpanel's placeholder ids, which it rejects`,
  );
}

function reject(code: Rejection['code'], field: string, message: string): Rejection {
  return { code, stage: 'transform', message, field };
}
