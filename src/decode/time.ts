/**
 * Event time (docs/mapping.md): which Segment field gives it, how each form is parsed, and the range
 * Mixpanel accepts. Pure and deterministic: the wall clock is only an input (`nowMs`) to the
 * "not too far in the future" check and never becomes an event time.
 *
 * Clocks: the lower bound (1971-01-01) is absolute. Only the future bound reads a clock, and it
 * measures from the later of the host clock and the Kafka record timestamp, so a host clock far
 * behind does not turn good events into `time_out_of_range` (the producer's or broker's clock
 * stamped the record when it was written). The bound itself is `input.maxFutureMs` (default 1 h,
 * Mixpanel's own limit against its clock).
 *
 * Parsing is deliberately strict. `Date.parse` accepts implementation-defined formats and reads
 * zone-less date-times in the machine's local zone, so the same bytes could give different times
 * (and different dedupe keys) on two machines; here every accepted form is listed:
 *   - ISO 8601 / RFC 3339: `YYYY-MM-DD`, optionally `T` or space, `hh:mm[:ss[.fraction]]`, zone
 *     `Z`, `±hh`, `±hhmm` or `±hh:mm`. No zone = UTC, date only = midnight UTC (Segment's dayjs.utc,
 *     docs/mapping.md). Fractions are truncated to milliseconds.
 *   - JSON numbers and numeric strings: epoch seconds when |value| < 1e11, else milliseconds
 *     (the heuristic of Mixpanel's ingestion rules; corrects A51, where a numeric string became a date).
 */
import type { Rejection } from '../vocabulary.js';
import { quote } from './describe.js';

export interface TimeContext {
  /** Kafka record timestamp (ms), the last time fallback of docs/mapping.md; absent in `transform`. */
  readonly kafkaTimestampMs?: number;
  /** Wall-clock now (ms), for the future bound only. */
  readonly nowMs: number;
  /** How far after now an event may be (`input.maxFutureMs`); MAX_FUTURE_MS when absent. */
  readonly maxFutureMs?: number;
}

/** The message fields that may carry the event time, in order of preference (docs/mapping.md). */
export const TIME_FIELDS = ['timestamp', 'originalTimestamp', 'receivedAt', 'sentAt'] as const;

/** Mixpanel rejects events before 1971-01-01T00:00:00Z (Mixpanel's ingestion rules). */
export const MIN_EVENT_TIME_MS = Date.UTC(1971, 0, 1);
/** ... and more than one hour after its own clock (the default of `input.maxFutureMs`). */
export const MAX_FUTURE_MS = 60 * 60 * 1000;
/** Below this magnitude a number is epoch seconds, at or above it milliseconds. */
export const SECONDS_BELOW = 1e11;

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DAY_MS = 86_400_000;
/** 400 Gregorian years are exactly 146,097 days; used to step past Date.UTC's 0–99 → 19xx rule. */
const FOUR_CENTURIES_MS = 146_097 * DAY_MS;

/** Epoch milliseconds from a number in seconds or milliseconds (see SECONDS_BELOW). */
export function epochMsFromNumber(value: number): number | undefined {
  if (!Number.isFinite(value)) return undefined;
  // Math.round repairs binary noise such as 1735550100.123 * 1000 = 1735550100123.0002.
  return Math.abs(value) < SECONDS_BELOW ? Math.round(value * 1000) : Math.trunc(value);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The number written by `count` ASCII digits at `at`, or -1 when one of them is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The form nearly every message carries, `YYYY-MM-DDThh:mm:ss.sssZ` (or without the fraction),
 * read without the regular expression; the same fields as the general path, or undefined when
 * the text is not exactly that form.
 */
function commonIsoForm(text: string): number | undefined {
  const fraction = text.length === 24;
  if (!fraction && text.length !== 20) return undefined;
  if (
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 || // T
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(text.length - 1) !== 90 || // Z
    (fraction && text.charCodeAt(19) !== 46) // .
  )
    return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  const ms = fraction ? digitsAt(text, 20, 3) : 0;
  if ((year | month | day | hour | minute | second | ms) < 0) return undefined;
  return isoTime(year, month, day, hour, minute, second, ms, 0);
}

/** Epoch milliseconds of a strict ISO 8601 string, or undefined when it is not one. */
export function parseIsoTime(text: string): number | undefined {
  const common = commonIsoForm(text);
  if (common !== undefined) return common;
  const m = ISO.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  let offsetMs = 0;
  if (m[9] !== undefined) {
    const offHours = Number(m[10]);
    const offMinutes = m[11] === undefined ? 0 : Number(m[11]);
    if (offHours > 23 || offMinutes > 59) return undefined;
    offsetMs = (m[9] === '-' ? -1 : 1) * (offHours * 60 + offMinutes) * 60_000;
  }
  return isoTime(year, month, day, hour, minute, second, ms, offsetMs);
}

/** The fields of an ISO date-time → epoch milliseconds, or undefined when one is out of range. */
function isoTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
  offsetMs: number,
): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  // 60 admits a leap second (it rolls over into the next minute, as Date.UTC does).
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const utc =
    year < 100
      ? Date.UTC(year + 400, month - 1, day, hour, minute, second, ms) - FOUR_CENTURIES_MS
      : Date.UTC(year, month - 1, day, hour, minute, second, ms);
  return utc - offsetMs;
}

/** Epoch milliseconds of one time value in any accepted form, or undefined if unparseable. */
export function parseTimeValue(value: unknown): number | undefined {
  if (typeof value === 'number') return epochMsFromNumber(value);
  if (typeof value === 'string') {
    const common = commonIsoForm(value);
    if (common !== undefined) return common;
    const text = value.trim();
    if (NUMERIC.test(text)) return epochMsFromNumber(Number(text));
    return parseIsoTime(text);
  }
  // Avro's timestamp-millis logical type decodes to a Date.
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

export type TimeResult = { ok: true; timeMs: number } | { ok: false; rejection: Rejection };

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/**
 * The event time of a payload. The first *present* field decides (absent, null and "" are not
 * present): if it does not parse the message is `invalid_timestamp` rather than silently taking a
 * later field, because a producer sending garbage there should see it in the dead-letter topic.
 */
export function resolveEventTime(
  payload: Readonly<Record<string, unknown>>,
  context: TimeContext,
): TimeResult {
  let field = 'kafka timestamp';
  let timeMs: number | undefined;
  const source = TIME_FIELDS.find((f) => present(payload[f]));
  if (source !== undefined) {
    field = source;
    timeMs = parseTimeValue(payload[source]);
    if (timeMs === undefined) {
      return reject(
        'invalid_timestamp',
        field,
        `${field} ${quote(payload[source])} is not a date-time or epoch number`,
      );
    }
  } else if (context.kafkaTimestampMs !== undefined && Number.isFinite(context.kafkaTimestampMs)) {
    timeMs = Math.trunc(context.kafkaTimestampMs);
  } else {
    return reject(
      'invalid_timestamp',
      'timestamp',
      'no timestamp, originalTimestamp, receivedAt or sentAt, and no Kafka record timestamp',
    );
  }
  if (timeMs < MIN_EVENT_TIME_MS) {
    return reject(
      'time_out_of_range',
      field,
      `${field} is before 1971-01-01, which Mixpanel rejects`,
    );
  }
  const maxFutureMs = context.maxFutureMs ?? MAX_FUTURE_MS;
  const kafkaMs = context.kafkaTimestampMs;
  const now =
    kafkaMs !== undefined && Number.isFinite(kafkaMs) && kafkaMs > context.nowMs
      ? kafkaMs
      : context.nowMs;
  if (timeMs > now + maxFutureMs) {
    return reject(
      'time_out_of_range',
      field,
      `${field} is more than ${duration(maxFutureMs)} after both the host clock and the Kafka record timestamp (input.maxFutureMs); Mixpanel rejects events over 1 h ahead`,
    );
  }
  return { ok: true, timeMs };
}

function duration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms} ms`;
}

function reject(
  code: 'invalid_timestamp' | 'time_out_of_range',
  field: string,
  message: string,
): TimeResult {
  return { ok: false, rejection: { code, stage: 'validate', message, field } };
}
