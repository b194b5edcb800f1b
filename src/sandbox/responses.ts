/**
 * Mixpanel's documented response bodies,
 * byte for byte where the docs give them.
 */
import type { FaultBody } from './faults.js';

export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const JSON_TYPE = 'application/json';

export function json(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return {
    status,
    body: JSON.stringify(value),
    contentType: JSON_TYPE,
    ...(headers ? { headers } : {}),
  };
}

export function importOk(imported: number): Reply {
  return json(200, { code: 200, num_records_imported: imported, status: 'OK' });
}

export interface FailedRecord {
  readonly index: number;
  readonly insertId: string;
  readonly field: string;
  readonly message: string;
}

/** Strict-mode partial success: the valid records were ingested. */
export function importPartial(
  imported: number,
  failed: readonly FailedRecord[],
  idKey: 'insert_id' | '$insert_id',
): Reply {
  return json(400, {
    code: 400,
    error: 'some data points in the request failed validation',
    status: 'Bad Request',
    num_records_imported: imported,
    failed_records: failed.map((f) => ({
      index: f.index,
      [idKey]: f.insertId,
      field: f.field,
      message: f.message,
    })),
  });
}

/** Identity events on a Simplified project: the whole batch, failures as plain strings. */
export function importIdentityRejected(count: number): Reply {
  return json(400, {
    code: 400,
    error: 'some data points in the request failed validation',
    status: 'Bad Request',
    num_records_imported: 0,
    failed_records: Array.from(
      { length: Math.max(1, count) },
      () => 'identity events are not allowed when project is using simplified identity management',
    ),
  });
}

/** A request-level 400 (unparseable body, empty batch): no failed_records. */
export function badRequest(error: string): Reply {
  return json(400, { code: 400, error, status: 'Bad Request' });
}

export function unauthorized(endpoint: string): Reply {
  return endpoint === '/import'
    ? json(401, { code: 401, error: 'Invalid credentials', status: 'Unauthorized' })
    : json(401, { error: 'Invalid project token', status: 'error' });
}

export function tooLarge(limitBytes: number): Reply {
  return json(413, {
    code: 413,
    error: `request exceeds max limit of ${limitBytes} bytes`,
    status: 'Request Entity Too Large',
  });
}

export function rateLimited(retryAfterSeconds?: number): Reply {
  return json(
    429,
    {
      code: 429,
      error: 'Project exceeded rate limits. Please retry the request with exponential backoff.',
      status: 'Too Many Requests',
    },
    retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : undefined,
  );
}

/** /track, /engage, /groups: `1`/`0`, or with verbose=1 `{"status":1,"error":null}`. */
export function profileAnswer(ok: boolean, error: string | null, verbose: boolean): Reply {
  if (!verbose) return { status: 200, body: ok ? '1' : '0', contentType: 'text/plain' };
  return json(200, { status: ok ? 1 : 0, error: ok ? null : error });
}

export function notFound(): Reply {
  return json(404, { error: 'not found', status: 0 });
}

export function methodNotAllowed(): Reply {
  return json(405, { error: 'method not allowed', status: 0 });
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * An injected answer. 401/413/429 use the documented bodies; Mixpanel does not document 5xx
 * bodies, so `json`, an HTML page like a load balancer's, or nothing. 2xx and 407 are what a proxy in
 * front of Mixpanel may answer: a 2xx `json` body is `{"code":…,"status":…}` without a count, a
 * 204 never has a body, a 407 asks for proxy credentials.
 */
export function faultReply(
  status: number,
  endpoint: string,
  body: FaultBody,
  retryAfter: string | undefined,
): Reply {
  const extra: Record<string, string> = {};
  if (retryAfter !== undefined) extra['retry-after'] = retryAfter;
  if (status === 407) extra['proxy-authenticate'] = 'Basic realm="sandbox proxy"';
  const text = STATUS_TEXT[status] ?? 'Error';
  let reply: Reply;
  if (status === 204) reply = { status, body: '', contentType: 'text/plain' };
  else if (status === 429) reply = rateLimited();
  else if (status === 401) reply = unauthorized(endpoint);
  else if (status === 403) reply = json(403, { error: 'Forbidden', status: 'error' });
  else if (status === 413) reply = tooLarge(10 * 1024 * 1024);
  else if (body === 'html') {
    reply = {
      status,
      body: `<html><head><title>${status} ${text}</title></head><body><h1>${status} ${text}</h1></body></html>`,
      contentType: 'text/html; charset=UTF-8',
    };
  } else if (body === 'empty' || body === 'short-count') {
    reply = { status, body: '', contentType: 'text/plain' };
  } else reply = json(status, { code: status, error: text, status: text });
  return { ...reply, headers: extra };
}

/** The real answer with `num_records_imported` one short (never below 0), under `status`. */
export function shortCount(real: Reply, status: number): Reply {
  let parsed: unknown;
  try {
    parsed = JSON.parse(real.body);
  } catch {
    return { ...real, status };
  }
  const imported = (parsed as { num_records_imported?: unknown } | null)?.num_records_imported;
  if (typeof imported !== 'number') return { ...real, status };
  return json(status, {
    ...(parsed as Record<string, unknown>),
    num_records_imported: Math.max(0, imported - 1),
  });
}
