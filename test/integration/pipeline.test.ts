/**
 * The processor end to end on a real broker and the sandbox: what reaches Mixpanel, what reaches
 * the dead-letter topic, and what gets committed.
 */
import { describe, expect, it } from 'vitest';
import { REASON_CODES } from '../../src/vocabulary.js';
import { readTopic } from '../harness/kafka/client.js';
import {
  expectedOutcomes,
  traffic,
  usePipelineFixture,
  waitForCommitsAtEnd,
} from '../harness/pipeline.js';

describe('the pipeline', () => {
  it('delivers 20,000 mixed messages, dead-letters exactly the 1% poison, and commits to the end', async () => {
    const fixture = await usePipelineFixture({ partitions: 4 });
    const messages = traffic(20_000, { poisonRate: 0.01, seed: 11 });
    const expected = expectedOutcomes(fixture.config, messages);
    const poison = messages.filter((m) => m.kind === 'poison');
    expect(poison.length).toBeGreaterThan(100);
    // The generator's labels and the transform agree on every poison message's code.
    for (const m of poison)
      expect(expected.deadLetters.get(m.value.toString('latin1'))).toBe(m.expectedCode);

    await fixture.produce(messages);
    const app = await fixture.startApp();
    await waitForCommitsAtEnd(fixture);

    const stats = fixture.sandbox.stats();
    expect(stats.records['/import'].unique).toBe(expected.importEvents);
    expect(stats.records['/import'].duplicates).toBe(0);
    expect(stats.records['/import'].rejected).toBe(0);
    expect(stats.records['/engage'].accepted).toBe(expected.engageUpdates);
    expect(stats.records['/groups'].accepted).toBe(expected.groupUpdates);

    const letters = await readTopic(
      fixture.kafka,
      fixture.deadLetterTopic,
      expected.deadLetters.size,
    );
    expect(letters).toHaveLength(expected.deadLetters.size);
    for (const letter of letters) {
      const value = letter.value?.toString('latin1') ?? '';
      expect(letter.headers['dlq.error.code']).toBe(expected.deadLetters.get(value));
      expect(REASON_CODES).toContain(letter.headers['dlq.error.code']);
      expect(letter.headers['dlq.source.topic']).toBe(fixture.topic);
      expect(Number(letter.headers['dlq.source.offset'])).toBeGreaterThanOrEqual(0);
      expect(letter.headers['dlq.error.message']?.length).toBeGreaterThan(0);
    }
    expect(
      new Set(
        letters.map(
          (l) => `${l.headers['dlq.source.partition']}/${l.headers['dlq.source.offset']}`,
        ),
      ).size,
    ).toBe(letters.length);

    const delivered = (await app.metrics.recordsDelivered.get()).values.reduce(
      (sum, v) => sum + v.value,
      0,
    );
    expect(delivered).toBe(expected.importEvents + expected.engageUpdates + expected.groupUpdates);
  });
});
