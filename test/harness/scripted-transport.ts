/**
 * An in-memory HttpClient for publisher unit tests on virtual time: records every request (with
 * its records decoded) and answers from a script. `'hang'` never answers: the attempt ends at its
 * deadline on the injected clock, or when the caller aborts, exactly like the undici client.
 */
import { gunzipSync } from 'node:zlib';
import type { Clock } from '../../src/clock.js';
import type {
  AttemptResult,
  HttpClient,
  HttpRequest,
  HttpResult,
} from '../../src/publish/http-client.js';

export interface RecordedRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The bytes on the wire (compressed when gzip). */
  readonly body: Buffer;
  /** The records in the body, as JSON text, in order. */
  readonly records: readonly string[];
  /** Clock time when the attempt started. */
  readonly at: number;
}

export type Answer = HttpResult | 'hang';
export type Script = (request: RecordedRequest, index: number) => Answer | Promise<Answer>;

export interface ScriptedTransport extends HttpClient {
  readonly requests: RecordedRequest[];
  /** Attempts currently waiting for their answer. */
  readonly inFlight: number;
  readonly maxInFlight: number;
}

export function reply(
  status: number,
  body: unknown = '',
  headers: Record<string, string> = {},
): HttpResult {
  return {
    kind: 'response',
    status,
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

export function scriptedTransport(clock: Clock, script: Script): ScriptedTransport {
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    requests,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    async send(
      request: HttpRequest,
      timeoutMs: number,
      signal?: AbortSignal,
    ): Promise<AttemptResult> {
      if (signal?.aborted) return { kind: 'aborted' };
      const recorded: RecordedRequest = {
        path: request.path,
        headers: request.headers,
        body: request.body,
        records: decodeRecords(request),
        at: clock.now(),
      };
      requests.push(recorded);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const answer = await script(recorded, requests.length - 1);
        if (answer !== 'hang') return signal?.aborted ? { kind: 'aborted' } : answer;
        return await new Promise<AttemptResult>((resolve) => {
          const timer = clock.setTimer(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve({
              kind: 'network',
              cause: 'timeout',
              message: `no answer within ${timeoutMs} ms`,
            });
          }, timeoutMs);
          const onAbort = (): void => {
            timer.cancel();
            resolve({ kind: 'aborted' });
          };
          signal?.addEventListener('abort', onAbort, { once: true });
        });
      } finally {
        inFlight--;
      }
    },
    async close() {},
  };
}

function decodeRecords(request: HttpRequest): string[] {
  const raw =
    request.headers['content-encoding'] === 'gzip' ? gunzipSync(request.body) : request.body;
  const text = raw.toString('utf8');
  if (request.headers['content-type'] === 'application/x-ndjson') return text.split('\n');
  return (JSON.parse(text) as unknown[]).map((r) => JSON.stringify(r));
}

/**
 * Drives virtual time until `promise` settles: fires the next timer whenever nothing else can
 * happen. Fails (never paces) after `maxSteps` timers.
 */
export async function runOnClock<T>(
  clock: { advanceToNext(): Promise<boolean> },
  promise: Promise<T>,
  maxSteps = 10_000,
): Promise<T> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let step = 0; !settled; step++) {
    if (step > maxSteps) throw new Error(`did not settle within ${maxSteps} timer steps`);
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (settled) break;
    // Work off the clock (gzip on the thread pool) may still be running: let it finish first.
    if (!(await clock.advanceToNext())) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return promise;
}
