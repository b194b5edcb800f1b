/**
 * "segment-mixpanel / Internals": the USE view for diagnosing causes. Batching and the unsettled
 * backlog (saturation), the Kafka consumer group (assignment, rebalances, commits), the Node.js
 * runtime of each replica, and cohort sync (cohorts.ts).
 */
import { cohortRow } from './cohorts.js';
import { stat, table, timeseries, type DashboardSpec } from './grafana.js';
import { annotations } from './overview.js';
import { SEL, SEL_TOPIC, increase, quantile, ratio, sumRate } from './queries.js';

const RECORDS = 'segment_mixpanel_batch_size_records';
const COMMITS = 'segment_mixpanel_kafka_commit_duration_seconds';

export const internals: DashboardSpec = {
  uid: 'segment-mixpanel-internals',
  title: 'segment-mixpanel / Internals',
  description:
    'Why the overview looks the way it does: batching, backlog and backpressure, the Kafka consumer group, the Node.js runtime per replica; and cohort sync.',
  annotations,
  rows: [
    {
      title: 'Batching and backlog',
      panels: [
        timeseries({
          title: 'Records per batch p50 / p95',
          description:
            'Records per request sent to Mixpanel (at most batching.maxRecords, 2000). Small batches at high traffic mean lingerMs closes them early.',
          unit: 'short',
          min: 0,
          queries: [0.5, 0.95].map((q) => ({
            expr: quantile(q, 'target', RECORDS),
            legend: `p${q * 100} {{target}}`,
          })),
        }),
        timeseries({
          title: 'Mean records per batch',
          description: 'Average records per request, by target.',
          unit: 'short',
          min: 0,
          queries: [
            {
              expr: ratio(
                sumRate('target', `${RECORDS}_sum`),
                sumRate('target', `${RECORDS}_count`),
              ),
              legend: '{{target}}',
            },
          ],
        }),
        timeseries({
          title: 'Batch body size p95',
          description:
            'Uncompressed request body bytes (batching.maxBytes, Mixpanel allows 10 MB). Bodies near the cap mean large events.',
          unit: 'bytes',
          min: 0,
          queries: [
            {
              expr: quantile(0.95, 'target', 'segment_mixpanel_batch_size_bytes'),
              legend: 'p95 {{target}}',
            },
          ],
        }),
        timeseries({
          title: 'Flushes by reason',
          description:
            'Batches closed per second by what closed them: size (maxRecords), bytes (maxBytes), time (lingerMs: traffic too low to fill batches), shutdown, rebalance.',
          unit: 'ops',
          min: 0,
          stack: true,
          queries: [
            {
              expr: sumRate('reason', 'segment_mixpanel_batch_flushes_total'),
              legend: '{{reason}}',
            },
          ],
        }),
        timeseries({
          title: 'Records waiting in open batches',
          description: 'Records buffered in batches that are not yet sent, by target.',
          unit: 'short',
          min: 0,
          queries: [
            {
              expr: `sum by (target) (segment_mixpanel_buffered_records{${SEL}})`,
              legend: '{{target}}',
            },
          ],
        }),
        timeseries({
          title: 'Unsettled messages',
          description:
            'Kafka records read but not yet delivered or dead-lettered, per replica. Consumption pauses at batching.maxBufferedRecords.',
          unit: 'short',
          min: 0,
          queries: [
            {
              expr: `sum by (instance) (segment_mixpanel_unsettled_messages{${SEL}})`,
              legend: '{{instance}}',
            },
          ],
        }),
        timeseries({
          title: 'Unsettled bytes',
          description:
            'Bytes held by unsettled records, per replica. Consumption pauses at batching.maxBufferedBytes; memory stays bounded by it.',
          unit: 'bytes',
          min: 0,
          queries: [
            {
              expr: `sum by (instance) (segment_mixpanel_unsettled_bytes{${SEL}})`,
              legend: '{{instance}}',
            },
          ],
        }),
        timeseries({
          title: 'Consumption paused (backpressure)',
          description:
            '1 while a replica stops taking records: its backlog is full (resumes below 80% of both limits; long pauses: Mixpanel is the bottleneck), or the next record waits for its schema lookup (the registry is failing: see the logs). Heartbeats go on meanwhile.',
          unit: 'short',
          min: 0,
          max: 1,
          steps: true,
          queries: [
            {
              expr: `max by (instance) (segment_mixpanel_kafka_consumer_paused{${SEL}})`,
              legend: '{{instance}}',
            },
          ],
        }),
      ],
    },
    {
      title: 'Kafka consumer group',
      panels: [
        timeseries({
          title: 'Consumed per replica',
          description:
            'Kafka records read per second by each replica. Uneven shares follow uneven partition assignment or hot keys.',
          unit: 'ops',
          min: 0,
          queries: [
            {
              expr: sumRate(
                'instance',
                'segment_mixpanel_kafka_messages_consumed_total',
                SEL_TOPIC,
              ),
              legend: '{{instance}}',
            },
          ],
        }),
        timeseries({
          title: 'Assigned partitions per replica',
          description:
            'Partitions each replica owns. Replicas beyond the partition count own nothing and sit idle.',
          unit: 'short',
          min: 0,
          steps: true,
          queries: [
            {
              expr: `sum by (instance) (segment_mixpanel_kafka_assigned_partitions{${SEL}})`,
              legend: '{{instance}}',
            },
          ],
        }),
        timeseries({
          title: 'Rebalances',
          description:
            'Assignments and revocations seen by each replica. Every member counts each group rebalance.',
          unit: 'short',
          min: 0,
          queries: [
            {
              expr: `sum by (instance, kind) (${increase('segment_mixpanel_kafka_rebalances_total')})`,
              legend: '{{instance}} {{kind}}',
            },
          ],
        }),
        timeseries({
          title: 'Rebalance drains',
          description:
            'How long members held rebalances to finish in-flight work and commit before rejoining (p95), and Kafka records abandoned at the drain deadline (their profile operations may apply twice).',
          unit: 'short',
          min: 0,
          queries: [
            {
              expr: quantile(0.95, 'instance', 'segment_mixpanel_kafka_rebalance_drain_seconds'),
              legend: 'drain p95 s {{instance}}',
            },
            {
              expr: `sum by (instance) (${increase('segment_mixpanel_kafka_rebalance_abandoned_records_total')})`,
              legend: 'abandoned {{instance}}',
            },
          ],
        }),
        timeseries({
          title: 'Offset commits by result',
          description:
            'Commits per second (every kafka.commitIntervalMs, at rebalance and shutdown). Failures during a rebalance are normal; only a failing streak matters.',
          unit: 'ops',
          min: 0,
          queries: [{ expr: sumRate('result', `${COMMITS}_count`), legend: '{{result}}' }],
        }),
        timeseries({
          title: 'Offset commit duration p99',
          description: '99th percentile of offset commit duration, by result.',
          unit: 's',
          min: 0,
          queries: [{ expr: quantile(0.99, 'result', COMMITS), legend: 'p99 {{result}}' }],
        }),
        timeseries({
          title: 'Lag per partition and owner',
          description:
            'In-process lag by the replica reporting it: shows who owns which partition and moves on rebalance.',
          unit: 'short',
          min: 0,
          queries: [
            {
              expr: `max by (instance, topic, partition) (segment_mixpanel_kafka_consumer_lag_messages{${SEL_TOPIC}})`,
              legend: '{{instance}} {{topic}}/{{partition}}',
            },
          ],
        }),
        timeseries({
          title: 'Group members (kafka-exporter)',
          description:
            'Members of the consumer group as the broker sees them (needs kafka-exporter). Should equal the running replicas.',
          unit: 'short',
          min: 0,
          steps: true,
          queries: [
            {
              expr: 'max by (consumergroup) (kafka_consumergroup_members{consumergroup=~"$group"})',
              legend: '{{consumergroup}}',
            },
          ],
        }),
        timeseries({
          title: 'Committed lag per partition (kafka-exporter)',
          description:
            "The group's lag per partition from the broker's committed offsets (needs kafka-exporter).",
          unit: 'short',
          min: 0,
          queries: [
            {
              expr: 'sum by (topic, partition) (kafka_consumergroup_lag{consumergroup=~"$group",topic=~"$topic"})',
              legend: '{{topic}}/{{partition}}',
            },
          ],
        }),
      ],
    },
    {
      title: 'Runtime',
      panels: [
        timeseries({
          title: 'CPU',
          description:
            'CPU time per second, per replica (1 = one full core). Node.js runs the pipeline on one core.',
          unit: 'percentunit',
          min: 0,
          queries: [
            {
              expr: sumRate('instance', 'process_cpu_seconds_total'),
              legend: '{{instance}}',
            },
          ],
        }),
        timeseries({
          title: 'Resident memory',
          description:
            'Resident set size per replica. Should plateau: the unsettled backlog is bounded by batching.maxBufferedBytes.',
          unit: 'bytes',
          min: 0,
          queries: [
            {
              expr: `sum by (instance) (process_resident_memory_bytes{${SEL}})`,
              legend: '{{instance}}',
            },
          ],
        }),
        timeseries({
          title: 'Heap used and total',
          description: 'V8 heap in use and allocated, per replica.',
          unit: 'bytes',
          min: 0,
          queries: [
            {
              expr: `sum by (instance) (nodejs_heap_size_used_bytes{${SEL}})`,
              legend: 'used {{instance}}',
            },
            {
              expr: `sum by (instance) (nodejs_heap_size_total_bytes{${SEL}})`,
              legend: 'total {{instance}}',
            },
          ],
        }),
        timeseries({
          title: 'Event loop delay p99',
          description:
            'How late timers fire (99th percentile between scrapes). Above 0.5 s heartbeats and request timeouts suffer.',
          unit: 's',
          min: 0,
          queries: [
            {
              expr: `max by (instance) (nodejs_eventloop_lag_p99_seconds{${SEL}})`,
              legend: '{{instance}}',
            },
          ],
        }),
        timeseries({
          title: 'Event loop utilisation',
          description:
            'Share of time the event loop was busy since the previous scrape. Near 100%: the replica is CPU-bound; add replicas (up to the partition count).',
          unit: 'percentunit',
          min: 0,
          max: 1,
          queries: [
            {
              expr: `max by (instance) (segment_mixpanel_event_loop_utilization_ratio{${SEL}})`,
              legend: '{{instance}}',
            },
          ],
        }),
        timeseries({
          title: 'GC time share by kind',
          description: 'Share of wall time spent in garbage collection, by GC kind.',
          unit: 'percentunit',
          min: 0,
          queries: [
            {
              expr: sumRate('instance, kind', 'nodejs_gc_duration_seconds_sum'),
              legend: '{{instance}} {{kind}}',
            },
          ],
        }),
        timeseries({
          title: 'Open file descriptors',
          description: 'Open file descriptors (sockets to brokers and Mixpanel included).',
          unit: 'short',
          min: 0,
          queries: [
            {
              expr: `max by (instance) (process_open_fds{${SEL}})`,
              legend: '{{instance}}',
            },
          ],
        }),
        stat({
          title: 'Uptime (youngest replica)',
          description:
            'Time since the most recent replica start. Short and repeatedly reset: a crash loop (see the Restarts annotation).',
          unit: 's',
          width: 8,
          thresholds: [
            { color: 'orange', value: null },
            { color: 'green', value: 600 },
          ],
          queries: [{ expr: `min(time() - process_start_time_seconds{${SEL}})` }],
        }),
        table({
          title: 'Versions',
          description: 'The version and Node.js runtime each replica reports.',
          unit: 'short',
          width: 16,
          queries: [
            {
              expr: `max by (instance, version, nodejs_version) (segment_mixpanel_build_info{${SEL}})`,
              instant: true,
            },
          ],
        }),
      ],
    },
    cohortRow,
  ],
};
