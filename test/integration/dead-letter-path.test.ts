/**
 * The dead-letter path's failure modes on the real broker: a dead-letter topic that accepts only
 * small requests, and one deleted while the processor runs. Letters are never skipped, failures are
 * counted, the partition stays uncommitted while its letter is not written, and nothing hangs.
 */
import { ConfigResourceTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { Metrics } from '../../src/metrics/registry.js';
import { committedOffsets, createTopic, endOffsets, withAdmin } from '../harness/kafka/client.js';
import { traffic, usePipelineFixture, waitForCommitsAtEnd } from '../harness/pipeline.js';
import { waitFor } from '../harness/wait.js';

/** A record that is not JSON, about 1.5 KB. */
const poison = (i: number): { key: string; value: Buffer } => ({
  key: `bad-${i}`,
  value: Buffer.from(`{not json ${i} ${'x'.repeat(1500)}`),
});

async function failures(metrics: Metrics): Promise<number> {
  return (await metrics.deadLetterFailures.get()).values[0]?.value ?? 0;
}

describe('the dead-letter path', () => {
  it('sends a group the broker refuses as too large again one letter per request, until every letter is written', async () => {
    const fixture = await usePipelineFixture({ partitions: 1 });
    const app = await fixture.startApp();
    // Lowered after the processor read the limit at start: its groups are now too large.
    await withAdmin(fixture.kafka, (admin) =>
      admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: fixture.deadLetterTopic,
            configEntries: [{ name: 'max.message.bytes', value: '4096' }],
          },
        ],
      }),
    );
    await fixture.produce(Array.from({ length: 40 }, (_, i) => poison(i)));
    await waitForCommitsAtEnd(fixture);
    const letters = await endOffsets(fixture.kafka, fixture.deadLetterTopic);
    expect(letters.get(0)).toBe(40n);
    expect(await failures(app.metrics)).toBeGreaterThan(0);
  });

  it('keeps the partition uncommitted and counts every failed attempt while the topic is gone, then catches up', async () => {
    const fixture = await usePipelineFixture({
      partitions: 1,
      config: { deadLetter: { produceRetries: 2, retryInitialDelayMs: 200, retryMaxDelayMs: 500 } },
    });
    const app = await fixture.startApp();
    await fixture.produce(traffic(50, { seed: 31 }));
    await waitForCommitsAtEnd(fixture);
    const before = (await committedOffsets(fixture.kafka, fixture.groupId, fixture.topic)).get(0);
    await withAdmin(fixture.kafka, (admin) =>
      admin.deleteTopics({ topics: [fixture.deadLetterTopic] }),
    );
    await fixture.produce([poison(1), ...traffic(20, { seed: 32 })]);
    await waitFor(
      () => failures(app.metrics),
      (n) => n >= 3,
      {
        what: 'failed dead-letter writes to be counted',
        timeoutMs: 60_000,
      },
    );
    // Nothing from the poison record on is committed: its letter is not written.
    const during = (await committedOffsets(fixture.kafka, fixture.groupId, fixture.topic)).get(0);
    expect(during).toBe(before);
    await createTopic(fixture.kafka, fixture.deadLetterTopic, 1);
    await waitForCommitsAtEnd(fixture);
    expect((await endOffsets(fixture.kafka, fixture.deadLetterTopic)).get(0)).toBe(1n);
  });
});
