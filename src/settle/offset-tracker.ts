/**
 * Per-partition settlement watermarks. A Kafka record is *settled* once it was acknowledged by
 * Mixpanel, intentionally skipped, or written to the dead-letter topic. The committable offset of a
 * partition is the next offset after the highest settled record with no unsettled record before
 * it, so out-of-order completion (batches for different endpoints finish in any order) can never
 * move a commit past an unsettled record.
 *
 * Offsets are JavaScript numbers: safe up to 2^53, far beyond any real partition.
 */

import { PartitionMap } from '../kafka/partition-map.js';
import type { CommittableOffset, TopicPartition } from '../kafka/topic-partition.js';

class PartitionState {
  /** Offsets tracked and not yet passed by the watermark, in increasing order. */
  private offsets: number[] = [];
  private settled: boolean[] = [];
  private head = 0;
  /** Next offset to commit once everything before it is settled; -1 before the first record. */
  private watermark = -1;
  private lastCommitted = -1;
  /** Highest offset ever tracked + 1 (the intake position). */
  intakeEnd = -1;
  unsettled = 0;

  track(offset: number): void {
    if (offset < this.intakeEnd) {
      throw new RangeError(
        `offset ${offset} tracked after ${this.intakeEnd - 1}: intake must be in order`,
      );
    }
    this.offsets.push(offset);
    this.settled.push(false);
    this.intakeEnd = offset + 1;
    this.unsettled++;
  }

  /**
   * Moves the intake position over offsets that carry no records to settle (transaction markers,
   * compacted gaps at the end of a fetched batch), so the watermark can pass them.
   */
  skipTo(end: number): void {
    if (end <= this.intakeEnd) return;
    this.intakeEnd = end;
    this.advance();
  }

  settle(offset: number): void {
    // Binary search: settlement order is arbitrary, but the array is sorted.
    let lo = this.head;
    let hi = this.offsets.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = this.offsets[mid] as number;
      if (value === offset) {
        if (this.settled[mid]) break;
        this.settled[mid] = true;
        this.unsettled--;
        this.advance();
        return;
      }
      if (value < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    throw new RangeError(`offset ${offset} settled but never tracked (or settled twice)`);
  }

  private advance(): void {
    while (this.head < this.offsets.length && this.settled[this.head]) {
      this.watermark = (this.offsets[this.head] as number) + 1;
      this.head++;
    }
    if (this.head === this.offsets.length) {
      // Everything tracked is settled: the watermark may also pass skipped offsets.
      if (this.intakeEnd > this.watermark) this.watermark = this.intakeEnd;
      this.offsets = [];
      this.settled = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.offsets.length) {
      this.offsets = this.offsets.slice(this.head);
      this.settled = this.settled.slice(this.head);
      this.head = 0;
    }
  }

  /** The offset to commit, or undefined when nothing new has settled since the last commit. */
  pendingCommit(): number | undefined {
    return this.watermark > this.lastCommitted ? this.watermark : undefined;
  }

  committed(offset: number): void {
    if (offset > this.lastCommitted) this.lastCommitted = offset;
  }
}

export class OffsetTracker {
  private readonly partitions = new PartitionMap<PartitionState>();

  private state(tp: TopicPartition): PartitionState {
    return this.partitions.ensure(tp, () => new PartitionState());
  }

  /** Registers a record read from Kafka. Offsets of one partition must arrive in increasing order. */
  track(tp: TopicPartition, offset: number): void {
    this.state(tp).track(offset);
  }

  /** Declares offsets before `end` that carry nothing to settle (see PartitionState.skipTo). */
  skipTo(tp: TopicPartition, end: number): void {
    this.state(tp).skipTo(end);
  }

  /** Marks a tracked record settled. */
  settle(tp: TopicPartition, offset: number): void {
    this.state(tp).settle(offset);
  }

  /**
   * The next offset this partition expects from intake, or -1 when nothing was read yet. After a
   * rebalance kafkajs refetches from the committed offset; records below this are already in flight.
   */
  intakeEnd(tp: TopicPartition): number {
    return this.partitions.get(tp)?.intakeEnd ?? -1;
  }

  /** Offsets that advanced since the last commit, ready for an offset commit request. */
  pendingCommits(): CommittableOffset[] {
    const out: CommittableOffset[] = [];
    for (const [tp, state] of this.partitions.entries()) {
      const offset = state.pendingCommit();
      if (offset === undefined) continue;
      out.push({ ...tp, offset });
    }
    return out;
  }

  /** Records that a commit succeeded (so the same offsets are not committed again). */
  markCommitted(offsets: readonly CommittableOffset[]): void {
    for (const o of offsets) this.state(o).committed(o.offset);
  }

  /** Forgets a partition this instance no longer owns (revoked in a rebalance). */
  forget(tp: TopicPartition): void {
    this.partitions.delete(tp);
  }

  /** Unsettled records per partition (diagnostics and shutdown logs). */
  unsettled(): Array<TopicPartition & { count: number }> {
    const out: Array<TopicPartition & { count: number }> = [];
    for (const [tp, state] of this.partitions.entries()) {
      const count = state.unsettled;
      if (count === 0) continue;
      out.push({ ...tp, count });
    }
    return out;
  }
}
