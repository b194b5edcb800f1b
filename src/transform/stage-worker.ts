/**
 * Entry of a transform worker thread (see worker-stage.ts): builds the record transformer from the
 * config it was started with and answers each job with the outcomes of its inputs, in order.
 * A job arrives as one transferred buffer: its inputs' timestamps, offsets and JSON.
 */
import type { DecodeInput } from '../decode/record-decoder.js';
import { parentPort, workerData } from 'node:worker_threads';
import { createRecordTransformer } from './record-transformer.js';
import { runInputs, type StageConfig } from './stage.js';
import type { StageResultsData } from './stage-results.js';

export interface WorkerJob {
  readonly id: number;
  readonly nowMs: number;
  /** Inputs in the job. */
  readonly count: number;
  /**
   * Per input its Kafka timestamp (Float64), the start of its JSON (Int32; -1 for a payload
   * input) and its length (Int32), then the JSON inputs concatenated, from jobHeadBytes(count).
   */
  readonly buffer: ArrayBuffer;
  /** Payload inputs (already decoded, e.g. Avro), by input index; none for JSON-only jobs. */
  readonly payloads: ReadonlyMap<number, unknown> | undefined;
}

/** Bytes before a job's JSON: a timestamp, a start and a length per input. */
export function jobHeadBytes(count: number): number {
  return 16 * count;
}

export interface WorkerReply {
  readonly id: number;
  readonly results: StageResultsData;
  /** The job's buffer, handed back for a later job. */
  readonly job: ArrayBuffer;
}

const port = parentPort;
if (port) {
  const transformer = createRecordTransformer(workerData as StageConfig);
  port.on('message', (job: WorkerJob) => {
    const { count, buffer } = job;
    const timestamps = new Float64Array(buffer, 0, count);
    const starts = new Int32Array(buffer, 8 * count, count);
    const lengths = new Int32Array(buffer, 12 * count, count);
    const bytes = new Uint8Array(buffer, jobHeadBytes(count));
    const inputs: DecodeInput[] = [];
    for (let i = 0; i < count; i++) {
      const start = starts[i] as number;
      const kafkaTimestampMs = timestamps[i] as number;
      inputs.push(
        start >= 0
          ? { bytes: bytes.subarray(start, start + (lengths[i] as number)), kafkaTimestampMs }
          : { payload: job.payloads?.get(i), kafkaTimestampMs },
      );
    }
    const results = runInputs(transformer, inputs, job.nowMs);
    const reply: WorkerReply = { id: job.id, results, job: buffer };
    // Transferred: nothing per record is cloned, and the job's buffer goes back to be reused.
    port.postMessage(reply, [results.buffer, buffer]);
  });
}
