/**
 * Strict-mode event validation as Mixpanel documents it for /import
 * (https://developer.mixpanel.com/reference/import-events), one verdict per record,
 * written for the hot path: no schema library, one walk over the properties.
 * Messages follow Mixpanel's observed form: `'<field>' is invalid: <why>`.
 */
import { IDENTITY_EVENTS } from '../mixpanel/records.js';
import { isPlaceholderId } from '../mixpanel/placeholder-ids.js';

const MIN_TIME_MS = Date.UTC(1971, 0, 1);
const FUTURE_TOLERANCE_MS = 60 * 60 * 1000;
const INSERT_ID = /^[A-Za-z0-9-]{1,36}$/;
const MAX_DEPTH = 3;

export interface EventRules {
  /** Server wall clock, ms. */
  readonly now: number;
  readonly idMergeMode: 'original' | 'simplified';
  /** Properties, nested keys and array elements must be fewer than this. */
  readonly maxProperties: number;
  /** /import strict: time and $insert_id required. /track: both optional. */
  readonly strict: boolean;
}

export type EventVerdict =
  | {
      readonly ok: true;
      readonly event: string;
      readonly distinctId: string;
      /** As sent, in ms: the dedupe key uses it. */
      readonly timeMs: number;
      /** As stored: a time up to 1 h ahead is set to now. */
      readonly storedTimeMs: number;
      readonly insertId: string | undefined;
      readonly identity: boolean;
      readonly properties: Record<string, unknown>;
    }
  | {
      readonly ok: false;
      readonly field: string;
      readonly message: string;
      readonly insertId: string;
    };

export function checkEvent(value: unknown, rules: EventRules): EventVerdict {
  if (!isObject(value)) return fail('event', 'must be an object', '');
  const properties = value.properties;
  const rawInsertId = isObject(properties) ? properties.$insert_id : undefined;
  const insertIdText = typeof rawInsertId === 'string' ? rawInsertId : '';
  if (typeof value.event !== 'string' || value.event.length === 0) {
    return fail('event', 'must be a non-empty string', insertIdText);
  }
  if (!isObject(properties)) return fail('properties', 'must be an object', insertIdText);

  // time: integer seconds or ms since the epoch; ≥ 1971-01-01, ≤ now + 1 h.
  let timeMs: number;
  const time = properties.time;
  if (time === undefined) {
    if (rules.strict) return fail('properties.time', 'must not be missing', insertIdText);
    timeMs = rules.now;
  } else {
    if (typeof time !== 'number' || !Number.isFinite(time)) {
      return fail('properties.time', 'must be specified as seconds since epoch', insertIdText);
    }
    timeMs = Math.trunc(time < 1e11 ? time * 1000 : time);
    if (timeMs < MIN_TIME_MS) {
      return fail('properties.time', 'must be specified as seconds since epoch', insertIdText);
    }
    if (timeMs > rules.now + FUTURE_TOLERANCE_MS) {
      return fail('properties.time', 'must not be in the future', insertIdText);
    }
  }

  // distinct_id: required on Original projects; derived on Simplified ones.
  let distinctId: string;
  const rawDistinct = properties.distinct_id;
  if (rawDistinct === undefined) {
    const derived = rules.idMergeMode === 'simplified' ? deriveDistinctId(properties) : undefined;
    if (derived === undefined) {
      return fail('properties.distinct_id', 'must not be missing', insertIdText);
    }
    distinctId = derived;
  } else if (typeof rawDistinct !== 'string') {
    return fail('properties.distinct_id', 'must be a string', insertIdText);
  } else if (isPlaceholderId(rawDistinct)) {
    return fail('properties.distinct_id', 'must not be a placeholder value', insertIdText);
  } else distinctId = rawDistinct;

  // $insert_id: ≤ 36 bytes of [A-Za-z0-9-], not a placeholder.
  let insertId: string | undefined;
  if (rawInsertId === undefined) {
    if (rules.strict) return fail('$insert_id', 'must not be missing', '');
  } else if (typeof rawInsertId !== 'string' || !INSERT_ID.test(rawInsertId)) {
    return fail(
      '$insert_id',
      typeof rawInsertId === 'string' && rawInsertId.length > 36
        ? 'must be at most 36 bytes'
        : "must only contain alphanumeric or hyphen '-' characters",
      insertIdText,
    );
  } else if (isPlaceholderId(rawInsertId)) {
    return fail('$insert_id', 'must not be a placeholder value', insertIdText);
  } else insertId = rawInsertId;

  // Shape: fewer than maxProperties properties, nested objects and arrays
  // likewise, depth ≤ 3, strings well-formed Unicode.
  const shape = checkShape(properties, rules.maxProperties);
  if (shape) return fail(shape.field, shape.message, insertIdText);

  return {
    ok: true,
    event: value.event,
    distinctId,
    timeMs,
    storedTimeMs: Math.min(timeMs, rules.now),
    insertId,
    identity: IDENTITY_EVENTS.has(value.event),
    properties,
  };
}

/** Simplified ID merge: `$user_id`, else `$device:` + `$device_id`. */
function deriveDistinctId(properties: Record<string, unknown>): string | undefined {
  const user = properties.$user_id;
  if (typeof user === 'string' && user.length > 0) return user;
  const device = properties.$device_id;
  if (typeof device === 'string' && device.length > 0) return `$device:${device}`;
  return undefined;
}

interface ShapeProblem {
  readonly field: string;
  readonly message: string;
}

function checkShape(properties: Record<string, unknown>, max: number): ShapeProblem | undefined {
  let count = 0;
  for (const key in properties) {
    count++;
    const problem = checkValue(properties[key], `properties.${key}`, 1, max);
    if (problem) return problem;
  }
  if (count >= max) {
    return { field: 'properties', message: `must have fewer than ${max} properties` };
  }
  return undefined;
}

function checkValue(
  value: unknown,
  field: string,
  depth: number,
  max: number,
): ShapeProblem | undefined {
  if (typeof value === 'string') {
    return isWellFormed(value)
      ? undefined
      : { field, message: `'${field}' is invalid: string should be valid utf8` };
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_DEPTH) {
    return { field, message: `'${field}' is invalid: nested deeper than ${MAX_DEPTH} levels` };
  }
  if (Array.isArray(value)) {
    if (value.length >= max) {
      return { field, message: `'${field}' is invalid: lists must have fewer than ${max} items` };
    }
    for (const item of value) {
      const problem = checkValue(item, field, depth + 1, max);
      if (problem) return problem;
    }
    return undefined;
  }
  let keys = 0;
  for (const key in value) {
    keys++;
    const problem = checkValue(
      (value as Record<string, unknown>)[key],
      `${field}.${key}`,
      depth + 1,
      max,
    );
    if (problem) return problem;
  }
  if (keys >= max) {
    return { field, message: `'${field}' is invalid: objects must have fewer than ${max} keys` };
  }
  return undefined;
}

const wellFormed = (String.prototype as unknown as { isWellFormed?: () => boolean }).isWellFormed;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** No lone surrogates (a `\ud800` escape cannot be encoded as UTF-8). */
export function isWellFormed(text: string): boolean {
  return wellFormed ? wellFormed.call(text) : !LONE_SURROGATE.test(text);
}

function fail(field: string, why: string, insertId: string): EventVerdict {
  return {
    ok: false,
    field,
    message: why.startsWith("'") ? why : `'${field}' is invalid: ${why}`,
    insertId,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
