/**
 * The one place where Mixpanel's answers get their meaning: a pure function of the endpoint, the
 * HTTP result (status, headers, body, or the network failure) and the batch size. docs/publishing.md
 * lists every case with Mixpanel's documented answers.
 *
 * Nothing is delivered on the word of a status code alone: a success must be Mixpanel's JSON and
 * account for every record sent (/import: `num_records_imported`, plus `failed_records` on a
 * partial 400; /engage and /groups, asked with verbose=1: `{"status":1}`). Anything else — a
 * proxy's HTML page answered 200, a 204, a short count — is a protocol error: retried, never
 * settled as delivered.
 */
import type { RejectReason, RetryReason } from '../vocabulary.js';
import type { HttpResult } from './http-client.js';
import type { Endpoint } from '../mixpanel/endpoints.js';
import { rejectReasonForField } from './reject-reason.js';

/** One `failed_records` entry mapped to the record at `index` of the batch. */
export interface RecordFailure {
  readonly index: number;
  readonly message: string;
  readonly field?: string;
  readonly reason: RejectReason;
}

export type Classification =
  /** Every record accepted. */
  | { readonly kind: 'delivered' }
  /** /import 400 with `failed_records`: the listed records were refused, the others ingested. */
  | { readonly kind: 'partial'; readonly failures: readonly RecordFailure[] }
  /**
   * The whole batch was refused. `bisect`: Mixpanel did not say which records are at fault (a 400
   * without `failed_records`, an /engage `status: 0`), so the publisher splits it to find them.
   */
  | {
      readonly kind: 'rejected';
      readonly bisect: boolean;
      readonly reason: RejectReason;
      readonly message: string;
      readonly field?: string;
    }
  /** 413: split and resend; a single record answered 413 is too large to ever be accepted. */
  | { readonly kind: 'too_large'; readonly message: string }
  /** Resend the identical bytes later, not before `retryAfterMs` when the server said so. */
  | {
      readonly kind: 'retryable';
      readonly reason: RetryReason;
      readonly message: string;
      readonly retryAfterMs?: number;
    }
  /**
   * The answer does not follow Mixpanel's protocol (see above): resent like a retryable answer.
   * `body` holds the first bytes of the answer, for the log.
   */
  | {
      readonly kind: 'protocol_error';
      readonly status: number;
      readonly message: string;
      readonly body: string;
    }
  /**
   * Nothing will get through until an operator fixes the configuration. `status` 0: there was no
   * answer, because the server's certificate is not trusted (or not for this host).
   */
  | { readonly kind: 'fatal'; readonly status: number; readonly message: string };

export interface ClassifyContext {
  /** Records in the request, to validate `failed_records[].index`. */
  readonly batchSize: number;
  /** Wall-clock ms, to turn a `Retry-After` HTTP date into a delay. */
  readonly now: number;
}

const MAX_MESSAGE = 300;
/** How much of an unexpected answer's body a protocol error keeps. */
export const PROTOCOL_BODY_CHARS = 200;

export function classify(
  endpoint: Endpoint,
  result: HttpResult,
  context: ClassifyContext,
): Classification {
  if (result.kind === 'network') {
    // A proxy that refuses the credentials of its CONNECT, or a certificate that is not trusted,
    // answers every request the same way: a configuration error, never a reason to retry.
    if (result.cause === 'proxy_auth')
      return { kind: 'fatal', status: 407, message: result.message };
    if (result.cause === 'certificate')
      return { kind: 'fatal', status: 0, message: result.message };
    return {
      kind: 'retryable',
      reason: result.cause === 'timeout' ? 'timeout' : 'network',
      message: result.message,
    };
  }
  const { status, body } = result;
  const json = parseJson(body);
  const profiles = endpoint !== '/import';

  if (status >= 200 && status < 300) {
    return profiles
      ? classifyProfileAnswer(status, body, json)
      : classifyImportAnswer(status, body, json, context.batchSize);
  }
  // 407 comes from a proxy between us and Mixpanel, never from Mixpanel: no record is at fault.
  if (status === 401 || status === 403 || status === 407) {
    return { kind: 'fatal', status, message: errorText(json, body, status) };
  }
  if (status === 413) return { kind: 'too_large', message: errorText(json, body, status) };
  if (status === 429 || status >= 500 || status === 408) {
    const retryAfterMs = parseRetryAfter(result.headers['retry-after'], context.now);
    return {
      kind: 'retryable',
      reason: status === 429 ? 'rate_limited' : status === 408 ? 'timeout' : 'server_error',
      message: errorText(json, body, status),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  // A redirect, an unknown path or a refused media type means every request will fail the same
  // way: a wrong mixpanel.apiHost, not bad data. Dead-lettering the stream would be wrong.
  if ((status >= 300 && status < 400) || status === 404 || status === 405 || status === 415) {
    return { kind: 'fatal', status, message: errorText(json, body, status) };
  }
  if (status === 400 && !profiles) {
    const partial = failedRecords(json, context.batchSize);
    if (partial?.kind === 'partial') return checkPartialCount(partial, status, body, json, context);
    if (partial) return partial;
  }
  // 400 without usable failed_records (or another 4xx): the batch is poison; find the records.
  return {
    kind: 'rejected',
    bisect: true,
    reason: profiles ? 'invalid_update' : 'other',
    message: errorText(json, body, status),
  };
}

/**
 * /import with strict=1 answers `{"code":200,"num_records_imported":N,"status":"OK"}`: delivered
 * only when N is the number of records sent.
 */
function classifyImportAnswer(
  status: number,
  body: string,
  json: unknown,
  batchSize: number,
): Classification {
  const imported = isObject(json) ? json.num_records_imported : undefined;
  if (typeof imported !== 'number') {
    return protocolError(status, body, `HTTP ${status} without num_records_imported`);
  }
  if (imported !== batchSize) {
    return protocolError(
      status,
      body,
      `HTTP ${status} accounts for ${imported} of ${batchSize} records sent`,
    );
  }
  return { kind: 'delivered' };
}

/** A partial 400 must account for the batch too: imported plus failed is every record sent. */
function checkPartialCount(
  partial: Extract<Classification, { kind: 'partial' }>,
  status: number,
  body: string,
  json: unknown,
  context: ClassifyContext,
): Classification {
  const imported = isObject(json) ? json.num_records_imported : undefined;
  if (typeof imported !== 'number') {
    return protocolError(status, body, `HTTP ${status} without num_records_imported`);
  }
  const failed = partial.failures.length;
  if (imported + failed !== context.batchSize) {
    return protocolError(
      status,
      body,
      `HTTP ${status} accounts for ${imported + failed} of ${context.batchSize} records sent (${imported} imported, ${failed} failed)`,
    );
  }
  return partial;
}

/**
 * /engage and /groups answer 200 even when they refuse data. They are always asked with
 * `verbose=1`, so the body is `{"status":1,"error":null}` or `{"status":0,"error":"…"}`; anything
 * else (a bare `1`, which is the answer without verbose, a proxy page, a 204) is not Mixpanel's
 * answer to this request: a protocol error, never trusted.
 */
function classifyProfileAnswer(status: number, body: string, json: unknown): Classification {
  const verdict = isObject(json) ? json.status : undefined;
  if (verdict === 1 || verdict === '1') return { kind: 'delivered' };
  if (verdict === 0 || verdict === '0') {
    const error = isObject(json) && typeof json.error === 'string' ? json.error : undefined;
    return {
      kind: 'rejected',
      bisect: true,
      reason: 'invalid_update',
      message: truncate(error ?? 'Mixpanel answered status 0 (invalid update)'),
    };
  }
  return protocolError(status, body, `HTTP ${status} without the verbose status object`);
}

function protocolError(status: number, body: string, message: string): Classification {
  return { kind: 'protocol_error', status, message, body: body.slice(0, PROTOCOL_BODY_CHARS) };
}

/**
 * Reads `failed_records`, Mixpanel's per-record refusals of a strict /import. Entries are mapped by `index`; the id key may be
 * `insert_id` or `$insert_id`. Entries without a usable index (plain strings, as for identity
 * events on a Simplified project, or objects whose index is out of range) say the batch as a whole
 * failed. Returns undefined when there is no non-empty `failed_records` array.
 */
function failedRecords(json: unknown, batchSize: number): Classification | undefined {
  if (!isObject(json) || !Array.isArray(json.failed_records)) return undefined;
  const entries: unknown[] = json.failed_records;
  if (entries.length === 0) return undefined;
  const failures: RecordFailure[] = [];
  for (const entry of entries) {
    const index = isObject(entry) ? entry.index : undefined;
    if (
      !isObject(entry) ||
      typeof index !== 'number' ||
      !Number.isInteger(index) ||
      index < 0 ||
      index >= batchSize
    ) {
      const strings = entries.every((e) => typeof e === 'string');
      return {
        kind: 'rejected',
        bisect: false,
        reason: strings ? 'identity_not_allowed' : 'other',
        message: truncate(
          typeof entry === 'string' ? entry : `failed_records entry without a usable index`,
        ),
      };
    }
    const field = typeof entry.field === 'string' ? entry.field : undefined;
    const message = typeof entry.message === 'string' ? entry.message : 'failed validation';
    failures.push({
      index,
      message: truncate(message),
      reason: rejectReasonForField(field),
      ...(field !== undefined ? { field } : {}),
    });
  }
  return { kind: 'partial', failures };
}

/**
 * `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`.
 * Mixpanel does not document sending it, but proxies do; undefined when
 * absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date names its month (`Wed, 21 Oct 2015 07:28:00 GMT`); bare numbers like `-5` are not.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function errorText(json: unknown, body: string, status: number): string {
  if (isObject(json) && typeof json.error === 'string') return truncate(json.error);
  const text = body.trim();
  return text.length > 0 && !text.startsWith('<')
    ? truncate(text)
    : `HTTP ${status}${text.startsWith('<') ? ' (HTML body)' : ''}`;
}

function parseJson(body: string): unknown {
  const first = body.trimStart()[0];
  if (first !== '{' && first !== '[' && !(first !== undefined && /[0-9"]/.test(first))) {
    return undefined;
  }
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function truncate(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}
