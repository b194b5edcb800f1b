/**
 * One open batch that closes on count, bytes or linger, whichever comes first (Vector's batcher
 * semantics). Time comes from the Clock port, so linger is tested on virtual time.
 *
 * Byte accounting is of the uncompressed request body Mixpanel limits: every record plus one
 * separator byte (NDJSON newline or JSON-array comma) plus two bytes for array brackets.
 */
import type { Clock, Timer } from '../clock.js';
import type { FlushReason } from '../vocabulary.js';

export interface Batch<T> {
  readonly items: T[];
  /** Uncompressed body size bound in bytes. */
  readonly bytes: number;
  readonly reason: FlushReason;
}

export interface BatcherOptions<T> {
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly lingerMs: number;
  readonly clock: Clock;
  /** Receives each closed batch, synchronously, in order. */
  readonly onBatch: (batch: Batch<T>) => void;
}

const BODY_OVERHEAD = 2;

export class Batcher<T> {
  private items: T[] = [];
  private bytes = BODY_OVERHEAD;
  private timer: Timer | undefined;

  constructor(private readonly options: BatcherOptions<T>) {}

  /** Number of records in the open batch. */
  get size(): number {
    return this.items.length;
  }

  /**
   * Adds a record of `bytes` serialized bytes. A record that would push the batch over maxBytes
   * closes the open batch first; a record alone larger than maxBytes still travels (alone).
   */
  add(item: T, bytes: number): void {
    const cost = bytes + 1;
    if (this.items.length > 0 && this.bytes + cost > this.options.maxBytes) this.close('bytes');
    if (this.items.length === 0) {
      this.timer = this.options.clock.setTimer(() => this.close('time'), this.options.lingerMs);
    }
    this.items.push(item);
    this.bytes += cost;
    if (this.items.length >= this.options.maxRecords) this.close('size');
    else if (this.bytes >= this.options.maxBytes) this.close('bytes');
  }

  /** Closes the open batch now (shutdown, rebalance); no-op when empty. */
  flush(reason: FlushReason): void {
    if (this.items.length > 0) this.close(reason);
  }

  /** Stops the linger timer without emitting anything. */
  dispose(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private close(reason: FlushReason): void {
    this.timer?.cancel();
    this.timer = undefined;
    const batch: Batch<T> = { items: this.items, bytes: this.bytes, reason };
    this.items = [];
    this.bytes = BODY_OVERHEAD;
    this.options.onBatch(batch);
  }
}
