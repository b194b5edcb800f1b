/**
 * Settlement of Kafka records. One Kafka record (a Segment message, or a batch payload of several)
 * becomes zero or more Mixpanel records; it is *settled* once every one of them is acknowledged,
 * and, if anything about it was rejected, once its dead letter is acknowledged. Only then does its
 * offset count towards the commit watermark, and only then does it free backlog capacity.
 *
 * Records of a partition that was revoked meanwhile are dropped silently at settlement: the new
 * owner reads them again from the last commit (and dead-letters them itself if they are bad).
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/registry.js';
import type { Endpoint } from '../publish/records.js';
import type { Rejection } from '../reason-codes.js';
import type { SourceRecord } from '../source/source.js';
import type { DeadLetterGuard } from './dead-letter-guard.js';
import { DeadLetterWriterStopped, type DeadLetterWriter } from './dead-letter-writer.js';
import type { OffsetTracker, TopicPartition } from './offset-tracker.js';

export class InFlightMessage {
  /** Mixpanel records of this message not yet settled. */
  pending = 0;
  /** The first reason anything about this message was refused. */
  rejection: Rejection | undefined;
  endpoint: Endpoint | undefined;
  attempts = 0;
  /** True once intake added every record: before that, pending === 0 means nothing. */
  sealed = false;
  done = false;

  constructor(
    readonly source: SourceRecord,
    readonly generation: number,
    readonly bytes: number,
  ) {}
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

export class Settler {
  private unsettledRecords = 0;
  private unsettledBytes = 0;
  private wasFull = false;
  private readonly generations = new Map<string, number>();
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: SettlerOptions) {}

  get unsettled(): { records: number; bytes: number } {
    return { records: this.unsettledRecords, bytes: this.unsettledBytes };
  }

  /** True when intake must stop (the backlog limits of spec §2 are reached). */
  full(): boolean {
    const full =
      this.unsettledRecords >= this.options.maxRecords ||
      this.unsettledBytes >= this.options.maxBytes;
    if (full) this.wasFull = true;
    return full;
  }

  /** Registers a Kafka record taken into the pipeline. */
  admit(source: SourceRecord): InFlightMessage {
    const bytes = (source.value?.length ?? 0) + (source.key?.length ?? 0);
    this.options.tracker.track(source, source.offset);
    this.unsettledRecords++;
    this.unsettledBytes += bytes;
    this.updateGauges();
    return new InFlightMessage(source, this.generation(source), bytes);
  }

  /** Notes a rejection; the message is dead-lettered once all its records are settled. */
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
    this.maybeSettle(message);
  }

  /** Intake added every record of the message. */
  seal(message: InFlightMessage): void {
    message.sealed = true;
    this.maybeSettle(message);
  }

  /** Forgets a revoked partition: its in-flight records no longer count for commits. */
  revoke(tp: TopicPartition): void {
    this.generations.set(key(tp), this.generation(tp) + 1);
    this.options.tracker.forget(tp);
  }

  /** Resolves when nothing is unsettled. */
  idle(): Promise<void> {
    if (this.unsettledRecords === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private generation(tp: TopicPartition): number {
    return this.generations.get(key(tp)) ?? 0;
  }

  private maybeSettle(message: InFlightMessage): void {
    if (!message.sealed || message.pending > 0 || message.done) return;
    message.done = true;
    if (message.generation !== this.generation(message.source)) {
      this.release(message);
      return;
    }
    const rejection = message.rejection;
    if (rejection === undefined) {
      this.finish(message, false);
      return;
    }
    this.options.deadLetters
      .write({
        source: message.source,
        rejection,
        ...(message.endpoint !== undefined ? { endpoint: message.endpoint } : {}),
        attempts: message.attempts,
        failedAt: this.options.clock.now(),
      })
      .then(
        () => {
          if (message.generation === this.generation(message.source)) this.finish(message, true);
          else this.release(message);
        },
        (err: unknown) => {
          // Stopped before the dead letter was acknowledged: stays unsettled, redelivered later.
          if (!(err instanceof DeadLetterWriterStopped))
            this.options.logger.error({ err }, 'dead-letter write failed');
        },
      );
  }

  private finish(message: InFlightMessage, deadLettered: boolean): void {
    this.options.tracker.settle(message.source, message.source.offset);
    this.options.guard.record(deadLettered);
    this.options.metrics?.deadLetterRatio.set(this.options.guard.ratio);
    this.release(message);
    if (deadLettered && this.options.guard.tripped)
      this.options.onGuardTripped(this.options.guard.describe());
  }

  private release(message: InFlightMessage): void {
    this.unsettledRecords--;
    this.unsettledBytes -= message.bytes;
    this.updateGauges();
    if (
      this.wasFull &&
      this.unsettledRecords < this.options.maxRecords * 0.8 &&
      this.unsettledBytes < this.options.maxBytes * 0.8
    ) {
      this.wasFull = false;
      this.options.onCapacity();
    }
    if (this.unsettledRecords === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private updateGauges(): void {
    this.options.metrics?.unsettledMessages.set(this.unsettledRecords);
    this.options.metrics?.unsettledBytes.set(this.unsettledBytes);
  }
}

function key(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}
