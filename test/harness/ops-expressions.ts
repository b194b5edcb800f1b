/**
 * Every PromQL expression the project ships, ready to run: dashboard panel targets, variable
 * queries and annotations (Grafana variables substituted), and the recording and alerting rules of
 * prometheus/alerts.yml. Used by the static checks (test/ops/) and by tests that evaluate them on a
 * real Prometheus (test/harness/prometheus.ts). Each expression says which optional parts of the
 * stack it needs, so a test scraping only the processor can leave out the kafka-exporter panels.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { addMetric, metricUniverse, type KnownMetric } from './metric-universe.js';
import { analysePromQL } from './promql.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DASHBOARDS_DIR = join(REPO, 'grafana/dashboards');
export const RULES_FILE = join(REPO, 'prometheus/alerts.yml');

export interface OpsExpression {
  /** Repository path of the file it comes from. */
  readonly source: string;
  readonly kind: 'panel' | 'variable' | 'annotation' | 'record' | 'alert';
  /** Human pointer: panel id and title, variable name, rule name. */
  readonly where: string;
  /** As written in the file. */
  readonly raw: string;
  /** Runnable PromQL: Grafana variables substituted. */
  readonly expr: string;
  /** Parts of the stack beyond the processor that must be scraped for it to return data. */
  readonly needs: readonly ('kafka-exporter' | 'recording-rules')[];
}

export interface SubstituteOptions {
  /** Replaces $__rate_interval, $__interval and $__range (default 1m). */
  readonly rateInterval?: string;
}

/** Grafana variables → runnable PromQL: intervals become a duration, template variables `.*`. */
export function substituteVariables(expr: string, options: SubstituteOptions = {}): string {
  const interval = options.rateInterval ?? '1m';
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range/g, interval)
    .replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, '.*');
}

interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  targets?: { refId: string; expr: string }[];
  panels?: GrafanaPanel[];
}

interface GrafanaDashboard {
  panels: GrafanaPanel[];
  templating: { list: { name: string; type: string; definition?: string }[] };
  annotations: { list: { name: string; expr?: string; builtIn?: number }[] };
}

export function dashboardFiles(): string[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(DASHBOARDS_DIR, f));
}

export function readDashboard(file: string): GrafanaDashboard {
  return JSON.parse(readFileSync(file, 'utf8')) as GrafanaDashboard;
}

/** Every panel, row children included. */
export function panelsOf(dashboard: GrafanaDashboard): GrafanaPanel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** `label_values(selector, label)` → its parts. */
export function parseLabelValues(query: string): { selector: string; label: string } | undefined {
  const match = /^label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$/s.exec(query.trim());
  return match ? { selector: match[1] as string, label: match[2] as string } : undefined;
}

interface RuleFile {
  groups: { name: string; rules: { record?: string; alert?: string; expr: string }[] }[];
}

export function readRules(file = RULES_FILE): RuleFile {
  return parse(readFileSync(file, 'utf8')) as RuleFile;
}

/** The scraped metrics plus the recording rules, whose labels are inferred from their exprs. */
export function opsMetricUniverse(): Map<string, KnownMetric> {
  const universe = metricUniverse();
  for (const group of readRules().groups) {
    for (const rule of group.rules) {
      if (!rule.record) continue;
      const { labels } = analysePromQL(rule.expr, universe);
      addMetric(universe, rule.record, labels instanceof Set ? labels : [], 'rule', 'unknown');
    }
  }
  return universe;
}

function withNeeds(
  universe: ReadonlyMap<string, KnownMetric>,
  entry: Omit<OpsExpression, 'needs'>,
): OpsExpression {
  const needs = new Set<OpsExpression['needs'][number]>();
  for (const selector of analysePromQL(entry.expr, universe).selectors) {
    const origin = selector.metric ? universe.get(selector.metric)?.origin : undefined;
    if (origin === 'kafka-exporter') needs.add('kafka-exporter');
    if (origin === 'rule') needs.add('recording-rules');
  }
  return { ...entry, needs: [...needs] };
}

export function dashboardExpressions(options: SubstituteOptions = {}): OpsExpression[] {
  const universe = opsMetricUniverse();
  const out: OpsExpression[] = [];
  for (const file of dashboardFiles()) {
    const source = file.slice(REPO.length + 1);
    const dashboard = readDashboard(file);
    const add = (kind: OpsExpression['kind'], where: string, raw: string): void => {
      out.push(
        withNeeds(universe, { source, kind, where, raw, expr: substituteVariables(raw, options) }),
      );
    };
    for (const panel of panelsOf(dashboard)) {
      for (const target of panel.targets ?? []) {
        add('panel', `panel ${panel.id} "${panel.title}" query ${target.refId}`, target.expr);
      }
    }
    for (const variable of dashboard.templating.list) {
      const parsed = variable.definition ? parseLabelValues(variable.definition) : undefined;
      if (parsed) add('variable', `variable ${variable.name}`, parsed.selector);
    }
    for (const annotation of dashboard.annotations.list) {
      if (annotation.expr) add('annotation', `annotation ${annotation.name}`, annotation.expr);
    }
  }
  return out;
}

export function ruleExpressions(): OpsExpression[] {
  const universe = opsMetricUniverse();
  return readRules().groups.flatMap((group) =>
    group.rules.map((rule) =>
      withNeeds(universe, {
        source: 'prometheus/alerts.yml',
        kind: rule.record ? 'record' : 'alert',
        where: `${rule.record ? 'record' : 'alert'} ${rule.record ?? rule.alert}`,
        raw: rule.expr,
        expr: rule.expr,
      }),
    ),
  );
}

/** Every dashboard and rule expression. */
export function opsExpressions(options: SubstituteOptions = {}): OpsExpression[] {
  return [...dashboardExpressions(options), ...ruleExpressions()];
}
