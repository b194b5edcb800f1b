/**
 * How long after their `time` events reach the sandbox: `arrival − properties.time` for the first
 * copy of every /import event, at 1 ms resolution up to two minutes (later arrivals count as
 * overflow). When producers leave the event time to the Kafka record timestamp, this is the
 * Kafka-append-to-Mixpanel latency the benchmarks report.
 */
const LIMIT_MS = 120_000;

export interface DelaySummary {
  readonly count: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly max: number | null;
  /** Arrivals more than two minutes after their time (backfills, replays): not in the percentiles. */
  readonly overflow: number;
}

export class ArrivalDelay {
  private buckets = new Uint32Array(LIMIT_MS + 1);
  private count = 0;
  private overflow = 0;
  private max = -1;

  record(delayMs: number): void {
    const ms = Math.max(0, Math.round(delayMs));
    if (ms > LIMIT_MS) {
      this.overflow++;
      return;
    }
    this.buckets[ms] = (this.buckets[ms] as number) + 1;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  summary(): DelaySummary {
    return {
      count: this.count,
      p50: this.percentile(0.5),
      p90: this.percentile(0.9),
      p99: this.percentile(0.99),
      max: this.count > 0 ? this.max : null,
      overflow: this.overflow,
    };
  }

  clear(): void {
    this.buckets.fill(0);
    this.count = 0;
    this.overflow = 0;
    this.max = -1;
  }

  private percentile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let ms = 0; ms <= this.max; ms++) {
      seen += this.buckets[ms] as number;
      if (seen >= rank) return ms;
    }
    return this.max;
  }
}
