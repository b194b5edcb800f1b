/**
 * The dashboards and alert rules against the real thing: the pipeline processes traffic with
 * poison and injected Mixpanel faults while a real Prometheus (Debian's) scrapes it; every
 * dashboard panel query returns data and every rule evaluates cleanly.
 */
import { describe, expect, it } from 'vitest';
import { RULES_FILE, dashboardExpressions } from '../harness/ops-expressions.js';
import { startPrometheus, seriesCount } from '../harness/prometheus.js';
import { traffic, usePipelineFixture } from '../harness/pipeline.js';
import { waitFor } from '../harness/wait.js';

describe('observability of the running pipeline', () => {
  it('feeds every dashboard panel and evaluates every alert rule', async () => {
    const fixture = await usePipelineFixture({
      partitions: 2,
      config: { batching: { maxRecords: 100, lingerMs: 50 }, kafka: { lagIntervalMs: 500 } },
    });
    // Retries, throttling and backoff need faults; dead letters by code need poison.
    fixture.sandbox.addFault({ endpoint: '/import', rate: 0.15, status: 503 });
    fixture.sandbox.addFault({ endpoint: '/import', rate: 0.1, status: 429, retryAfter: 1 });
    const app = await fixture.startApp({ defaultMetrics: true });
    const opsUrl = app.opsUrl();
    if (!opsUrl) throw new Error('the ops server is not running');
    const prometheus = await startPrometheus({
      targets: [new URL(opsUrl).host],
      ruleFiles: [RULES_FILE],
    });
    try {
      await fixture.produce(traffic(6000, { seed: 31, poisonRate: 0.02 }));
      // rate() needs two scrapes with data and deriv(...[5m:]) two evaluation steps: four scrapes
      // taken after delivery started.
      await waitFor(
        () =>
          prometheus.query(
            'count_over_time(segment_mixpanel_records_delivered_total{target="import"}[1m]) >= 4 and segment_mixpanel_records_delivered_total{target="import"} > 0',
          ),
        (r) => seriesCount(r) === 1,
        { what: 'four scrapes after delivery started', timeoutMs: 60_000, intervalMs: 250 },
      );
      const panels = dashboardExpressions({ rateInterval: '5s' }).filter(
        (e) => e.kind !== 'annotation' && !e.needs.includes('kafka-exporter'),
      );
      expect(panels.length).toBeGreaterThan(50);
      const empty: string[] = [];
      for (const e of panels) {
        if (seriesCount(await prometheus.query(e.expr)) === 0)
          empty.push(`${e.source} ${e.where}: ${e.expr}`);
      }
      expect(empty).toEqual([]);

      const rules = await prometheus.rules();
      expect(rules.length).toBeGreaterThan(10);
      expect(
        rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError ?? r.health}`),
      ).toEqual([]);
    } finally {
      await prometheus.stop();
    }
  });
});
