/**
 * Publish alone: pre-serialized /import events sent by the publisher to the sandbox (another
 * process), 2000 per request and many batches at once as the pipeline does, separating HTTP and
 * gzip costs from Kafka's.
 */
import { configSchema } from '../../src/config/schema.js';
import { TrafficGenerator } from '../../src/produce/generator.js';
import { createPublisher } from '../../src/publish/publisher.js';
import { type PreparedRecord } from '../../src/mixpanel/records.js';
import { createRecordTransformer } from '../../src/transform/record-transformer.js';

export interface PublishOnlyResult {
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
}

export async function publishOnly(sandboxUrl: string, records: number): Promise<PublishOnlyResult> {
  const config = configSchema.parse({
    mixpanel: { projectToken: 'bench-token', apiHost: sandboxUrl },
  });
  const transformer = createRecordTransformer(config);
  const generator = new TrafficGenerator({
    seed: 5,
    users: 20_000,
    startTimeMs: Date.now() - 3_600_000,
    stepMs: 1,
  });
  const prepared: PreparedRecord[] = [];
  const context = { nowMs: Date.now(), kafkaTimestampMs: Date.now() };
  while (prepared.length < records) {
    for (const outcome of transformer.transformRecord(generator.next().value, context)) {
      if (outcome.kind !== 'records') continue;
      for (const record of outcome.records) {
        if (record.endpoint !== '/import' || prepared.length >= records) continue;
        const json = JSON.stringify(record.record);
        prepared.push({ json, bytes: Buffer.byteLength(json) });
      }
    }
  }
  const publisher = createPublisher({
    mixpanel: config.mixpanel,
    retry: config.retry,
    batching: config.batching,
  });
  try {
    const started = performance.now();
    const batches: Promise<unknown>[] = [];
    for (let i = 0; i < prepared.length; i += 2000)
      batches.push(publisher.publish('/import', prepared.slice(i, i + 2000)));
    await Promise.all(batches);
    const seconds = (performance.now() - started) / 1000;
    return { records: prepared.length, seconds, recordsPerSecond: prepared.length / seconds };
  } finally {
    await publisher.close();
  }
}
