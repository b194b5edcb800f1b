import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from './registry.js';
import { startOpsServer, type OpsServer, type ReadinessCheck } from './server.js';

describe('ops server', () => {
  let server: OpsServer | undefined;
  afterEach(() => server?.close());

  it('serves the registry, liveness and readiness with the failing check named', async () => {
    const metrics = createMetrics({ topics: ['events'] });
    metrics.recordsDelivered.inc({ target: 'import' }, 7);
    let readiness: ReadinessCheck = {
      ready: false,
      checks: { consumer: 'not joined', mixpanel: true },
    };
    server = await startOpsServer({
      registry: metrics.registry,
      host: '127.0.0.1',
      port: 0,
      readiness: () => readiness,
    });

    const scrape = await fetch(`${server.url}/metrics`);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    expect(await scrape.text()).toContain(
      'segment_mixpanel_records_delivered_total{target="import"} 7',
    );

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({
      status: 'not ready',
      checks: { consumer: 'not joined', mixpanel: true },
    });

    readiness = { ready: true, checks: { consumer: true, mixpanel: true } };
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });
});
