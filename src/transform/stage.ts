/**
 * The transform stage as the pipeline uses it: whole Kafka batches in, per-message outcomes out,
 * with every Mixpanel record already serialized and its routing derived (lane, ordering key's
 * hash, non-idempotent operation), in the compact form of stage-results.ts. That form is plain
 * data, so it can come from a worker thread (worker-stage.ts) as well as from this thread
 * (createInProcessStage).
 *
 * Contract: `submit` resolves with one outcome list per input, in input order; it never rejects
 * for bad input (that is an outcome). It rejects only when the stage itself failed (a worker died),
 * which the pipeline treats as fatal: nothing is settled, so nothing is committed.
 */
import type { Config } from '../config/schema.js';
import type { DecodeInput } from '../decode/record-decoder.js';
import { createRecordTransformer } from './record-transformer.js';
import { StageResults, StageResultsWriter, type StageResultsData } from './stage-results.js';
import type { TransformOutcome } from './transform.js';

export interface TransformStage {
  submit(inputs: readonly DecodeInput[], nowMs: number): Promise<StageResults>;
  close(): Promise<void>;
}

export type StageConfig = Pick<Config, 'mixpanel' | 'mapping' | 'input'>;

function write(writer: StageResultsWriter, outcome: TransformOutcome): void {
  if (outcome.kind === 'records') writer.records(outcome.segmentType, outcome.records);
  else writer.decide(outcome);
}

/**
 * Transforms a batch of inputs (used by both stages): one outcome list per input, in order, every
 * record's JSON encoded into one buffer. A worker transfers that buffer to the main thread instead
 * of copying a string per record across, and request bodies are then assembled by copying bytes,
 * never by encoding text again.
 */
export function runInputs(
  transformer: ReturnType<typeof createRecordTransformer>,
  inputs: readonly DecodeInput[],
  nowMs: number,
): StageResultsData {
  const writer = new StageResultsWriter();
  for (const input of inputs) {
    const context = { nowMs, kafkaTimestampMs: input.kafkaTimestampMs };
    if ('bytes' in input) {
      for (const outcome of transformer.transformRecord(input.bytes, context))
        write(writer, outcome);
    } else {
      write(writer, transformer.transformPayload(input.payload, context));
    }
    writer.endInput();
  }
  return writer.finish();
}

/** The stage on this thread: transforms synchronously (workers: 0, and unit tests). */
export function createInProcessStage(config: StageConfig): TransformStage {
  const transformer = createRecordTransformer(config);
  return {
    submit: (inputs, nowMs) =>
      Promise.resolve(new StageResults(runInputs(transformer, inputs, nowMs))),
    close: () => Promise.resolve(),
  };
}
