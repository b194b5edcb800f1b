import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/harness/manual-clock.js';
import { createLogger } from '../log.js';
import { createMetrics } from '../metrics/registry.js';
import { readTotals, startRunReport } from './run-report.js';

function jsonLines(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    stream,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('the run report', () => {
  it('reads totals from the metrics: delivered per endpoint, dead letters by code', async () => {
    const metrics = createMetrics({ topics: ['events'] });
    metrics.messagesConsumed.inc({ topic: 'events', partition: '0' }, 10);
    metrics.recordsDelivered.inc({ target: 'import' }, 7);
    metrics.deadLetters.inc({ source_topic: 'events', code: 'invalid_json', stage: 'decode' }, 2);
    metrics.messagesSkipped.inc({ reason: 'integrations_disabled' }, 1);
    expect(await readTotals(metrics)).toEqual({
      consumed: 10,
      delivered: { '/import': 7 },
      deadLettered: 2,
      deadLetteredByCode: { invalid_json: 2 },
      skipped: 1,
      skippedByReason: { integrations_disabled: 1 },
      unsettled: 0,
      lag: undefined,
    });
  });

  it('logs progress while messages move, and caught up once at the end of the partitions', async () => {
    const metrics = createMetrics({ topics: ['events'] });
    const out = jsonLines();
    const clock = new ManualClock();
    const report = startRunReport({
      metrics,
      logger: createLogger({ level: 'info' }, out.stream),
      clock,
      intervalMs: 5000,
    });
    await clock.advance(5000); // nothing consumed yet: silent
    metrics.messagesConsumed.inc({ topic: 'events', partition: '0' }, 100);
    metrics.consumerLag.set({ topic: 'events', partition: '0' }, 40);
    await clock.advance(5000);
    metrics.consumerLag.set({ topic: 'events', partition: '0' }, 0);
    await clock.advance(5000);
    await clock.advance(5000); // no change: no line
    const totals = await report.stop();
    await clock.advance(5000); // stopped: no line
    expect(out.lines().map((l) => [l.msg, l.consumed, l.perSecond, l.lag])).toEqual([
      ['progress', 100, 20, 40],
      ['progress', 100, 0, 0],
      ['caught up: every owned partition is committed to its end', 100, undefined, undefined],
    ]);
    expect(totals.consumed).toBe(100);
  });
});
