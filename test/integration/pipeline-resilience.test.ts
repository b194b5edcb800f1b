/**
 * The promises under stress, on a real broker and the sandbox: crashes, a second member joining and
 * leaving, Mixpanel faults, bad credentials, and Mixpanel down. Nothing is lost, nothing is
 * duplicated in the deduplicated view, and nothing unsettled is committed.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { replayDeadLetters } from '../../src/dead-letter/replay.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { committedOffsets } from '../harness/kafka/client.js';
import {
  deadLetterCount,
  expectedOutcomes,
  traffic,
  usePipelineFixture,
  waitForCommitsAtEnd,
} from '../harness/pipeline.js';
import { startProcessorProcess } from '../harness/processor.js';
import { freePort } from '../harness/ports.js';
import { waitFor } from '../harness/wait.js';

describe('the pipeline under stress', () => {
  it('loses nothing when the processor is killed with SIGKILL mid-stream and restarted', async () => {
    const fixture = await usePipelineFixture({
      partitions: 4,
      sandbox: { faults: [{ endpoint: '*', rate: 1, mode: 'latency', delayMs: 40 }] },
    });
    const messages = traffic(12_000, { seed: 21 });
    const expected = expectedOutcomes(fixture.config, messages);
    await fixture.produce(messages);

    const first = startProcessorProcess(fixture.configInput);
    await waitFor(
      () => fixture.sandbox.stats().records['/import'].unique,
      (unique) => unique >= 2000,
      { what: 'the first processor to deliver part of the stream', timeoutMs: 60_000 },
    );
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(fixture.sandbox.stats().records['/import'].unique).toBeLessThan(expected.importEvents);

    const second = startProcessorProcess(fixture.configInput);
    try {
      await waitForCommitsAtEnd(fixture);
      const stats = fixture.sandbox.stats();
      expect(stats.records['/import'].unique).toBe(expected.importEvents);
      expect(stats.records['/engage'].accepted).toBeGreaterThanOrEqual(expected.engageUpdates);
      expect(await deadLetterCount(fixture)).toBe(0n);
    } finally {
      second.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    }
  });

  it('moves partitions to the remaining member when one of two stops, losing nothing', async () => {
    const fixture = await usePipelineFixture({ partitions: 6 });
    const messages = traffic(16_000, { seed: 22 });
    const expected = expectedOutcomes(fixture.config, messages);
    const a = await fixture.startApp();
    const b = await fixture.startApp();
    await waitFor(
      async () =>
        (await b.metrics.assignedPartitions.get()).values.reduce((s, v) => s + v.value, 0),
      (partitions) => partitions > 0 && partitions < 6,
      { what: 'both members to own partitions', timeoutMs: 60_000 },
    );
    await fixture.produce(messages.slice(0, 8000));
    await waitFor(
      () => fixture.sandbox.stats().records['/import'].unique,
      (unique) => unique > 1000,
      { what: 'delivery to start', timeoutMs: 60_000 },
    );
    expect((await a.stop()).code).toBe(0);
    await waitFor(
      async () =>
        (await b.metrics.assignedPartitions.get()).values.reduce((s, v) => s + v.value, 0),
      (partitions) => partitions === 6,
      { what: 'the remaining member to own every partition', timeoutMs: 60_000 },
    );
    await fixture.produce(messages.slice(8000));
    await waitForCommitsAtEnd(fixture);
    expect(fixture.sandbox.stats().records['/import'].unique).toBe(expected.importEvents);
    expect(await deadLetterCount(fixture)).toBe(0n);
  });

  it('rides out 5xx, 429s and hung connections: nothing lost, nothing duplicated, lag recovers', async () => {
    const fixture = await usePipelineFixture({
      partitions: 4,
      config: {
        retry: { requestTimeoutMs: 1000 },
        kafka: { lagIntervalMs: 300 },
        batching: { maxRecords: 200 },
      },
    });
    fixture.sandbox.addFault({ endpoint: '/import', rate: 0.2, status: 503 });
    fixture.sandbox.addFault({ endpoint: '/import', status: 429, count: 3, retryAfter: 1 });
    fixture.sandbox.addFault({ endpoint: '/import', mode: 'hang', count: 2 });
    fixture.sandbox.addFault({ endpoint: '/engage', rate: 0.2, status: 502 });
    const messages = traffic(10_000, { seed: 23 });
    const expected = expectedOutcomes(fixture.config, messages);
    const app = await fixture.startApp();
    await fixture.produce(messages);
    await waitForCommitsAtEnd(fixture);

    const stats = fixture.sandbox.stats();
    expect(stats.records['/import'].unique).toBe(expected.importEvents);
    expect(stats.faults.injected.hang).toBe(2);
    expect(stats.requests['/import']['503']).toBeGreaterThan(0);
    expect(stats.requests['/import']['429']).toBe(3);
    expect(await deadLetterCount(fixture)).toBe(0n);
    const retried = (await app.metrics.retries.get()).values;
    expect(retried.reduce((s, v) => s + v.value, 0)).toBeGreaterThan(0);
    // A 502 is refused before anything is applied, so /engage updates land exactly once. Only an
    // /engage request that outlived its 1 s timeout on a loaded machine can have been applied and
    // then sent again (Mixpanel keeps no dedupe for profile updates): then at least once.
    const engageTimeouts = retried
      .filter((v) => v.labels.endpoint === '/engage' && v.labels.reason === 'network')
      .reduce((s, v) => s + v.value, 0);
    if (engageTimeouts === 0) {
      expect(stats.records['/engage'].accepted).toBe(expected.engageUpdates);
    } else {
      expect(stats.records['/engage'].accepted).toBeGreaterThanOrEqual(expected.engageUpdates);
    }
    await waitFor(
      async () => (await app.metrics.consumerLag.get()).values,
      (lags) => lags.length === 4 && lags.every((l) => l.value === 0),
      { what: 'consumer lag back to zero on every partition', timeoutMs: 30_000 },
    );
  });

  it('exits non-zero on refused credentials, naming the setting, and commits nothing unsettled', async () => {
    const fixture = await usePipelineFixture({
      partitions: 2,
      sandbox: { credentials: { projectToken: 'right-token', apiSecret: 'right-secret' } },
      config: { mixpanel: { projectToken: 'right-token', apiSecret: 'wrong-secret' } },
    });
    // Only /import events: every one of them needs the refused credentials.
    const messages = traffic(400, { seed: 24 }).filter((m) => m.kind === 'track');
    await fixture.produce(messages);
    const processor = startProcessorProcess(fixture.configInput);
    const exit = await processor.exited;
    expect(exit.code).toBe(1);
    expect(processor.output()).toMatch(/stopped \(auth\)/);
    expect(processor.output()).toContain('mixpanel.apiSecret');
    expect(fixture.sandbox.stats().requests['/import']['401']).toBeGreaterThan(0);
    const committed = await committedOffsets(fixture.kafka, fixture.groupId, fixture.topic);
    expect([...committed.values()].every((offset) => offset === -1n)).toBe(true);
  });

  it('delivers what arrived while Mixpanel was down once it is back, without dead letters', async () => {
    const fixture = await usePipelineFixture({ partitions: 2 });
    const port = fixture.sandbox.port;
    await fixture.sandbox.stop(); // Mixpanel unreachable: connections refused
    const messages = traffic(2000, { seed: 25 });
    const expected = expectedOutcomes(fixture.config, messages);
    const app = await fixture.startApp();
    await fixture.produce(messages);
    await waitFor(
      async () =>
        (await app.metrics.retries.get()).values
          .filter((v) => v.labels.reason === 'network')
          .reduce((s, v) => s + v.value, 0),
      (retries) => retries >= 3,
      { what: 'the processor to retry an unreachable Mixpanel', timeoutMs: 60_000 },
    );
    const readiness = async (): Promise<{
      status: number;
      body: { checks: Record<string, unknown> };
    }> => {
      const response = await fetch(`${app.opsUrl()}/readyz`);
      return {
        status: response.status,
        body: (await response.json()) as { checks: Record<string, unknown> },
      };
    };
    const down = await readiness();
    expect(down.status).toBe(503);
    expect(down.body.checks.mixpanel).toMatch(/unreachable/);
    const back = await startSandbox({ port, keepRecords: 0 });
    try {
      await waitForCommitsAtEnd(fixture);
      expect(back.stats().records['/import'].unique).toBe(expected.importEvents);
      expect(await deadLetterCount(fixture)).toBe(0n);
      expect((await readiness()).status).toBe(200);
    } finally {
      await app.stop();
      await back.stop();
    }
  });
});

describe('the processor at startup', () => {
  it('refuses to start when a topic is missing, naming the setting', async () => {
    const fixture = await usePipelineFixture({ partitions: 1 });
    const processor = startProcessorProcess({
      ...fixture.configInput,
      kafka: { ...fixture.configInput.kafka, deadLetterTopic: `${fixture.topic}-no-such-dlq` },
    });
    expect((await processor.exited).code).toBe(1);
    expect(processor.output()).toContain(
      `cannot start: topic ${fixture.topic}-no-such-dlq (kafka.deadLetterTopic) does not exist on ${fixture.config.kafka.brokers.join(',')} (kafka.brokers); create it with: segment-mixpanel topics create -c `,
    );
  });

  it('stops promptly when told to during startup, leaving nothing running', async () => {
    const fixture = await usePipelineFixture({ partitions: 1 });
    const port = await freePort();
    const processor = startProcessorProcess({
      ...fixture.configInput,
      metrics: { enabled: true, host: '127.0.0.1', port },
      log: { level: 'info' },
    });
    // The ops server is the first thing started; the consumer is still joining its group.
    await waitFor(
      () => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status),
      (status) => status === 200,
      { what: 'the ops server', timeoutMs: 30_000, intervalMs: 20 },
    );
    processor.kill('SIGTERM');
    const exit = await processor.exited;
    expect(exit.code).toBe(0);
    expect(processor.output()).toContain('"msg":"processor stopped"');
    expect(processor.output()).not.toContain('KafkaJSNonRetriableError');
    // Startup ended at its next step: it never went on to finish after the stop was asked for.
    expect(processor.output()).not.toMatch(/processor stopping[\s\S]*processor started/);
  });
});

describe('dead-letter replay through the pipeline', () => {
  it('delivers records that exhausted their retries once Mixpanel is back and they are replayed', async () => {
    const fixture = await usePipelineFixture({
      partitions: 2,
      config: { retry: { maxElapsedMs: 300, initialDelayMs: 20, maxDelayMs: 50, jitterMaxMs: 10 } },
    });
    const messages = traffic(600, { seed: 41 }).filter(
      (m) => m.kind === 'track' || m.kind === 'page',
    );
    const expected = expectedOutcomes(fixture.config, messages);
    fixture.sandbox.addFault({ endpoint: '/import', rate: 1, status: 503 });
    await fixture.startApp();
    await fixture.produce(messages);
    await waitForCommitsAtEnd(fixture);
    expect(await deadLetterCount(fixture)).toBe(BigInt(messages.length));
    expect(fixture.sandbox.stats().records['/import'].unique).toBe(0);

    fixture.sandbox.clearFaults();
    const summary = await replayDeadLetters({
      kafka: fixture.kafka,
      clock: systemClock,
      deadLetterTopic: fixture.deadLetterTopic,
      filter: { codes: new Set(['retries_exhausted']) },
      forbiddenTopics: [fixture.deadLetterTopic],
    });
    expect(summary.replayed).toBe(messages.length);
    await waitForCommitsAtEnd(fixture);
    expect(fixture.sandbox.stats().records['/import'].unique).toBe(expected.importEvents);
    // Nothing new was dead-lettered the second time round.
    expect(await deadLetterCount(fixture)).toBe(BigInt(messages.length));
  });
});

describe('the brakes', () => {
  it('pauses consumption while the backlog is full and resumes as it drains, losing nothing', async () => {
    const fixture = await usePipelineFixture({
      partitions: 2,
      sandbox: { faults: [{ endpoint: '*', rate: 1, mode: 'latency', delayMs: 30 }] },
      config: { batching: { maxBufferedRecords: 150, maxRecords: 50, lingerMs: 20 } },
    });
    const messages = traffic(3000, { seed: 51 });
    const expected = expectedOutcomes(fixture.config, messages);
    await fixture.produce(messages);
    const app = await fixture.startApp();
    let paused = 0;
    let peakMessages = 0;
    let peakBytes = 0;
    await waitFor(
      async () => {
        paused = Math.max(paused, (await app.metrics.consumerPaused.get()).values[0]?.value ?? 0);
        peakMessages = Math.max(
          peakMessages,
          (await app.metrics.unsettledMessages.get()).values[0]?.value ?? 0,
        );
        peakBytes = Math.max(
          peakBytes,
          (await app.metrics.unsettledBytes.get()).values[0]?.value ?? 0,
        );
        return committedOffsets(fixture.kafka, fixture.groupId, fixture.topic);
      },
      (committed) =>
        [...committed.values()].reduce((a, b) => a + b, 0n) === BigInt(messages.length),
      { what: 'every message committed', timeoutMs: 120_000, intervalMs: 20 },
    );
    expect(paused).toBe(1);
    // At most 150 records held their bytes at any time; decided ones waiting for their turn to
    // settle (a few hundred bytes each) are capped at four times the limit.
    const largest = Math.max(...messages.map((m) => m.key.length + m.value.length));
    expect(peakBytes).toBeGreaterThan(0);
    expect(peakBytes).toBeLessThanOrEqual(150 * largest);
    expect(peakMessages).toBeLessThanOrEqual(600);
    expect(fixture.sandbox.stats().records['/import'].unique).toBe(expected.importEvents);
  });

  it('stops dead-lettering at once when the ratio passes deadLetter.maxRatio, and exits', async () => {
    const fixture = await usePipelineFixture({
      partitions: 1,
      config: { deadLetter: { maxRatio: 0.2, window: 50 } },
    });
    const messages = traffic(4000, { seed: 52, poisonRate: 0.5 });
    const poison = messages.filter((m) => m.kind === 'poison').length;
    await fixture.produce(messages);
    const processor = startProcessorProcess(fixture.configInput);
    const exit = await processor.exited;
    expect(exit.code).toBe(1);
    expect(processor.output()).toContain('stopped (dead_letter_ratio)');
    expect(processor.output()).toContain('deadLetter.maxRatio 0.2');
    // The brakes held: a handful of dead letters past the window, not the ~2,000 poison messages.
    const letters = await deadLetterCount(fixture);
    expect(letters).toBeGreaterThanOrEqual(10n);
    expect(letters).toBeLessThan(BigInt(Math.floor(poison / 10)));
    // What was not dead-lettered is not committed: it comes back once the cause is fixed.
    const committed = await committedOffsets(fixture.kafka, fixture.groupId, fixture.topic);
    expect((committed.get(0) ?? -1n) < BigInt(messages.length)).toBe(true);
  });
});
