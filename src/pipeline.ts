/**
 * The run loop. Records flow through the stages in this order, each built by app.ts and handed in:
 *
 *   intake (onBatch) → decode (record decoder) → transform (stage, on workers) → route (router)
 *     → dispatch → publish → settle (published) → commit (committer, on its own timer)
 *
 * Intake admits Kafka records while the backlog has room and hands each batch to the transform
 * stage without waiting for it, so fetching goes on meanwhile. A record whose decode waits on the
 * schema registry (an Avro schema id not seen before) is not waited for inside onBatch: intake
 * stops in front of it, and the source waits on awaitCapacity() — heartbeating, so a long registry
 * outage never gets this member evicted from its group — until the lookup has settled; the record
 * is then offered again and taken with its outcome. Batches are applied strictly in the
 * order they were taken, which keeps per-key order for the router's ordered lanes. A record is
 * settled (and its offset committable) once every Mixpanel record made from it has a terminal
 * answer and its dead letter, if any, is acknowledged.
 *
 * The pipeline constructs nothing; it only moves records between the stages it was given.
 */
import { setMaxListeners } from 'node:events';
import type { LaneBatch, Router } from './batch/router.js';
import type { Clock } from './clock.js';
import type { RecordDecoder } from './decode/record-decoder.js';
import type { Metrics } from './metrics/registry.js';
import type { Dispatcher } from './publish/dispatcher.js';
import type { PublishResult } from './publish/publisher.js';
import type { Backlog } from './settle/backlog.js';
import type { InFlightMessage } from './settle/in-flight-message.js';
import { settlePublished } from './settle/published.js';
import type { Settler } from './settle/settler.js';
import type { TopicPartition } from './kafka/topic-partition.js';
import type { AssignmentChange, SourceBatch } from './source/source.js';
import { OutcomeTally } from './transform/outcome-metrics.js';
import type { DecodeInput, RecordDecoded } from './decode/record-decoder.js';
import type { KafkaRecord } from './kafka/record.js';
import type { TransformStage } from './transform/stage.js';
import type { DecidedOutcome, StageResults } from './transform/stage-results.js';
import type { FatalReason, FlushReason } from './vocabulary.js';

export interface PipelineStages {
  readonly decodeRecord: RecordDecoder;
  readonly transform: TransformStage;
  readonly router: Router<InFlightMessage>;
  readonly dispatcher: Dispatcher<InFlightMessage>;
  readonly settler: Settler;
  readonly backlog: Backlog;
  readonly clock: Clock;
  readonly metrics: Metrics;
  /** A condition that must stop the processor (bad credentials, a dead worker). */
  readonly onFatal: (reason: FatalReason, message: string) => void;
}

/**
 * The records taken from one Kafka batch, in order: each one's message, the inputs of those that
 * go through the transform, and the outcome of those decided before it (tombstone, Avro failure)
 * by their index in `messages`.
 */
interface Taken {
  readonly messages: InFlightMessage[];
  readonly inputs: DecodeInput[];
  decided: Map<number, DecidedOutcome> | undefined;
}

/** The record whose decode is waiting on the schema registry, and the outcome once it settled. */
interface PendingDecode {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  settled?: { readonly decoded: RecordDecoded } | { readonly error: unknown };
}

export class Pipeline {
  /** False for good once closeIntake() was called (shutdown). */
  private intakeOpen = true;
  /** True from a rebalance's revoke until the next assignment. */
  private intakePaused = false;
  private capacityWaiters: Array<(room: boolean) => void> = [];
  private readonly stopIntake = new AbortController();
  private pending: PendingDecode | undefined;
  /** Batches handed to the transform stage, applied one after the other in intake order. */
  private applying: Promise<void> = Promise.resolve();
  /** Outcome counts of the batch being applied, added to the metrics once per batch. */
  private readonly tally: OutcomeTally;

  constructor(private readonly stages: PipelineStages) {
    setMaxListeners(0, this.stopIntake.signal);
    this.tally = new OutcomeTally(stages.metrics);
  }

  get unsettled(): { records: number; bytes: number } {
    return this.stages.backlog.unsettled;
  }

  /**
   * Intake: takes records of one partition, in order, while the backlog has room and their decode
   * is decided; returns how many were taken (the source waits on awaitCapacity() and offers the
   * rest again).
   */
  async onBatch(batch: SourceBatch): Promise<number> {
    const { settler, backlog } = this.stages;
    const intakeEnd = settler.intakeEnd(batch);
    const taken: Taken = { messages: [], inputs: [], decided: undefined };
    let accepted = 0;
    for (const record of batch.records) {
      if (!this.intakeOpen || this.intakePaused) break;
      if (record.offset < intakeEnd) {
        // Refetched after a rebalance kept this partition here: already in flight.
        accepted++;
        continue;
      }
      if (backlog.full()) break;
      const outcome = this.decode(record);
      // Waiting on the schema registry: the source heartbeats in awaitCapacity() meanwhile.
      if (outcome === undefined) break;
      if ('fatal' in outcome) {
        // Never taken, so never committed: it comes back once the configuration is fixed.
        this.stages.onFatal(outcome.fatal.reason, outcome.fatal.message);
        break;
      }
      accepted++;
      taken.messages.push(settler.admit(record));
      if (outcome.ok) taken.inputs.push(outcome.input);
      else
        (taken.decided ??= new Map()).set(taken.messages.length - 1, {
          kind: 'rejected',
          rejection: outcome.rejection,
        });
    }
    if (accepted === batch.records.length) settler.skipTo(batch, batch.lastOffset + 1);
    if (taken.messages.length > 0) this.transform(taken);
    return accepted;
  }

  /**
   * Resolves true once the backlog has room and no decode is waiting on the registry, false when
   * intake closed (the source stops waiting).
   */
  awaitCapacity(): Promise<boolean> {
    if (!this.intakeOpen || this.intakePaused) return Promise.resolve(false);
    if (!this.stages.backlog.full() && !this.awaitingDecode()) return Promise.resolve(true);
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }

  /** The backlog has room again (wired to the backlog by app.ts). */
  roomFreed(): void {
    this.wakeIntake(true);
  }

  /** A new assignment after a rebalance: lost partitions are forgotten, intake resumes. */
  onAssignment(change: AssignmentChange): void {
    this.forget(change.revoked);
    this.intakePaused = false;
  }

  /**
   * A rebalance is about to take these partitions: intake pauses, open batches are sent at once,
   * and what is in flight gets until the deadline (or `signal`) to settle; what is still
   * unanswered then is aborted and never sent again from here. True when everything settled. The
   * caller commits next, then forget()s the partitions.
   */
  async revoke(signal: AbortSignal, timeoutMs: number): Promise<boolean> {
    this.intakePaused = true;
    this.wakeIntake(false);
    return this.finish('rebalance', timeoutMs, signal);
  }

  /**
   * Forgets partitions this member gives up: none of their records settles or commits here any
   * more, and nothing of them is skipped when they are fetched again (kafkajs refetches every
   * partition it keeps from the committed offset).
   */
  forget(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.stages.settler.revoke(tp);
  }

  /** Stops taking records; what was taken is still delivered. */
  closeIntake(): void {
    this.intakeOpen = false;
    this.stopIntake.abort(new Error('intake closed'));
    this.wakeIntake(false);
  }

  /**
   * Lets everything taken go through the transform stage, flushes open batches and waits for all
   * of it to settle, at most timeoutMs; then aborts what is still in flight (left unsettled, so
   * uncommitted and redelivered). True when all settled.
   */
  async drain(reason: FlushReason, timeoutMs: number): Promise<boolean> {
    const settled = await this.finish(reason, timeoutMs);
    this.stages.router.dispose();
    return settled;
  }

  /** Settle: one answered batch (wired to the dispatcher by app.ts). */
  published(batch: LaneBatch<InFlightMessage>, result: PublishResult): void {
    const { settler, metrics, clock } = this.stages;
    settlePublished(settler, batch, result, { metrics, nowMs: clock.now() });
    if (result.fatal) this.stages.onFatal(result.fatal.reason, result.fatal.message);
  }

  /**
   * Waits for everything taken to be transformed, sends open batches, and waits for all of it to
   * settle, at most until the deadline or `signal`; then aborts what is in flight (left unsettled,
   * so uncommitted and redelivered). True when all settled.
   */
  private async finish(
    reason: FlushReason,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const { clock, router, dispatcher, backlog } = this.stages;
    const deadline = new AbortController();
    const timer = clock.setTimer(() => deadline.abort(), timeoutMs);
    const onAbort = (): void => deadline.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) deadline.abort();
    const aborted = new Promise<'timeout'>((resolve) =>
      deadline.signal.addEventListener('abort', () => resolve('timeout'), { once: true }),
    );
    const settled = this.applying.then(() => {
      router.flush(reason);
      return backlog.idle();
    });
    const outcome = await Promise.race([settled.then(() => 'settled' as const), aborted]);
    timer.cancel();
    signal?.removeEventListener('abort', onAbort);
    if (outcome === 'timeout') {
      dispatcher.abortInFlight(new Error(`${reason}: deadline passed`));
      await dispatcher.idle();
    }
    return outcome === 'settled';
  }

  private wakeIntake(room: boolean): void {
    for (const resolve of this.capacityWaiters.splice(0)) resolve(room);
  }

  private awaitingDecode(): boolean {
    return this.pending !== undefined && this.pending.settled === undefined;
  }

  /**
   * Decode: the record's outcome, or undefined while it waits on the schema registry. A lookup
   * in progress belongs to one record; when the source offers that record again, the settled
   * outcome is used. Offering another record first (a rebalance moved the partition) drops it.
   */
  private decode(record: KafkaRecord): RecordDecoded | undefined {
    const pending = this.pending;
    if (
      pending !== undefined &&
      pending.offset === record.offset &&
      pending.partition === record.partition &&
      pending.topic === record.topic
    ) {
      if (pending.settled === undefined) return undefined;
      this.pending = undefined;
      if ('error' in pending.settled) throw pending.settled.error;
      return pending.settled.decoded;
    }
    const decoded = this.stages.decodeRecord(record, this.stopIntake.signal);
    if (!(decoded instanceof Promise)) return decoded;
    const entry: PendingDecode = {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
    };
    this.pending = entry;
    const settle = (settled: NonNullable<PendingDecode['settled']>): void => {
      entry.settled = settled;
      // An aborted lookup (intake closed) is never offered again.
      if (this.pending === entry && this.intakeOpen) this.wakeIntake(true);
    };
    decoded.then(
      (outcome) => settle({ decoded: outcome }),
      (error: unknown) => settle({ error }),
    );
    return undefined;
  }

  /** Transform: hands a batch to the stage and queues its routing behind the batches taken before. */
  private transform({ messages, inputs, decided }: Taken): void {
    const { transform, clock, settler, onFatal } = this.stages;
    const results = transform.submit(inputs, clock.now());
    // Failure is handled where the batch is applied (in order); this only avoids an unhandled rejection.
    results.catch(() => {});
    this.applying = this.applying.then(async () => {
      let outcomes: StageResults;
      try {
        outcomes = await results;
      } catch (err) {
        onFatal('internal', (err as Error).message);
        // Never settled, so never committed: they come back after the restart.
        for (const message of messages) settler.abandon(message);
        return;
      }
      let input = 0;
      for (let i = 0; i < messages.length; i++) {
        const message = messages[i] as InFlightMessage;
        const early = decided?.get(i);
        if (early !== undefined) this.decided(message, early);
        else this.route(message, outcomes, input++);
        settler.seal(message);
      }
      this.tally.flush();
    });
  }

  /** Route: the records made from one input go to the router, its rejection to its dead letter. */
  private route(message: InFlightMessage, results: StageResults, input: number): void {
    const { router } = this.stages;
    const tally = this.tally;
    const end = results.outcomesEnd(input);
    for (let outcome = results.outcomesStart(input); outcome < end; outcome++) {
      const decided = results.decided(outcome);
      if (decided !== undefined) {
        this.decided(message, decided);
        continue;
      }
      const type = results.segmentTypeIndex(outcome);
      const last = results.recordsEnd(outcome);
      const first = results.recordsStart(outcome);
      message.expect(last - first);
      for (let r = first; r < last; r++) {
        tally.record(type, results.route(r));
        router.addResult(results, r, message);
      }
    }
  }

  /** A message rejected (noted for its dead letter) or skipped. */
  private decided(message: InFlightMessage, outcome: DecidedOutcome): void {
    this.tally.decided(message.source.topic, outcome);
    if (outcome.kind === 'rejected') this.stages.settler.reject(message, outcome.rejection);
  }
}
