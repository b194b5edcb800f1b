/**
 * One Query API answer → what to do with it, as a value (table-tested in query-answer.test.ts):
 *
 *   2xx with a JSON body        ok
 *   429                         rate_limited (Mixpanel documents no Retry-After; honoured if sent)
 *   401, 403                    auth: the service account, project id or region is wrong
 *   other 4xx                   rejected: the query itself is wrong (an unknown cohort id)
 *   5xx, 2xx that is not JSON   unavailable: retried (a proxy's page, an outage)
 *   no answer                   unavailable: retried
 */
export type QueryAnswer =
  | { readonly kind: 'ok'; readonly body: unknown }
  | { readonly kind: 'rate_limited'; readonly retryAfterMs: number | undefined }
  | { readonly kind: 'auth'; readonly status: number; readonly message: string }
  | { readonly kind: 'rejected'; readonly status: number; readonly message: string }
  | { readonly kind: 'unavailable'; readonly message: string };

/** `Retry-After` in seconds or as an HTTP date, relative to `nowMs`. */
export function retryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** The `error` of Mixpanel's JSON error bodies, else the start of the text. */
function messageOf(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed?.error === 'string') return `${status}: ${parsed.error}`;
  } catch {
    // not JSON
  }
  const text = body.replace(/\s+/g, ' ').trim().slice(0, 200);
  return text ? `${status}: ${text}` : `HTTP ${status}`;
}

export function classifyQueryAnswer(
  status: number,
  body: string,
  retryAfter: string | undefined,
  nowMs: number,
): QueryAnswer {
  if (status === 429)
    return { kind: 'rate_limited', retryAfterMs: retryAfterMs(retryAfter, nowMs) };
  if (status === 401 || status === 403) {
    return { kind: 'auth', status, message: messageOf(status, body) };
  }
  if (status >= 400 && status < 500) {
    return { kind: 'rejected', status, message: messageOf(status, body) };
  }
  if (status >= 200 && status < 300) {
    try {
      return { kind: 'ok', body: JSON.parse(body) as unknown };
    } catch {
      return { kind: 'unavailable', message: `${status} with a body that is not JSON` };
    }
  }
  return { kind: 'unavailable', message: messageOf(status, body) };
}
