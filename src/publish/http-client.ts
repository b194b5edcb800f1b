/**
 * One HTTP attempt to Mixpanel over a keep-alive undici pool, directly or through a forward proxy
 * (proxy-dispatcher.ts). Resolves with a value describing what happened (a response, a network
 * failure, or an abort); it never throws for a status or a socket problem. Deciding what a result
 * means is classify.ts's job, retrying is send-with-retry.ts's.
 */
import { rootCertificates } from 'node:tls';
import { Pool, type Dispatcher } from 'undici';
import type { Clock } from '../clock.js';
import { certificateProblem } from '../config/tls-files.js';
import { startDeadline } from '../deadline.js';
import { createProxyDispatcher, ProxyRefusedError } from './proxy-dispatcher.js';

/**
 * `proxy_auth`: the proxy refused the credentials (407). `certificate`: the server's certificate
 * is not trusted or not for this host (a TLS-inspecting proxy re-signs it with its own CA).
 */
export type NetworkCause = 'timeout' | 'reset' | 'refused' | 'proxy_auth' | 'certificate' | 'other';

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
  /** A forward proxy (credentials in the URL) and the hosts reached without it. */
  readonly proxy?: { readonly url: string; readonly noProxy: readonly string[] } | undefined;
  /** PEM CA certificates trusted in addition to the system CAs. */
  readonly ca?: string | undefined;
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
  const pool: Pool.Options = {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    // The per-attempt deadline runs on the Clock (below), so undici's own timers are off.
    headersTimeout: 0,
    bodyTimeout: 0,
  };
  // A CA list given to TLS replaces the system CAs; an extra CA must add to them.
  const ca = options.ca !== undefined ? [...rootCertificates, options.ca] : undefined;
  const dispatcher: Dispatcher = options.proxy
    ? createProxyDispatcher({
        proxy: options.proxy.url,
        noProxy: options.proxy.noProxy,
        ca,
        pool,
      })
    : new Pool(options.origin, { ...pool, ...(ca ? { connect: { ca } } : {}) });
  const { clock } = options;

  async function send(
    request: HttpRequest,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<AttemptResult> {
    if (signal?.aborted) return { kind: 'aborted' };
    const deadline = startDeadline(clock, timeoutMs, signal);
    try {
      const response = await dispatcher.request({
        origin: options.origin,
        method: 'POST',
        path: request.path,
        headers: request.headers,
        body: request.body,
        signal: deadline.signal,
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
      if (deadline.timedOut) {
        return { kind: 'network', cause: 'timeout', message: `no answer within ${timeoutMs} ms` };
      }
      return networkFailure(err);
    } finally {
      deadline.end();
    }
  }

  return {
    send,
    async close() {
      await dispatcher.destroy();
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
  const refusedByProxy = causeChain(err).find((e) => e instanceof ProxyRefusedError);
  if (refusedByProxy) {
    return {
      kind: 'network',
      cause: refusedByProxy.statusCode === 407 ? 'proxy_auth' : 'other',
      message: refusedByProxy.message,
    };
  }
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
  if (code !== undefined && (certificateProblem(code) || code === 'UND_ERR_PRX_TLS')) {
    return { kind: 'network', cause: 'certificate', message };
  }
  return { kind: 'network', cause: 'other', message };
}

function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = err; e instanceof Error && chain.length < 5; e = e.cause) chain.push(e);
  return chain;
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
