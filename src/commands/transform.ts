/**
 * `segment-mixpanel transform`: Segment messages as NDJSON on stdin → one NDJSON line per output
 * on stdout:
 *
 *   {"endpoint":"/import"|"/engage"|"/groups","record":{…}}   a Mixpanel record
 *   {"error":{"code":"…","message":"…"},"line":N}              an input message rejected
 *   {"skipped":"…","line":N}                                   an input message intentionally skipped
 *
 * Lines are numbered from 1 (blank lines are skipped but counted); a Segment batch payload on one
 * line gives the outputs of each of its messages, all with that line's number. Streaming: one
 * line in memory at a time, output flushed in chunks with backpressure. Deterministic: the same
 * input and config give the same bytes; the clock is read once, only for the future bound of
 * the time check (`input.maxFutureMs`; `--now` pins it). There is no Kafka timestamp here, so a
 * message without any time field is rejected as invalid_timestamp. Rejected lines are data:
 * the command still succeeds.
 */
import { once } from 'node:events';
import type { Clock } from '../clock.js';
import { loadConfig } from '../config/load.js';
import { createRecordTransformer } from '../transform/record-transformer.js';
import type { TransformOutcome } from '../transform/transform.js';
import { ndjsonLines } from './ndjson-lines.js';

export interface TransformCommandOptions {
  readonly config?: string | undefined;
  /** Reference "now" (epoch ms) for the future-time check; defaults to the clock. */
  readonly nowMs?: number | undefined;
}

export interface TransformIo {
  readonly input: AsyncIterable<Uint8Array | string>;
  readonly output: NodeJS.WritableStream;
  readonly clock: Pick<Clock, 'now'>;
}

export interface TransformSummary {
  lines: number;
  records: number;
  rejected: number;
  skipped: number;
}

const FLUSH_AT = 64 * 1024;

export async function runTransform(
  options: TransformCommandOptions,
  io: TransformIo,
): Promise<TransformSummary> {
  const config = loadConfig({ file: options.config });
  const transformer = createRecordTransformer(config);
  const context = { nowMs: options.nowMs ?? io.clock.now() };
  const summary: TransformSummary = { lines: 0, records: 0, rejected: 0, skipped: 0 };
  // The output may close early (`| head`: EPIPE). That ends the run quietly, as for any Unix
  // filter; the listener stays so that a late error event of the dead stream cannot crash us.
  let failure: unknown;
  io.output.on('error', (err: unknown) => {
    failure ??= err;
  });
  try {
    let buffered = '';
    for await (const { line, bytes } of ndjsonLines(io.input)) {
      summary.lines += 1;
      for (const outcome of transformer.transformRecord(bytes, context)) {
        buffered += render(outcome, line, summary);
      }
      if (buffered.length >= FLUSH_AT) {
        await write(io.output, buffered);
        buffered = '';
      }
      if (failure !== undefined) throw failure;
    }
    if (buffered.length > 0) await write(io.output, buffered);
    if (failure !== undefined) throw failure;
  } catch (err) {
    if ((err as NodeJS.ErrnoException | undefined)?.code !== 'EPIPE') throw err;
  }
  return summary;
}

/** The output lines of one outcome (the formats `transform --help` documents, keys in this order). */
export function render(
  outcome: TransformOutcome,
  line: number,
  summary?: TransformSummary,
): string {
  switch (outcome.kind) {
    case 'records':
      if (summary) summary.records += outcome.records.length;
      return outcome.records
        .map((r) => `${JSON.stringify({ endpoint: r.endpoint, record: r.record })}\n`)
        .join('');
    case 'rejected':
      if (summary) summary.rejected += 1;
      return `${JSON.stringify({ error: { code: outcome.rejection.code, message: outcome.rejection.message }, line })}\n`;
    case 'skipped':
      if (summary) summary.skipped += 1;
      return `${JSON.stringify({ skipped: outcome.reason, line })}\n`;
  }
}

async function write(output: NodeJS.WritableStream, text: string): Promise<void> {
  if (!output.write(text)) await once(output, 'drain');
}
