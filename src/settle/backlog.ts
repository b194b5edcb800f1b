/**
 * Backpressure: what the pipeline holds in memory, and whether intake must wait.
 *
 * Two counts matter. Records still *holding their bytes* (key and value, until they are known not
 * to be dead-lettered) are bounded by `maxRecords` and `maxBytes`. Records that are decided and
 * only wait for their turn to settle in Kafka order are a few hundred bytes each, so they are only
 * capped at `waitingFactor × maxRecords`. Once full, room is announced when every count dropped
 * below `resumeRatio` of its limit, so intake does not flap at the edge.
 */
import type { Metrics } from '../metrics/registry.js';

export interface BacklogLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
  /** Unsettled records (heavy or waiting) may number this many times maxRecords. */
  readonly waitingFactor: number;
  /** After being full, room is announced below this share of every limit. */
  readonly resumeRatio: number;
}

export class Backlog {
  /** Admitted and neither settled nor released. */
  private records = 0;
  /** Of those, the ones still holding their bytes. */
  private heavyRecords = 0;
  private heavyBytes = 0;
  private wasFull = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly limits: BacklogLimits,
    /** Called when the backlog has room again after being full. */
    private readonly onRoom: () => void,
    metrics?: Metrics,
  ) {
    metrics?.onScrape('unsettledMessages', (gauge) => gauge.set(this.records));
    metrics?.onScrape('unsettledBytes', (gauge) => gauge.set(this.heavyBytes));
  }

  get unsettled(): { records: number; bytes: number } {
    return { records: this.records, bytes: this.heavyBytes };
  }

  /** True when intake must wait. */
  full(): boolean {
    const { maxRecords, maxBytes, waitingFactor } = this.limits;
    const full =
      this.heavyRecords >= maxRecords ||
      this.heavyBytes >= maxBytes ||
      this.records >= maxRecords * waitingFactor;
    if (full) this.wasFull = true;
    return full;
  }

  /** A record was taken, holding `bytes`. */
  admitted(bytes: number): void {
    this.records++;
    this.heavyRecords++;
    this.heavyBytes += bytes;
    this.update();
  }

  /** A record dropped its bytes but is still unsettled. */
  lightened(bytes: number): void {
    this.heavyRecords--;
    this.heavyBytes -= bytes;
    this.update();
  }

  /** A record left the pipeline (settled, or released unsettled); `heavyBytes` if it still held them. */
  released(heavyBytes: number | undefined): void {
    this.records--;
    if (heavyBytes !== undefined) {
      this.heavyRecords--;
      this.heavyBytes -= heavyBytes;
    }
    this.update();
    if (this.records === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Resolves when nothing is unsettled. */
  idle(): Promise<void> {
    if (this.records === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private update(): void {
    if (!this.wasFull) return;
    const { maxRecords, maxBytes, waitingFactor, resumeRatio } = this.limits;
    if (
      this.heavyRecords < maxRecords * resumeRatio &&
      this.heavyBytes < maxBytes * resumeRatio &&
      this.records < maxRecords * waitingFactor * resumeRatio
    ) {
      this.wasFull = false;
      this.onRoom();
    }
  }
}
