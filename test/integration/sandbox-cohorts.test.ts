/**
 * The sandbox's cohorts over HTTP: saved cohorts defined by a profile property, the Query API
 * (cohorts/list, engage with filter_by_cohort, paging by session, authentication, limits) and
 * the webhook cohort sync it pushes (full sync, then diffs; pages; retries; pauses; Basic auth).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ManualClock } from '../harness/manual-clock.js';
import { basicAuth, get, post, useSandbox } from '../harness/sandbox.js';
import type { Sandbox } from '../../src/sandbox/index.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const SA = basicAuth('sa', 'secret');

async function setProfiles(sandbox: Sandbox, plans: Record<string, string>): Promise<void> {
  const updates = Object.entries(plans).map(([id, plan]) => ({
    $token: 'tok',
    $distinct_id: id,
    $set: { plan, $email: `${id}@example.com`, $first_name: id.toUpperCase() },
  }));
  const answer = await post(`${sandbox.url}/engage?verbose=1`, JSON.stringify(updates), {
    headers: { 'content-type': 'application/json' },
  });
  expect(answer.json).toEqual({ status: 1, error: null });
}

async function engage(sandbox: Sandbox, form: Record<string, string>, auth = SA) {
  return post(
    `${sandbox.url}/api/query/engage?project_id=1`,
    new URLSearchParams(form).toString(),
    {
      headers: { ...FORM, ...auth },
    },
  );
}

describe('sandbox Query API', () => {
  it('lists saved cohorts and pages through a cohort on a snapshot of its members', async () => {
    const sandbox = await useSandbox({ cohorts: { queryPageSize: 2 } });
    await setProfiles(sandbox, { u1: 'pro', u2: 'free', u3: 'pro', u4: 'pro', u5: 'pro' });
    const defined = await post(
      `${sandbox.url}/_sandbox/cohorts`,
      JSON.stringify({ id: 7, name: 'Pro', filter: { property: 'plan', equals: 'pro' } }),
    );
    expect(defined.status).toBe(201);
    expect(defined.json).toMatchObject({ cohort: { id: 7, name: 'Pro', count: 4 } });

    const list = await post(`${sandbox.url}/api/query/cohorts/list?project_id=1`, '', {
      headers: SA,
    });
    expect(list.json).toEqual([
      expect.objectContaining({ id: 7, name: 'Pro', count: 4, project_id: 1, is_visible: 1 }),
    ]);

    const filter = { filter_by_cohort: '{"id":7}', output_properties: '["$email"]' };
    const first = await engage(sandbox, filter);
    expect(first.json).toMatchObject({ page: 0, page_size: 2, status: 'ok' });
    const body = first.json as { session_id: string; results: unknown[] };
    expect(body.results).toEqual([
      { $distinct_id: 'u1', $properties: { $email: 'u1@example.com' } },
      { $distinct_id: 'u3', $properties: { $email: 'u3@example.com' } },
    ]);
    // A profile change during the listing does not move the pages of this session.
    await setProfiles(sandbox, { u1: 'free', u2: 'pro' });
    const pages = [];
    for (const page of [1, 2]) {
      const answer = await engage(sandbox, {
        ...filter,
        session_id: body.session_id,
        page: String(page),
      });
      pages.push((answer.json as { results: { $distinct_id: string }[] }).results);
    }
    expect(pages.map((p) => p.map((r) => r.$distinct_id))).toEqual([['u4', 'u5'], []]);
    // A new listing sees the change.
    const fresh = (await engage(sandbox, filter)).json as { results: { $distinct_id: string }[] };
    expect(fresh.results.map((r) => r.$distinct_id)).toEqual(['u2', 'u3']);
    expect(sandbox.stats().requests['/api/query/engage']).toEqual({ total: 4, '200': 4 });
  });

  it('refuses missing credentials, pages without a session and unknown cohorts', async () => {
    const sandbox = await useSandbox({
      credentials: { serviceAccount: { username: 'sa', secret: 'secret' }, projectId: '1' },
    });
    sandbox.defineCohort({ id: 3, name: 'All', filter: { property: 'plan', exists: true } });
    expect((await engage(sandbox, { filter_by_cohort: '{"id":3}' }, {})).status).toBe(401);
    expect(
      (await engage(sandbox, { filter_by_cohort: '{"id":3}' }, basicAuth('sa', 'x'))).status,
    ).toBe(401);
    expect((await engage(sandbox, { filter_by_cohort: '{"id":3}', page: '1' })).status).toBe(400);
    expect((await engage(sandbox, { filter_by_cohort: '{"id":4}' })).status).toBe(400);
    expect((await engage(sandbox, { filter_by_cohort: '{"id":3}' })).status).toBe(200);
  });

  it('answers 429 past the queries of the rolling hour, as Mixpanel words it', async () => {
    const clock = new ManualClock();
    const sandbox = await useSandbox({ clock, cohorts: { queriesPerHour: 2 } });
    sandbox.defineCohort({ id: 3, name: 'All', filter: { property: 'plan', exists: true } });
    const form = { filter_by_cohort: '{"id":3}' };
    expect((await engage(sandbox, form)).status).toBe(200);
    await clock.advance(30 * 60_000);
    expect((await engage(sandbox, form)).status).toBe(200);
    const refused = await engage(sandbox, form);
    expect(refused.status).toBe(429);
    expect((refused.json as { error: string }).error).toBe(
      'Query rate limit exceeded for project_id: 1. 0 queries running concurrently and 2 queries running in the last hour.',
    );
    await clock.advance(30 * 60_000);
    expect((await engage(sandbox, form)).status).toBe(200);
  });
});

interface Received {
  readonly authorization: string | undefined;
  readonly body: {
    action: string;
    parameters: {
      mixpanel_session_id: string;
      mixpanel_cohort_name: string;
      page_info: { page_count: number; total_pages: number };
      members: { mixpanel_distinct_id: string; email?: string; first_name?: string }[];
    };
  };
}

/** A webhook receiver that records requests and answers with `statuses` first, then success. */
async function receiver(statuses: number[] = []) {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Received['body'];
      received.push({ authorization: req.headers.authorization, body });
      const status = statuses.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          status === 200
            ? { action: body.action, status: 'success' }
            : { action: body.action, status: 'failure', error: { message: 'no', code: status } },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

const ids = (r: Received): string[] => r.body.parameters.members.map((m) => m.mixpanel_distinct_id);

describe('sandbox webhook cohort sync', () => {
  it('pushes the whole cohort in pages, then only the changes, with Basic auth', async () => {
    const sandbox = await useSandbox({
      cohorts: { syncPageSize: 2, syncIntervalMs: 3_600_000 },
    });
    await setProfiles(sandbox, { a: 'pro', b: 'pro', c: 'pro', d: 'free' });
    const cohort = sandbox.defineCohort({
      name: 'Pro',
      filter: { property: 'plan', equals: 'pro' },
    });
    const hook = await receiver();
    const connected = await post(
      `${sandbox.url}/_sandbox/cohorts/${cohort.id}/webhook`,
      JSON.stringify({ url: hook.url, username: 'mixpanel', password: 'pw' }),
    );
    expect(connected.status).toBe(201);
    const first = await sandbox.syncCohortWebhook(cohort.id);
    // The first sync ran at once on connect, so the explicit one is already a diff.
    expect(first).toMatchObject({
      number: 2,
      kind: 'diff',
      status: 'success',
      added: 0,
      removed: 0,
    });
    const full = hook.received.slice(0, 2);
    expect(full.map((r) => [r.body.action, r.body.parameters.page_info, ids(r)])).toEqual([
      ['members', { page_count: 1, total_pages: 2 }, ['a', 'b']],
      ['members', { page_count: 2, total_pages: 2 }, ['c']],
    ]);
    expect(new Set(full.map((r) => r.body.parameters.mixpanel_session_id)).size).toBe(1);
    expect(full[0]?.authorization).toBe(basicAuth('mixpanel', 'pw').authorization);
    expect(full[0]?.body.parameters.members[0]).toEqual({
      mixpanel_distinct_id: 'a',
      email: 'a@example.com',
      first_name: 'A',
    });
    // Empty diffs are sent too.
    expect(hook.received.slice(2).map((r) => [r.body.action, ids(r)])).toEqual([
      ['add_members', []],
      ['remove_members', []],
    ]);

    await setProfiles(sandbox, { a: 'free', d: 'pro' });
    const report = await post(`${sandbox.url}/_sandbox/cohorts/${cohort.id}/sync`, '');
    expect(report.json).toMatchObject({
      sync: { kind: 'diff', status: 'success', added: 1, removed: 1 },
    });
    expect(hook.received.slice(4).map((r) => [r.body.action, ids(r)])).toEqual([
      ['add_members', ['d']],
      ['remove_members', ['a']],
    ]);
  });

  it('retries 429 and 5xx, fails the sync after the retries, and pauses on 401', async () => {
    const sandbox = await useSandbox({
      cohorts: { syncRetries: 2, syncRetryDelayMs: 1, syncIntervalMs: 3_600_000 },
    });
    await setProfiles(sandbox, { a: 'pro' });
    const cohort = sandbox.defineCohort({
      name: 'Pro',
      filter: { property: 'plan', equals: 'pro' },
    });
    const hook = await receiver([503, 429, 200, 503, 503, 503, 401]);
    sandbox.connectCohortWebhook(cohort.id, { url: hook.url });
    // The first sync (on connect) succeeds on its last retry; the second exhausts its retries.
    expect(await sandbox.syncCohortWebhook(cohort.id)).toMatchObject({
      number: 2,
      kind: 'diff',
      status: 'failed',
      requests: 3,
      error: '503: no',
    });
    expect(sandbox.cohort(cohort.id)?.webhook?.last).toMatchObject({ number: 2 });
    expect(hook.received.map((r) => r.body.action)).toEqual([
      'members',
      'members',
      'members',
      'add_members',
      'add_members',
      'add_members',
    ]);
    // 401 pauses the connection: no more syncs until it is connected again.
    expect(await sandbox.syncCohortWebhook(cohort.id)).toMatchObject({
      number: 3,
      status: 'paused',
      error: '401: no',
    });
    expect(sandbox.cohort(cohort.id)?.webhook?.status).toBe('paused');
    expect(await sandbox.syncCohortWebhook(cohort.id)).toBeUndefined();
    expect(hook.received).toHaveLength(7);
  });

  it('validates definitions and connections', async () => {
    const sandbox = await useSandbox();
    const bad = await post(
      `${sandbox.url}/_sandbox/cohorts`,
      JSON.stringify({ name: 'X', filter: { property: 'plan', equals: 'a', gt: 1 } }),
    );
    expect(bad.status).toBe(400);
    expect((await get(`${sandbox.url}/_sandbox/cohorts/99`)).status).toBe(404);
    sandbox.defineCohort({ id: 5, name: 'X', filter: { property: 'plan', exists: true } });
    const noUrl = await post(`${sandbox.url}/_sandbox/cohorts/5/webhook`, '{"url":"not a url"}');
    expect(noUrl.status).toBe(400);
    expect((await post(`${sandbox.url}/_sandbox/cohorts/5/sync`, '')).status).toBe(409);
    expect((await get(`${sandbox.url}/_sandbox/cohorts`)).json).toEqual({
      cohorts: [expect.objectContaining({ id: 5, name: 'X', count: 0 })],
    });
  });
});
