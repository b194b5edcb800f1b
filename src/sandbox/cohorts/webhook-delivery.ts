/**
 * One request of the sandbox's webhook cohort sync, delivered as Mixpanel delivers it: JSON with
 * optional Basic authentication, each attempt bounded by `syncTimeoutMs`; a 429, 5xx or no answer
 * retried `syncRetries` times after `syncRetryDelayMs` doubling; 400, 401, 403 and 404 pause the
 * connection; a 2xx counts only with `"status": "success"` in its body. Time runs on the clock.
 */
import type { Clock } from '../../clock.js';
import {
  PAUSING_STATUSES,
  isRetriedStatus,
  type CohortSyncRequestInput,
} from '../../mixpanel/cohort-webhook.js';
import type { SandboxCohortSettings } from '../settings.js';

export interface Destination {
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
}

export type Delivered =
  | { readonly ok: true; readonly requests: number }
  | {
      readonly ok: false;
      readonly paused: boolean;
      readonly requests: number;
      readonly error: string;
    };

type Answer =
  | { readonly status: number; readonly success: boolean; readonly error: string }
  | { readonly status: undefined; readonly error: string };

export async function deliver(
  destination: Destination,
  body: CohortSyncRequestInput,
  deps: {
    readonly clock: Clock;
    readonly settings: SandboxCohortSettings;
    /** Aborted when the connection goes away. */
    readonly signal: AbortSignal;
  },
): Promise<Delivered> {
  const { clock, settings, signal } = deps;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (destination.username !== undefined) {
    const token = `${destination.username}:${destination.password ?? ''}`;
    headers.authorization = `Basic ${Buffer.from(token).toString('base64')}`;
  }
  let error = '';
  for (let attempt = 0; attempt <= settings.syncRetries; attempt++) {
    if (attempt > 0) {
      try {
        await clock.sleep(settings.syncRetryDelayMs * 2 ** (attempt - 1), signal);
      } catch {
        return { ok: false, paused: false, requests: attempt, error: 'disconnected' };
      }
    }
    const answer = await post(destination.url, headers, body, deps);
    if (answer.status === undefined) {
      error = answer.error;
      continue;
    }
    const requests = attempt + 1;
    if (answer.status >= 200 && answer.status < 300) {
      return answer.success
        ? { ok: true, requests }
        : { ok: false, paused: false, requests, error: `${answer.status}: ${answer.error}` };
    }
    error = `${answer.status}: ${answer.error}`;
    if (PAUSING_STATUSES.includes(answer.status))
      return { ok: false, paused: true, requests, error };
    if (!isRetriedStatus(answer.status)) return { ok: false, paused: false, requests, error };
  }
  return { ok: false, paused: false, requests: settings.syncRetries + 1, error };
}

async function post(
  url: string,
  headers: Record<string, string>,
  body: CohortSyncRequestInput,
  deps: {
    readonly clock: Clock;
    readonly settings: SandboxCohortSettings;
    readonly signal: AbortSignal;
  },
): Promise<Answer> {
  const controller = new AbortController();
  const timer = deps.clock.setTimer(() => controller.abort(), deps.settings.syncTimeoutMs);
  const onStop = (): void => controller.abort();
  deps.signal.addEventListener('abort', onStop, { once: true });
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    const text = await response.text();
    let answer: { status?: unknown; error?: { message?: unknown } } = {};
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      // not JSON: not a success
    }
    const message =
      typeof answer.error?.message === 'string' ? answer.error.message : text.slice(0, 200);
    return { status: response.status, success: answer.status === 'success', error: message };
  } catch (err) {
    const cause = (err as { cause?: { code?: unknown } }).cause?.code;
    return { status: undefined, error: typeof cause === 'string' ? cause : String(err) };
  } finally {
    timer.cancel();
    deps.signal.removeEventListener('abort', onStop);
  }
}
