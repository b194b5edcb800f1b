/**
 * Fake processor replicas for observability tests: a real registry from the catalogue (plus the
 * prom-client defaults) served by the real ops server, with every catalogued series given values
 * and kept moving, so every dashboard query has something to show before the pipeline exists.
 * Replicas overlap on one partition, like two members during a rebalance.
 */
import { CATALOG, type MetricDef } from '../../src/metrics/catalog.js';
import { ENDPOINTS, TARGETS } from '../../src/mixpanel/endpoints.js';
import { createMetrics, type Metrics } from '../../src/metrics/registry.js';
import { startOpsServer, type OpsServer } from '../../src/metrics/server.js';

export const FIXTURE_TOPIC = 'segment-events';

export interface FixtureReplica {
  readonly metrics: Metrics;
  readonly server: OpsServer;
  /** `host:port` to scrape. */
  readonly target: string;
  stop(): Promise<void>;
}

type Labels = Record<string, string>;

/** Values for labels the catalogue leaves open (bounded by config or by the closed sets). */
function labelValues(def: MetricDef, label: string, replica: number): readonly string[] {
  const closed = (def.values as Record<string, readonly string[] | undefined> | undefined)?.[label];
  if (closed) return closed;
  switch (label) {
    case 'topic':
    case 'source_topic':
      return [FIXTURE_TOPIC];
    case 'partition':
      return [String(replica), String(replica + 1)];
    case 'target':
      return TARGETS;
    case 'endpoint':
      return ENDPOINTS;
    default:
      throw new Error(`metrics fixture: no values for label ${label} of ${def.name}`);
  }
}

function labelSets(def: MetricDef, replica: number): Labels[] {
  return def.labels.reduce<Labels[]>(
    (sets, label) =>
      sets.flatMap((set) => labelValues(def, label, replica).map((v) => ({ ...set, [label]: v }))),
    [{}],
  );
}

/** One step of traffic: counters grow, histograms observe, gauges move. */
export function tick(metrics: Metrics, replica: number, nowSeconds: number): void {
  let i = 0;
  for (const [key, def] of Object.entries(CATALOG) as [keyof typeof CATALOG, MetricDef][]) {
    if (key === 'buildInfo') continue;
    const instrument = metrics[key] as unknown as {
      inc?: (l: Labels, v: number) => void;
      set?: (l: Labels, v: number) => void;
      observe?: (l: Labels, v: number) => void;
    };
    for (const labels of labelSets(def, replica)) {
      i++;
      if (def.type === 'counter') instrument.inc?.(labels, 1 + (i % 5));
      else if (def.type === 'histogram') {
        const buckets = def.buckets ?? [1];
        instrument.observe?.(labels, buckets[i % buckets.length] as number);
      } else if (key === 'lastFlush') instrument.set?.(labels, nowSeconds);
      else if (key === 'consumerPaused') instrument.set?.(labels, replica % 2);
      else if (key === 'deadLetterRatio' || key === 'eventLoopUtilization') {
        instrument.set?.(labels, 0.1 + replica / 10);
      } else instrument.set?.(labels, 100 * (replica + 1) + (i % 7));
    }
  }
}

export async function startFixtureReplica(replica: number): Promise<FixtureReplica> {
  const metrics = createMetrics({
    defaultMetrics: true,
    topics: [FIXTURE_TOPIC],
    version: '0.0.0-fixture',
  });
  tick(metrics, replica, Date.now() / 1000);
  const server = await startOpsServer({
    registry: metrics.registry,
    host: '127.0.0.1',
    port: 0,
    readiness: () => ({ ready: true, checks: { fixture: true } }),
  });
  const timer = setInterval(() => tick(metrics, replica, Date.now() / 1000), 200);
  return {
    metrics,
    server,
    target: server.url.replace(/^http:\/\//, ''),
    async stop() {
      clearInterval(timer);
      await server.close();
    },
  };
}
