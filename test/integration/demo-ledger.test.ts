/**
 * The demo's ledger (scripts/demo/ledger.ts) against a real processor, broker and sandbox: every
 * produced message is found delivered, dead-lettered or skipped once committed, and a message the
 * sandbox does not hold is reported missing, so the demo's check can fail.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { startLedger, type LedgerSnapshot } from '../../scripts/demo/ledger.js';
import { uniqueName } from '../harness/kafka/client.js';
import {
  expectedOutcomes,
  traffic,
  usePipelineFixture,
  waitForCommitsAtEnd,
  type PipelineFixture,
} from '../harness/pipeline.js';
import { waitFor } from '../harness/wait.js';

async function ledgerFor(fixture: PipelineFixture) {
  const ledger = await startLedger({
    kafka: fixture.kafka,
    config: fixture.config,
    sandbox: fixture.sandbox,
    clock: systemClock,
    runId: uniqueName('ledger'),
  });
  onTestFinished(() => ledger.stop());
  return ledger;
}

function settled(ledger: Awaited<ReturnType<typeof ledgerFor>>): Promise<LedgerSnapshot> {
  return waitFor(
    () => ledger.snapshot(),
    (s) => s.checking === 0,
    { what: 'the ledger to have checked every committed message', timeoutMs: 30_000 },
  );
}

describe('the demo ledger', () => {
  it('accounts for every message: produced = delivered + dead-lettered + skipped + unsettled', async () => {
    const fixture = await usePipelineFixture({ partitions: 3 });
    const ledger = await ledgerFor(fixture);
    const messages = traffic(1500, { seed: 91, poisonRate: 0.02 });
    const expected = expectedOutcomes(fixture.config, messages);
    await fixture.produce(messages);
    const before = await ledger.snapshot();
    expect(before).toMatchObject({ produced: 1500, unsettled: 1500, delivered: 0, missing: 0 });

    await fixture.startApp();
    await waitForCommitsAtEnd(fixture);
    const after = await settled(ledger);
    expect(after.missing).toBe(0);
    expect(after.unsettled).toBe(0);
    expect(after.deadLettered).toBe(expected.deadLetters.size);
    expect(after.skipped).toBeGreaterThan(0);
    expect(after.delivered + after.deadLettered + after.skipped).toBe(1500);
  });

  it('reports committed messages that the sandbox does not hold as missing', async () => {
    const fixture = await usePipelineFixture({ partitions: 2 });
    const ledger = await ledgerFor(fixture);
    const messages = traffic(300, { seed: 92 });
    await fixture.produce(messages);
    await fixture.startApp();
    await waitForCommitsAtEnd(fixture);
    fixture.sandbox.reset(); // as if Mixpanel had lost what it acknowledged
    const after = await settled(ledger);
    expect(after.delivered).toBe(0);
    expect(after.missing).toBe(300 - after.skipped);
    expect(after.missingSamples).toHaveLength(5);
  });
});
