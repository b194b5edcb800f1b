/**
 * Settlement of Kafka records. One Kafka record (a Segment message, or a batch payload of several)
 * becomes zero or more Mixpanel records. It is *decided* once every one of them has a terminal
 * answer, and *settled* once it is decided and, if anything about it was rejected, its dead letter
 * is acknowledged. Only settled records count towards the commit watermark and free capacity.
 *
 * Decided records settle in Kafka order per partition: a dead letter is written only once every
 * earlier record of its partition settled. So the dead-letter topic receives records in source
 * order, the dead-letter guard judges the stream as it is (not the fast rejections first: a
 * malformed record is decided at once, a good one only after Mixpanel answered), and once the
 * guard trips nothing more is dead-lettered; what is left stays unsettled and is redelivered.
 *
 * Records of a partition revoked meanwhile are dropped silently: the new owner reads them again
 * from the last commit (and dead-letters them itself if they are bad).
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/registry.js';
import type { Endpoint } from '../mixpanel/endpoints.js';
import type { Rejection } from '../vocabulary.js';
import type { KafkaRecord } from '../kafka/record.js';
import type { DeadLetterGuard } from '../dead-letter/guard.js';
import { DeadLetterWriterStopped, type DeadLetterWriter } from '../dead-letter/writer.js';
import { PartitionMap } from '../kafka/partition-map.js';
import type { OffsetTracker } from './offset-tracker.js';
import type { TopicPartition } from '../kafka/topic-partition.js';

export class InFlightMessage {
  /** Mixpanel records of this message without a terminal answer yet. */
  pending = 0;
  /** The first reason anything about this message was refused. */
  rejection: Rejection | undefined;
  endpoint: Endpoint | undefined;
  attempts = 0;
  /** True once intake added every record: before that, pending === 0 means nothing. */
  sealed = false;
  /** Still holds its key and value (needed until it is known not to be dead-lettered). */
  heavy = true;

  constructor(
    /** Replaced by a copy without key, value and headers once they can no longer be needed. */
    public source: KafkaRecord,
    readonly bytes: number,
  ) {}

  get decided(): boolean {
    return this.sealed && this.pending === 0;
  }
}

export interface SettlerOptions {
  readonly tracker: OffsetTracker;
  readonly deadLetters: DeadLetterWriter;
  readonly guard: DeadLetterGuard;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly maxRecords: number;
  readonly maxBytes: number;
  /** Called when the backlog drops below 80% of both limits after being full. */
  readonly onCapacity: () => void;
  /** Called once when the dead-letter guard trips. */
  readonly onGuardTripped: (description: string) => void;
}

/**
 * Dead letters written together from one partition's head, at most. Bounds what can still be
 * written once the guard trips (one group per partition).
 */
const MAX_LETTER_GROUP = 100;

/** Decided records waiting their turn may number this many times maxBufferedRecords. */
const WAITING_FACTOR = 4;

/** The records of one partition in intake order, settled from the head. */
class PartitionQueue {
  items: InFlightMessage[] = [];
  head = 0;
  /** A group of dead letters from the head is being written. */
  writing = false;
  /** No longer settles here (revoked, or a record of it was abandoned): records are released. */
  revoked = false;
}

export class Settler {
  /** Admitted and not yet settled (or released): what idle() waits for. */
  private unsettledRecords = 0;
  /** Of those, the ones still holding their bytes: what the backlog limits bound. */
  private heavyRecords = 0;
  private heavyBytes = 0;
  private wasFull = false;
  private readonly queues = new PartitionMap<PartitionQueue>();
  private readonly queueOf = new WeakMap<InFlightMessage, PartitionQueue>();
  private idleWaiters: Array<() => void> = [];
  /** Set when the dead-letter guard tripped: nothing more is settled or dead-lettered. */
  private halted = false;

  constructor(private readonly options: SettlerOptions) {}

  get unsettled(): { records: number; bytes: number } {
    return { records: this.unsettledRecords, bytes: this.heavyBytes };
  }

  /**
   * True when intake must stop (the backlog limits of spec §2 are reached). The limits bound the
   * records still holding their bytes; a decided good record waiting for its turn to settle (in
   * Kafka order) is a few hundred bytes, so those are only capped at WAITING_FACTOR × maxRecords.
   */
  full(): boolean {
    const full =
      this.heavyRecords >= this.options.maxRecords ||
      this.heavyBytes >= this.options.maxBytes ||
      this.unsettledRecords >= this.options.maxRecords * WAITING_FACTOR;
    if (full) this.wasFull = true;
    return full;
  }

  /** Registers a Kafka record taken into the pipeline. */
  admit(source: KafkaRecord): InFlightMessage {
    const message = new InFlightMessage(
      source,
      (source.value?.length ?? 0) + (source.key?.length ?? 0),
    );
    this.options.tracker.track(source, source.offset);
    const queue = this.queues.ensure(source, () => new PartitionQueue());
    queue.items.push(message);
    this.queueOf.set(message, queue);
    this.unsettledRecords++;
    this.heavyRecords++;
    this.heavyBytes += message.bytes;
    this.updateGauges();
    return message;
  }

  /** Notes a rejection; the message is dead-lettered once decided and its turn comes. */
  reject(message: InFlightMessage, rejection: Rejection, endpoint?: Endpoint, attempts = 0): void {
    if (message.rejection === undefined) {
      message.rejection = rejection;
      message.endpoint = endpoint;
      message.attempts = attempts;
    }
  }

  /** One Mixpanel record of the message reached a terminal answer. */
  recordSettled(message: InFlightMessage): void {
    message.pending--;
    if (message.decided) this.advance(message);
  }

  /** Intake added every record of the message. */
  seal(message: InFlightMessage): void {
    message.sealed = true;
    if (message.decided) this.advance(message);
  }

  /**
   * Gives up on a message without settling it (the transform stage failed): its partition stops
   * settling here, so neither it nor anything after it is committed; they are redelivered after a
   * restart. Capacity is freed, so a drain is not held up by records that can never settle.
   */
  abandon(message: InFlightMessage): void {
    const queue = this.queueOf.get(message);
    if (queue && !queue.revoked) this.stopQueue(queue);
    message.sealed = true;
    message.pending = 0;
    this.release(message);
  }

  /** Forgets a revoked partition: its records no longer settle or count for commits here. */
  revoke(tp: TopicPartition): void {
    const queue = this.queues.get(tp);
    this.queues.delete(tp);
    this.options.tracker.forget(tp);
    if (queue) this.stopQueue(queue);
  }

  /** Decided records waiting for their turn are released now; the others when they are decided. */
  private stopQueue(queue: PartitionQueue): void {
    queue.revoked = true;
    for (let i = queue.head; i < queue.items.length; i++) {
      const message = queue.items[i] as InFlightMessage;
      if (message.decided) this.release(message);
    }
    queue.items = [];
    queue.head = 0;
  }

  /** Resolves when nothing is unsettled. */
  idle(): Promise<void> {
    if (this.unsettledRecords === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private advance(message: InFlightMessage): void {
    const queue = this.queueOf.get(message) as PartitionQueue;
    // Decided and not rejected: its bytes will never be dead-lettered.
    if (message.rejection === undefined) this.lighten(message);
    if (queue.revoked || this.halted) {
      // Released without settling: never committed here, so redelivered.
      this.release(message);
      return;
    }
    this.settleFromHead(queue);
  }

  /** Settles decided records from the head of the queue; dead letters go out as a group. */
  private settleFromHead(queue: PartitionQueue): void {
    if (queue.writing) return;
    const letters: InFlightMessage[] = [];
    const maxGroup = Math.min(MAX_LETTER_GROUP, this.options.guard.window);
    while (queue.head < queue.items.length && !this.halted && letters.length < maxGroup) {
      const message = queue.items[queue.head] as InFlightMessage;
      if (!message.decided) break;
      if (message.rejection === undefined) {
        if (letters.length > 0) break; // after the group's letters are acknowledged
        queue.head++;
        this.finish(message, false);
        continue;
      }
      letters.push(message);
      queue.head++;
    }
    this.compact(queue);
    if (letters.length > 0) this.writeLetters(queue, letters);
  }

  private writeLetters(queue: PartitionQueue, letters: InFlightMessage[]): void {
    queue.writing = true;
    const failedAt = this.options.clock.now();
    const written = letters.map((message) =>
      this.options.deadLetters.write({
        source: message.source,
        rejection: message.rejection as Rejection,
        ...(message.endpoint !== undefined ? { endpoint: message.endpoint } : {}),
        attempts: message.attempts,
        failedAt,
      }),
    );
    void Promise.allSettled(written).then((results) => {
      queue.writing = false;
      results.forEach((result, i) => {
        const message = letters[i] as InFlightMessage;
        if (result.status === 'fulfilled' && !queue.revoked) {
          // Acknowledged, so settled even after a halt: it is safely in the dead-letter topic.
          this.finish(message, true);
          return;
        }
        if (result.status === 'rejected' && !(result.reason instanceof DeadLetterWriterStopped)) {
          this.options.logger.error({ err: result.reason }, 'dead-letter write failed');
        }
        // Not acknowledged (writer stopped), or no longer ours: stays uncommitted, comes back.
        this.release(message);
      });
      if (!queue.revoked) this.settleFromHead(queue);
    });
  }

  private finish(message: InFlightMessage, deadLettered: boolean): void {
    this.options.tracker.settle(message.source, message.source.offset);
    this.options.guard.record(deadLettered);
    this.options.metrics?.deadLetterRatio.set(this.options.guard.ratio);
    this.release(message);
    if (deadLettered && this.options.guard.tripped && !this.halted) this.halt();
  }

  /**
   * Brakes on: nothing more is dead-lettered (letters not yet acknowledged are abandoned, so their
   * records stay uncommitted and come back once the cause is fixed) and decided records waiting
   * for their turn are released.
   */
  private halt(): void {
    this.halted = true;
    void this.options.deadLetters.close();
    for (const queue of this.queues.values()) {
      for (let i = queue.head; i < queue.items.length; i++) {
        const message = queue.items[i] as InFlightMessage;
        if (message.decided) this.release(message);
      }
      queue.head = queue.items.length;
      this.compact(queue);
    }
    this.options.onGuardTripped(this.options.guard.describe());
  }

  private compact(queue: PartitionQueue): void {
    if (queue.head === queue.items.length) {
      queue.items = [];
      queue.head = 0;
    } else if (queue.head > 1024 && queue.head * 2 > queue.items.length) {
      queue.items = queue.items.slice(queue.head);
      queue.head = 0;
    }
  }

  /** Drops a message's key, value and headers and frees its share of the backlog limits. */
  private lighten(message: InFlightMessage): void {
    if (!message.heavy) return;
    message.heavy = false;
    message.source = { ...message.source, key: null, value: null, headers: {} };
    this.heavyRecords--;
    this.heavyBytes -= message.bytes;
    this.updateGauges();
    this.checkCapacity();
  }

  private release(message: InFlightMessage): void {
    this.unsettledRecords--;
    if (message.heavy) {
      message.heavy = false;
      this.heavyRecords--;
      this.heavyBytes -= message.bytes;
    }
    this.updateGauges();
    this.checkCapacity();
    if (this.unsettledRecords === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private checkCapacity(): void {
    if (
      this.wasFull &&
      this.heavyRecords < this.options.maxRecords * 0.8 &&
      this.heavyBytes < this.options.maxBytes * 0.8 &&
      this.unsettledRecords < this.options.maxRecords * WAITING_FACTOR * 0.8
    ) {
      this.wasFull = false;
      this.options.onCapacity();
    }
  }

  private updateGauges(): void {
    this.options.metrics?.unsettledMessages.set(this.unsettledRecords);
    this.options.metrics?.unsettledBytes.set(this.heavyBytes);
  }
}
