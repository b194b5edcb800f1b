/**
 * Every metric name a dashboard or rule may use, with the labels each series carries: the
 * catalogue (src/metrics/catalog.ts, histograms expanded to _bucket/_sum/_count), prom-client's
 * default process_* and nodejs_* metrics (read from a real registry, so an upgrade cannot drift),
 * Prometheus' own `up`, and the kafka-exporter families we chart. Scraped series also carry the
 * target labels `job` and `instance`.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CATALOG, type MetricDef } from '../../src/metrics/catalog.js';

export type MetricOrigin = 'catalog' | 'prom-client' | 'prometheus' | 'kafka-exporter' | 'rule';

export interface KnownMetric {
  readonly name: string;
  /** Histograms appear as their _bucket, _sum and _count series, all counters. */
  readonly type: 'counter' | 'gauge' | 'unknown';
  readonly labels: ReadonlySet<string>;
  readonly origin: MetricOrigin;
}

export type MetricUniverse = ReadonlyMap<string, KnownMetric>;

export const TARGET_LABELS = ['job', 'instance'] as const;

/** danielqsj/kafka-exporter families (names and labels from its README). */
const KAFKA_EXPORTER: Record<string, readonly string[]> = {
  kafka_brokers: [],
  kafka_consumergroup_lag: ['consumergroup', 'topic', 'partition'],
  kafka_consumergroup_lag_sum: ['consumergroup', 'topic'],
  kafka_consumergroup_current_offset: ['consumergroup', 'topic', 'partition'],
  kafka_consumergroup_members: ['consumergroup'],
  kafka_topic_partition_current_offset: ['topic', 'partition'],
  kafka_topic_partitions: ['topic'],
};

type Kind = 'counter' | 'gauge' | 'histogram' | 'unknown';

/** Adds a metric (a histogram as its three series); recording rules carry no target labels. */
export function addMetric(
  universe: Map<string, KnownMetric>,
  name: string,
  labels: Iterable<string>,
  origin: MetricOrigin,
  kind: Kind,
): void {
  const scraped = origin === 'rule' ? [...labels] : [...labels, ...TARGET_LABELS];
  if (kind !== 'histogram') {
    universe.set(name, { name, type: kind, labels: new Set(scraped), origin });
    return;
  }
  const series = (suffix: string, extra: string[] = []): void =>
    void universe.set(name + suffix, {
      name: name + suffix,
      type: 'counter',
      labels: new Set([...scraped, ...extra]),
      origin,
    });
  series('_bucket', ['le']);
  series('_sum');
  series('_count');
}

/** The scraped metrics; recording rules are added by the caller (they come from alerts.yml). */
export function metricUniverse(): Map<string, KnownMetric> {
  const universe = new Map<string, KnownMetric>();
  for (const def of Object.values(CATALOG) as MetricDef[]) {
    addMetric(universe, def.name, def.labels, 'catalog', def.type);
  }
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const metric of registry.getMetricsAsArray()) {
    const { name, labelNames } = metric as unknown as { name: string; labelNames: string[] };
    const kind: Kind =
      metric instanceof Histogram ? 'histogram' : metric instanceof Counter ? 'counter' : 'gauge';
    addMetric(universe, name, labelNames, 'prom-client', kind);
  }
  addMetric(universe, 'up', [], 'prometheus', 'gauge');
  for (const [name, labels] of Object.entries(KAFKA_EXPORTER)) {
    addMetric(universe, name, labels, 'kafka-exporter', 'gauge');
  }
  return universe;
}
