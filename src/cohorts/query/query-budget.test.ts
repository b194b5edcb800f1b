import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/harness/manual-clock.js';
import { createMetrics } from '../../metrics/registry.js';
import { QueryBudget, type BudgetWait } from './query-budget.js';

const MINUTE = 60_000;

function budget(perHour: number, concurrent: number) {
  const clock = new ManualClock();
  const metrics = createMetrics();
  return { clock, metrics, budget: new QueryBudget({ clock, metrics, perHour, concurrent }) };
}

async function waitSeconds(metrics: ReturnType<typeof createMetrics>, cause: string) {
  const metric = (await metrics.registry.getMetricsAsJSON()).find(
    (m) => m.name === 'segment_mixpanel_cohort_query_wait_seconds_total',
  );
  return metric?.values.find((v) => v.labels.cause === cause)?.value;
}

describe('QueryBudget', () => {
  it('starts at most perHour requests in any rolling hour, and says how long it waits', async () => {
    const { clock, metrics, budget: b } = budget(3, 5);
    for (let i = 0; i < 3; i++) {
      (await b.acquire())();
      await clock.advance(10 * MINUTE);
    }
    // Requests started at 0, 10 and 20 min; now it is 30 min: the next slot opens at 60 min.
    const waits: BudgetWait[] = [];
    let started = false;
    void b.acquire(undefined, (w) => waits.push(w)).then(() => (started = true));
    await clock.advance(29 * MINUTE);
    expect(started).toBe(false);
    expect(waits).toEqual([{ cause: 'hourly_limit', ms: 30 * MINUTE }]);
    await clock.advance(MINUTE);
    expect(started).toBe(true);
    expect(b.usedThisHour).toBe(3);
    expect(await waitSeconds(metrics, 'hourly_limit')).toBe(30 * 60);
  });

  it('keeps at most `concurrent` requests in flight', async () => {
    const { clock, budget: b } = budget(60, 2);
    const first = await b.acquire();
    await b.acquire();
    let third = false;
    void b.acquire().then(() => (third = true));
    await clock.advance(0);
    expect(third).toBe(false);
    first();
    first(); // releasing twice frees one slot only
    await clock.advance(0);
    expect(third).toBe(true);
    let fourth = false;
    void b.acquire().then(() => (fourth = true));
    await clock.advance(0);
    expect(fourth).toBe(false);
  });

  it('holds every request during a pause after a 429', async () => {
    const { clock, metrics, budget: b } = budget(60, 5);
    b.pause(30_000);
    let started = false;
    void b.acquire().then(() => (started = true));
    await clock.advance(29_999);
    expect(started).toBe(false);
    await clock.advance(1);
    expect(started).toBe(true);
    expect(await waitSeconds(metrics, 'backoff')).toBe(30);
  });

  it('gives up waiting when the signal aborts', async () => {
    const { budget: b } = budget(1, 1);
    (await b.acquire())();
    const stop = new AbortController();
    const waiting = b.acquire(stop.signal);
    stop.abort(new Error('stopping'));
    await expect(waiting).rejects.toThrow('stopping');
  });
});
