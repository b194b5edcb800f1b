/**
 * The Prometheus files as Prometheus itself reads them: `promtool check config`, `check rules`,
 * `test rules` (the cases in prometheus/alerts.test.yml), and every dashboard expression parsed by
 * the same promtool (as a throwaway rule file), so a query the CI's Prometheus cannot parse fails
 * here even if the newer grammar in the static checks accepts it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { dashboardExpressions } from '../harness/ops-expressions.js';
import { runPromtool } from '../harness/promtool.js';

describe('promtool', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'sm-promtool-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('accepts prometheus/prometheus.yml and the rule files it loads', () => {
    const { status, output } = runPromtool(['check', 'config', 'prometheus/prometheus.yml']);
    expect(output).toContain('SUCCESS: 1 rule files found');
    expect(status, output).toBe(0);
  });

  it('accepts prometheus/alerts.yml', () => {
    const { status, output } = runPromtool(['check', 'rules', 'prometheus/alerts.yml']);
    expect(status, output).toBe(0);
  });

  it('passes the alert unit tests in prometheus/alerts.test.yml', () => {
    const { status, output } = runPromtool(['test', 'rules', 'prometheus/alerts.test.yml']);
    expect(output).toContain('SUCCESS');
    expect(status, output).toBe(0);
  });

  it('parses every dashboard expression', () => {
    const expressions = dashboardExpressions();
    const file = join(scratch, 'dashboards.rules.yml');
    writeFileSync(
      file,
      stringify({
        groups: [
          {
            name: 'dashboards',
            rules: expressions.map((e, i) => ({
              record: `dashboard:expression_${i}:check`,
              expr: e.expr,
            })),
          },
        ],
      }),
    );
    const { status, output } = runPromtool(['check', 'rules', file]);
    expect(status, output).toBe(0);
    expect(output).toContain(`SUCCESS: ${expressions.length} rules found`);
  });
});
