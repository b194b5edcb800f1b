/**
 * Mixpanel's per-project ingestion limit (documented with the Import Events API): events and
 * uncompressed bytes over a rolling 60-second window, kept in one-second buckets. A request that
 * would pass either limit is refused whole (429) and not counted.
 */
import type { Clock } from '../clock.js';

const BUCKETS = 60;
const BUCKET_MS = 1000;

export class RateLimiter {
  private events = new Float64Array(BUCKETS);
  private bytes = new Float64Array(BUCKETS);
  private currentSecond = -1;

  constructor(
    private readonly clock: Clock,
    private readonly eventsPerMinute: number,
    private readonly bytesPerMinute: number,
  ) {}

  /** Counts the request and returns true if it fits in the window; false means answer 429. */
  tryConsume(events: number, bytes: number): boolean {
    this.advance();
    let windowEvents = 0;
    let windowBytes = 0;
    for (let i = 0; i < BUCKETS; i++) {
      windowEvents += this.events[i] ?? 0;
      windowBytes += this.bytes[i] ?? 0;
    }
    if (windowEvents + events > this.eventsPerMinute || windowBytes + bytes > this.bytesPerMinute) {
      return false;
    }
    const slot = this.currentSecond % BUCKETS;
    this.events[slot] = (this.events[slot] ?? 0) + events;
    this.bytes[slot] = (this.bytes[slot] ?? 0) + bytes;
    return true;
  }

  clear(): void {
    this.events.fill(0);
    this.bytes.fill(0);
  }

  /** Zeroes the buckets that fell out of the window since the last call. */
  private advance(): void {
    const second = Math.floor(this.clock.now() / BUCKET_MS);
    if (this.currentSecond < 0 || second - this.currentSecond >= BUCKETS) {
      this.clear();
    } else {
      for (let s = this.currentSecond + 1; s <= second; s++) {
        this.events[s % BUCKETS] = 0;
        this.bytes[s % BUCKETS] = 0;
      }
    }
    this.currentSecond = Math.max(this.currentSecond, second);
  }
}
