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
  EncodedRecord,
  type PreparedRecord,
} from '../mixpanel/records.js';
import { type Endpoint } from '../mixpanel/endpoints.js';
import { createRecordTransformer } from './record-transformer.js';
import type { Outcome, TransformOutcome } from './transform.js';

/** Where a prepared record goes, and how it is counted. */
export interface Routing {
  readonly endpoint: Endpoint;
  /** distinct_id (or group) whose updates must keep their Kafka order; /import has none. */
  readonly orderingKey: string | undefined;
  /** `$identify` / `$create_alias`: sent in requests of their own. */
  readonly identity: boolean;
  /** A profile operation whose replay is not a no-op, counted when delivered. */
  readonly nonIdempotent: NonIdempotentOperation | undefined;
}

/**
 * A Mixpanel record ready for a batch: serialized once, resent byte-identical on retries. The
 * stages hand it over as UTF-8 (`utf8`, a view into one buffer per submitted batch); records
 * prepared one by one (prepareRecord) carry their JSON text.
 */
export type PreparedOutput = Routing & PreparedRecord;

/** A stage's output record: routing and UTF-8, its text decoded only on demand. */
export class EncodedOutput extends EncodedRecord implements PreparedOutput {
  readonly endpoint: Endpoint;
  readonly orderingKey: string | undefined;
  readonly identity: boolean;
  readonly nonIdempotent: NonIdempotentOperation | undefined;

  constructor(routing: Routing, utf8: Uint8Array, bytes: number) {
    super(utf8, bytes);
    this.endpoint = routing.endpoint;
    this.orderingKey = routing.orderingKey;
    this.identity = routing.identity;
    this.nonIdempotent = routing.nonIdempotent;
  }
}

export type StageOutcome = Outcome<PreparedOutput>;

export interface TransformStage {
  submit(inputs: readonly DecodeInput[], nowMs: number): Promise<StageOutcome[][]>;
  close(): Promise<void>;
}

export type StageConfig = Pick<Config, 'mixpanel' | 'mapping' | 'input'>;

export function prepareRecord(record: MixpanelRecord): Routing & {
  readonly json: string;
  readonly bytes: number;
} {
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

type PreparedText = ReturnType<typeof prepareRecord>;

function prepareOutcome(outcome: TransformOutcome): Outcome<PreparedText> {
  return outcome.kind === 'records'
    ? {
        kind: 'records',
        segmentType: outcome.segmentType,
        records: outcome.records.map(prepareRecord),
      }
    : outcome;
}

/** Transforms one input with a record transformer: its outcomes, records as JSON text. */
function runInput(
  transformer: ReturnType<typeof createRecordTransformer>,
  input: DecodeInput,
  nowMs: number,
): Outcome<PreparedText>[] {
  const context = { nowMs, kafkaTimestampMs: input.kafkaTimestampMs };
  return 'bytes' in input
    ? transformer.transformRecord(input.bytes, context).map(prepareOutcome)
    : [prepareOutcome(transformer.transformPayload(input.payload, context))];
}

/**
 * Transforms a batch of inputs (used by both stages): one outcome list per input, in order, every
 * record's JSON encoded into one buffer (`utf8` views into it). A worker transfers that buffer to
 * the main thread instead of copying a string per record across, and request bodies are then
 * assembled by copying bytes, never by encoding text again.
 */
export function runInputs(
  transformer: ReturnType<typeof createRecordTransformer>,
  inputs: readonly DecodeInput[],
  nowMs: number,
): { readonly results: StageOutcome[][]; readonly buffer: ArrayBuffer } {
  const texts = inputs.map((input) => runInput(transformer, input, nowMs));
  let total = 0;
  for (const outcomes of texts) {
    for (const outcome of outcomes) {
      if (outcome.kind === 'records') for (const record of outcome.records) total += record.bytes;
    }
  }
  const buffer = new ArrayBuffer(total);
  const utf8 = Buffer.from(buffer);
  let at = 0;
  const results = texts.map((outcomes) =>
    outcomes.map((outcome): StageOutcome => {
      if (outcome.kind !== 'records') return outcome;
      return {
        kind: 'records',
        segmentType: outcome.segmentType,
        records: outcome.records.map((record): PreparedOutput => {
          const written = utf8.write(record.json, at, 'utf8');
          at += written;
          return new EncodedOutput(record, new Uint8Array(buffer, at - written, written), written);
        }),
      };
    }),
  );
  return { results, buffer };
}

/** The stage on this thread: transforms synchronously (workers: 0, and unit tests). */
export function createInProcessStage(config: StageConfig): TransformStage {
  const transformer = createRecordTransformer(config);
  return {
    submit: (inputs, nowMs) => Promise.resolve(runInputs(transformer, inputs, nowMs).results),
    close: () => Promise.resolve(),
  };
}
