/**
 * Transform alone, on this one thread: decode + validate + map the realistic mix, and the whole
 * job a transform worker does (the same plus serializing and encoding every record with its
 * routing), in jobs of 500 messages.
 */
import { configSchema } from '../../src/config/schema.js';
import { TrafficGenerator } from '../../src/produce/generator.js';
import { createRecordTransformer } from '../../src/transform/record-transformer.js';
import { runInputs } from '../../src/transform/stage.js';

export interface TransformResult {
  readonly messages: number;
  readonly transformPerSecond: number;
  readonly withSerializationPerSecond: number;
}

/** Messages per job, about what one Kafka batch of a partition gives a worker. */
const JOB = 500;

export function transformOnly(messages: number): TransformResult {
  const config = configSchema.parse({ mixpanel: { projectToken: 'bench-token' } });
  const transformer = createRecordTransformer(config);
  const generator = new TrafficGenerator({
    seed: 99,
    users: 20_000,
    startTimeMs: Date.now() - 3_600_000,
    stepMs: 1,
  });
  const values = Array.from({ length: messages }, () => generator.next().value);
  const context = { nowMs: Date.now(), kafkaTimestampMs: Date.now() };

  const inputs = values.map((bytes) => ({ bytes, kafkaTimestampMs: context.kafkaTimestampMs }));
  const run = (serialize: boolean): number => {
    let sink = 0;
    const started = performance.now();
    if (serialize) {
      for (let at = 0; at < inputs.length; at += JOB)
        sink += runInputs(transformer, inputs.slice(at, at + JOB), context.nowMs).buffer.byteLength;
    } else {
      for (const value of values) {
        for (const outcome of transformer.transformRecord(value, context))
          if (outcome.kind === 'records') sink += outcome.records.length;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    if (sink < 0) throw new Error('unreachable');
    return messages / seconds;
  };
  // Warm up the JIT on a first pass of each, then measure the best of three.
  run(false);
  run(true);
  const best = (serialize: boolean): number =>
    Math.max(run(serialize), run(serialize), run(serialize));
  return { messages, transformPerSecond: best(false), withSerializationPerSecond: best(true) };
}
