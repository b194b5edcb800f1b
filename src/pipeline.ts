/**
 * The run loop, stage by stage: source batch → decode (JSON, Segment batch payload, Confluent
 * Avro) → validate → transform → lanes (batch per endpoint) → publish → settle (dead letters,
 * offset watermark). It wires the stages and owns none of their logic.
 *
 * Intake admits Kafka records while the backlog has room and hands each batch to the transform
 * stage (possibly a worker thread) without waiting for it, so fetching goes on meanwhile. Batches
 * are applied strictly in the order they were taken, which keeps per-key order for the lanes. A
 * record is settled (and its offset committable) once every Mixpanel record made from it has a
 * terminal answer and its dead letter, if any, is acknowledged.
 */
import { setMaxListeners } from 'node:events';
import type { Clock } from './clock.js';
import type { Config } from './config/schema.js';
import type { AvroDecoder } from './decode/avro.js';
import { isConfluentWireFormat } from './decode/avro.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics/registry.js';
import { Lanes, type LaneItem } from './batch/lanes.js';
import type { FatalReason, FlushReason } from './vocabulary.js';
import type { Publisher, PublishResult } from './publish/publisher.js';
import { targetOf, type Endpoint } from './mixpanel/endpoints.js';
import type { Rejection } from './vocabulary.js';
import { DeadLetterGuard } from './dead-letter/guard.js';
import type { DeadLetterWriter } from './dead-letter/writer.js';
import { OffsetTracker } from './settle/offset-tracker.js';
import { Settler, type InFlightMessage } from './settle/settler.js';
import type { AssignmentChange, SourceBatch } from './source/source.js';
import type { KafkaRecord } from './kafka/record.js';
import type { StageInput, StageOutcome, TransformStage } from './transform/stage.js';

export interface PipelineOptions {
  readonly config: Readonly<Config>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly stage: TransformStage;
  readonly avro?: AvroDecoder | undefined;
  readonly publisher: Publisher;
  readonly deadLetters: DeadLetterWriter;
  /** A condition that must stop the processor (bad credentials, dead-letter guard, a dead worker). */
  readonly onFatal: (reason: FatalReason, message: string) => void;
}

/** A taken record and, when decided before the transform stage (tombstone, Avro failure), its outcome. */
interface Taken {
  readonly message: InFlightMessage;
  readonly input?: StageInput;
  readonly decided?: StageOutcome;
}

export class Pipeline {
  readonly tracker = new OffsetTracker();
  private readonly settler: Settler;
  private readonly lanes: Lanes<InFlightMessage>;
  private intakeOpen = true;
  private capacityWaiters: Array<(room: boolean) => void> = [];
  private readonly stopIntake = new AbortController();
  /** Batches handed to the stage, applied one after the other in intake order. */
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly options: PipelineOptions) {
    const { config, metrics } = options;
    setMaxListeners(0, this.stopIntake.signal);
    this.settler = new Settler({
      tracker: this.tracker,
      deadLetters: options.deadLetters,
      guard: new DeadLetterGuard(config.deadLetter.maxRatio, config.deadLetter.window),
      clock: options.clock,
      logger: options.logger,
      metrics,
      maxRecords: config.batching.maxBufferedRecords,
      maxBytes: config.batching.maxBufferedBytes,
      onCapacity: () => this.capacityFreed(true),
      onGuardTripped: (description) => options.onFatal('dead_letter_ratio', description),
    });
    this.lanes = new Lanes<InFlightMessage>({
      batching: config.batching,
      clock: options.clock,
      publisher: options.publisher,
      metrics,
      orderedLanes: config.batching.maxInFlightRequests,
      onResults: (endpoint, items, result) => this.onResults(endpoint, items, result),
    });
  }

  get unsettled(): { records: number; bytes: number } {
    return this.settler.unsettled;
  }

  /**
   * Takes records of one partition, in order, while the backlog has room; returns how many were
   * taken (the source waits on awaitCapacity() and offers the rest again).
   */
  async onBatch(batch: SourceBatch): Promise<number> {
    const intakeEnd = this.tracker.intakeEnd(batch);
    const taken: Taken[] = [];
    let accepted = 0;
    for (const record of batch.records) {
      if (!this.intakeOpen) break;
      if (record.offset < intakeEnd) {
        // Refetched after a rebalance kept this partition here: already in flight.
        accepted++;
        continue;
      }
      if (this.settler.full()) break;
      const message = this.settler.admit(record);
      accepted++;
      try {
        const decoded = this.decode(message, record);
        taken.push(decoded instanceof Promise ? await decoded : decoded);
      } catch (err) {
        if (!this.stopIntake.signal.aborted) throw err;
        // An Avro retry aborted by shutdown: taken but never settled, so never committed.
        break;
      }
    }
    if (accepted === batch.records.length) this.tracker.skipTo(batch, batch.lastOffset + 1);
    if (taken.length > 0) this.transform(taken);
    return accepted;
  }

  /** Resolves true once the backlog has room, false when intake closed (the source stops waiting). */
  awaitCapacity(): Promise<boolean> {
    if (!this.intakeOpen) return Promise.resolve(false);
    if (!this.settler.full()) return Promise.resolve(true);
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }

  onAssignment(change: AssignmentChange): void {
    for (const tp of change.revoked) this.settler.revoke(tp);
  }

  /** Closes open batches early so in-flight work settles (and commits) before partitions move. */
  onRebalancing(): void {
    this.lanes.flush('rebalance');
  }

  /** Stops taking records; what was taken is still delivered. */
  closeIntake(): void {
    this.intakeOpen = false;
    this.stopIntake.abort(new Error('intake closed'));
    this.capacityFreed(false);
  }

  /**
   * Lets everything taken go through the transform stage, flushes open batches and waits for all
   * of it to settle, at most timeoutMs; then aborts what is still in flight (left unsettled, so
   * uncommitted and redelivered). True when all settled.
   */
  async drain(reason: FlushReason, timeoutMs: number): Promise<boolean> {
    const deadline = new AbortController();
    const timer = this.options.clock.setTimer(() => deadline.abort(), timeoutMs);
    const aborted = new Promise<'timeout'>((resolve) =>
      deadline.signal.addEventListener('abort', () => resolve('timeout'), { once: true }),
    );
    const settled = this.applying.then(() => {
      this.lanes.flush(reason);
      return this.settler.idle();
    });
    const outcome = await Promise.race([settled.then(() => 'settled' as const), aborted]);
    timer.cancel();
    if (outcome === 'timeout') {
      this.lanes.abort(new Error('drain deadline passed'));
      await this.lanes.idle();
    }
    this.lanes.dispose();
    return outcome === 'settled';
  }

  private capacityFreed(room: boolean): void {
    for (const resolve of this.capacityWaiters.splice(0)) resolve(room);
  }

  /** Bytes → a stage input, or an outcome decided here (tombstone, Avro failure). Async only for Avro. */
  private decode(message: InFlightMessage, record: KafkaRecord): Taken | Promise<Taken> {
    const { value } = record;
    if (value === null || value.length === 0) {
      return {
        message,
        decided: decodeFailure('invalid_json', 'the record has no value (a tombstone?)'),
      };
    }
    const format = this.options.config.input.format;
    const avro = format === 'avro' || (format === 'auto' && isConfluentWireFormat(value));
    if (!avro) return { message, input: { bytes: value, kafkaTimestampMs: record.timestamp } };
    if (!this.options.avro) {
      return {
        message,
        decided: decodeFailure(
          'avro_decode_failed',
          'Avro message but no input.schemaRegistry is configured',
        ),
      };
    }
    return this.options.avro
      .decode(value, this.stopIntake.signal)
      .then((decoded): Taken =>
        decoded.ok
          ? { message, input: { payload: decoded.payload, kafkaTimestampMs: record.timestamp } }
          : { message, decided: { kind: 'rejected', rejection: decoded.rejection } },
      );
  }

  /** Hands a batch to the stage and queues its application behind the batches taken before. */
  private transform(taken: readonly Taken[]): void {
    const inputs: StageInput[] = [];
    for (const t of taken) if (t.input) inputs.push(t.input);
    const results = this.options.stage.submit(inputs, this.options.clock.now());
    // Failure is handled where the batch is applied (in order); this only avoids an unhandled rejection.
    results.catch(() => {});
    this.applying = this.applying.then(async () => {
      let outcomes: StageOutcome[][];
      try {
        outcomes = await results;
      } catch (err) {
        this.options.onFatal('internal', (err as Error).message);
        // Never settled, so never committed: they come back after the restart.
        for (const t of taken) this.settler.abandon(t.message);
        return;
      }
      let next = 0;
      for (const t of taken) {
        for (const outcome of t.decided ? [t.decided] : (outcomes[next++] ?? []))
          this.apply(t.message, outcome);
        this.settler.seal(t.message);
      }
    });
  }

  private apply(message: InFlightMessage, outcome: StageOutcome): void {
    const { metrics } = this.options;
    const { segmentType } = outcome;
    switch (outcome.kind) {
      case 'records':
        for (const record of outcome.records) {
          metrics.recordsTransformed.inc({
            segment_type: outcome.segmentType,
            target: targetOf(record.endpoint),
          });
          message.pending++;
          this.lanes.add(record, message);
        }
        return;
      case 'rejected': {
        const { rejection } = outcome;
        if (rejection.stage === 'decode')
          metrics.decodeFailures.inc({ topic: message.source.topic, code: rejection.code });
        else if (segmentType)
          metrics.transformFailures.inc({ segment_type: segmentType, code: rejection.code });
        this.settler.reject(message, rejection);
        return;
      }
      case 'skipped':
        metrics.messagesSkipped.inc({ reason: outcome.reason });
        return;
    }
  }

  private onResults(
    endpoint: Endpoint,
    items: readonly LaneItem<InFlightMessage>[],
    result: PublishResult,
  ): void {
    const { metrics, clock } = this.options;
    const target = targetOf(endpoint);
    const now = clock.now();
    let delivered = 0;
    items.forEach((item, index) => {
      const outcome = result.results[index] ?? { status: 'unsettled' };
      switch (outcome.status) {
        case 'delivered':
          delivered++;
          metrics.deliveryLatency.observe(
            { target },
            Math.max(0, now - item.owner.source.timestamp) / 1000,
          );
          if (item.nonIdempotent && target !== 'import') {
            metrics.nonIdempotentUpdates.inc({
              target,
              operation: item.nonIdempotent as '$add' | '$append' | '$union',
            });
          }
          this.settler.recordSettled(item.owner);
          return;
        case 'rejected': {
          const rejection: Rejection = {
            code: outcome.code,
            stage: 'publish',
            message: outcome.message,
            ...(outcome.field !== undefined ? { field: outcome.field } : {}),
          };
          this.settler.reject(item.owner, rejection, endpoint, outcome.attempts);
          this.settler.recordSettled(item.owner);
          return;
        }
        case 'unsettled':
          // No terminal answer (shutdown, fatal): never settled, so never committed.
          return;
      }
    });
    if (delivered > 0) {
      metrics.recordsDelivered.inc({ target }, delivered);
      metrics.lastFlush.set(now / 1000);
    }
    if (result.fatal) this.options.onFatal('auth', result.fatal.message);
  }
}

function decodeFailure(code: 'invalid_json' | 'avro_decode_failed', message: string): StageOutcome {
  return { kind: 'rejected', rejection: { code, stage: 'decode', message } };
}
