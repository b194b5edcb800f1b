/**
 * The brakes on the dead-letter topic: once the share of dead-lettered messages among the last
 * `window` settled messages passes `maxRatio`, the processor stops instead of quietly
 * dead-lettering the stream (a broken deploy, a wrong mapping, an upstream schema change).
 * The ratio is only judged over a full window, so one early bad message cannot trip it.
 *
 * The window survives restarts: each partition's recent outcomes travel with its committed offset
 * (Kafka keeps a short metadata string with every offset commit; see snapshot() and restore()).
 * A replica that crash-loops on a persistent misconfiguration therefore starts with the window it
 * died with and trips at its first dead letter, instead of dead-lettering a whole new window of
 * good messages on every restart.
 */
import { PartitionMap } from '../kafka/partition-map.js';
import type { TopicPartition } from '../kafka/topic-partition.js';

/** Version tag of the commit metadata; anything else (another tool's metadata) is ignored. */
const FORMAT = 'dlq-guard:1:';
/** Kafka refuses commit metadata above offset.metadata.max.bytes (4096 by default). */
const MAX_OUTCOMES_IN_METADATA = 24_000;

/** The last `size` outcomes, oldest first; 1 = dead-lettered. */
class Outcomes {
  private readonly ring: Uint8Array;
  private next = 0;
  count = 0;
  dead = 0;

  constructor(readonly size: number) {
    this.ring = new Uint8Array(size);
  }

  push(deadLettered: boolean): void {
    const value = deadLettered ? 1 : 0;
    if (this.count >= this.size) this.dead -= this.ring[this.next] as number;
    else this.count++;
    this.ring[this.next] = value;
    this.dead += value;
    this.next = (this.next + 1) % this.size;
  }

  /** Oldest first. */
  *values(): IterableIterator<boolean> {
    const start = this.count < this.size ? 0 : this.next;
    for (let i = 0; i < this.count; i++) yield this.ring[(start + i) % this.size] === 1;
  }
}

export class DeadLetterGuard {
  private readonly recent: Outcomes;
  private readonly partitions = new PartitionMap<Outcomes>();
  /** Partitions whose committed window was already taken into account in this process. */
  private readonly restored = new PartitionMap<true>();

  constructor(
    private readonly maxRatio: number,
    readonly window: number,
  ) {
    this.recent = new Outcomes(window);
  }

  /** Records one settled message of a partition. */
  record(tp: TopicPartition, deadLettered: boolean): void {
    this.recent.push(deadLettered);
    this.partitions.ensure(tp, () => new Outcomes(this.persisted)).push(deadLettered);
    this.restored.set(tp, true);
  }

  /** Share of dead letters in the window so far. */
  get ratio(): number {
    return this.recent.count === 0 ? 0 : this.recent.dead / this.recent.count;
  }

  get tripped(): boolean {
    return this.recent.count >= this.window && this.ratio > this.maxRatio;
  }

  describe(): string {
    const { dead, count } = this.recent;
    return `${dead} of the last ${count} messages were dead-lettered (ratio ${this.ratio.toFixed(3)} > deadLetter.maxRatio ${this.maxRatio})`;
  }

  /** The partition's recent outcomes as offset-commit metadata; undefined before any. */
  snapshot(tp: TopicPartition): string | undefined {
    const outcomes = this.partitions.get(tp);
    if (!outcomes || outcomes.count === 0) return undefined;
    const bits = Buffer.alloc(Math.ceil(outcomes.count / 8));
    let i = 0;
    for (const dead of outcomes.values()) {
      if (dead) bits[i >> 3] = (bits[i >> 3] as number) | (1 << (i & 7));
      i++;
    }
    return `${FORMAT}${outcomes.count}:${bits.toString('base64')}`;
  }

  /**
   * Takes in a partition's outcomes from its committed metadata, once per partition per process
   * (after that, this process's own record of it is more recent). Unreadable metadata is ignored.
   */
  restore(tp: TopicPartition, metadata: string | null | undefined): void {
    if (this.restored.has(tp)) return;
    this.restored.set(tp, true);
    const outcomes = parse(metadata);
    if (!outcomes) return;
    const mine = this.partitions.ensure(tp, () => new Outcomes(this.persisted));
    for (const dead of outcomes) {
      this.recent.push(dead);
      mine.push(dead);
    }
  }

  /** Outcomes kept per partition for the commit metadata. */
  private get persisted(): number {
    return Math.min(this.window, MAX_OUTCOMES_IN_METADATA);
  }
}

function parse(metadata: string | null | undefined): boolean[] | undefined {
  if (!metadata?.startsWith(FORMAT)) return undefined;
  const [countText, base64] = metadata.slice(FORMAT.length).split(':');
  const count = Number(countText);
  if (!Number.isSafeInteger(count) || count < 0 || base64 === undefined) return undefined;
  const bits = Buffer.from(base64, 'base64');
  if (bits.length !== Math.ceil(count / 8)) return undefined;
  return Array.from({ length: count }, (_, i) => (((bits[i >> 3] as number) >> (i & 7)) & 1) === 1);
}
