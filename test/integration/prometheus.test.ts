/**
 * The Prometheus harness against a real server (Debian's prometheus): it scrapes two fixture
 * replicas served by the real ops server, loads prometheus/alerts.yml, and every dashboard panel
 * query returns data while every rule evaluates cleanly. The end-to-end version of this test
 * (the real pipeline instead of the fixture) reuses startPrometheus() and dashboardExpressions().
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureReplica, type FixtureReplica } from '../harness/metrics-fixture.js';
import { RULES_FILE, dashboardExpressions, ruleExpressions } from '../harness/ops-expressions.js';
import { startPrometheus, seriesCount, type PrometheusServer } from '../harness/prometheus.js';
import { waitFor } from '../harness/wait.js';

describe('a real Prometheus scraping fixture replicas', () => {
  let replicas: FixtureReplica[] = [];
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    replicas = await Promise.all([startFixtureReplica(0), startFixtureReplica(1)]);
    prometheus = await startPrometheus({
      targets: replicas.map((r) => r.target),
      ruleFiles: [RULES_FILE],
    });
    // rate() needs two scrapes of a replica, and a subquery such as deriv(...[5m:]) two
    // evaluation steps with data: wait for four scrapes of both.
    await waitFor(
      () => prometheus.query('count(count_over_time(segment_mixpanel_build_info[1m]) >= 4)'),
      (r) => r.resultType === 'vector' && r.result[0]?.value[1] === '2',
      { what: 'four scrapes of both replicas', timeoutMs: 30_000, intervalMs: 250 },
    );
  });

  afterAll(async () => {
    await prometheus?.stop();
    await Promise.all(replicas.map((r) => r.stop()));
  });

  it('scrapes every target into the segment-mixpanel job', async () => {
    const up = await prometheus.query('sum(up{job="segment-mixpanel"})');
    expect(up.resultType).toBe('vector');
    expect(up.resultType === 'vector' && up.result[0]?.value[1]).toBe('2');
    const consumed = await prometheus.query(
      'sum(segment_mixpanel_kafka_messages_consumed_total{job="segment-mixpanel"}) > 0',
    );
    expect(seriesCount(consumed)).toBe(1);
  });

  it('returns data for every dashboard panel query (kafka-exporter panels aside)', async () => {
    const panels = dashboardExpressions({ rateInterval: '5s' }).filter(
      (e) => e.kind !== 'annotation' && !e.needs.includes('kafka-exporter'),
    );
    expect(panels.length).toBeGreaterThan(50);
    const empty: string[] = [];
    for (const e of panels) {
      const result = await prometheus.query(e.expr);
      if (seriesCount(result) === 0) empty.push(`${e.source} ${e.where}: ${e.expr}`);
    }
    expect(empty).toEqual([]);
  });

  it('evaluates every annotation and rule expression without error', async () => {
    const expressions = [
      ...dashboardExpressions({ rateInterval: '5s' }).filter((e) => e.kind === 'annotation'),
      ...ruleExpressions(),
    ];
    for (const e of expressions)
      await expect(prometheus.query(e.expr), e.where).resolves.toBeDefined();
  });

  it('loads alerts.yml and every rule is healthy once evaluated', async () => {
    const rules = await waitFor(
      () => prometheus.rules(),
      (all) => all.length > 0 && all.every((r) => !r.lastEvaluation.startsWith('0001')),
      { what: 'every rule evaluated once', timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(rules.length).toBe(ruleExpressions().length);
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`)).toEqual(
      [],
    );
    // The lag recording rule counts the partition both replicas report once.
    const lag = await prometheus.query(
      'job_topic:segment_mixpanel_kafka_consumer_lag_messages:sum{topic="segment-events"}',
    );
    expect(seriesCount(lag)).toBe(1);
  });

  it('stops cleanly and removes its data', async () => {
    const other = await startPrometheus({ targets: [replicas[0]?.target ?? ''] });
    await other.waitForData('up');
    await other.stop();
    expect(other.process.exitCode !== null || other.process.signalCode !== null).toBe(true);
    expect(existsSync(other.dir)).toBe(false);
  });
});
