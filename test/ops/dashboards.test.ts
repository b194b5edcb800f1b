/**
 * The Grafana dashboards as file provisioning loads them (grafana/dashboards/*.json): current with
 * their generator, well-formed in the classic model, wired to the provisioned datasource, and
 * every query valid PromQL over metrics the processor (or kafka-exporter) really exposes, with
 * labels those metrics really carry. Grafana cannot run here; this is the linter it would need.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderDashboards } from '../../scripts/dashboards/index.js';
import { CATALOG, type MetricDef } from '../../src/metrics/catalog.js';
import {
  REPO,
  dashboardExpressions,
  dashboardFiles,
  opsMetricUniverse,
  parseLabelValues,
} from '../harness/ops-expressions.js';
import { analysePromQL } from '../harness/promql.js';

const universe = opsMetricUniverse();

interface PanelJson {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: unknown;
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: { refId: string; expr: string; datasource?: unknown }[];
  panels?: PanelJson[];
}

interface VariableJson {
  name: string;
  type: string;
  query?: string | { query?: string };
  definition?: string;
  current?: { value?: string };
}

interface DashboardJson {
  uid: string;
  id?: number | null;
  schemaVersion: number;
  panels: PanelJson[];
  templating: { list: VariableJson[] };
  annotations: { list: { name: string; builtIn?: number; datasource?: unknown; expr?: string }[] };
}

function provisionedDatasourceUid(): string {
  const dir = join(REPO, 'grafana/provisioning/datasources');
  const uids = readdirSync(dir).flatMap(
    (f) =>
      (parse(readFileSync(join(dir, f), 'utf8')) as { datasources: { uid: string }[] }).datasources,
  );
  expect(uids).toHaveLength(1);
  return (uids[0] as { uid: string }).uid;
}

describe('grafana/dashboards', () => {
  it('are current with scripts/dashboards (run `npm run dashboards` after changing them)', () => {
    const rendered = renderDashboards();
    expect(dashboardFiles().map((f) => f.slice(REPO.length + 1))).toEqual(
      rendered.map((r) => r.file).sort(),
    );
    for (const { file, json } of rendered) {
      expect(readFileSync(join(REPO, file), 'utf8'), file).toBe(json);
    }
  });

  const files = dashboardFiles();
  it('exist', () => expect(files.length).toBeGreaterThanOrEqual(1));

  describe.each(files.map((f) => [f.slice(REPO.length + 1), f]))('%s', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const dashboard = JSON.parse(text) as DashboardJson;
    const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    const content = panels.filter((p) => p.type !== 'row');

    it('is a provisionable classic dashboard: no import placeholders, a uid, a known schema', () => {
      expect(text).not.toContain('__inputs');
      expect(text).not.toMatch(/\$\{DS_/);
      expect(dashboard.uid).toMatch(/^[a-z0-9-]{8,40}$/);
      expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
      expect(dashboard.schemaVersion).toBeLessThanOrEqual(41);
      expect(dashboard).not.toHaveProperty('spec'); // the v2 resource schema
      expect(dashboard.id ?? null).toBeNull();
    });

    it('has unique panel ids and a grid without overlaps', () => {
      const ids = panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      const cells = new Set<string>();
      for (const p of panels) {
        const { x, y, w, h } = p.gridPos;
        expect(x + w, p.title).toBeLessThanOrEqual(24);
        for (let i = x; i < x + w; i++)
          for (let j = y; j < y + h; j++) {
            expect(cells.has(`${i},${j}`), `${p.title} overlaps at ${i},${j}`).toBe(false);
            cells.add(`${i},${j}`);
          }
      }
    });

    it('gives every panel a title, a description and a unit', () => {
      for (const p of panels) expect(p.title, `panel ${p.id}`).toBeTruthy();
      for (const p of content) {
        expect(String(p.description ?? '').length, `description of "${p.title}"`).toBeGreaterThan(
          20,
        );
        expect(p.fieldConfig?.defaults?.unit, `unit of "${p.title}"`).toBeTruthy();
      }
    });

    it('queries through the datasource variable, which defaults to the provisioned datasource', () => {
      const variable = dashboard.templating.list.find((v) => v.type === 'datasource');
      expect(variable?.name).toBe('datasource');
      expect(variable?.query).toBe('prometheus');
      expect(variable?.current?.value).toBe(provisionedDatasourceUid());
      for (const p of content) {
        expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(p.targets?.length, `targets of "${p.title}"`).toBeGreaterThan(0);
        for (const t of p.targets ?? []) {
          expect(t.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
        }
      }
      for (const a of dashboard.annotations.list) {
        if (!a.builtIn)
          expect(a.datasource, a.name).toEqual({ type: 'prometheus', uid: '${datasource}' });
      }
    });

    it('has job, instance and topic variables fed by label_values over real labels', () => {
      const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));
      for (const name of ['job', 'instance', 'topic']) {
        const variable = variables.get(name);
        expect(variable?.type, name).toBe('query');
        const parsed = parseLabelValues(String(variable?.definition));
        expect(parsed, `${name}: ${variable?.definition}`).toBeDefined();
        const analysis = analysePromQL(parsed?.selector.replace(/\$\w+/g, '.*') ?? '', universe);
        expect(analysis.problems).toEqual([]);
        const metric = analysis.selectors[0]?.metric ?? '';
        expect([...(universe.get(metric)?.labels ?? [])], name).toContain(parsed?.label);
        const query = variable?.query;
        expect(typeof query === 'string' ? query : query?.query).toBe(variable?.definition);
      }
    });

    it('uses $__rate_interval for every range and template variables only in regex matchers', () => {
      const raws = [
        ...content.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
        ...dashboard.annotations.list.flatMap((a) => a.expr ?? []),
      ];
      for (const raw of raws) {
        // Subqueries ([5m:]) smooth an already aggregated series and keep their own range.
        for (const [, range] of raw.matchAll(/\[([^\]]*)\]/g)) {
          if (!range?.includes(':')) expect(range, raw).toBe('$__rate_interval');
        }
        for (const [, op, value] of raw.matchAll(/[A-Za-z_]\w*\s*(=~|!~|!=|=)\s*"([^"]*)"/g)) {
          if (value?.includes('$')) expect(op, `${value} in ${raw}`).toBe('=~');
        }
      }
    });
  });

  it('query only metrics and labels that exist, and join series that match', () => {
    const problems = dashboardExpressions().flatMap((e) =>
      analysePromQL(e.expr, universe).problems.map((p) => `${e.source} ${e.where}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it('filter every processor metric by the job variable, so several deployments can share a Prometheus', () => {
    const unfiltered = dashboardExpressions().flatMap((e) =>
      analysePromQL(
        e.raw.replace(/\$__rate_interval/g, '1m').replace(/\$(\w+)/g, 'VAR_$1'),
        universe,
      )
        .selectors.filter((s) => {
          const origin = s.metric ? universe.get(s.metric)?.origin : undefined;
          if (origin === 'kafka-exporter' || e.kind === 'variable') return false;
          return !s.matchers.some(
            (m) => m.label === 'job' && m.op === '=~' && m.value === 'VAR_job',
          );
        })
        .map((s) => `${e.source} ${e.where}: ${s.metric}`),
    );
    expect(unfiltered).toEqual([]);
  });

  it('chart every catalogued metric', () => {
    const used = new Set(
      dashboardExpressions().flatMap((e) =>
        analysePromQL(e.expr, universe).selectors.map((s) => s.metric),
      ),
    );
    const missing = (Object.values(CATALOG) as MetricDef[])
      .map((d) => d.name)
      .filter(
        (name) =>
          ![name, `${name}_bucket`, `${name}_count`, `${name}_sum`].some((n) => used.has(n)),
      );
    expect(missing).toEqual([]);
  });
});
