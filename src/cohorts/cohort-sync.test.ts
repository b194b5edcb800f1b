import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/harness/manual-clock.js';
import { silentLogger } from '../log.js';
import { createMetrics, type Metrics } from '../metrics/registry.js';
import { CohortSync, type PageInput } from './cohort-sync.js';
import { cohortMessageId } from './identify-message.js';
import { MemoryCohortLog } from './memory-cohort-log.js';
import type { MembershipState } from './membership-state.js';

const REF = { projectId: '2195193', cohortId: '5834112' };
const NAME = 'Power Users';
const TRAIT = 'Mixpanel - Power Users';

function setup(
  options: { log?: MemoryCohortLog; clock?: ManualClock; sendToMixpanel?: boolean } = {},
) {
  const log = options.log ?? new MemoryCohortLog();
  const clock = options.clock ?? new ManualClock(Date.UTC(2026, 0, 5, 12));
  const metrics = createMetrics();
  const state: MembershipState = log.load();
  const sync = new CohortSync({
    state,
    log,
    clock,
    metrics,
    logger: silentLogger(),
    sendToMixpanel: options.sendToMixpanel ?? false,
    batchSize: 2,
  });
  return { log, clock, metrics, state, sync };
}

function page(generation: string, ids: string[], extra: Partial<PageInput> = {}): PageInput {
  return {
    ref: REF,
    name: NAME,
    source: 'webhook',
    generation,
    kind: 'full',
    page: 1,
    totalPages: 1,
    ids,
    ...extra,
  };
}

/** userId → trait value, per message, in order. */
function transitions(log: MemoryCohortLog): [string, unknown][] {
  return log
    .messages()
    .map((m) => [m.userId as string, (m.traits as Record<string, unknown>)[TRAIT]]);
}

async function counter(metrics: Metrics, name: string): Promise<Record<string, number>> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return Object.fromEntries(
    (metric?.values ?? []).map((v) => [Object.values(v.labels).join(','), v.value]),
  );
}

describe('CohortSync', () => {
  it('enters every member of a first full sync with the documented identify message', async () => {
    const { log, sync, state, clock } = setup();
    const outcome = await sync.receive(page('members:s1', ['u1', 'u2', 'u3']));
    expect(outcome).toEqual({ kind: 'applied', entered: 3, exited: 0, completed: true });
    const [first] = log.messages();
    expect(first).toEqual({
      type: 'identify',
      userId: 'u1',
      traits: { [TRAIT]: true },
      messageId: cohortMessageId(REF, 'u1', true, 'members:s1'),
      timestamp: new Date(clock.now()).toISOString(),
      integrations: { Mixpanel: false },
    });
    expect(log.published.map((m) => m.key)).toEqual(['u1', 'u2', 'u3']);
    expect([...state.cohort(REF).members.keys()]).toEqual(['u1', 'u2', 'u3']);
  });

  it('writes nothing for unchanged users, and exactly the moves of the next full sync', async () => {
    const { log, sync } = setup();
    await sync.receive(page('members:s1', ['u1', 'u2', 'u3']));
    await sync.receive(page('members:s2', ['u2', 'u3', 'u4']));
    expect(transitions(log).slice(3)).toEqual([
      ['u4', true],
      ['u1', false],
    ]);
  });

  it('applies pages in any order and exits only once every page has arrived', async () => {
    const { log, sync } = setup();
    await sync.receive(page('members:s1', ['a', 'b', 'c', 'd']));
    const session = (n: number, ids: string[]) =>
      page('members:s2', ids, { page: n, totalPages: 3 });
    expect(await sync.receive(session(3, ['e']))).toMatchObject({ entered: 1, completed: false });
    expect(await sync.receive(session(1, ['a']))).toMatchObject({ entered: 0, completed: false });
    // A retried page changes nothing.
    expect(await sync.receive(session(3, ['e']))).toMatchObject({ entered: 0, exited: 0 });
    expect(transitions(log).slice(4)).toEqual([['e', true]]);
    expect(await sync.receive(session(2, ['c']))).toEqual({
      kind: 'applied',
      entered: 0,
      exited: 2,
      completed: true,
    });
    expect(transitions(log).slice(4)).toEqual([
      ['e', true],
      ['b', false],
      ['d', false],
    ]);
  });

  it('never exits anyone for a partial full sync, even when it is abandoned', async () => {
    const { log, sync, state, metrics } = setup();
    await sync.receive(page('members:s1', ['a', 'b']));
    await sync.receive(page('members:s2', ['c'], { page: 1, totalPages: 2 }));
    expect((await sync.abandon(REF, 'members:s2')).ok).toBe(true);
    expect(transitions(log)).toEqual([
      ['a', true],
      ['b', true],
      ['c', true],
    ]);
    expect([...state.cohort(REF).members.keys()].sort()).toEqual(['a', 'b', 'c']);
    // The late page of the abandoned session is ignored.
    expect(await sync.receive(page('members:s2', [], { page: 2, totalPages: 2 }))).toEqual({
      kind: 'finished',
    });
    expect(await counter(metrics, 'segment_mixpanel_cohort_syncs_total')).toMatchObject({
      'webhook,completed': 1,
      'webhook,abandoned': 1,
    });
  });

  it('abandons an incomplete full sync when a new one starts', async () => {
    const { log, sync } = setup();
    await sync.receive(page('members:s1', ['a', 'b']));
    await sync.receive(page('members:s2', ['c'], { page: 1, totalPages: 2 }));
    await sync.receive(page('members:s3', ['b', 'c']));
    expect(transitions(log)).toEqual([
      ['a', true],
      ['b', true],
      ['c', true],
      ['a', false],
    ]);
  });

  it('applies add_members and remove_members as diffs, ignoring users already in that state', async () => {
    const { log, sync, state } = setup();
    await sync.receive(page('add_members:s1', ['a', 'b'], { kind: 'add' }));
    await sync.receive(page('add_members:s2', ['b', 'c'], { kind: 'add' }));
    await sync.receive(page('remove_members:s2', ['a', 'z'], { kind: 'remove' }));
    expect(transitions(log)).toEqual([
      ['a', true],
      ['b', true],
      ['c', true],
      ['a', false],
    ]);
    expect([...state.cohort(REF).members.keys()].sort()).toEqual(['b', 'c']);
    expect(await sync.receive(page('add_members:s2', ['b', 'c'], { kind: 'add' }))).toEqual({
      kind: 'finished',
    });
  });

  it('keeps the generation start as the timestamp of every message of the generation', async () => {
    const { log, sync, clock } = setup();
    const opened = clock.now();
    await sync.receive(page('members:s1', ['a'], { totalPages: 2 }));
    await clock.advance(60_000);
    await sync.receive(page('members:s1', ['b'], { page: 2, totalPages: 2 }));
    expect(new Set(log.messages().map((m) => m.timestamp))).toEqual(
      new Set([new Date(opened).toISOString()]),
    );
  });

  it('leaves the integrations object out when cohorts.sendToMixpanel is set', async () => {
    const { log, sync } = setup({ sendToMixpanel: true });
    await sync.receive(page('members:s1', ['a']));
    expect(log.messages()[0]).not.toHaveProperty('integrations');
  });

  describe('a write that fails midway', () => {
    it('records nothing it did not write, and the retry writes byte-identical messages', async () => {
      const log = new MemoryCohortLog();
      const first = setup({ log });
      await first.sync.receive(page('members:s1', ['a', 'b']));
      const before = log.published.length;
      // The identify batch of the next page is acknowledged, its membership is not.
      log.failAfterWrites('record', 2);
      const failed = await first.sync.receive(page('members:s2', ['b', 'c', 'd']));
      expect(failed).toMatchObject({ kind: 'failed', reason: 'kafka' });
      expect(first.state.cohort(REF).members.has('c')).toBe(false);
      const attempt = log.published.slice(before).map((m) => m.value.toString());
      log.heal();
      // Mixpanel retries the same request.
      expect(await first.sync.receive(page('members:s2', ['b', 'c', 'd']))).toMatchObject({
        entered: 2,
        exited: 1,
        completed: true,
      });
      const retry = log.published.slice(before + attempt.length).map((m) => m.value.toString());
      expect(retry.slice(0, attempt.length)).toEqual(attempt);
      expect(new Set(transitions(log).map(([id, v]) => `${id}=${String(v)}`))).toEqual(
        new Set(['a=true', 'b=true', 'c=true', 'd=true', 'a=false']),
      );
    });

    it('is repaired on restart from the staged pages, even if the cohort changed meanwhile', async () => {
      const log = new MemoryCohortLog();
      const clock = new ManualClock();
      const first = setup({ log, clock });
      await first.sync.receive(
        page('query-1', ['a', 'b'], { source: 'query', totalPages: undefined, last: true }),
      );
      // Crash after the identify messages of the next listing's first page were acknowledged.
      log.failAfterWrites('record', 2);
      const listing = (n: number, ids: string[], last: boolean) =>
        page('query-2', ids, { source: 'query', page: n, totalPages: undefined, last });
      expect((await first.sync.receive(listing(1, ['b', 'c', 'd'], false))).kind).toBe('failed');
      const crashed = log.messages().map((m) => m.messageId);
      log.heal();

      // A new process loads the state topic and recovers before syncing again.
      await clock.advance(15 * 60_000);
      const second = setup({ log, clock });
      expect((await second.sync.recover('query', 1000)).ok).toBe(true);
      // The interrupted listing's entries are written again (same ids); it is abandoned: no exits.
      expect(second.state.cohort(REF).generations.size).toBe(0);
      expect([...second.state.cohort(REF).members.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
      expect(second.sync.nextQueryGeneration(REF)).toBe('query-3');
      // 'c' left the cohort before the restart: the next listing exits it, nothing is missing.
      await second.sync.receive(
        page('query-3', ['b', 'd'], { source: 'query', totalPages: undefined, last: true }),
      );
      const ids = log.messages().map((m) => m.messageId);
      expect(ids.slice(0, crashed.length)).toEqual(crashed);
      expect(new Set(ids).size).toBe(6);
      expect(new Set(transitions(log).map(([id, v]) => `${id}=${String(v)}`))).toEqual(
        new Set(['a=true', 'b=true', 'c=true', 'd=true', 'a=false', 'c=false']),
      );
      expect(log.load().cohort(REF).pages.size).toBe(0);
    });

    it('finishes a complete generation whose exits were interrupted', async () => {
      const log = new MemoryCohortLog();
      const first = setup({ log });
      await first.sync.receive(page('members:s1', ['a', 'b', 'c']));
      // The generation and its page are staged, the exits written, their membership is not.
      log.failAfterWrites('record', 2);
      expect((await first.sync.receive(page('members:s2', ['c']))).kind).toBe('failed');
      log.heal();
      const second = setup({ log });
      expect((await second.sync.recover('webhook', 60_000)).ok).toBe(true);
      expect(transitions(log).slice(3)).toEqual([
        ['a', false],
        ['b', false],
        ['a', false],
        ['b', false],
      ]);
      const copies = log.published.slice(3).map((m) => m.value.toString());
      expect(copies.slice(2)).toEqual(copies.slice(0, 2));
      expect([...second.state.cohort(REF).members.keys()]).toEqual(['c']);
      expect(second.state.cohort(REF).isFinished('members:s2')).toBe(true);
      // Mixpanel's retry of the last page finds the sync finished.
      expect(await second.sync.receive(page('members:s2', ['c']))).toEqual({ kind: 'finished' });
    });

    it('keeps an incomplete webhook sync open until it expires', async () => {
      const log = new MemoryCohortLog();
      const clock = new ManualClock();
      const first = setup({ log, clock });
      await first.sync.receive(page('members:s1', ['a'], { totalPages: 2 }));
      const second = setup({ log, clock });
      await second.sync.recover('webhook', 60_000);
      expect(second.state.cohort(REF).generations.has('members:s1')).toBe(true);
      await second.sync.receive(page('members:s1', ['b'], { page: 2, totalPages: 2 }));
      expect(transitions(log)).toEqual([
        ['a', true],
        ['b', true],
      ]);

      const third = setup({ log, clock });
      await third.sync.receive(page('members:s9', ['a'], { totalPages: 2 }));
      await clock.advance(60_001);
      await third.sync.expire(60_000);
      expect(third.state.cohort(REF).generations.size).toBe(0);
      expect(third.state.cohort(REF).isFinished('members:s9')).toBe(true);
      expect(log.load().cohort(REF).pages.size).toBe(0);
    });
  });
});
