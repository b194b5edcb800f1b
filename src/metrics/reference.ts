/** Renders docs/metrics.md from the metric catalogue. */
import { CATALOG, type MetricDef } from './catalog.js';

export const METRICS_DOC = 'docs/metrics.md';

const BANNER =
  '<!-- GENERATED from src/metrics/catalog.ts by `npm run docs`. Do not edit by hand; a unit test fails when it is stale. -->';

function labelsOf(definition: MetricDef): string {
  if (definition.labels.length === 0) return '—';
  const values = definition.values as Record<string, readonly string[] | undefined> | undefined;
  return definition.labels
    .map((label) => {
      const set = values?.[label];
      return set ? `\`${label}\` (${set.map((v) => `\`${v}\``).join(', ')})` : `\`${label}\``;
    })
    .join('<br>');
}

export function renderMetricsDoc(): string {
  const lines = [
    BANNER,
    '',
    '# Metrics reference',
    '',
    'Served at `/metrics` on the metrics port (default 9464) in the Prometheus text format, next to',
    '`/healthz` (the process is alive) and `/readyz` (the consumer has joined its group and Mixpanel is',
    'reachable). Every label takes values from a closed set; `topic` and `partition` are bounded by the',
    'configured topics. Counters and histograms whose labels are all closed sets start at zero, so',
    '`rate()` works before the first event. prom-client adds its standard `process_*` and `nodejs_*`',
    'metrics.',
    '',
    '| metric | type | labels | meaning |',
    '|---|---|---|---|',
  ];
  for (const definition of Object.values(CATALOG) as MetricDef[]) {
    const buckets = definition.buckets ? ` Buckets: ${definition.buckets.join(', ')}.` : '';
    lines.push(
      `| \`${definition.name}\` | ${definition.type} | ${labelsOf(definition)} | ${definition.help}${buckets} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
