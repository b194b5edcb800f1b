/**
 * The run loop, stage by stage: source batch → decode (JSON, Segment batch payload, Confluent
 * Avro) → validate → transform → lanes (batch per endpoint) → publish → settle (dead letters,
 * offset watermark). It wires the stages and owns none of their logic.
 *
 * Intake admits Kafka records while the backlog has room; a record is settled (and its offset
 * committable) once every Mixpanel record made from it has a terminal answer and its dead letter,
 * if any, is acknowledged.
 */
import type { Clock } from './clock.js';
import type { Config } from './config/schema.js';
import type { AvroDecoder } from './decode/avro.js';
import { isConfluentWireFormat } from './decode/avro.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics/registry.js';
import { Lanes, type LaneItem } from './batch/lanes.js';
import type { FlushReason } from './batch/batcher.js';
import type { Publisher, PublishResult } from './publish/publisher.js';
import { targetOf, type Endpoint } from './publish/records.js';
import type { RecordTransformer } from './transform/record-transformer.js';
import type { TransformContext, TransformOutcome } from './transform/transform.js';
import { DeadLetterGuard } from './settle/dead-letter-guard.js';
import type { DeadLetterWriter } from './settle/dead-letter-writer.js';
import { OffsetTracker } from './settle/offset-tracker.js';
import { Settler, type InFlightMessage } from './settle/settler.js';
import type { AssignmentChange, SourceBatch, SourceRecord } from './source/source.js';

export type FatalReason = 'auth' | 'dead_letter_ratio' | 'kafka' | 'internal';

export interface PipelineOptions {
  readonly config: Readonly<Config>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly transformer: RecordTransformer;
  readonly avro?: AvroDecoder | undefined;
  readonly publisher: Publisher;
  readonly deadLetters: DeadLetterWriter;
  /** A condition that must stop the processor (bad credentials, dead-letter guard). */
  readonly onFatal: (reason: FatalReason, message: string) => void;
}

export class Pipeline {
  readonly tracker = new OffsetTracker();
  private readonly settler: Settler;
  private readonly lanes: Lanes<InFlightMessage>;
  private intakeOpen = true;
  private capacityWaiters: Array<(room: boolean) => void> = [];
  private readonly stopIntake = new AbortController();

  constructor(private readonly options: PipelineOptions) {
    const { config, metrics } = options;
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
   * taken (the source refetches the rest after resuming).
   */
  async onBatch(batch: SourceBatch): Promise<number> {
    const intakeEnd = this.tracker.intakeEnd(batch);
    let accepted = 0;
    for (const record of batch.records) {
      if (!this.intakeOpen) break;
      if (record.offset < intakeEnd) {
        // Refetched after a rebalance kept this partition here: already in flight.
        accepted++;
        continue;
      }
      if (this.settler.full()) break;
      try {
        await this.intake(record);
      } catch (err) {
        if (this.stopIntake.signal.aborted) break; // an Avro retry aborted by shutdown
        throw err;
      }
      accepted++;
    }
    if (accepted === batch.records.length) this.tracker.skipTo(batch, batch.lastOffset + 1);
    return accepted;
  }

  /** Resolves true once the backlog has room, false when intake closed (the source stops waiting). */
  awaitCapacity(): Promise<boolean> {
    if (!this.intakeOpen) return Promise.resolve(false);
    if (!this.settler.full()) return Promise.resolve(true);
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }

  private capacityFreed(room: boolean): void {
    for (const resolve of this.capacityWaiters.splice(0)) resolve(room);
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
   * Flushes open batches and waits for everything taken to settle, at most timeoutMs; then aborts
   * what is still in flight (left unsettled, so uncommitted and redelivered). True when all settled.
   */
  async drain(reason: FlushReason, timeoutMs: number): Promise<boolean> {
    this.lanes.flush(reason);
    const deadline = new AbortController();
    const timer = this.options.clock.setTimer(() => deadline.abort(), timeoutMs);
    const settled = this.settler.idle();
    const aborted = new Promise<'timeout'>((resolve) =>
      deadline.signal.addEventListener('abort', () => resolve('timeout'), { once: true }),
    );
    const outcome = await Promise.race([settled.then(() => 'settled' as const), aborted]);
    timer.cancel();
    if (outcome === 'timeout') {
      this.lanes.abort(new Error('drain deadline passed'));
      await this.lanes.idle();
    }
    this.lanes.dispose();
    return outcome === 'settled';
  }

  private async intake(record: SourceRecord): Promise<void> {
    const message = this.settler.admit(record);
    const context = { kafkaTimestampMs: record.timestamp, nowMs: this.options.clock.now() };
    for (const outcome of await this.decodeAndTransform(record, context))
      this.apply(message, outcome);
    this.settler.seal(message);
  }

  private async decodeAndTransform(
    record: SourceRecord,
    context: TransformContext,
  ): Promise<TransformOutcome[]> {
    const { value } = record;
    if (value === null || value.length === 0) {
      return [reject('invalid_json', 'the record has no value (a tombstone?)')];
    }
    const format = this.options.config.input.format;
    const avro = format === 'avro' || (format === 'auto' && isConfluentWireFormat(value));
    if (!avro) return this.options.transformer.transformRecord(value, context);
    if (!this.options.avro) {
      return [
        reject('avro_decode_failed', 'Avro message but no input.schemaRegistry is configured'),
      ];
    }
    const decoded = await this.options.avro.decode(value, this.stopIntake.signal);
    if (!decoded.ok) return [{ kind: 'rejected', rejection: decoded.rejection }];
    return [this.options.transformer.transformPayload(decoded.payload, context)];
  }

  private apply(message: InFlightMessage, outcome: TransformOutcome): void {
    const { metrics } = this.options;
    const { segmentType } = outcome;
    switch (outcome.kind) {
      case 'records':
        for (const record of outcome.records) {
          if (segmentType)
            metrics.recordsTransformed.inc({
              segment_type: segmentType,
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
        case 'rejected':
          this.settler.reject(
            item.owner,
            {
              code: outcome.code,
              stage: 'publish',
              message: outcome.message,
              ...(outcome.field !== undefined ? { field: outcome.field } : {}),
            },
            endpoint,
            outcome.attempts,
          );
          this.settler.recordSettled(item.owner);
          return;
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

function reject(code: 'invalid_json' | 'avro_decode_failed', message: string): TransformOutcome {
  return { kind: 'rejected', rejection: { code, stage: 'decode', message } };
}
