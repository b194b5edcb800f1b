import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/harness/manual-clock.js';
import { silentLogger } from '../../log.js';
import { createMetrics } from '../../metrics/registry.js';
import { QUERY_PATHS } from '../../mixpanel/query-api.js';
import { CohortSync } from '../cohort-sync.js';
import { MemoryCohortLog } from '../memory-cohort-log.js';
import { CohortPuller } from './cohort-puller.js';
import type { QueryAnswer } from './query-answer.js';
import { QueryBudget } from './query-budget.js';
import type { QueryClient, QueryResult } from './query-client.js';
import { QueryRequests } from './query-requests.js';

const PROJECT = '42';
const TRAIT = 'Mixpanel - Trial Users';

/** A Query API for one project: cohort 7 "Trial Users", pages of `pageSize`, scripted failures. */
class ScriptedQueryApi implements QueryClient {
  members: string[] = [];
  readonly calls: { path: string; form: Record<string, string> }[] = [];
  /** Answers given instead of the real one for an engage page (0-based), in order. */
  readonly faults = new Map<number, QueryAnswer[]>();
  private sessions = new Map<string, string[]>();

  constructor(private readonly pageSize: number) {}

  async post(path: string, form: URLSearchParams | undefined): Promise<QueryResult> {
    await Promise.resolve();
    const fields = Object.fromEntries(form ?? new URLSearchParams());
    this.calls.push({ path, form: fields });
    if (path === QUERY_PATHS.cohortsList) {
      return { kind: 'ok', body: [{ id: 7, name: 'Trial Users', count: this.members.length }] };
    }
    expect(JSON.parse(fields.filter_by_cohort ?? '')).toEqual({ id: 7 });
    const page = Number(fields.page ?? 0);
    const fault = this.faults.get(page)?.shift();
    if (fault) return fault;
    let session = fields.session_id;
    if (page > 0 && (!session || !this.sessions.has(session))) {
      return { kind: 'rejected', status: 400, message: 'page without a session' };
    }
    if (!session) {
      session = `s${this.sessions.size + 1}`;
      this.sessions.set(session, [...this.members]);
    }
    const snapshot = this.sessions.get(session) ?? [];
    const results = snapshot
      .slice(page * this.pageSize, (page + 1) * this.pageSize)
      .map((id) => ({ $distinct_id: id, $properties: {} }));
    return {
      kind: 'ok',
      body: {
        page,
        page_size: this.pageSize,
        session_id: session,
        status: 'ok',
        total: results.length,
        results,
      },
    };
  }

  async close(): Promise<void> {}
}

function setup(options: { pageSize?: number; perHour?: number; log?: MemoryCohortLog } = {}) {
  const clock = new ManualClock();
  const metrics = createMetrics();
  const log = options.log ?? new MemoryCohortLog();
  const api = new ScriptedQueryApi(options.pageSize ?? 2);
  const sync = new CohortSync({
    state: log.load(),
    log,
    clock,
    metrics,
    logger: silentLogger(),
    sendToMixpanel: false,
    batchSize: 100,
  });
  const budget = new QueryBudget({ clock, metrics, perHour: options.perHour ?? 60, concurrent: 5 });
  const requests = new QueryRequests({
    client: api,
    budget,
    clock,
    metrics,
    config: { maxAttempts: 3, retryInitialDelayMs: 1000, retryMaxDelayMs: 60_000 },
  });
  const lines: string[] = [];
  const puller = new CohortPuller({
    sync,
    requests,
    projectId: PROJECT,
    clock,
    metrics,
    logger: silentLogger(),
    progress: (line) => lines.push(line),
    queriesPerHour: options.perHour ?? 60,
  });
  return { clock, metrics, log, api, puller, lines, stop: new AbortController() };
}

const moves = (log: MemoryCohortLog): string[] =>
  log
    .messages()
    .map((m) => `${String(m.userId)}=${String((m.traits as Record<string, unknown>)[TRAIT])}`);

describe('CohortPuller', () => {
  it('pages through the listing with session_id and page, and writes only the differences', async () => {
    const { api, puller, log, stop, lines } = setup();
    api.members = ['a', 'b', 'c', 'd', 'e'];
    const [first] = await puller.cycle(['7'], stop.signal);
    expect(first).toMatchObject({
      pages: 3,
      listed: 5,
      entered: 5,
      exited: 0,
      generation: 'query-1',
    });
    expect(api.calls.slice(1).map((c) => [c.form.page, c.form.session_id])).toEqual([
      [undefined, undefined],
      ['1', 's1'],
      ['2', 's1'],
    ]);
    api.members = ['b', 'c', 'd', 'e', 'f', 'g'];
    const [second] = await puller.cycle(['7'], stop.signal);
    // Six members fill three full pages: a fourth, empty page ends the listing.
    expect(second).toMatchObject({
      pages: 4,
      listed: 6,
      entered: 2,
      exited: 1,
      generation: 'query-2',
    });
    expect(moves(log)).toEqual([
      'a=true',
      'b=true',
      'c=true',
      'd=true',
      'e=true',
      'f=true',
      'g=true',
      'a=false',
    ]);
    expect(lines.at(-1)).toBe(
      'cohort 7 "Trial Users" of project 42: 6 members in 4 pages, 2 entered, 1 exited (query-2)',
    );
    // Nothing changed: nothing written.
    await puller.cycle(['7'], stop.signal);
    expect(log.published).toHaveLength(8);
  });

  it('never exits anyone when the listing fails midway; the next listing catches up', async () => {
    const { api, puller, log, stop, metrics, clock } = setup();
    api.members = ['a', 'b', 'c', 'd'];
    await puller.cycle(['7'], stop.signal);
    api.members = ['c', 'd', 'e'];
    api.faults.set(
      1,
      Array.from({ length: 3 }, () => ({ kind: 'unavailable', message: 'HTTP 502' })),
    );
    const [failed] = await settle(puller.cycle(['7'], stop.signal), clock);
    expect(failed?.failure).toEqual({
      reason: 'query_unavailable',
      message: 'HTTP 502, after 3 attempts (cohorts.query.maxAttempts)',
    });
    // Page 1 listed c and d, already members: no exits for a and b from a partial listing.
    expect(moves(log)).toEqual(['a=true', 'b=true', 'c=true', 'd=true']);
    const [next] = await puller.cycle(['7'], stop.signal);
    expect(next).toMatchObject({ entered: 1, exited: 2, generation: 'query-3' });
    expect(moves(log).slice(4)).toEqual(['e=true', 'a=false', 'b=false']);
    expect(
      await value(metrics, 'segment_mixpanel_cohort_syncs_total', {
        source: 'query',
        result: 'failed',
      }),
    ).toBe(1);
    expect(
      await value(metrics, 'segment_mixpanel_cohort_failures_total', {
        source: 'query',
        reason: 'query_unavailable',
      }),
    ).toBe(1);
  });

  it('backs off after a 429 and says so', async () => {
    const { api, puller, log, stop, metrics, clock, lines } = setup();
    api.members = ['a'];
    api.faults.set(0, [{ kind: 'rate_limited', retryAfterMs: 5000 }]);
    const [result] = await settle(puller.cycle(['7'], stop.signal), clock);
    expect(result?.failure).toBeUndefined();
    expect(moves(log)).toEqual(['a=true']);
    expect(lines).toContain('Query API: 429 rate limited; backing off 5 s');
    expect(await value(metrics, 'segment_mixpanel_cohort_query_rate_limited_total', {})).toBe(1);
    expect(
      await value(metrics, 'segment_mixpanel_cohort_query_wait_seconds_total', {
        cause: 'backoff',
      }),
    ).toBe(5);
  });

  it('waits for the hourly budget when it is the bottleneck, and says so', async () => {
    const { api, puller, log, stop, clock, lines } = setup({ perHour: 3, pageSize: 1 });
    api.members = ['a', 'b', 'c'];
    // cohorts/list + 3 pages + the empty fourth page: 5 queries with a budget of 3 per hour.
    const [result] = await settle(puller.cycle(['7'], stop.signal), clock);
    expect(result).toMatchObject({ pages: 4, entered: 3 });
    expect(moves(log)).toEqual(['a=true', 'b=true', 'c=true']);
    // The first three queries start at once; the fourth waits until the first is an hour old,
    // when all three slots free up together.
    expect(lines.filter((l) => l.includes('hourly budget'))).toEqual([
      'Query API: waiting 60 min for the hourly budget (cohorts.query.queriesPerHour = 3): the rate limit is the bottleneck',
    ]);
    expect(clock.now() - Date.UTC(2025, 0, 1)).toBe(60 * 60_000);
  });

  it('fails a cohort the project does not have, and writes nothing', async () => {
    const { puller, log, stop } = setup();
    const [result] = await puller.cycle(['8'], stop.signal);
    expect(result?.failure?.reason).toBe('query_rejected');
    expect(log.published).toEqual([]);
  });

  it('repeats every `everyMs` until stopped', async () => {
    const { api, puller, log, stop, clock } = setup();
    api.members = ['a'];
    const running = puller.run(['7'], 15 * 60_000, stop.signal);
    await clock.advance(0);
    expect(moves(log)).toEqual(['a=true']);
    api.members = [];
    await clock.advance(15 * 60_000);
    expect(moves(log)).toEqual(['a=true', 'a=false']);
    stop.abort();
    await running;
  });
});

async function value(
  metrics: ReturnType<typeof createMetrics>,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    ?.value;
}

/** Advances the clock until the promise settles (retries and budget waits run on it). */
async function settle<T>(promise: Promise<T>, clock: ManualClock): Promise<T> {
  let done = false;
  void promise.finally(() => (done = true));
  await clock.advance(0);
  while (!done) {
    if (!(await clock.advanceToNext())) await clock.advance(0);
  }
  return promise;
}
