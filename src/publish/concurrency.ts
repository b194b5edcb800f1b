/**
 * Adaptive limit on concurrent HTTP requests to one endpoint: additive increase,
 * multiplicative decrease. It starts low, halves on a 429 (never below 1), grows by one after a
 * full window of successes (`limit` successful requests in a row), and never passes `max`.
 * A permit is held for one HTTP attempt only, never across a backoff sleep.
 */

export type PermitOutcome = 'success' | 'rate_limited' | 'other';

export interface Permit {
  /** Returns the slot. Call exactly once; later calls are ignored. */
  release(outcome: PermitOutcome): void;
}

export interface ConcurrencyLimiter {
  /**
   * Resolves with a permit once fewer than `limit` requests are in flight (FIFO). Rejects with
   * `signal.reason` if the signal aborts first.
   */
  acquire(signal?: AbortSignal): Promise<Permit>;
  readonly limit: number;
  readonly inFlight: number;
}

export interface ConcurrencyLimiterOptions {
  readonly initial: number;
  readonly max: number;
  /** Called with the new limit whenever it changes (and once at creation). */
  readonly onLimit?: (limit: number) => void;
}

interface Waiter {
  readonly grant: (permit: Permit) => void;
}

export function createConcurrencyLimiter(options: ConcurrencyLimiterOptions): ConcurrencyLimiter {
  const max = Math.max(1, options.max);
  let limit = Math.min(Math.max(1, options.initial), max);
  let inFlight = 0;
  let successes = 0;
  // Requests that started before the last decrease saw the old, higher limit: their 429s are
  // the same congestion signal and must not halve the limit again (one decrease per window).
  let epoch = 0;
  const waiters: Waiter[] = [];
  options.onLimit?.(limit);

  const setLimit = (next: number): void => {
    if (next === limit) return;
    limit = next;
    options.onLimit?.(limit);
  };

  const issue = (): Permit => {
    inFlight++;
    const issuedIn = epoch;
    let released = false;
    return {
      release(outcome) {
        if (released) return;
        released = true;
        inFlight--;
        if (outcome === 'rate_limited') {
          if (issuedIn === epoch) {
            epoch++;
            successes = 0;
            setLimit(Math.max(1, Math.floor(limit / 2)));
          }
        } else if (outcome === 'success') {
          successes++;
          if (successes >= limit) {
            successes = 0;
            setLimit(Math.min(max, limit + 1));
          }
        }
        dispatch();
      },
    };
  };

  const dispatch = (): void => {
    while (inFlight < limit && waiters.length > 0) waiters.shift()?.grant(issue());
  };

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      if (inFlight < limit && waiters.length === 0) return Promise.resolve(issue());
      return new Promise<Permit>((resolve, reject) => {
        const waiter: Waiter = {
          grant: (permit) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(permit);
          },
        };
        const onAbort = (): void => {
          const at = waiters.indexOf(waiter);
          if (at >= 0) waiters.splice(at, 1);
          reject(signal?.reason as Error);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(waiter);
      });
    },
    get limit() {
      return limit;
    },
    get inFlight() {
      return inFlight;
    },
  };
}
