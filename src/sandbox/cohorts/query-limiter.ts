/**
 * The Query API's per-project limits as the sandbox enforces them: requests started in the last
 * rolling hour and requests in progress. A request over either limit is refused with 429 and not
 * counted. 0 disables a limit.
 */
import type { Clock } from '../../clock.js';

const HOUR_MS = 60 * 60 * 1000;

export type QueryAdmission =
  | { readonly ok: true; readonly done: () => void }
  | { readonly ok: false; readonly running: number; readonly lastHour: number };

export class QueryLimiter {
  private started: number[] = [];
  private running = 0;

  constructor(
    private readonly clock: Clock,
    private readonly perHour: number,
    private readonly concurrent: number,
  ) {}

  admit(): QueryAdmission {
    const now = this.clock.now();
    this.started = this.started.filter((t) => t > now - HOUR_MS);
    const overHour = this.perHour > 0 && this.started.length >= this.perHour;
    const overConcurrent = this.concurrent > 0 && this.running >= this.concurrent;
    if (overHour || overConcurrent) {
      return { ok: false, running: this.running, lastHour: this.started.length };
    }
    this.started.push(now);
    this.running++;
    let done = false;
    return {
      ok: true,
      done: () => {
        if (done) return;
        done = true;
        this.running--;
      },
    };
  }

  clear(): void {
    this.started = [];
  }
}
