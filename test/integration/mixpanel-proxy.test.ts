/**
 * Requests to Mixpanel through a forward proxy (the sandbox behind a CONNECT proxy): credentials
 * in the proxy URL, a 407 that stops publishing instead of retrying or dead-lettering, a
 * TLS-inspecting proxy trusted through mixpanel.tls.ca, and hosts excluded by noProxy.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createApp } from '../../src/app.js';
import { configSchema, type MixpanelConfig, type RetryConfig } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/registry.js';
import type { PreparedRecord } from '../../src/mixpanel/records.js';
import { createPublisher } from '../../src/publish/publisher.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { BATCHING } from '../support/batching.js';
import { makeTestPki, type TestPki } from '../harness/certificates.js';
import { startForwardProxy, type ForwardProxyOptions } from '../harness/forward-proxy.js';
import { committedOffsets } from '../harness/kafka/client.js';
import { deadLetterCount, traffic, usePipelineFixture } from '../harness/pipeline.js';
import { useSandbox } from '../harness/sandbox.js';

const retry: RetryConfig = {
  requestTimeoutMs: 5000,
  initialDelayMs: 5,
  maxDelayMs: 50,
  multiplier: 2,
  jitterMinMs: 0,
  jitterMaxMs: 5,
  maxRetryAfterMs: 300_000,
};

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => pki.remove());

function events(n: number, prefix: string): PreparedRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const json = JSON.stringify({
      event: 'Viewed Page',
      properties: {
        time: Date.now() - 60_000 + i,
        distinct_id: `${prefix}-${i % 5}`,
        $insert_id: `${prefix}-${i}`,
      },
    });
    return { json, bytes: Buffer.byteLength(json) };
  });
}

async function proxyTo(sandbox: Sandbox, options: Omit<ForwardProxyOptions, 'upstream'> = {}) {
  const { hostname, port } = new URL(sandbox.url);
  const proxy = await startForwardProxy({
    upstream: { host: hostname, port: Number(port) },
    ...options,
  });
  onTestFinished(() => proxy.stop());
  return proxy;
}

function withCredentials(url: string, credentials: string): string {
  return url.replace('http://', `http://${credentials}@`);
}

function publisher(mixpanel: Omit<MixpanelConfig, 'projectToken' | 'region'>) {
  const created = createPublisher({
    mixpanel: { projectToken: 'tok', region: 'us', ...mixpanel },
    retry,
    batching: { ...BATCHING, maxInFlightRequests: 2 },
  });
  onTestFinished(() => created.close());
  return created;
}

describe('Mixpanel through a forward proxy', () => {
  it('delivers through the proxy with the credentials of its URL', async () => {
    const sandbox = await useSandbox();
    const proxy = await proxyTo(sandbox, { credentials: 'proc:pr0xy-pw' });
    const { results, fatal } = await publisher({
      apiHost: 'http://api.mixpanel.test',
      proxy: withCredentials(proxy.url, 'proc:pr0xy-pw'),
    }).publish('/import', events(20, 'ok'));
    expect(fatal).toBeUndefined();
    expect(results.every((r) => r.status === 'delivered')).toBe(true);
    expect(sandbox.stats().records['/import'].unique).toBe(20);
    expect(proxy.connects.length).toBeGreaterThan(0);
    expect(proxy.connects.every((c) => c.target === 'api.mixpanel.test:80' && c.authorized)).toBe(
      true,
    );
  });

  it('stops on a 407 without retrying, bisecting or rejecting a record', async () => {
    const sandbox = await useSandbox();
    const proxy = await proxyTo(sandbox, { credentials: 'proc:pr0xy-pw' });
    const p = publisher({
      apiHost: 'http://api.mixpanel.test',
      proxy: withCredentials(proxy.url, 'proc:wrong'),
    });
    const { results, fatal } = await p.publish('/import', events(20, 'refused'));
    expect(fatal).toMatchObject({ reason: 'proxy', status: 407 });
    expect(fatal?.message).toContain('mixpanel.proxy');
    expect(fatal?.message).not.toContain('wrong');
    expect(results.every((r) => r.status === 'unsettled')).toBe(true);
    expect(sandbox.stats().records['/import'].raw).toBe(0);
    // One tunnel attempt, not a retry loop and not one per bisected half.
    expect(proxy.connects).toHaveLength(1);
    const later = await p.publish('/import', events(3, 'after'));
    expect(later.fatal?.reason).toBe('proxy');
    expect(proxy.connects).toHaveLength(1);
  });

  it('trusts a TLS-inspecting proxy only through mixpanel.tls.ca', async () => {
    const sandbox = await useSandbox();
    const inspect = { key: pki.pem('inspector.key'), cert: pki.pem('inspector.crt') };
    const proxy = await proxyTo(sandbox, { inspect });
    const untrusted = await publisher({
      apiHost: 'https://api.mixpanel.test',
      proxy: proxy.url,
    }).publish('/import', events(5, 'untrusted'));
    expect(untrusted.fatal).toMatchObject({ reason: 'certificate' });
    expect(untrusted.results.every((r) => r.status === 'unsettled')).toBe(true);

    const trusted = await publisher({
      apiHost: 'https://api.mixpanel.test',
      proxy: proxy.url,
      tls: { ca: pki.path('other-ca.crt') },
    }).publish('/import', events(5, 'trusted'));
    expect(trusted.fatal).toBeUndefined();
    expect(trusted.results.every((r) => r.status === 'delivered')).toBe(true);
    expect(sandbox.stats().records['/import'].unique).toBe(5);
  });

  it('goes direct to the hosts listed in noProxy', async () => {
    const sandbox = await useSandbox();
    const proxy = await proxyTo(sandbox);
    const { results } = await publisher({
      apiHost: sandbox.url,
      proxy: proxy.url,
      noProxy: ['localhost', '127.0.0.1'],
    }).publish('/import', events(5, 'direct'));
    expect(results.every((r) => r.status === 'delivered')).toBe(true);
    expect(proxy.connects).toHaveLength(0);
  });
});

describe('the processor behind a proxy that refuses its credentials', () => {
  it('exits with a message naming mixpanel.proxy, dead-letters nothing and commits nothing', async () => {
    const fixture = await usePipelineFixture({ partitions: 1 });
    const proxy = await proxyTo(fixture.sandbox, { credentials: 'proc:pr0xy-pw' });
    await fixture.produce(traffic(50, { seed: 3 }));
    const config = configSchema.parse({
      ...fixture.configInput,
      mixpanel: {
        projectToken: 'tok',
        apiHost: 'http://api.mixpanel.test',
        proxy: withCredentials(proxy.url, 'proc:wrong'),
      },
    });
    const app = createApp(config, { logger: silentLogger(), metrics: createMetrics() });
    onTestFinished(() => app.stop().then(() => undefined));
    await app.start();
    const status = await app.exited;
    expect(status.code).toBe(1);
    expect(status.reason).toBe('proxy');
    expect(status.message).toContain('mixpanel.proxy');
    expect(status.message).not.toContain('wrong');
    expect(await deadLetterCount(fixture)).toBe(0n);
    const committed = await committedOffsets(fixture.kafka, fixture.groupId, fixture.topic);
    expect([...committed.values()].every((o) => o === -1n)).toBe(true);
    expect(fixture.sandbox.stats().records['/import'].raw).toBe(0);
  });
});
