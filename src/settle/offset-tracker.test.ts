import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OffsetTracker } from './offset-tracker.js';

const P0 = { topic: 'events', partition: 0 };
const P1 = { topic: 'events', partition: 1 };

describe('OffsetTracker', () => {
  it('commits the next offset after the highest contiguous settled record', () => {
    const tracker = new OffsetTracker();
    for (const offset of [10, 11, 12, 13]) tracker.track(P0, offset);
    tracker.settle(P0, 11);
    tracker.settle(P0, 13);
    expect(tracker.pendingCommits()).toEqual([]);
    tracker.settle(P0, 10);
    expect(tracker.pendingCommits()).toEqual([{ ...P0, offset: 12 }]);
    tracker.settle(P0, 12);
    expect(tracker.pendingCommits()).toEqual([{ ...P0, offset: 14 }]);
  });

  it('never offers the same offset twice once committed', () => {
    const tracker = new OffsetTracker();
    tracker.track(P0, 0);
    tracker.settle(P0, 0);
    const commits = tracker.pendingCommits();
    tracker.markCommitted(commits);
    expect(tracker.pendingCommits()).toEqual([]);
    tracker.track(P0, 1);
    tracker.settle(P0, 1);
    expect(tracker.pendingCommits()).toEqual([{ ...P0, offset: 2 }]);
  });

  it('keeps partitions independent', () => {
    const tracker = new OffsetTracker();
    tracker.track(P0, 0);
    tracker.track(P1, 0);
    tracker.settle(P1, 0);
    expect(tracker.pendingCommits()).toEqual([{ ...P1, offset: 1 }]);
    expect(tracker.unsettled()).toEqual([{ ...P0, count: 1 }]);
  });

  it('passes skipped offsets (transaction markers) only once everything before them settled', () => {
    const tracker = new OffsetTracker();
    tracker.track(P0, 5);
    tracker.skipTo(P0, 8);
    expect(tracker.pendingCommits()).toEqual([]);
    tracker.settle(P0, 5);
    expect(tracker.pendingCommits()).toEqual([{ ...P0, offset: 8 }]);
  });

  it('reports the intake position so refetched records can be recognised', () => {
    const tracker = new OffsetTracker();
    expect(tracker.intakeEnd(P0)).toBe(-1);
    tracker.track(P0, 41);
    expect(tracker.intakeEnd(P0)).toBe(42);
    tracker.forget(P0);
    expect(tracker.intakeEnd(P0)).toBe(-1);
  });

  it('rejects out-of-order intake, unknown offsets and double settlement', () => {
    const tracker = new OffsetTracker();
    tracker.track(P0, 3);
    tracker.track(P0, 4);
    expect(() => tracker.track(P0, 2)).toThrow(RangeError);
    expect(() => tracker.settle(P0, 7)).toThrow(RangeError);
    tracker.settle(P0, 4);
    expect(() => tracker.settle(P0, 4)).toThrow(RangeError);
    tracker.settle(P0, 3);
    expect(() => tracker.settle(P0, 3)).toThrow(RangeError);
  });

  it('never commits past an unsettled record, whatever the settlement order (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat({ max: 5000 }), { minLength: 1, maxLength: 300 }),
        fc.func(fc.nat()),
        (raw, order) => {
          const offsets = [...raw].sort((a, b) => a - b);
          const settleOrder = offsets
            .map((o, i) => ({ o, k: order(i) }))
            .sort((a, b) => a.k - b.k || a.o - b.o)
            .map((x) => x.o);
          const tracker = new OffsetTracker();
          for (const o of offsets) tracker.track(P0, o);
          const settled = new Set<number>();
          let last = -1;
          for (const o of settleOrder) {
            tracker.settle(P0, o);
            settled.add(o);
            const commit = tracker.pendingCommits()[0]?.offset ?? last;
            // The commit is monotonic and every offset below it is settled.
            expect(commit).toBeGreaterThanOrEqual(last);
            for (const x of offsets) if (x < commit) expect(settled.has(x)).toBe(true);
            // And it is as far as it can be: the first unsettled offset bounds it exactly.
            const firstUnsettled = offsets.find((x) => !settled.has(x));
            const expected =
              firstUnsettled === undefined ? (offsets.at(-1) as number) + 1 : firstUnsettled;
            const prefix = offsets.filter((x) => x < expected);
            expect(commit).toBe(
              prefix.length === 0 ? -1 : Math.max(last, (prefix.at(-1) as number) + 1),
            );
            if (commit !== last) tracker.markCommitted([{ ...P0, offset: commit }]);
            last = commit;
          }
          expect(last).toBe((offsets.at(-1) as number) + 1);
        },
      ),
    );
  });
});
