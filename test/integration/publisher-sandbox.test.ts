/**
 * The publisher against the real sandbox over HTTP, under each fault alone and under a storm:
 * assertions are on per-record results, what the sandbox stored (raw vs deduplicated views, final
 * profile state) and metric values. Retry delays are small through config; nothing sleeps.
 */
import type { Metric } from 'prom-client';
import { BATCHING } from '../support/batching.js';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { RetryConfig } from '../../src/config/schema.js';
import { createMetrics, type Metrics } from '../../src/metrics/registry.js';
import { createPublisher, type PublisherOptions } from '../../src/publish/publisher.js';
import { type PreparedRecord } from '../../src/mixpanel/records.js';
import type { FaultSpecInput, Sandbox } from '../../src/sandbox/index.js';
import { useSandbox } from '../harness/sandbox.js';

const fastRetry: RetryConfig = {
  requestTimeoutMs: 2000,
  initialDelayMs: 5,
  maxDelayMs: 50,
  multiplier: 2,
  jitterMinMs: 0,
  jitterMaxMs: 5,
  maxRetryAfterMs: 300_000,
};
const BASE_TIME = Date.now() - 3_600_000;

function prepared(value: unknown): PreparedRecord {
  const json = JSON.stringify(value);
  return { json, bytes: Buffer.byteLength(json) };
}

function events(n: number, prefix: string, users = 50): PreparedRecord[] {
  return Array.from({ length: n }, (_, i) =>
    prepared({
      event: i % 3 === 0 ? 'Order Completed' : 'Viewed Page',
      properties: {
        time: BASE_TIME + i,
        distinct_id: `${prefix}-user-${i % users}`,
        $insert_id: `${prefix}-${i}`,
        path: `/page/${i}`,
        ip: '203.0.113.9',
      },
    }),
  );
}

function usePublisher(
  sandbox: Sandbox,
  overrides: Partial<PublisherOptions> = {},
): { publisher: ReturnType<typeof createPublisher>; metrics: Metrics } {
  const metrics = createMetrics();
  const publisher = createPublisher({
    mixpanel: { projectToken: 'tok', region: 'us', apiHost: sandbox.url },
    retry: fastRetry,
    batching: { ...BATCHING, maxInFlightRequests: 8 },
    metrics,
    ...overrides,
  });
  onTestFinished(() => publisher.close());
  return { publisher, metrics };
}

async function count(metric: Metric<string>, labels: Record<string, string>): Promise<number> {
  const data = await metric.get();
  return data.values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('publisher × sandbox: each fault alone', () => {
  const cases: {
    name: string;
    fault: FaultSpecInput;
    retry?: Partial<RetryConfig>;
    retries: Record<string, number>;
    raw: number;
  }[] = [
    {
      name: '429 without Retry-After',
      fault: { endpoint: '/import', status: 429, count: 2 },
      retries: { rate_limited: 2 },
      raw: 100,
    },
    {
      name: '503',
      fault: { endpoint: '/import', status: 503, count: 3 },
      retries: { server_error: 3 },
      raw: 100,
    },
    {
      name: '500 with an HTML body',
      fault: { endpoint: '/import', status: 500, body: 'html', count: 2 },
      retries: { server_error: 2 },
      raw: 100,
    },
    {
      name: '502 after the data landed (answer lost)',
      fault: { endpoint: '/import', status: 502, ingest: true, count: 1 },
      retries: { server_error: 1 },
      raw: 200,
    },
    {
      name: 'a hung connection',
      fault: { endpoint: '/import', mode: 'hang', count: 1 },
      retry: { requestTimeoutMs: 300 },
      retries: { timeout: 1 },
      raw: 100,
    },
    {
      name: 'a hung connection after the data landed',
      fault: { endpoint: '/import', mode: 'hang', ingest: true, count: 1 },
      retry: { requestTimeoutMs: 300 },
      retries: { timeout: 1 },
      raw: 200,
    },
    {
      name: 'a connection reset',
      fault: { endpoint: '/import', mode: 'reset', count: 2 },
      retries: { network: 2 },
      raw: 100,
    },
    {
      name: 'latency below the request timeout',
      fault: { endpoint: '/import', mode: 'latency', delayMs: 150, rate: 1 },
      retries: {},
      raw: 100,
    },
  ];

  it.each(cases)('$name', async ({ fault, retry, retries, raw }) => {
    const sandbox = await useSandbox({ faults: [fault] });
    const { publisher, metrics } = usePublisher(sandbox, { retry: { ...fastRetry, ...retry } });
    const records = events(100, 'solo');
    const { results, fatal } = await publisher.publish('/import', records);
    expect(fatal).toBeUndefined();
    expect(results.every((r) => r.status === 'delivered')).toBe(true);
    expect(sandbox.stats().records['/import']).toMatchObject({ raw, unique: 100 });
    for (const reason of ['rate_limited', 'server_error', 'network', 'timeout']) {
      expect(await count(metrics.retries, { endpoint: '/import', reason })).toBe(
        retries[reason] ?? 0,
      );
    }
    const user = sandbox.userRecords('solo-user-0');
    expect(user.events.map((e) => e.properties.$insert_id)).toEqual(
      [0, 50].map((i) => `solo-${i}`),
    );
  });

  it('429 with Retry-After waits at least that long', async () => {
    const sandbox = await useSandbox({
      faults: [{ endpoint: '/import', status: 429, count: 1, retryAfter: 1 }],
    });
    const { publisher, metrics } = usePublisher(sandbox);
    const started = performance.now();
    const { results } = await publisher.publish('/import', events(10, 'ra'));
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(results.every((r) => r.status === 'delivered')).toBe(true);
    expect(await count(metrics.rateLimited, { endpoint: '/import' })).toBe(1);
    expect(await count(metrics.backoffSeconds, { endpoint: '/import' })).toBeGreaterThanOrEqual(1);
  });
});

describe('publisher × sandbox: answers that do not account for the batch are never trusted', () => {
  const cases: {
    name: string;
    fault: FaultSpecInput;
    endpoint: '/import' | '/engage';
    raw: number;
  }[] = [
    {
      name: "a proxy's HTML page answered 200",
      fault: { endpoint: '/import', status: 200, body: 'html', count: 2 },
      endpoint: '/import',
      raw: 40,
    },
    {
      name: 'a 204 without a body',
      fault: { endpoint: '/import', status: 204, count: 2 },
      endpoint: '/import',
      raw: 40,
    },
    {
      name: 'a count one short of the batch, after the data landed',
      fault: { endpoint: '/import', status: 200, body: 'short-count', count: 2 },
      endpoint: '/import',
      raw: 120,
    },
    {
      name: "a proxy's HTML page answered 200 on /engage",
      fault: { endpoint: '/engage', status: 200, body: 'html', count: 2 },
      endpoint: '/engage',
      raw: 0,
    },
  ];

  it.each(cases)('$name: retried until an answer accounts for every record', async (c) => {
    const sandbox = await useSandbox({ faults: [c.fault] });
    const { publisher, metrics } = usePublisher(sandbox);
    const records =
      c.endpoint === '/import'
        ? events(40, 'answer')
        : Array.from({ length: 40 }, (_, u) =>
            prepared({ $token: 'tok', $distinct_id: `answer-user-${u}`, $set: { seen: true } }),
          );
    const { results, fatal } = await publisher.publish(c.endpoint, records);
    expect(fatal).toBeUndefined();
    expect(results.every((r) => r.status === 'delivered')).toBe(true);
    expect(await count(metrics.protocolErrors, { endpoint: c.endpoint })).toBe(2);
    expect(await count(metrics.retries, { endpoint: c.endpoint, reason: 'protocol_error' })).toBe(
      2,
    );
    if (c.endpoint === '/import') {
      expect(sandbox.stats().records['/import']).toMatchObject({ raw: c.raw, unique: 40 });
    } else {
      expect(sandbox.userRecords('answer-user-39').profile?.$properties).toMatchObject({
        seen: true,
      });
    }
  });

  it('a proxy answering 407 stops publishing with the proxy setting named, nothing bisected', async () => {
    const sandbox = await useSandbox({
      faults: [{ endpoint: '/import', status: 407, count: 1 }],
    });
    const { publisher } = usePublisher(sandbox);
    const { results, fatal } = await publisher.publish('/import', events(16, 'proxy'));
    expect(results.every((r) => r.status === 'unsettled')).toBe(true);
    expect(fatal).toMatchObject({ reason: 'proxy', status: 407 });
    expect(fatal?.message).toContain('mixpanel.proxy');
    expect(sandbox.stats().requests['/import']).toEqual({ total: 1, 407: 1 });
  });
});

describe('publisher × sandbox: a fault storm', () => {
  it('lands every record exactly once in the deduplicated view while the raw view shows retries', async () => {
    const sandbox = await useSandbox({
      faults: [
        { endpoint: '/import', rate: 0.2, status: 503 },
        { endpoint: '/import', rate: 0.06, status: 429 },
        { endpoint: '/import', rate: 0.03, mode: 'hang' },
        { endpoint: '/import', rate: 0.03, mode: 'hang', ingest: true },
        { endpoint: '/import', rate: 0.03, mode: 'reset' },
        { endpoint: '/import', rate: 0.06, status: 502, ingest: true },
        { endpoint: '/engage', rate: 0.2, status: 503 },
        { endpoint: '/engage', rate: 0.05, status: 502, ingest: true },
        { endpoint: '/engage', rate: 0.03, mode: 'hang', ingest: true },
      ],
    });
    const { publisher, metrics } = usePublisher(sandbox, {
      retry: { ...fastRetry, requestTimeoutMs: 400 },
    });
    const all = events(10_000, 'storm', 100);
    const batches = Array.from({ length: 50 }, (_, b) => all.slice(b * 200, (b + 1) * 200));

    // Events: 50 batches at once (they may go concurrently).
    const eventResults = await Promise.all(batches.map((b) => publisher.publish('/import', b)));

    // Profiles: four rounds of $set for the same 300 users, one round after the other (the
    // pipeline never has two batches for one user in flight); the last $set must win.
    for (let step = 0; step < 4; step++) {
      const updates = Array.from({ length: 300 }, (_, u) =>
        prepared({
          $token: 'tok',
          $distinct_id: `storm-user-${u}`,
          $set: { step, [`s${step}`]: true },
        }),
      );
      const { results } = await publisher.publish('/engage', updates);
      expect(results.every((r) => r.status === 'delivered')).toBe(true);
    }

    expect(eventResults.flatMap((r) => r.results).every((r) => r.status === 'delivered')).toBe(
      true,
    );
    const stats = sandbox.stats();
    expect(stats.records['/import'].unique).toBe(10_000);
    expect(stats.records['/import'].raw).toBeGreaterThan(10_000);
    expect(stats.records['/import'].duplicates).toBe(stats.records['/import'].raw - 10_000);

    // Each record exactly once in the deduplicated view.
    const seen = new Map<string, number>();
    for (let u = 0; u < 100; u++) {
      for (const row of sandbox.userRecords(`storm-user-${u}`).events) {
        const id = row.properties.$insert_id as string;
        seen.set(id, (seen.get(id) ?? 0) + 1);
      }
    }
    expect(seen.size).toBe(10_000);
    expect([...seen.values()].every((copies) => copies === 1)).toBe(true);

    for (let u = 0; u < 300; u++) {
      expect(sandbox.userRecords(`storm-user-${u}`).profile?.$properties).toMatchObject({
        step: 3,
        s0: true,
        s3: true,
      });
    }

    for (const reason of ['server_error', 'rate_limited', 'timeout', 'network']) {
      expect(await count(metrics.retries, { endpoint: '/import', reason })).toBeGreaterThan(0);
    }
    expect(await count(metrics.rateLimited, { endpoint: '/import' })).toBe(
      stats.requests['/import']['429'] ?? 0,
    );
    expect(
      await count(metrics.retries, { endpoint: '/engage', reason: 'server_error' }),
    ).toBeGreaterThan(0);
  });
});

describe('publisher × sandbox: refusals', () => {
  it('maps failed_records to the records and keeps the good ones', async () => {
    const sandbox = await useSandbox();
    const { publisher, metrics } = usePublisher(sandbox);
    const records = events(6, 'part');
    const broken = JSON.parse(records[2]?.json as string) as {
      properties: Record<string, unknown>;
    };
    broken.properties.$insert_id = 'not valid!';
    records[2] = prepared(broken);
    const { results } = await publisher.publish('/import', records);
    expect(results[2]).toEqual({
      status: 'rejected',
      code: 'mixpanel_rejected',
      field: '$insert_id',
      message: "'$insert_id' is invalid: must only contain alphanumeric or hyphen '-' characters",
      attempts: 1,
    });
    expect(results.filter((r) => r.status === 'delivered')).toHaveLength(5);
    expect(sandbox.stats().records['/import']).toMatchObject({ accepted: 5, rejected: 1 });
    expect(sandbox.stats().requests['/import'].total).toBe(1);
    expect(
      await count(metrics.recordsRejected, { target: 'import', reason: 'invalid_insert_id' }),
    ).toBe(1);
  });

  it('bisects a batch that fails as a whole to the record at fault', async () => {
    const sandbox = await useSandbox();
    const { publisher } = usePublisher(sandbox);
    const records = events(2000, 'bisect');
    records[777] = { json: '{"event": not json', bytes: 18 };
    const { results } = await publisher.publish('/import', records);
    expect(results[777]).toMatchObject({ status: 'rejected', code: 'mixpanel_rejected' });
    expect(results.filter((r) => r.status === 'delivered')).toHaveLength(1999);
    expect(sandbox.stats().records['/import'].unique).toBe(1999);
    expect(sandbox.stats().requests['/import'].total).toBeLessThanOrEqual(23);
  });

  it('splits on 413 until the parts fit the limit', async () => {
    const sandbox = await useSandbox({ maxRequestBytes: 60_000 });
    const { publisher } = usePublisher(sandbox);
    const { results } = await publisher.publish('/import', events(1000, 'big'));
    expect(results.every((r) => r.status === 'delivered')).toBe(true);
    const stats = sandbox.stats();
    expect(stats.requests['/import']['413']).toBeGreaterThan(0);
    expect(stats.records['/import']).toMatchObject({ raw: 1000, unique: 1000 });
  });

  it('bisects an /engage status 0 to the bad update, in order', async () => {
    const sandbox = await useSandbox();
    const { publisher } = usePublisher(sandbox);
    const updates = Array.from({ length: 40 }, (_, i) =>
      prepared({ $token: 'tok', $distinct_id: 'one-user', $set: { step: i } }),
    );
    updates[13] = prepared({ $token: 'tok', $distinct_id: 'one-user', $set: 'bad' });
    const { results } = await publisher.publish('/engage', updates);
    expect(results[13]).toEqual({
      status: 'rejected',
      code: 'mixpanel_rejected',
      message: '$set must be an object',
      attempts: 1,
    });
    expect(results.filter((r) => r.status === 'delivered')).toHaveLength(39);
    expect(sandbox.userRecords('one-user').profile?.$properties.step).toBe(39);
  });

  it('stops on 401 with a message naming the setting', async () => {
    const sandbox = await useSandbox({
      credentials: { serviceAccount: { username: 'sa', secret: 'pw' }, projectId: '7' },
    });
    const { publisher } = usePublisher(sandbox);
    const { results, fatal } = await publisher.publish('/import', events(5, 'auth'));
    expect(results.every((r) => r.status === 'unsettled')).toBe(true);
    expect(fatal?.status).toBe(401);
    expect(fatal?.message).toContain('mixpanel.projectToken');
    expect(sandbox.stats().records['/import'].raw).toBe(0);
  });

  it('authenticates with a service account and project_id', async () => {
    const sandbox = await useSandbox({
      credentials: { serviceAccount: { username: 'sa', secret: 'pw' }, projectId: '7' },
    });
    const { publisher } = usePublisher(sandbox, {
      mixpanel: {
        projectToken: 'tok',
        region: 'eu',
        apiHost: sandbox.url,
        serviceAccount: { username: 'sa', secret: 'pw' },
        projectId: '7',
      },
    });
    const { results } = await publisher.publish('/import', events(5, 'sa'));
    expect(results.every((r) => r.status === 'delivered')).toBe(true);
  });
});

describe('publisher × sandbox: misconfiguration and outages', () => {
  it('stops on 404 (a wrong apiHost path) with a message naming mixpanel.apiHost', async () => {
    const sandbox = await useSandbox();
    const { publisher } = usePublisher(sandbox, {
      mixpanel: { projectToken: 'tok', region: 'us', apiHost: `${sandbox.url}/wrong/prefix` },
    });
    const { results, fatal } = await publisher.publish('/import', events(3, 'path'));
    expect(results.every((r) => r.status === 'unsettled')).toBe(true);
    expect(fatal?.status).toBe(404);
    expect(fatal?.message).toContain('mixpanel.apiHost');
  });

  it('retries refused connections as network failures until the budget runs out', async () => {
    const sandbox = await useSandbox();
    const url = sandbox.url;
    await sandbox.stop();
    const { publisher, metrics } = usePublisher(sandbox, {
      mixpanel: { projectToken: 'tok', region: 'us', apiHost: url },
      retry: { ...fastRetry, maxElapsedMs: 300 },
    });
    const { results } = await publisher.publish('/import', events(3, 'down'));
    expect(results.every((r) => r.status === 'rejected' && r.code === 'retries_exhausted')).toBe(
      true,
    );
    expect(
      await count(metrics.retries, { endpoint: '/import', reason: 'network' }),
    ).toBeGreaterThan(0);
    expect(
      await count(metrics.batchSendFailures, { target: 'import', reason: 'retries_exhausted' }),
    ).toBe(1);
  });
});

describe('publisher × sandbox: shutdown', () => {
  it('aborting a hung request leaves its records unsettled at once', async () => {
    const sandbox = await useSandbox({ faults: [{ endpoint: '/import', mode: 'hang', rate: 1 }] });
    const { publisher } = usePublisher(sandbox, {
      retry: { ...fastRetry, requestTimeoutMs: 60_000 },
    });
    const controller = new AbortController();
    const publishing = publisher.publish('/import', events(20, 'abort'), controller.signal);
    while (sandbox.stats().requests['/import'].hang !== 1) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const aborted = performance.now();
    controller.abort();
    const { results } = await publishing;
    expect(performance.now() - aborted).toBeLessThan(1000);
    expect(results.every((r) => r.status === 'unsettled')).toBe(true);
  });
});
