/**
 * prometheus/alerts.yml beyond what promtool checks: every expression uses catalogued metrics
 * and labels, every alert says what happened and points at its section of docs/runbook.md, the
 * alerts operators were promised exist, and alerts.test.yml makes each one both fire and stay
 * silent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO, opsMetricUniverse, readRules } from '../harness/ops-expressions.js';
import { analysePromQL } from '../harness/promql.js';

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface RuleTests {
  rule_files: string[];
  tests: { name?: string; alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

const rules = readRules().groups.flatMap((g) => g.rules as Rule[]);
const alerts = rules.filter((r) => r.alert);
const universe = opsMetricUniverse();

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function runbookAnchors(): Set<string> {
  const text = readFileSync(join(REPO, 'docs/runbook.md'), 'utf8');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1] as string)));
}

/** What the operations brief promised, by the alert that covers it. */
const REQUIRED = [
  'SegmentMixpanelConsumerLagGrowing',
  'SegmentMixpanelNoProgress',
  'SegmentMixpanelDeadLetterRateHigh',
  'SegmentMixpanelFailureRatioHigh',
  'SegmentMixpanelRateLimited',
  'SegmentMixpanelMixpanelAuthRejected',
  'SegmentMixpanelRestarting',
  'SegmentMixpanelDeadLetterWriteFailing',
  'SegmentMixpanelEventLoopBlocked',
  'SegmentMixpanelAllInstancesDown',
  'SegmentMixpanelProtocolErrors',
];

describe('prometheus/alerts.yml', () => {
  it('has the promised alerts, each named once', () => {
    const names = alerts.map((a) => a.alert);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(REQUIRED));
    for (const name of names) expect(name).toMatch(/^SegmentMixpanel[A-Z][A-Za-z]+$/);
  });

  it('names recording rules level:metric:operations', () => {
    for (const rule of rules.filter((r) => r.record)) {
      expect(rule.record).toMatch(/^[a-z_]+:segment_mixpanel_[a-z_]+:[a-z0-9_]+$/);
    }
  });

  it('uses only catalogued metrics and labels, and joins series that match', () => {
    const problems = rules.flatMap((r) =>
      analysePromQL(r.expr, universe).problems.map((p) => `${r.alert ?? r.record}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it('gives every alert a severity, a summary, a description and a runbook section', () => {
    const anchors = runbookAnchors();
    for (const alert of alerts) {
      const name = alert.alert as string;
      expect(['critical', 'warning'], name).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary, name).toBeTruthy();
      expect(alert.annotations?.description?.length ?? 0, name).toBeGreaterThan(40);
      expect(alert.annotations?.runbook_url, name).toBe(`docs/runbook.md#${anchorOf(name)}`);
      expect(anchors.has(anchorOf(name)), `docs/runbook.md has a "${name}" heading`).toBe(true);
    }
  });

  it('is tested by alerts.test.yml: every alert fires in one case and stays silent in another', () => {
    const tests = parse(
      readFileSync(join(REPO, 'prometheus/alerts.test.yml'), 'utf8'),
    ) as RuleTests;
    expect(tests.rule_files).toEqual(['alerts.yml']);
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert.alert);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length > 0),
        `${alert.alert} fires somewhere`,
      ).toBe(true);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length === 0),
        `${alert.alert} stays silent somewhere`,
      ).toBe(true);
    }
  });
});
