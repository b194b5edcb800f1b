/**
 * The transform stage as the pipeline uses it: whole Kafka batches in, per-message outcomes out,
 * with every Mixpanel record already serialized and its routing derived (endpoint, ordering key,
 * identity lane, non-idempotent operation). Outcomes are plain data, so they can come from a
 * worker thread (worker-stage.ts) as well as from this thread (createInProcessStage).
 *
 * Contract: `submit` resolves with one outcome list per input, in input order; it never rejects
 * for bad input (that is an outcome). It rejects only when the stage itself failed (a worker died),
 * which the pipeline treats as fatal: nothing is settled, so nothing is committed.
 */
import type { Config } from '../config/schema.js';
import type { DecodeInput } from '../decode/record-decoder.js';
import {
  isIdentityEvent,
  NON_IDEMPOTENT_OPERATIONS,
  orderingKey,
  type MixpanelRecord,
  type NonIdempotentOperation,
} from '../mixpanel/records.js';
import { type Endpoint } from '../mixpanel/endpoints.js';
import { createRecordTransformer } from './record-transformer.js';
import type { Outcome, TransformOutcome } from './transform.js';

/** A Mixpanel record ready for a batch: serialized once, resent byte-identical on retries. */
export interface PreparedOutput {
  readonly endpoint: Endpoint;
  readonly json: string;
  /** UTF-8 byte length of json. */
  readonly bytes: number;
  /** distinct_id (or group) whose updates must keep their Kafka order; /import has none. */
  readonly orderingKey: string | undefined;
  /** `$identify` / `$create_alias`: sent in requests of their own. */
  readonly identity: boolean;
  /** A profile operation whose replay is not a no-op, counted when delivered. */
  readonly nonIdempotent: NonIdempotentOperation | undefined;
}

export type StageOutcome = Outcome<PreparedOutput>;

export interface TransformStage {
  submit(inputs: readonly DecodeInput[], nowMs: number): Promise<StageOutcome[][]>;
  close(): Promise<void>;
}

export type StageConfig = Pick<Config, 'mixpanel' | 'mapping' | 'input'>;

export function prepareRecord(record: MixpanelRecord): PreparedOutput {
  const json = JSON.stringify(record.record);
  return {
    endpoint: record.endpoint,
    json,
    bytes: Buffer.byteLength(json),
    orderingKey: orderingKey(record),
    identity: isIdentityEvent(record),
    nonIdempotent:
      record.endpoint === '/import'
        ? undefined
        : NON_IDEMPOTENT_OPERATIONS.find((operation) => operation in record.record),
  };
}

function prepareOutcome(outcome: TransformOutcome): StageOutcome {
  return outcome.kind === 'records'
    ? {
        kind: 'records',
        segmentType: outcome.segmentType,
        records: outcome.records.map(prepareRecord),
      }
    : outcome;
}

/** Transforms one input with a record transformer (used by both stages). */
export function runInput(
  transformer: ReturnType<typeof createRecordTransformer>,
  input: DecodeInput,
  nowMs: number,
): StageOutcome[] {
  const context = { nowMs, kafkaTimestampMs: input.kafkaTimestampMs };
  return 'bytes' in input
    ? transformer.transformRecord(input.bytes, context).map(prepareOutcome)
    : [prepareOutcome(transformer.transformPayload(input.payload, context))];
}

/** The stage on this thread: transforms synchronously (workers: 0, and unit tests). */
export function createInProcessStage(config: StageConfig): TransformStage {
  const transformer = createRecordTransformer(config);
  return {
    submit: (inputs, nowMs) =>
      Promise.resolve(inputs.map((input) => runInput(transformer, input, nowMs))),
    close: () => Promise.resolve(),
  };
}
