/**
 * Builds one prom-client Registry per app instance from the catalogue (never the global default
 * registry, so tests and several instances in one process stay isolated).
 */
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CATALOG, type Catalog, type MetricDef, type MetricKey } from './catalog.js';

type LabelsOf<D> = D extends MetricDef<infer L, MetricDef['type']> ? L : never;
type Instrument<D extends MetricDef> = D['type'] extends 'counter'
  ? Counter<LabelsOf<D>>
  : D['type'] extends 'gauge'
    ? Gauge<LabelsOf<D>>
    : Histogram<LabelsOf<D>>;

/** Gauges of the catalogue. */
export type GaugeKey = {
  [K in MetricKey]: Catalog[K]['type'] extends 'gauge' ? K : never;
}[MetricKey];

export type Metrics = { readonly [K in MetricKey]: Instrument<Catalog[K]> } & {
  readonly registry: Registry;
  /**
   * Sets a gauge from its owner's state each time metrics are read, instead of on every change:
   * for state that changes per record (open batches, the backlog), where setting the gauge on
   * every change would cost more than the change itself. The last registration of a gauge wins.
   */
  onScrape<K extends GaugeKey>(key: K, read: (gauge: Instrument<Catalog[K]>) => void): void;
};

export interface MetricsOptions {
  /** Values of the `topic` / `source_topic` labels, known from config, initialised at start. */
  readonly topics?: readonly string[];
  /** prom-client's process and Node.js metrics; off in most tests. */
  readonly defaultMetrics?: boolean;
  readonly version?: string;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const instruments: Record<string, Counter | Gauge | Histogram> = {};
  let lastElu = performance.eventLoopUtilization();
  /** Gauges computed at scrape time. */
  const collectors: Partial<Record<MetricKey, (gauge: Gauge) => void>> = {
    eventLoopUtilization(gauge) {
      const now = performance.eventLoopUtilization();
      gauge.set(performance.eventLoopUtilization(now, lastElu).utilization);
      lastElu = now;
    },
  };
  /** Gauges read from their owner's state at scrape time (Metrics.onScrape). */
  const scrapers = new Map<MetricKey, (gauge: Gauge) => void>();
  for (const [key, definition] of Object.entries(CATALOG) as [MetricKey, MetricDef][]) {
    const config = {
      name: definition.name,
      help: definition.help,
      labelNames: [...definition.labels],
      registers: [registry],
    };
    let instrument: Counter | Gauge | Histogram;
    switch (definition.type) {
      case 'counter':
        instrument = new Counter(config);
        break;
      case 'gauge': {
        const collect = collectors[key];
        instrument = new Gauge({
          ...config,
          collect() {
            collect?.(this);
            scrapers.get(key)?.(this);
          },
        });
        break;
      }
      case 'histogram':
        instrument = new Histogram({ ...config, buckets: [...(definition.buckets ?? [])] });
        break;
    }
    initialise(instrument, definition, options.topics ?? []);
    instruments[key] = instrument;
  }

  const metrics = {
    ...instruments,
    registry,
    onScrape(key: MetricKey, read: (gauge: Gauge) => void) {
      scrapers.set(key, read);
    },
  } as unknown as Metrics;
  metrics.buildInfo.set(
    { version: options.version ?? 'unknown', nodejs_version: process.version },
    1,
  );

  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  return metrics;
}

/**
 * Counters and histograms whose labels all come from closed sets get their series at zero from
 * the start, so rate() and ratio alerts work before the first event.
 */
function initialise(
  instrument: Counter | Gauge | Histogram,
  definition: MetricDef,
  topics: readonly string[],
): void {
  if (definition.type === 'gauge' || definition.labels.length === 0) return;
  const sets: string[][] = [];
  for (const label of definition.labels) {
    const values =
      label === 'topic' || label === 'source_topic'
        ? topics
        : (definition.values as Record<string, readonly string[] | undefined> | undefined)?.[label];
    if (!values || values.length === 0) return;
    sets.push([...values]);
  }
  for (const combination of cartesian(sets)) {
    const labels = Object.fromEntries(
      definition.labels.map((l, i) => [l, combination[i] as string]),
    );
    if (instrument instanceof Counter) instrument.inc(labels, 0);
    else if (instrument instanceof Histogram) instrument.zero(labels);
  }
}

function cartesian(sets: string[][]): string[][] {
  return sets.reduce<string[][]>(
    (acc, set) => acc.flatMap((prefix) => set.map((v) => [...prefix, v])),
    [[]],
  );
}
