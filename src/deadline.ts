/**
 * A deadline for one request, on the Clock: its signal aborts when the time is up or when the
 * caller's own signal aborts, and `timedOut` tells the two apart afterwards (a timeout is a
 * network failure to report; the caller's abort is a shutdown). Always `end()` it, in a finally.
 */
import type { Clock } from './clock.js';

export interface Deadline {
  /** Pass to the request. */
  readonly signal: AbortSignal;
  /** True once the time ran out (not when the caller aborted). */
  readonly timedOut: boolean;
  /** Cancels the timer and stops following the caller's signal. */
  end(): void;
}

export function startDeadline(
  clock: Pick<Clock, 'setTimer'>,
  ms: number,
  callerSignal?: AbortSignal,
): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const timer = clock.setTimer(() => {
    timedOut = true;
    controller.abort();
  }, ms);
  const onAbort = (): void => controller.abort();
  callerSignal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    end() {
      timer.cancel();
      callerSignal?.removeEventListener('abort', onAbort);
    },
  };
}
