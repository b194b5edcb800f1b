import type { PartitionAssigner } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { flushMicrotasks, ManualClock } from '../../test/harness/manual-clock.js';
import { createRevokeGate } from './revoke-gate.js';

/** A stand-in for the Cluster kafkajs passes to assigner factories. */
function fakeCluster() {
  const calls: string[] = [];
  return {
    calls,
    async findGroupCoordinator(group: { groupId: string }) {
      calls.push(group.groupId);
      return { nodeId: 1 };
    },
  };
}

function setup(onRevoking: (signal: AbortSignal) => Promise<void>) {
  const clock = new ManualClock();
  const errors: unknown[] = [];
  const gate = createRevokeGate({
    groupId: 'g',
    clock,
    heartbeatIntervalMs: 1000,
    capMs: 10_000,
    graceMs: 500,
    onRevoking,
    onError: (err) => errors.push(err),
  });
  const cluster = fakeCluster();
  const base: PartitionAssigner = () => ({
    name: 'RoundRobinAssigner',
    version: 0,
    assign: async () => [],
    protocol: () => ({ name: 'RoundRobinAssigner', metadata: Buffer.alloc(0) }),
  });
  const assigner = gate.assigner(base)({ cluster, groupId: 'g', logger: {} } as never);
  return { clock, gate, cluster, assigner, errors };
}

/** Runs the join's first step and says whether it got through. */
function join(cluster: ReturnType<typeof fakeCluster>, groupId = 'g') {
  const state = { through: false };
  void cluster.findGroupCoordinator({ groupId }).then(() => (state.through = true));
  return state;
}

describe('revoke gate', () => {
  it('lets the first join through, and holds the next one until onRevoking resolved', async () => {
    let finish!: () => void;
    const { gate, cluster } = setup(() => new Promise((resolve) => (finish = resolve)));
    const first = join(cluster);
    await flushMicrotasks();
    expect(first.through).toBe(true);
    gate.joined();
    const rejoin = join(cluster);
    const retried = join(cluster); // kafkajs's join retrier: waits for the same hold
    await flushMicrotasks();
    expect([rejoin.through, retried.through, gate.holding]).toEqual([false, false, true]);
    finish();
    await flushMicrotasks();
    expect([rejoin.through, retried.through, gate.holding]).toEqual([true, true, false]);
    expect(cluster.calls).toEqual(['g', 'g', 'g']);
  });

  it('never holds lookups for other groups, and keeps the assigner itself unchanged', async () => {
    const { gate, cluster, assigner } = setup(() => new Promise(() => {}));
    gate.joined();
    const other = join(cluster, 'another-group');
    await flushMicrotasks();
    expect(other.through).toBe(true);
    expect(assigner.name).toBe('RoundRobinAssigner');
  });

  it('heartbeats while holding, and aborts the hold when the membership is gone', async () => {
    let signal!: AbortSignal;
    const { gate, cluster, clock } = setup(
      (s) =>
        new Promise((resolve) => {
          signal = s;
          s.addEventListener('abort', () => resolve());
        }),
    );
    let beats = 0;
    gate.useHeartbeat(async () => {
      beats++;
      if (beats === 3) throw Object.assign(new Error('gone'), { type: 'UNKNOWN_MEMBER_ID' });
      throw Object.assign(new Error('rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
    });
    gate.joined();
    const rejoin = join(cluster);
    await clock.advance(2000);
    expect([beats, signal.aborted, rejoin.through]).toEqual([2, false, false]);
    await clock.advance(1000);
    expect(signal.aborted).toBe(true);
    await clock.advance(0);
    expect(rejoin.through).toBe(true);
  });

  it('gives up at the cap even when onRevoking ignores its signal, reporting nothing as an error', async () => {
    const { gate, cluster, clock, errors } = setup(() => new Promise(() => {}));
    gate.joined();
    const rejoin = join(cluster);
    await clock.advance(10_000);
    expect(rejoin.through).toBe(false); // the grace for a last commit
    await clock.advance(500);
    expect(rejoin.through).toBe(true);
    expect(errors).toEqual([]);
  });

  it('rejoins when onRevoking fails, and reports the failure', async () => {
    const { gate, cluster, errors } = setup(() => Promise.reject(new Error('commit refused')));
    gate.joined();
    const rejoin = join(cluster);
    await flushMicrotasks();
    expect(rejoin.through).toBe(true);
    expect(errors).toHaveLength(1);
  });
});
