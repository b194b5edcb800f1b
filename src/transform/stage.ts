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

/** Where a record goes (endpoint, ordering key, identity lane, non-idempotent operation). */
export function routingOf(record: MixpanelRecord): Routing {
  return {
    endpoint: record.endpoint,
    orderingKey: orderingKey(record),
    identity: isIdentityEvent(record),
    nonIdempotent:
      record.endpoint === '/import'
        ? undefined
        : NON_IDEMPOTENT_OPERATIONS.find((operation) => operation in record.record),
  };
}

export function prepareRecord(record: MixpanelRecord): Routing & {
  readonly json: string;
  readonly bytes: number;
} {
  const json = JSON.stringify(record.record);
  return { ...routingOf(record), json, bytes: Buffer.byteLength(json) };
}

/** A record written into the job's output: its routing and where its UTF-8 is. */
type Written = Routing & { readonly at: number; readonly bytes: number };

/**
 * The UTF-8 output of one job, growing as records are written. Each record's JSON is written as
 * soon as it is serialized, so its text dies young instead of waiting for the whole job.
 */
class JobOutput {
  private buffer: Buffer;
  at = 0;

  constructor(estimate: number) {
    this.buffer = Buffer.from(new ArrayBuffer(Math.max(1024, estimate)));
  }

  write(text: string): number {
    const worst = text.length * 3; // UTF-8 bytes per UTF-16 unit, at most
    if (this.at + worst > this.buffer.length) {
      const grown = Buffer.from(new ArrayBuffer(Math.max(this.buffer.length * 2, this.at + worst)));
      this.buffer.copy(grown, 0, 0, this.at);
      this.buffer = grown;
    }
    const written = this.buffer.write(text, this.at, 'utf8');
    this.at += written;
    return written;
  }

  get arrayBuffer(): ArrayBuffer {
    return this.buffer.buffer as ArrayBuffer;
  }
}

function writeRecord(record: MixpanelRecord, out: JobOutput): Written {
  const at = out.at;
  const bytes = out.write(JSON.stringify(record.record));
  return { ...routingOf(record), at, bytes };
}

function writeOutcome(outcome: TransformOutcome, out: JobOutput): Outcome<Written> {
  return outcome.kind === 'records'
    ? {
        kind: 'records',
        segmentType: outcome.segmentType,
        records: outcome.records.map((record) => writeRecord(record, out)),
      }
    : outcome;
}

/** Transforms one input with a record transformer: its outcomes, records written to `out`. */
function runInput(
  transformer: ReturnType<typeof createRecordTransformer>,
  input: DecodeInput,
  nowMs: number,
  out: JobOutput,
): Outcome<Written>[] {
  const context = { nowMs, kafkaTimestampMs: input.kafkaTimestampMs };
  return 'bytes' in input
    ? transformer.transformRecord(input.bytes, context).map((o) => writeOutcome(o, out))
    : [writeOutcome(transformer.transformPayload(input.payload, context), out)];
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
  let inputBytes = 0;
  for (const input of inputs) if ('bytes' in input) inputBytes += input.bytes.byteLength;
  // Records are about as long as their messages; payload inputs (Avro) get a guess.
  const out = new JobOutput(inputBytes + (inputs.length >> 2) * 256 + 4096);
  const written = inputs.map((input) => runInput(transformer, input, nowMs, out));
  const buffer = out.arrayBuffer;
  const results = written.map((outcomes) =>
    outcomes.map((outcome): StageOutcome => {
      if (outcome.kind !== 'records') return outcome;
      return {
        kind: 'records',
        segmentType: outcome.segmentType,
        records: outcome.records.map(
          (record): PreparedOutput =>
            new EncodedOutput(
              record,
              new Uint8Array(buffer, record.at, record.bytes),
              record.bytes,
            ),
        ),
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
