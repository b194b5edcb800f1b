import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/harness/manual-clock.js';
import { silentLogger } from '../log.js';
import { createMetrics } from '../metrics/registry.js';
import { Committer } from './committer.js';
import { OffsetTracker } from './offset-tracker.js';
import { type CommittableOffset } from '../kafka/topic-partition.js';

const TP = { topic: 'events', partition: 0 };

function setup() {
  const clock = new ManualClock();
  const tracker = new OffsetTracker();
  const committed: CommittableOffset[][] = [];
  let refuse = 0;
  const source = {
    async commit(offsets: readonly CommittableOffset[]) {
      if (refuse > 0) {
        refuse--;
        throw new Error('REBALANCE_IN_PROGRESS');
      }
      committed.push([...offsets]);
    },
  };
  const metrics = createMetrics();
  const committer = new Committer({
    tracker,
    source,
    clock,
    intervalMs: 1000,
    logger: silentLogger(),
    metrics,
  });
  return { clock, tracker, committed, committer, metrics, refuseNext: (n: number) => (refuse = n) };
}

describe('Committer', () => {
  it('commits the settled watermark on every tick, and nothing when nothing settled', async () => {
    const { clock, tracker, committed, committer } = setup();
    committer.start();
    tracker.track(TP, 0);
    tracker.track(TP, 1);
    tracker.settle(TP, 0);
    await clock.advance(1000);
    expect(committed).toEqual([[{ ...TP, offset: 1 }]]);
    await clock.advance(1000);
    expect(committed).toHaveLength(1);
    tracker.settle(TP, 1);
    await clock.advance(1000);
    expect(committed.at(-1)).toEqual([{ ...TP, offset: 2 }]);
    await committer.stop();
  });

  it('retries a refused commit at the next tick and counts the failure', async () => {
    const { clock, tracker, committed, committer, metrics, refuseNext } = setup();
    committer.start();
    tracker.track(TP, 5);
    tracker.settle(TP, 5);
    refuseNext(1);
    await clock.advance(1000);
    expect(committed).toEqual([]);
    await clock.advance(1000);
    expect(committed).toEqual([[{ ...TP, offset: 6 }]]);
    const failures = (await metrics.commitDuration.get()).values.find(
      (v) => v.metricName?.endsWith('_count') && v.labels.result === 'failure',
    );
    expect(failures?.value).toBe(1);
    await committer.stop();
  });

  it('makes a last commit when stopped', async () => {
    const { tracker, committed, committer } = setup();
    committer.start();
    tracker.track(TP, 0);
    tracker.settle(TP, 0);
    expect(await committer.stop()).toBe(true);
    expect(committed).toEqual([[{ ...TP, offset: 1 }]]);
  });
});
