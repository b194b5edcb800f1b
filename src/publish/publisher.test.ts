import { BATCHING } from '../../test/support/batching.js';
import { describe, expect, it } from 'vitest';
import type { Metric } from 'prom-client';
import { ManualClock } from '../../test/harness/manual-clock.js';
import {
  reply,
  runOnClock,
  scriptedTransport,
  type RecordedRequest,
  type Script,
} from '../../test/harness/scripted-transport.js';
import type { MixpanelConfig, RetryConfig } from '../config/schema.js';
import { createLogger } from '../log.js';
import type { HttpResult } from './http-client.js';
import { createMetrics, type Metrics } from '../metrics/registry.js';
import { createPublisher, type PublisherOptions } from './publisher.js';
import { type PreparedRecord } from '../mixpanel/records.js';

const mixpanel: MixpanelConfig = { projectToken: 'tok-secret-value', region: 'us' };
/** Mixpanel's advice (and the config defaults): 2 s doubling to 60 s, 1–5 s jitter. */
const retry: RetryConfig = {
  requestTimeoutMs: 30_000,
  initialDelayMs: 2000,
  maxDelayMs: 60_000,
  multiplier: 2,
  jitterMinMs: 1000,
  jitterMaxMs: 5000,
  maxRetryAfterMs: 300_000,
};
/** random() = 0.5 makes every jitter 3000 ms. */
const JITTER = 3000;

function prepared(value: unknown): PreparedRecord {
  const json = JSON.stringify(value);
  return { json, bytes: Buffer.byteLength(json) };
}

function events(n: number, prefix = 'e'): PreparedRecord[] {
  return Array.from({ length: n }, (_, i) =>
    prepared({
      event: 'Viewed',
      properties: {
        time: 1_735_000_000_000 + i,
        distinct_id: `u${i % 7}`,
        $insert_id: `${prefix}-${i}`,
      },
    }),
  );
}

/** Mixpanel's answer to exactly this request, accounting for every record sent. */
function accounted(request: RecordedRequest): HttpResult {
  return request.path.startsWith('/import')
    ? reply(200, { code: 200, num_records_imported: request.records.length, status: 'OK' })
    : reply(200, { status: 1, error: null });
}

/** `ok` in a script stands for the answer accounting for that request's records. */
function setup(script: Script, overrides: Partial<PublisherOptions> = {}) {
  const clock = new ManualClock();
  const transport = scriptedTransport(clock, async (request, index) => {
    const answer = await script(request, index);
    return answer === ok ? accounted(request) : answer;
  });
  const metrics = createMetrics();
  const publisher = createPublisher({
    mixpanel,
    retry,
    batching: { ...BATCHING, maxInFlightRequests: 8 },
    clock,
    random: () => 0.5,
    metrics,
    transport,
    ...overrides,
  });
  return { clock, transport, metrics, publisher };
}

async function value(
  metric: Metric<string>,
  labels: Record<string, string>,
  name?: string,
): Promise<number> {
  const data = await metric.get();
  const found = data.values.find(
    (v) =>
      (name === undefined || (v as { metricName?: string }).metricName === name) &&
      Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  );
  return found?.value ?? 0;
}

const durationCount = (metrics: Metrics, endpoint: string, statusClass: string) =>
  value(
    metrics.requestDuration,
    { endpoint, status_class: statusClass },
    'segment_mixpanel_http_request_duration_seconds_count',
  );

const ok = reply(200, { code: 200, num_records_imported: 1, status: 'OK' });
const unavailable = reply(503, '<html>503</html>');

describe('publisher: requests', () => {
  it('sends /import as gzip NDJSON with strict=1, ip=0 and Basic auth, and delivers on 200', async () => {
    const { clock, transport, publisher } = setup(() => ok);
    const records = events(3);
    const result = await runOnClock(clock, publisher.publish('/import', records));
    expect(result).toEqual({ results: records.map(() => ({ status: 'delivered' })) });
    const [request] = transport.requests;
    expect(request?.path).toBe('/import?strict=1&ip=0');
    expect(request?.headers).toMatchObject({
      'content-type': 'application/x-ndjson',
      'content-encoding': 'gzip',
      authorization: `Basic ${Buffer.from('tok-secret-value:').toString('base64')}`,
    });
    expect(request?.records).toEqual(records.map((r) => r.json));
  });

  it('sends /engage and /groups as a JSON array with verbose=1, no auth and no gzip', async () => {
    const { clock, transport, publisher } = setup(() => reply(200, { status: 1, error: null }));
    const updates = [
      prepared({ $token: 't', $distinct_id: 'a', $set: { x: 1 } }),
      prepared({ $token: 't', $distinct_id: 'b', $set: { x: 2 } }),
    ];
    await runOnClock(clock, publisher.publish('/engage', updates));
    await runOnClock(clock, publisher.publish('/groups', updates));
    for (const [i, path] of ['/engage?verbose=1&ip=0', '/groups?verbose=1&ip=0'].entries()) {
      const request = transport.requests[i];
      expect(request?.path).toBe(path);
      expect(request?.headers['content-type']).toBe('application/json');
      expect(request?.headers.authorization).toBeUndefined();
      expect(request?.headers['content-encoding']).toBeUndefined();
      expect(request?.body.toString()).toBe(`[${updates.map((u) => u.json).join(',')}]`);
    }
  });
});

describe('publisher: answers', () => {
  it('rejects the failed_records indices, delivers the rest, and never resends them', async () => {
    const { clock, transport, metrics, publisher } = setup(() =>
      reply(400, {
        code: 400,
        error: 'some data points in the request failed validation',
        num_records_imported: 3,
        failed_records: [
          { index: 1, insert_id: 'e-1', field: 'properties.time', message: 'bad time' },
          { index: 3, $insert_id: 'e-3', field: '$insert_id', message: 'bad id' },
        ],
      }),
    );
    const { results } = await runOnClock(clock, publisher.publish('/import', events(5)));
    expect(results).toEqual([
      { status: 'delivered' },
      {
        status: 'rejected',
        code: 'mixpanel_rejected',
        message: 'bad time',
        field: 'properties.time',
        attempts: 1,
      },
      { status: 'delivered' },
      {
        status: 'rejected',
        code: 'mixpanel_rejected',
        message: 'bad id',
        field: '$insert_id',
        attempts: 1,
      },
      { status: 'delivered' },
    ]);
    expect(transport.requests).toHaveLength(1);
    expect(await value(metrics.recordsRejected, { target: 'import', reason: 'invalid_time' })).toBe(
      1,
    );
    expect(
      await value(metrics.recordsRejected, { target: 'import', reason: 'invalid_insert_id' }),
    ).toBe(1);
  });

  it('rejects the whole batch once when failed_records are plain strings', async () => {
    const { clock, transport, publisher } = setup(() =>
      reply(400, {
        code: 400,
        num_records_imported: 0,
        failed_records: ['identity events are not allowed'],
      }),
    );
    const { results } = await runOnClock(clock, publisher.publish('/import', events(4)));
    expect(results.every((r) => r.status === 'rejected' && r.code === 'mixpanel_rejected')).toBe(
      true,
    );
    expect(transport.requests).toHaveLength(1);
  });

  it('resends the identical bytes with exponential backoff and jitter until delivered', async () => {
    const answers = [unavailable, reply(500, 'oops'), reply(429, { error: 'rate' }), ok];
    const { clock, transport, metrics, publisher } = setup((_, i) => answers[i] ?? ok);
    const start = clock.now();
    const { results } = await runOnClock(clock, publisher.publish('/import', events(10)));
    expect(results.every((r) => r.status === 'delivered')).toBe(true);
    expect(transport.requests.map((r) => r.at - start)).toEqual([
      0,
      2000 + JITTER,
      2000 + JITTER + 4000 + JITTER,
      2000 + JITTER + 4000 + JITTER + 8000 + JITTER,
    ]);
    const first = transport.requests[0]?.body;
    for (const request of transport.requests)
      expect(request.body.equals(first as Buffer)).toBe(true);

    expect(await value(metrics.retries, { endpoint: '/import', reason: 'server_error' })).toBe(2);
    expect(await value(metrics.retries, { endpoint: '/import', reason: 'rate_limited' })).toBe(1);
    expect(await value(metrics.rateLimited, { endpoint: '/import' })).toBe(1);
    expect(await value(metrics.backoffSeconds, { endpoint: '/import' })).toBe(23);
    expect(await durationCount(metrics, '/import', '5xx')).toBe(2);
    expect(await durationCount(metrics, '/import', '429')).toBe(1);
    expect(await durationCount(metrics, '/import', '2xx')).toBe(1);
  });

  it('never takes an answer that does not account for the batch: retries, counts, logs once per condition', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const html = reply(200, '<html><title>Corporate proxy</title></html>');
    const short = reply(200, { code: 200, num_records_imported: 9, status: 'OK' });
    const answers = [html, html, reply(204, ''), html, short, ok, html, ok];
    const { clock, transport, metrics, publisher } = setup((_, i) => answers[i] ?? ok, {
      logger,
    });
    const first = await runOnClock(clock, publisher.publish('/import', events(10)));
    expect(first.results.every((r) => r.status === 'delivered')).toBe(true);
    expect(transport.requests).toHaveLength(6);
    const second = await runOnClock(clock, publisher.publish('/import', events(10, 'x')));
    expect(second.results.every((r) => r.status === 'delivered')).toBe(true);
    expect(transport.requests).toHaveLength(8);

    expect(await value(metrics.protocolErrors, { endpoint: '/import' })).toBe(6);
    expect(await value(metrics.retries, { endpoint: '/import', reason: 'protocol_error' })).toBe(6);
    // Once per condition: 200 page, 204, 200 again after the 204; quiet until a valid answer
    // clears it, then the next page is news again.
    const logged = lines.map(
      (l) => JSON.parse(l) as { status: number; body: string; endpoint: string; msg: string },
    );
    expect(logged.map((l) => [l.endpoint, l.status, l.body])).toEqual([
      ['/import', 200, '<html><title>Corporate proxy</title></html>'],
      ['/import', 204, ''],
      ['/import', 200, '<html><title>Corporate proxy</title></html>'],
      ['/import', 200, '<html><title>Corporate proxy</title></html>'],
    ]);
  });

  it('waits at least Retry-After', async () => {
    const answers = [reply(429, { error: 'rate' }, { 'retry-after': '120' }), ok];
    const { clock, transport, publisher } = setup((_, i) => answers[i] ?? ok);
    await runOnClock(clock, publisher.publish('/import', events(1)));
    expect((transport.requests[1]?.at ?? 0) - (transport.requests[0]?.at ?? 0)).toBe(
      120_000 + JITTER,
    );
  });

  it('ends a hung attempt at requestTimeoutMs and retries it', async () => {
    const { clock, transport, metrics, publisher } = setup((_, i) => (i === 0 ? 'hang' : ok));
    const { results } = await runOnClock(clock, publisher.publish('/import', events(2)));
    expect(results.every((r) => r.status === 'delivered')).toBe(true);
    expect(transport.requests[1]?.at).toBe(
      (transport.requests[0]?.at ?? 0) + retry.requestTimeoutMs + 2000 + JITTER,
    );
    expect(await value(metrics.retries, { endpoint: '/import', reason: 'timeout' })).toBe(1);
    expect(await durationCount(metrics, '/import', 'network')).toBe(1);
  });

  it('retries without limit when no budget is set', async () => {
    const { clock, transport, publisher } = setup((_, i) => (i < 40 ? unavailable : ok));
    const { results } = await runOnClock(clock, publisher.publish('/import', events(2)));
    expect(results.every((r) => r.status === 'delivered')).toBe(true);
    expect(transport.requests).toHaveLength(41);
  });

  it('gives up when the next wait would pass maxElapsedMs: retries_exhausted', async () => {
    const { clock, transport, metrics, publisher } = setup(() => unavailable, {
      retry: { ...retry, maxElapsedMs: 120_000 },
    });
    const start = clock.now();
    const { results } = await runOnClock(clock, publisher.publish('/import', events(3)));
    // Attempts at 0, 5 s, 12 s, 23 s, 42 s, 77 s; the next would start at 140 s > 120 s.
    expect(transport.requests.map((r) => (r.at - start) / 1000)).toEqual([0, 5, 12, 23, 42, 77]);
    expect(clock.now() - start).toBeLessThan(120_000);
    expect(results).toEqual(
      results.map(() => ({
        status: 'rejected',
        code: 'retries_exhausted',
        message: 'gave up after 6 attempts: HTTP 503 (HTML body)',
        attempts: 6,
      })),
    );
    expect(
      await value(metrics.batchSendFailures, { target: 'import', reason: 'retries_exhausted' }),
    ).toBe(1);
  });
});

describe('publisher: splitting and bisection', () => {
  it('splits on 413 until the parts fit; a single record answered 413 is record_too_large', async () => {
    const records = events(1000);
    const huge = records[617]?.json;
    const { clock, metrics, publisher } = setup((request) =>
      request.records.length > 300 || request.records.includes(huge as string)
        ? reply(413, { code: 413, error: 'request exceeds max limit of 2097152 bytes' })
        : ok,
    );
    const { results } = await runOnClock(clock, publisher.publish('/import', records));
    expect(results[617]).toEqual({
      status: 'rejected',
      code: 'record_too_large',
      message: 'request exceeds max limit of 2097152 bytes',
      attempts: 1,
    });
    expect(results.filter((r) => r.status === 'delivered')).toHaveLength(999);
    expect(
      await value(metrics.batchSendFailures, { target: 'import', reason: 'payload_too_large' }),
    ).toBe(1);
    expect(
      await value(metrics.recordsRejected, { target: 'import', reason: 'event_too_large' }),
    ).toBe(1);
  });

  it('bisects a poison batch (400 without failed_records) to the bad record in ~2·log2(n) requests', async () => {
    const records = events(2000);
    const bad = records[1234]?.json as string;
    const { clock, transport, metrics, publisher } = setup((request) =>
      request.records.includes(bad)
        ? reply(400, { code: 400, error: 'unable to parse line', status: 'Bad Request' })
        : ok,
    );
    const { results } = await runOnClock(clock, publisher.publish('/import', records));
    expect(results[1234]).toEqual({
      status: 'rejected',
      code: 'mixpanel_rejected',
      message: 'unable to parse line',
      attempts: 1,
    });
    expect(results.filter((r) => r.status === 'delivered')).toHaveLength(1999);
    expect(transport.requests.length).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(2000)));
    expect(
      await value(metrics.batchSendFailures, { target: 'import', reason: 'poison_batch' }),
    ).toBe(1);
  });

  it('bisects an /engage status 0 answer one half after the other, keeping the order', async () => {
    const updates = Array.from({ length: 16 }, (_, i) =>
      prepared({ $token: 't', $distinct_id: 'same-user', $set: { step: i } }),
    );
    const bad = updates[5]?.json as string;
    const applied: string[] = [];
    const { clock, transport, publisher } = setup((request) => {
      if (request.records.includes(bad)) return reply(200, { status: 0, error: '$set bad' });
      applied.push(...request.records);
      return reply(200, { status: 1, error: null });
    });
    const { results } = await runOnClock(clock, publisher.publish('/engage', updates));
    expect(results[5]).toEqual({
      status: 'rejected',
      code: 'mixpanel_rejected',
      message: '$set bad',
      attempts: 1,
    });
    expect(transport.maxInFlight).toBe(1);
    // The accepted parts reached Mixpanel in Kafka order: a later $set wins.
    expect(applied).toEqual(updates.filter((_, i) => i !== 5).map((u) => u.json));
  });
});

describe('publisher: shutdown and fatal answers', () => {
  it('aborting a hung request settles its records as unsettled at once', async () => {
    const { clock, transport, publisher } = setup(() => 'hang');
    const controller = new AbortController();
    const publishing = publisher.publish('/import', events(3), controller.signal);
    while (transport.inFlight === 0) await new Promise((r) => setImmediate(r));
    const before = clock.now();
    controller.abort();
    const { results, fatal } = await publishing;
    expect(results).toEqual(results.map(() => ({ status: 'unsettled' })));
    expect(fatal).toBeUndefined();
    expect(clock.now()).toBe(before);
  });

  it('aborting during a backoff wait settles at once without another attempt', async () => {
    const { clock, transport, publisher } = setup(() => unavailable);
    const controller = new AbortController();
    const publishing = publisher.publish('/import', events(2), controller.signal);
    while (clock.pendingTimers === 0) await new Promise((r) => setImmediate(r));
    controller.abort();
    const { results } = await publishing;
    expect(results).toEqual(results.map(() => ({ status: 'unsettled' })));
    expect(transport.requests).toHaveLength(1);
  });

  it('stops everything on 401 and names the setting to fix, never the secret', async () => {
    const { clock, transport, publisher } = setup((request) =>
      request.records.some((r) => r.includes('"a-'))
        ? unavailable
        : reply(401, { code: 401, error: 'Invalid credentials', status: 'Unauthorized' }),
    );
    const waiting = publisher.publish('/import', events(2, 'a'));
    const refused = publisher.publish('/import', events(2, 'b'));
    const [first, second] = await runOnClock(clock, Promise.all([waiting, refused]));
    for (const result of [first, second]) {
      expect(result.results).toEqual([{ status: 'unsettled' }, { status: 'unsettled' }]);
      expect(result.fatal?.status).toBe(401);
      expect(result.fatal?.message).toContain('mixpanel.projectToken');
      expect(result.fatal?.message).toContain('Invalid credentials');
      expect(result.fatal?.message).not.toContain('tok-secret-value');
    }
    const sent = transport.requests.length;
    const later = await publisher.publish('/engage', [prepared({ $token: 't' })]);
    expect(later.results).toEqual([{ status: 'unsettled' }]);
    expect(later.fatal?.status).toBe(401);
    expect(transport.requests).toHaveLength(sent);
  });

  it('stops on a proxy 407 without bisecting, naming mixpanel.proxy', async () => {
    const { clock, transport, publisher } = setup(() =>
      reply(407, '<html>Proxy Authentication Required</html>', {
        'proxy-authenticate': 'Basic realm="corp"',
      }),
    );
    const result = await runOnClock(clock, publisher.publish('/import', events(8)));
    expect(result.results.every((r) => r.status === 'unsettled')).toBe(true);
    expect(result.fatal).toMatchObject({ status: 407, reason: 'proxy' });
    expect(result.fatal?.message).toContain('mixpanel.proxy');
    expect(result.fatal?.message).toContain('HTTPS_PROXY');
    expect(transport.requests).toHaveLength(1);
  });

  it('close() aborts work in flight', async () => {
    const { transport, publisher } = setup(() => 'hang');
    const publishing = publisher.publish('/import', events(1));
    while (transport.inFlight === 0) await new Promise((r) => setImmediate(r));
    await publisher.close();
    expect((await publishing).results).toEqual([{ status: 'unsettled' }]);
  });
});

describe('publisher: adaptive concurrency', () => {
  it('keeps requests in flight within the limit and halves it on 429', async () => {
    const gates: ((answer: ReturnType<typeof reply>) => void)[] = [];
    const { clock, transport, metrics, publisher } = setup(
      () => new Promise((resolve) => gates.push(resolve)),
    );
    const batches = Array.from({ length: 10 }, (_, b) =>
      publisher.publish('/import', events(5, `b${b}`)),
    );
    while (transport.inFlight < 4) await new Promise((r) => setImmediate(r));
    // Let queued batches try to get in: they must wait for a permit.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(transport.maxInFlight).toBe(4);
    expect(await value(metrics.concurrencyLimit, { endpoint: '/import' })).toBe(4);
    expect(await value(metrics.requestsInFlight, { endpoint: '/import' })).toBe(4);

    // The four answer 429: one congestion signal, the limit halves once.
    for (const open of gates.splice(0)) open(reply(429, { error: 'rate' }));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(await value(metrics.concurrencyLimit, { endpoint: '/import' })).toBe(2);

    // Everything eventually lands; from now on answers are immediate.
    const answerAll = async (): Promise<void> => {
      while (gates.length > 0) gates.shift()?.(ok);
    };
    const all = Promise.all(batches);
    let settled = false;
    void all.then(() => (settled = true));
    for (let step = 0; !settled && step < 10_000; step++) {
      await answerAll();
      await new Promise((r) => setImmediate(r));
      if (!settled && gates.length === 0) await clock.advanceToNext();
    }
    const results = await all;
    expect(results.flatMap((r) => r.results).every((r) => r.status === 'delivered')).toBe(true);
    expect(transport.maxInFlight).toBe(4);
  });
});
