/**
 * The Clock port: the only place in src/ that reads the wall clock or schedules timers.
 * Everything time-dependent (batch linger, retry backoff, shutdown deadlines, latency metrics)
 * takes a Clock, so unit tests drive it with test/harness/manual-clock.ts instead of sleeping.
 */

/** A scheduled callback; cancel() is idempotent. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch. */
  now(): number;
  /** Monotonic milliseconds for measuring durations (never goes backwards). */
  monotonic(): number;
  /** Runs fn once after ms. A pending timer never keeps the process alive. */
  setTimer(fn: () => void, ms: number): Timer;
  /**
   * Resolves after ms. When signal aborts first, rejects with signal.reason and clears the timer,
   * so shutdown never waits out a backoff.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(fn, ms) {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
  sleep(ms, signal) {
    return sleepWith(this, ms, signal);
  },
};

/** sleep() in terms of setTimer(), shared by every Clock implementation. */
export function sleepWith(
  clock: Pick<Clock, 'setTimer'>,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
