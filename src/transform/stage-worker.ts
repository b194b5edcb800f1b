/**
 * Entry of a transform worker thread (see worker-stage.ts): builds the record transformer from the
 * config it was started with and answers each job with the outcomes of its inputs, in order.
 * JSON inputs arrive concatenated in one transferred buffer with their offsets.
 */
import type { DecodeInput } from '../decode/record-decoder.js';
import { parentPort, workerData } from 'node:worker_threads';
import { createRecordTransformer } from './record-transformer.js';
import { runInputs, type StageConfig } from './stage.js';
import { transferList, type StageResultsData } from './stage-results.js';

export interface WorkerJob {
  readonly id: number;
  readonly nowMs: number;
  /** JSON inputs, concatenated. */
  readonly buffer: ArrayBuffer;
  /** Per input: start offset in buffer, or -1 for a payload input. */
  readonly starts: Int32Array;
  readonly lengths: Int32Array;
  readonly timestamps: Float64Array;
  /** Payload inputs (already decoded, e.g. Avro), by input index. */
  readonly payloads: ReadonlyMap<number, unknown>;
}

export interface WorkerReply {
  readonly id: number;
  readonly results: StageResultsData;
}

const port = parentPort;
if (port) {
  const transformer = createRecordTransformer(workerData as StageConfig);
  port.on('message', (job: WorkerJob) => {
    const bytes = new Uint8Array(job.buffer);
    const inputs: DecodeInput[] = [];
    for (let i = 0; i < job.starts.length; i++) {
      const start = job.starts[i] as number;
      inputs.push(
        start >= 0
          ? {
              bytes: bytes.subarray(start, start + (job.lengths[i] as number)),
              kafkaTimestampMs: job.timestamps[i] as number,
            }
          : { payload: job.payloads.get(i), kafkaTimestampMs: job.timestamps[i] as number },
      );
    }
    const results = runInputs(transformer, inputs, job.nowMs);
    const reply: WorkerReply = { id: job.id, results };
    // Typed arrays and the records' UTF-8, transferred: nothing per record is cloned.
    port.postMessage(reply, transferList(results));
  });
}
