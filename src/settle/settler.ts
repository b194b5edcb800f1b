/**
 * Settlement of Kafka records. A record is *decided* once every Mixpanel record made from it has a
 * terminal answer, and *settled* once it is decided and, if anything about it was rejected, its
 * dead letter is acknowledged. Only settled records count towards the commit watermark.
 *
 * Decided records settle in Kafka order per partition (partition-queue.ts): a dead letter is
 * written only once every earlier record of its partition settled. So the dead-letter topic
 * receives records in source order, the dead-letter guard judges the stream as it is (not the fast
 * rejections first: a malformed record is decided at once, a good one only after Mixpanel
 * answered), and once the guard trips nothing more is dead-lettered; what is left stays unsettled
 * and is redelivered.
 *
 * Records of a partition revoked meanwhile are released without settling: the new owner reads
 * them again from the last commit (and dead-letters them itself if they are bad).
 */
import type { KafkaRecord } from '../kafka/record.js';
import { PartitionMap } from '../kafka/partition-map.js';
import type { TopicPartition } from '../kafka/topic-partition.js';
import type { DeadLetterGuard } from '../dead-letter/guard.js';
import type { Metrics } from '../metrics/registry.js';
import type { Endpoint } from '../mixpanel/endpoints.js';
import type { Rejection } from '../vocabulary.js';
import type { Backlog } from './backlog.js';
import { InFlightMessage } from './in-flight-message.js';
import type { LetterGroups } from './letter-groups.js';
import type { OffsetTracker } from './offset-tracker.js';
import { PartitionQueue } from './partition-queue.js';

export interface SettlerOptions {
  readonly tracker: OffsetTracker;
  readonly backlog: Backlog;
  readonly letters: LetterGroups;
  readonly guard: DeadLetterGuard;
  /**
   * Dead letters written together from one partition's head, at most (also capped by the guard's
   * window). Bounds what can still be written once the guard trips: one group per partition.
   */
  readonly maxLetterGroup: number;
  readonly metrics?: Metrics;
  /** Called once, when the dead-letter guard trips. */
  readonly onGuardTripped: (description: string) => void;
}

export class Settler {
  private readonly queues = new PartitionMap<PartitionQueue>();
  /** The dead-letter guard tripped: nothing more is settled or dead-lettered. */
  private halted = false;

  constructor(private readonly options: SettlerOptions) {}

  /** Registers a Kafka record taken into the pipeline. */
  admit(source: KafkaRecord): InFlightMessage {
    const queue = this.queues.ensure(source, () => new PartitionQueue());
    const message = new InFlightMessage(
      source,
      source.size ?? (source.value?.length ?? 0) + (source.key?.length ?? 0),
      queue,
    );
    this.options.tracker.track(source, source.offset);
    queue.push(message);
    this.options.backlog.admitted(message.bytes);
    return message;
  }

  /**
   * The next offset intake expects on the partition, or -1 before its first record. kafkajs
   * refetches from the committed offset after a rebalance that kept a partition here: records
   * below this are already in flight.
   */
  intakeEnd(tp: TopicPartition): number {
    return this.options.tracker.intakeEnd(tp);
  }

  /** Offsets before `end` carry nothing to settle (control records, compacted gaps). */
  skipTo(tp: TopicPartition, end: number): void {
    this.options.tracker.skipTo(tp, end);
  }

  /** Notes a rejection; the message is dead-lettered once decided and its turn comes. */
  reject(message: InFlightMessage, rejection: Rejection, endpoint?: Endpoint, attempts = 0): void {
    message.reject(rejection, endpoint, attempts);
  }

  /** One Mixpanel record of the message reached a terminal answer. */
  recordSettled(message: InFlightMessage): void {
    if (message.answered()) this.advance(message);
  }

  /**
   * Mixpanel records of these messages reached a terminal answer, one entry per record (a batch's
   * worth): like recordSettled for each, with each partition's head settled once at the end.
   */
  recordsSettled(messages: readonly InFlightMessage[]): void {
    let last: PartitionQueue | undefined;
    const touched: PartitionQueue[] = [];
    for (const message of messages) {
      if (!message.answered()) continue;
      const queue = this.decide(message);
      if (queue === undefined || queue === last) continue;
      last = queue;
      if (!touched.includes(queue)) touched.push(queue);
    }
    for (const queue of touched) this.settleFromHead(queue);
  }

  /** Intake added every record of the message. */
  seal(message: InFlightMessage): void {
    if (message.seal()) this.advance(message);
  }

  /**
   * Gives up on a message without settling it (the transform stage failed): its partition stops
   * settling here, so neither it nor anything after it is committed; they are redelivered after a
   * restart. Capacity is freed, so a drain is not held up by records that can never settle.
   */
  abandon(message: InFlightMessage): void {
    const queue = message.settlesIn as PartitionQueue;
    if (!queue.stopped) this.releaseAll(queue.stop());
    message.abandon();
    this.release(message);
  }

  /**
   * Forgets a revoked partition: its records no longer settle or count for commits here, and
   * every one of them leaves the backlog now, answered or not (the new owner reads them again from
   * the last commit).
   */
  revoke(tp: TopicPartition): void {
    const queue = this.queues.get(tp);
    this.queues.delete(tp);
    this.options.tracker.forget(tp);
    if (queue) this.releaseAll(queue.stop());
  }

  private advance(message: InFlightMessage): void {
    const queue = this.decide(message);
    if (queue) this.settleFromHead(queue);
  }

  /** A message was just decided: the queue whose head may now settle, if any. */
  private decide(message: InFlightMessage): PartitionQueue | undefined {
    if (!message.inFlight) return undefined;
    const queue = message.settlesIn as PartitionQueue;
    // Decided and not rejected: its bytes will never be dead-lettered.
    if (message.rejection === undefined && message.lighten()) {
      this.options.backlog.lightened(message.bytes);
    }
    if (queue.stopped || this.halted) {
      // Released without settling: never committed here, so redelivered.
      this.release(message);
      return undefined;
    }
    return queue;
  }

  private settleFromHead(queue: PartitionQueue): void {
    if (this.halted) return;
    const maxLetters = Math.min(this.options.maxLetterGroup, this.options.guard.window);
    const run = queue.takeHead(maxLetters);
    for (const message of run.settled) this.finish(message, false);
    if (run.settled.length > 0) this.options.metrics?.deadLetterRatio.set(this.options.guard.ratio);
    if (run.letters.length > 0) void this.writeLetters(queue, run.letters);
  }

  private async writeLetters(queue: PartitionQueue, letters: InFlightMessage[]): Promise<void> {
    const acknowledged = await this.options.letters.write(letters);
    queue.letterGroupDone();
    letters.forEach((message, i) => {
      // Acknowledged, so settled even after a halt: it is safely in the dead-letter topic.
      if (acknowledged[i] && !queue.stopped) this.finish(message, true);
      // Not acknowledged, or no longer ours: stays uncommitted and comes back.
      else this.release(message);
    });
    if (!queue.stopped) this.settleFromHead(queue);
  }

  private finish(message: InFlightMessage, deadLettered: boolean): void {
    const { guard, tracker, metrics } = this.options;
    tracker.settle(message.source, message.source.offset);
    guard.record(message.source, deadLettered);
    if (deadLettered) metrics?.deadLetterRatio.set(guard.ratio);
    this.release(message);
    if (deadLettered && guard.tripped && !this.halted) this.halt();
  }

  /**
   * Brakes on: nothing more is dead-lettered or settled (decided records waiting for their turn
   * are released, so their records stay uncommitted and come back once the cause is fixed).
   */
  private halt(): void {
    this.halted = true;
    void this.options.letters.stop();
    for (const queue of this.queues.values()) this.releaseAll(queue.clear());
    this.options.onGuardTripped(this.options.guard.describe());
  }

  private releaseAll(messages: readonly InFlightMessage[]): void {
    for (const message of messages) this.release(message);
  }

  /**
   * The message leaves the pipeline (settled, or given up): frees its share of the backlog. Once
   * only: a message released with its revoked partition may still get answers later.
   */
  private release(message: InFlightMessage): void {
    if (!message.leave()) return;
    const heavyBytes = message.lighten() ? message.bytes : undefined;
    this.options.backlog.released(heavyBytes);
  }
}
