/**
 * One HTTP attempt to Mixpanel over a keep-alive undici pool. Resolves with a value describing what
 * happened (a response, a network failure, or an abort); it never throws for a status or a socket
 * problem. Deciding what a result means is classify.ts's job, retrying is send-with-retry.ts's.
 */
import { Pool } from 'undici';
import type { Clock } from '../clock.js';

export type NetworkCause = 'timeout' | 'reset' | 'refused' | 'other';

export type HttpResult =
  | {
      readonly kind: 'response';
      readonly status: number;
      /** Lower-case names; repeated headers joined with ", ". */
      readonly headers: Readonly<Record<string, string>>;
      readonly body: string;
    }
  | { readonly kind: 'network'; readonly cause: NetworkCause; readonly message: string };

/** An attempt cut short by the caller's signal (shutdown); its outcome is unknown. */
export type AttemptResult = HttpResult | { readonly kind: 'aborted' };

export interface HttpRequest {
  /** Path and query, e.g. `/import?strict=1&ip=0`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Sent as is; a retry passes the same Buffer, so the bytes are identical. */
  readonly body: Buffer;
}

export interface HttpClient {
  /**
   * POSTs once. The attempt ends at `timeoutMs` (a `network`/`timeout` result) or when `signal`
   * aborts (`aborted`); either way the request is cancelled and its socket discarded.
   */
  send(request: HttpRequest, timeoutMs: number, signal?: AbortSignal): Promise<AttemptResult>;
  /** Destroys the pool: open sockets are closed and pending requests fail. */
  close(): Promise<void>;
}

export interface HttpClientOptions {
  readonly origin: string;
  /** Upper bound on sockets to the origin (the concurrency limiters keep below it). */
  readonly connections: number;
  readonly clock: Clock;
}

/** Error codes (never message text) that mean the connection broke. */
const RESET_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED']);
const REFUSED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const pool = new Pool(options.origin, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    // The per-attempt deadline runs on the Clock (below), so undici's own timers are off.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const { clock } = options;

  async function send(
    request: HttpRequest,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<AttemptResult> {
    if (signal?.aborted) return { kind: 'aborted' };
    const controller = new AbortController();
    let timedOut = false;
    const timer = clock.setTimer(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const response = await pool.request({
        method: 'POST',
        path: request.path,
        headers: request.headers,
        body: request.body,
        signal: controller.signal,
      });
      const body = await response.body.text();
      return {
        kind: 'response',
        status: response.statusCode,
        headers: flattenHeaders(response.headers),
        body,
      };
    } catch (err) {
      if (signal?.aborted) return { kind: 'aborted' };
      if (timedOut) {
        return { kind: 'network', cause: 'timeout', message: `no answer within ${timeoutMs} ms` };
      }
      return networkFailure(err);
    } finally {
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    send,
    async close() {
      await pool.destroy();
    },
  };
}

function flattenHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function networkFailure(err: unknown): HttpResult {
  const code = errorCode(err);
  const message = err instanceof Error ? `${code ?? err.name}: ${err.message}` : String(err);
  if (code !== undefined && RESET_CODES.has(code))
    return { kind: 'network', cause: 'reset', message };
  if (code !== undefined && REFUSED_CODES.has(code)) {
    return { kind: 'network', cause: 'refused', message };
  }
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return { kind: 'network', cause: 'timeout', message };
  }
  return { kind: 'network', cause: 'other', message };
}

/** The `code` of the error or of its cause chain (undici wraps socket errors). */
function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = e.cause;
  }
  return undefined;
}
