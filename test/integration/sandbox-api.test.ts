/**
 * The sandbox over HTTP, compared with Mixpanel's documented behaviour.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../harness/manual-clock.js';
import { basicAuth, get, ndjson, post, useSandbox } from '../harness/sandbox.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const clock = (): ManualClock => new ManualClock(NOW);
const NDJSON = { 'content-type': 'application/x-ndjson' };
const JSON_TYPE = { 'content-type': 'application/json' };

function event(i: number, properties: Record<string, unknown> = {}): unknown {
  return {
    event: 'Viewed',
    properties: { time: NOW - 60_000, distinct_id: `u${i}`, $insert_id: `id-${i}`, ...properties },
  };
}

const UNAUTHORIZED = { code: 401, error: 'Invalid credentials', status: 'Unauthorized' };

describe('sandbox /import: authentication', () => {
  const credentials = {
    projectToken: 'tok',
    apiSecret: 'sec',
    serviceAccount: { username: 'sa', secret: 'pw' },
    projectId: '42',
  };
  it.each([
    ['service account with project_id', basicAuth('sa', 'pw'), '&project_id=42', 200],
    ['service account without project_id', basicAuth('sa', 'pw'), '', 401],
    ['project token', basicAuth('tok'), '', 200],
    ['API secret', basicAuth('sec'), '', 200],
    ['a wrong token', basicAuth('nope'), '', 401],
    ['no credentials', {}, '', 401],
  ])('%s → %s', async (_name, auth, query, status) => {
    const sandbox = await useSandbox({ credentials, clock: clock() });
    const answer = await post(`${sandbox.url}/import?strict=1${query}`, ndjson([event(1)]), {
      headers: { ...NDJSON, ...auth },
    });
    expect(answer.status).toBe(status);
    if (status === 401) expect(answer.json).toEqual(UNAUTHORIZED);
    else expect(answer.json).toEqual({ code: 200, num_records_imported: 1, status: 'OK' });
  });
});

describe('sandbox /import: bodies and limits', () => {
  it('accepts a JSON array, NDJSON, gzip NDJSON and legacy form data=base64', async () => {
    const sandbox = await useSandbox({ clock: clock() });
    const url = `${sandbox.url}/import?strict=1`;
    const auth = basicAuth('any-token');
    const answers = [
      await post(url, JSON.stringify([event(1), event(2)]), { headers: { ...JSON_TYPE, ...auth } }),
      await post(url, ndjson([event(3), event(4)]), { headers: { ...NDJSON, ...auth } }),
      await post(url, ndjson([event(5), event(6)]), {
        headers: { ...NDJSON, ...auth },
        gzip: true,
      }),
      await post(
        url,
        `data=${encodeURIComponent(Buffer.from(JSON.stringify([event(7), event(8)])).toString('base64'))}`,
        { headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth } },
      ),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ code: 200, num_records_imported: 2, status: 'OK' });
    }
    expect(sandbox.stats().records['/import']).toMatchObject({ accepted: 8, raw: 8, unique: 8 });
  });

  it('answers 413 for a body over the limit measured after gzip, with the documented body', async () => {
    const sandbox = await useSandbox({ clock: clock(), maxRequestBytes: 2_097_152 });
    const padding = 'x'.repeat(60_000);
    const body = ndjson(Array.from({ length: 40 }, (_, i) => event(i, { padding })));
    const answer = await post(`${sandbox.url}/import?strict=1`, body, {
      headers: { ...NDJSON, ...basicAuth('t') },
      gzip: true,
    });
    expect(answer.status).toBe(413);
    expect(answer.json).toEqual({
      code: 413,
      error: 'request exceeds max limit of 2097152 bytes',
      status: 'Request Entity Too Large',
    });
    expect(sandbox.stats().records['/import'].raw).toBe(0);
  });

  it('refuses more than 2000 records with a 400 (or 413 with the knob)', async () => {
    const body = ndjson(Array.from({ length: 2001 }, (_, i) => event(i)));
    for (const [overCountStatus, expected] of [
      [400, 400],
      [413, 413],
    ] as const) {
      const sandbox = await useSandbox({ clock: clock(), overCountStatus });
      const answer = await post(`${sandbox.url}/import?strict=1`, body, {
        headers: { ...NDJSON, ...basicAuth('t') },
      });
      expect(answer.status).toBe(expected);
      expect(answer.json).not.toHaveProperty('failed_records');
    }
  });

  it('refuses an empty batch and an unparseable body without failed_records', async () => {
    const sandbox = await useSandbox({ clock: clock() });
    for (const [body, type] of [
      ['', NDJSON],
      ['[]', JSON_TYPE],
      [`${JSON.stringify(event(1))}\n{broken`, NDJSON],
    ] as const) {
      const answer = await post(`${sandbox.url}/import?strict=1`, body, {
        headers: { ...type, ...basicAuth('t') },
      });
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ code: 400, status: 'Bad Request' });
      expect(answer.json).not.toHaveProperty('failed_records');
    }
  });
});

describe('sandbox /import: strict validation and partial success', () => {
  const mixed = [
    event(0),
    event(1, { time: NOW / 1000 + 7 * 3600 }),
    event(2, { $insert_id: 'ajs-next-1:2' }),
    event(3, { distinct_id: 'NULL' }),
    event(4, { time: undefined }),
    event(5),
  ];

  it('ingests the valid records and lists the others by index', async () => {
    const sandbox = await useSandbox({ clock: clock() });
    const answer = await post(`${sandbox.url}/import?strict=1`, ndjson(mixed), {
      headers: { ...NDJSON, ...basicAuth('t') },
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      code: 400,
      error: 'some data points in the request failed validation',
      status: 'Bad Request',
      num_records_imported: 2,
      failed_records: [
        {
          index: 1,
          insert_id: 'id-1',
          field: 'properties.time',
          message: "'properties.time' is invalid: must not be in the future",
        },
        {
          index: 2,
          insert_id: 'ajs-next-1:2',
          field: '$insert_id',
          message:
            "'$insert_id' is invalid: must only contain alphanumeric or hyphen '-' characters",
        },
        {
          index: 3,
          insert_id: 'id-3',
          field: 'properties.distinct_id',
          message: "'properties.distinct_id' is invalid: must not be a placeholder value",
        },
        {
          index: 4,
          insert_id: 'id-4',
          field: 'properties.time',
          message: "'properties.time' is invalid: must not be missing",
        },
      ],
    });
    expect(sandbox.stats().records['/import']).toMatchObject({ accepted: 2, rejected: 4, raw: 2 });
    expect(sandbox.userRecords('u0').events).toHaveLength(1);
    expect(sandbox.userRecords('u1').events).toHaveLength(0);
  });

  it('uses $insert_id as the failed_records key with the knob', async () => {
    const sandbox = await useSandbox({ clock: clock(), failedRecordIdKey: '$insert_id' });
    const answer = await post(`${sandbox.url}/import?strict=1`, ndjson(mixed.slice(0, 3)), {
      headers: { ...NDJSON, ...basicAuth('t') },
    });
    expect((answer.json as { failed_records: unknown[] }).failed_records[0]).toEqual({
      index: 1,
      $insert_id: 'id-1',
      field: 'properties.time',
      message: "'properties.time' is invalid: must not be in the future",
    });
  });

  it('drops invalid records silently with strict=0', async () => {
    const sandbox = await useSandbox({ clock: clock() });
    const answer = await post(`${sandbox.url}/import?strict=0`, ndjson(mixed), {
      headers: { ...NDJSON, ...basicAuth('t') },
    });
    expect(answer.status).toBe(200);
    expect((answer.json as { num_records_imported: number }).num_records_imported).toBeLessThan(6);
  });

  it('refuses identity events on a Simplified project as a whole batch when asked', async () => {
    const sandbox = await useSandbox({
      clock: clock(),
      idMergeMode: 'simplified',
      identityEvents: 'reject',
    });
    const identify = {
      event: '$identify',
      properties: { ...(event(9) as { properties: object }).properties },
    };
    const answer = await post(`${sandbox.url}/import?strict=1`, ndjson([event(1), identify]), {
      headers: { ...NDJSON, ...basicAuth('t') },
    });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({
      num_records_imported: 0,
      failed_records: [
        'identity events are not allowed when project is using simplified identity management',
      ],
    });
    expect(sandbox.stats().records['/import'].raw).toBe(0);
  });

  it('stores rows as Mixpanel shows them: time clamped, strings truncated, $import added', async () => {
    const sandbox = await useSandbox({ clock: clock() });
    await post(
      `${sandbox.url}/import?strict=1`,
      ndjson([event(1, { time: NOW / 1000 + 600, long: 'é'.repeat(300) })]),
      { headers: { ...NDJSON, ...basicAuth('t') } },
    );
    const records = await get(`${sandbox.url}/_sandbox/records?distinct_id=u1`);
    const [row] = (records.json as { events: { properties: Record<string, unknown> }[] }).events;
    expect(row?.properties.time).toBe(NOW);
    expect(row?.properties.long).toBe('é'.repeat(255));
    expect(row?.properties.$import).toBe(true);
    expect(row?.properties.mp_processing_time_ms).toBe(NOW);
  });

  it('deduplicates on (event, distinct_id, time, $insert_id) and counts raw copies', async () => {
    const sandbox = await useSandbox({ clock: clock() });
    const url = `${sandbox.url}/import?strict=1`;
    const headers = { ...NDJSON, ...basicAuth('t') };
    await post(url, ndjson([event(1), event(2)]), { headers });
    await post(url, ndjson([event(1), event(1, { other: 'differs' })]), { headers });
    const stats = (await get(`${sandbox.url}/_sandbox/stats`)).json;
    expect(stats).toMatchObject({
      requests: { '/import': { total: 2, '200': 2 } },
      records: { '/import': { accepted: 4, rejected: 0, raw: 4, unique: 2, duplicates: 2 } },
    });
    const user = (await get(`${sandbox.url}/_sandbox/records?distinct_id=u1`)).json;
    expect(user).toMatchObject({ distinct_id: 'u1', raw: 3, profile: null });
    expect((user as { events: unknown[] }).events).toHaveLength(1);
  });
});

describe('sandbox /engage and /groups', () => {
  const url = (base: string, path: string, verbose = true) =>
    `${base}${path}?ip=0${verbose ? '&verbose=1' : ''}`;

  it('applies every operation in order and answers {"status":1,"error":null}', async () => {
    const sandbox = await useSandbox({ clock: clock(), credentials: { projectToken: 'tok' } });
    const updates = [
      { $token: 'tok', $distinct_id: 'u1', $set: { name: 'Ann', plan: 'free' } },
      { $token: 'tok', $distinct_id: 'u1', $set_once: { first: 'a', name: 'ignored' } },
      { $token: 'tok', $distinct_id: 'u1', $add: { logins: 3 } },
      { $token: 'tok', $distinct_id: 'u1', $union: { tags: ['x', 'y'] } },
      { $token: 'tok', $distinct_id: 'u1', $append: { seen: 'home' } },
      { $token: 'tok', $distinct_id: 'u1', $remove: { tags: 'x' } },
      { $token: 'tok', $distinct_id: 'u1', $unset: ['plan'] },
      { $token: 'tok', $distinct_id: 'u1', $set: { name: 'Ann B.' }, $ignore_time: true },
      { $token: 'tok', $distinct_id: 'gone', $set: { a: 1 } },
      { $token: 'tok', $distinct_id: 'gone', $delete: '' },
    ];
    const answer = await post(url(sandbox.url, '/engage'), JSON.stringify(updates), {
      headers: JSON_TYPE,
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ status: 1, error: null });
    const { profile } = sandbox.userRecords('u1');
    expect(profile?.$properties).toMatchObject({
      name: 'Ann B.',
      first: 'a',
      logins: 3,
      tags: ['y'],
      seen: ['home'],
    });
    expect(profile?.$properties).not.toHaveProperty('plan');
    expect(sandbox.userRecords('gone').profile).toBeNull();
  });

  it('answers 200 with status 0 for invalid updates, applying the valid ones', async () => {
    const sandbox = await useSandbox({ clock: clock() });
    const updates = [
      { $token: 't', $distinct_id: 'u1', $set: { a: 1 } },
      { $token: 't', $set: { a: 2 } },
    ];
    const verbose = await post(url(sandbox.url, '/engage'), JSON.stringify(updates), {
      headers: JSON_TYPE,
    });
    expect(verbose.status).toBe(200);
    expect(verbose.json).toEqual({ status: 0, error: '$distinct_id, missing or empty' });
    expect(sandbox.userRecords('u1').profile?.$properties).toMatchObject({ a: 1 });
    const plain = await post(url(sandbox.url, '/engage', false), JSON.stringify(updates), {
      headers: JSON_TYPE,
    });
    expect(plain.text).toBe('0');
    const good = await post(url(sandbox.url, '/engage', false), JSON.stringify([updates[0]]), {
      headers: JSON_TYPE,
    });
    expect(good.text).toBe('1');
    expect(sandbox.stats().records['/engage']).toMatchObject({ accepted: 3, rejected: 2 });
  });

  it('applies nothing from a batch with an invalid update in reject-batch mode', async () => {
    const sandbox = await useSandbox({ clock: clock(), profileBatchErrors: 'reject-batch' });
    const updates = [
      { $token: 't', $distinct_id: 'u1', $set: { a: 1 } },
      { $token: 't', $distinct_id: 'u1', $set: 'nope' },
    ];
    const answer = await post(url(sandbox.url, '/engage'), JSON.stringify(updates), {
      headers: JSON_TYPE,
    });
    expect(answer.json).toEqual({ status: 0, error: '$set must be an object' });
    expect(sandbox.userRecords('u1').profile).toBeNull();
  });

  it('drops updates with a wrong $token silently (or 401 with the knob)', async () => {
    const body = JSON.stringify([{ $token: 'wrong', $distinct_id: 'u1', $set: { a: 1 } }]);
    const lenient = await useSandbox({ clock: clock(), credentials: { projectToken: 'tok' } });
    const dropped = await post(url(lenient.url, '/engage'), body, { headers: JSON_TYPE });
    expect(dropped.json).toEqual({ status: 1, error: null });
    expect(lenient.userRecords('u1').profile).toBeNull();
    expect(lenient.stats().records['/engage'].dropped).toBe(1);

    const strict = await useSandbox({
      clock: clock(),
      credentials: { projectToken: 'tok' },
      badToken: '401',
    });
    const refused = await post(url(strict.url, '/engage'), body, { headers: JSON_TYPE });
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({ status: 'error' });
  });

  it('does not accept gzip on /engage and refuses more than 2000 updates', async () => {
    const sandbox = await useSandbox({ clock: clock() });
    const one = JSON.stringify([{ $token: 't', $distinct_id: 'u1', $set: { a: 1 } }]);
    const gz = await post(url(sandbox.url, '/engage'), one, { headers: JSON_TYPE, gzip: true });
    expect(gz.json).toMatchObject({ status: 0 });
    const many = JSON.stringify(
      Array.from({ length: 2001 }, (_, i) => ({ $token: 't', $distinct_id: `u${i}`, $set: {} })),
    );
    const over = await post(url(sandbox.url, '/engage'), many, { headers: JSON_TYPE });
    expect(over.status).toBe(400);
  });

  it('keeps group profiles by key and id; GET ?data= works too', async () => {
    const sandbox = await useSandbox({ clock: clock() });
    const updates = [
      { $token: 't', $group_key: 'company_id', $group_id: 'c1', $set: { plan: 'pro', seats: 3 } },
      { $token: 't', $group_key: 'company_id', $group_id: 'c1', $set_once: { plan: 'free' } },
      { $token: 't', $group_key: 'company_id', $group_id: 'c1', $unset: ['seats'] },
    ];
    const answer = await post(url(sandbox.url, '/groups'), JSON.stringify(updates), {
      headers: JSON_TYPE,
    });
    expect(answer.json).toEqual({ status: 1, error: null });
    const data = Buffer.from(
      JSON.stringify([
        { $token: 't', $group_key: 'company_id', $group_id: 'c1', $union: { tags: ['a'] } },
      ]),
    ).toString('base64');
    const viaGet = await get(`${sandbox.url}/groups?verbose=1&data=${encodeURIComponent(data)}`);
    expect(viaGet.json).toEqual({ status: 1, error: null });
    const group = await get(`${sandbox.url}/_sandbox/records?group_key=company_id&group_id=c1`);
    expect(group.json).toMatchObject({
      profile: {
        $group_key: 'company_id',
        $group_id: 'c1',
        $properties: { plan: 'pro', tags: ['a'] },
      },
    });
    expect(
      (group.json as { profile: { $properties: object } }).profile.$properties,
    ).not.toHaveProperty('seats');
  });
});

describe('sandbox /track', () => {
  it('checks properties.token, drops events older than 5 days, answers 1 when one is valid', async () => {
    const sandbox = await useSandbox({ clock: clock(), credentials: { projectToken: 'tok' } });
    const events = [
      { event: 'A', properties: { token: 'tok', distinct_id: 'u1', time: NOW / 1000 - 60 } },
      {
        event: 'B',
        properties: { token: 'tok', distinct_id: 'u1', time: NOW / 1000 - 6 * 86_400 },
      },
      { event: 'C', properties: { token: 'wrong', distinct_id: 'u1' } },
    ];
    const data = Buffer.from(JSON.stringify(events)).toString('base64');
    const answer = await post(
      `${sandbox.url}/track?verbose=1`,
      `data=${encodeURIComponent(data)}`,
      {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
    );
    expect(answer.json).toEqual({ status: 1, error: null });
    expect(sandbox.stats().records['/track']).toEqual({ accepted: 1, rejected: 0, dropped: 2 });
    expect(sandbox.userRecords('u1').events.map((e) => e.event)).toEqual(['A']);
    const none = await post(`${sandbox.url}/track`, JSON.stringify([{ event: 'X' }]), {
      headers: JSON_TYPE,
    });
    expect(none.text).toBe('0');
  });
});

describe('sandbox: faults and inspection API', () => {
  it('answers scripted 429s with and without Retry-After, then recovers', async () => {
    const sandbox = await useSandbox({ clock: clock() });
    const added = await post(
      `${sandbox.url}/_sandbox/faults`,
      JSON.stringify([
        { endpoint: '/import', status: 429, count: 1, retryAfter: 3 },
        { endpoint: '/import', status: 429, count: 1 },
      ]),
    );
    expect(added.status).toBe(201);
    const send = () =>
      post(`${sandbox.url}/import?strict=1`, ndjson([event(1)]), {
        headers: { ...NDJSON, ...basicAuth('t') },
      });
    const first = await send();
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect(first.json).toEqual({
      code: 429,
      error: 'Project exceeded rate limits. Please retry the request with exponential backoff.',
      status: 'Too Many Requests',
    });
    const second = await send();
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBeNull();
    expect((await send()).status).toBe(200);
    expect(sandbox.stats().requests['/import']).toEqual({ total: 3, '429': 2, '200': 1 });
    expect(sandbox.stats().records['/import'].raw).toBe(1);
  });

  it('refuses invalid fault specs without adding any, and DELETE clears them', async () => {
    const sandbox = await useSandbox({ clock: clock() });
    const bad = await post(
      `${sandbox.url}/_sandbox/faults`,
      JSON.stringify([{ endpoint: '/import', status: 503, rate: 0.5 }, { mode: 'latency' }]),
    );
    expect(bad.status).toBe(400);
    expect((await get(`${sandbox.url}/_sandbox/faults`)).json).toEqual({ faults: [] });
    await post(
      `${sandbox.url}/_sandbox/faults`,
      JSON.stringify({ endpoint: '/import', rate: 1, status: 503 }),
    );
    const cleared = await post(`${sandbox.url}/_sandbox/faults`, '', { method: 'DELETE' });
    expect(cleared.json).toEqual({ cleared: 1 });
  });

  it('answers 5xx with an HTML body, ingesting first when asked', async () => {
    const sandbox = await useSandbox({ clock: clock() });
    sandbox.addFault({ endpoint: '/import', status: 502, body: 'html', ingest: true, count: 1 });
    const answer = await post(`${sandbox.url}/import?strict=1`, ndjson([event(1)]), {
      headers: { ...NDJSON, ...basicAuth('t') },
    });
    expect(answer.status).toBe(502);
    expect(answer.text).toContain('<html>');
    // The answer was lost but the data landed: a retry will be a duplicate in the raw view.
    expect(sandbox.stats().records['/import'].raw).toBe(1);
  });

  it('resets the connection, and hangs until stopped', async () => {
    const sandbox = await useSandbox();
    sandbox.addFault({ endpoint: '/import', mode: 'reset', count: 1 });
    await expect(
      post(`${sandbox.url}/import`, ndjson([event(1)]), { headers: basicAuth('t') }),
    ).rejects.toThrow();
    expect(sandbox.stats().requests['/import']).toEqual({ total: 1, reset: 1 });

    sandbox.addFault({ endpoint: '/engage', mode: 'hang', count: 1 });
    const hung = post(`${sandbox.url}/engage?verbose=1`, '[]', { headers: JSON_TYPE });
    const outcome = hung.then(
      () => 'answered',
      () => 'closed',
    );
    while (sandbox.stats().requests['/engage'].hang !== 1) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    await sandbox.stop();
    expect(await outcome).toBe('closed');
  });

  it('clears data and counters on POST /_sandbox/reset', async () => {
    const sandbox = await useSandbox({ clock: clock() });
    await post(`${sandbox.url}/import?strict=1`, ndjson([event(1)]), {
      headers: { ...NDJSON, ...basicAuth('t') },
    });
    expect((await post(`${sandbox.url}/_sandbox/reset`, '')).json).toEqual({ reset: true });
    expect(sandbox.stats().records['/import']).toMatchObject({ accepted: 0, raw: 0, unique: 0 });
    expect(sandbox.stats().requests['/import'].total).toBe(0);
    expect(sandbox.userRecords('u1').events).toHaveLength(0);
  });

  it('answers 404 elsewhere', async () => {
    const sandbox = await useSandbox({ clock: clock() });
    expect((await post(`${sandbox.url}/nope`, '')).status).toBe(404);
    expect((await get(`${sandbox.url}/_sandbox/nope`)).status).toBe(404);
  });
});
