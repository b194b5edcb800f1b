/**
 * The transform stage on worker threads: decode, validate, map and serialize run off the event
 * loop, which keeps Kafka fetching, batching, HTTP and settlement (the main thread's work) from
 * queueing behind the CPU-heavy part. Jobs go to the workers in turn; each job travels as one
 * transferred buffer (no copy) and the outcomes come back in the compact form of
 * stage-results.ts, transferred too.
 *
 * A worker that dies fails every job it held and the stage from then on: the pipeline stops, and
 * since nothing of those jobs settled, nothing of them is committed.
 */
import type { DecodeInput } from '../decode/record-decoder.js';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.js';
import { SpareBuffers } from '../spare-buffers.js';
import type { StageConfig, TransformStage } from './stage.js';
import { StageResults } from './stage-results.js';
import { jobHeadBytes, type WorkerJob, type WorkerReply } from './stage-worker.js';

interface Pending {
  resolve(results: StageResults): void;
  reject(error: Error): void;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /**
   * Job buffers the worker handed back, for its next jobs: a new buffer per job made the main
   * thread's buffer memory grow with the traffic. About as many as jobs in flight are kept.
   */
  readonly spare: SpareBuffers<ArrayBuffer>;
}

export class TransformStageFailed extends Error {
  override name = 'TransformStageFailed';
}

/**
 * The worker entry next to this file: `stage-worker.js` when built, started with the node options
 * of the process (inherited: V8 flags such as --max-old-space-size are process-wide, and passing
 * them explicitly is an error). From source (tests, `tsx`), the TypeScript entry is loaded through
 * a one-line bootstrap that registers tsx in the worker: loader hooks of the main thread do not
 * reach a worker's entry module on Node 20.
 */
function workerEntry(): { url: URL; execArgv: string[] | undefined } {
  if (!import.meta.url.endsWith('.ts'))
    return { url: new URL('./stage-worker.js', import.meta.url), execArgv: undefined };
  const entry = new URL('./stage-worker.ts', import.meta.url);
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry.href)});`;
  return { url: new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), execArgv: [] };
}

export interface WorkerStageOptions {
  readonly workers: number;
  readonly logger?: Logger;
  /** Another worker script (tests: a worker that dies). */
  readonly entry?: URL;
}

export function createWorkerStage(
  config: StageConfig,
  options: WorkerStageOptions,
): TransformStage {
  const { url, execArgv } = options.entry ? { url: options.entry, execArgv: [] } : workerEntry();
  let nextId = 0;
  let turn = 0;
  let failure: Error | undefined;
  let closing = false;

  const fail = (slot: Slot, error: Error): void => {
    failure ??= new TransformStageFailed(`a transform worker failed: ${error.message}`);
    for (const pending of slot.pending.values()) pending.reject(failure);
    slot.pending.clear();
  };

  const slots: Slot[] = Array.from({ length: Math.max(1, options.workers) }, () => {
    // Only the sections the transform reads; postMessage's structured clone copies them.
    const worker = new Worker(url, {
      workerData: { mixpanel: config.mixpanel, mapping: config.mapping, input: config.input },
      resourceLimits: { maxYoungGenerationSizeMb: config.input.transformWorkerYoungGenerationMb },
      ...(execArgv ? { execArgv } : {}),
    });
    const slot: Slot = {
      worker,
      pending: new Map(),
      spare: new SpareBuffers(4, (size) => new ArrayBuffer(size)),
    };
    worker.on('message', (reply: WorkerReply) => {
      const pending = slot.pending.get(reply.id);
      slot.pending.delete(reply.id);
      slot.spare.giveBack(reply.job);
      pending?.resolve(new StageResults(reply.results));
    });
    worker.on('error', (error) => {
      options.logger?.error({ err: error }, 'transform worker failed');
      fail(slot, error);
    });
    worker.on('exit', (code) => {
      if (!closing) fail(slot, new Error(`exited with code ${code}`));
    });
    return slot;
  });

  return {
    submit(inputs: readonly DecodeInput[], nowMs: number): Promise<StageResults> {
      if (failure) return Promise.reject(failure);
      if (inputs.length === 0) return Promise.resolve(StageResults.EMPTY);
      let total = 0;
      for (const input of inputs) if ('bytes' in input) total += input.bytes.byteLength;
      const count = inputs.length;
      const head = jobHeadBytes(count);
      const slot = slots[turn++ % slots.length] as Slot;
      const buffer = slot.spare.take(head + total);
      const timestamps = new Float64Array(buffer, 0, count);
      const starts = new Int32Array(buffer, 8 * count, count);
      const lengths = new Int32Array(buffer, 12 * count, count);
      const bytes = new Uint8Array(buffer, head);
      let payloads: Map<number, unknown> | undefined;
      let at = 0;
      inputs.forEach((input, i) => {
        timestamps[i] = input.kafkaTimestampMs;
        if ('bytes' in input) {
          bytes.set(input.bytes, at);
          starts[i] = at;
          lengths[i] = input.bytes.byteLength;
          at += input.bytes.byteLength;
        } else {
          starts[i] = -1;
          (payloads ??= new Map()).set(i, input.payload);
        }
      });
      const id = nextId++;
      const job: WorkerJob = { id, nowMs, count, buffer, payloads };
      return new Promise((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.postMessage(job, [buffer]);
      });
    },
    async close() {
      closing = true;
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
