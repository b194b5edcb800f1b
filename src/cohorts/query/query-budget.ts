/**
 * The Query API's limits, kept on our side so that a sync waits instead of collecting 429s:
 * at most `perHour` requests started in any rolling hour and `concurrent` in flight, per project
 * (Mixpanel's: 60 and 5). After a 429, `pause` holds every request until the backoff is over.
 *
 * Every wait is reported (`onWait`: what is waited for and how long, so the progress output can
 * say when the limit is the bottleneck) and counted in
 * `segment_mixpanel_cohort_query_wait_seconds_total{cause}`. Time runs on the Clock.
 */
import type { Clock } from '../../clock.js';
import type { Metrics } from '../../metrics/registry.js';
import type { CohortQueryWait } from '../../vocabulary.js';

const HOUR_MS = 60 * 60 * 1000;

export interface BudgetWait {
  readonly cause: CohortQueryWait;
  /** Known for the hourly limit and backoff; undefined while waiting for a concurrent slot. */
  readonly ms: number | undefined;
}

export class QueryBudget {
  /** Start times of the requests of the last hour, oldest first. */
  private readonly started: number[] = [];
  private active = 0;
  private pausedUntil = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly options: {
      readonly clock: Clock;
      readonly metrics: Metrics;
      readonly perHour: number;
      readonly concurrent: number;
    },
  ) {}

  /**
   * Resolves with a release function once a request may start; rejects with the signal's reason
   * when it aborts first.
   */
  async acquire(signal?: AbortSignal, onWait?: (wait: BudgetWait) => void): Promise<() => void> {
    const { clock } = this.options;
    for (;;) {
      signal?.throwIfAborted();
      const now = clock.now();
      while (this.started.length > 0 && (this.started[0] as number) <= now - HOUR_MS) {
        this.started.shift();
      }
      if (this.active >= this.options.concurrent) {
        onWait?.({ cause: 'concurrency', ms: undefined });
        await this.measured('concurrency', () => this.slotFreed(signal));
        continue;
      }
      if (now < this.pausedUntil) {
        const ms = this.pausedUntil - now;
        onWait?.({ cause: 'backoff', ms });
        await this.measured('backoff', () => clock.sleep(ms, signal));
        continue;
      }
      if (this.started.length >= this.options.perHour) {
        const ms = (this.started[0] as number) + HOUR_MS - now;
        onWait?.({ cause: 'hourly_limit', ms });
        await this.measured('hourly_limit', () => clock.sleep(ms, signal));
        continue;
      }
      this.started.push(now);
      this.active++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.active--;
        this.waiting.shift()?.();
      };
    }
  }

  /** After a 429: no request starts before `ms` from now. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.options.clock.now() + ms);
  }

  /** Requests started in the last hour. */
  get usedThisHour(): number {
    const cutoff = this.options.clock.now() - HOUR_MS;
    return this.started.filter((t) => t > cutoff).length;
  }

  private slotFreed(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const index = this.waiting.indexOf(wake);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal?.reason);
      };
      this.waiting.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async measured(cause: CohortQueryWait, wait: () => Promise<void>): Promise<void> {
    const started = this.options.clock.monotonic();
    try {
      await wait();
    } finally {
      this.options.metrics.cohortQueryWait.inc(
        { cause },
        (this.options.clock.monotonic() - started) / 1000,
      );
    }
  }
}
