/**
 * "segment-mixpanel / Overview": the RED view an on-call person opens first. Is data flowing in
 * and out, what fails and why, how fast it reaches Mixpanel, and how far behind the group is.
 * Causes (batching, backlog, Kafka group mechanics, runtime) are on the Internals dashboard.
 */
import { heatmap, stat, timeseries, type DashboardSpec } from './grafana.js';
import {
  LAG,
  SEL,
  SEL_SOURCE_TOPIC,
  SEL_TOPIC,
  increase,
  quantile,
  rate,
  ratio,
  sumRate,
} from './queries.js';

const CONSUMED = 'segment_mixpanel_kafka_messages_consumed_total';
const DELIVERED = 'segment_mixpanel_records_delivered_total';
const DEAD_LETTERS = 'segment_mixpanel_dead_letters_total';
const REQUESTS = 'segment_mixpanel_http_request_duration_seconds';
const LATENCY = 'segment_mixpanel_event_delivery_latency_seconds';

export const annotations: DashboardSpec['annotations'] = [
  {
    name: 'Restarts',
    expr: `changes(process_start_time_seconds{${SEL}}[$__rate_interval]) > 0 and on (job, instance) group by (job, instance) (segment_mixpanel_build_info{${SEL}})`,
    title: 'Restart of {{instance}}',
    color: 'red',
  },
  {
    name: 'Rebalances',
    expr: `sum by (instance) (${increase('segment_mixpanel_kafka_rebalances_total', `${SEL},kind="assign"`)}) > 0`,
    title: 'Rebalance seen by {{instance}}',
    color: 'orange',
  },
];

export const overview: DashboardSpec = {
  uid: 'segment-mixpanel-overview',
  title: 'segment-mixpanel / Overview',
  description:
    'Kafka → Mixpanel: throughput in and out, rejections and dead letters, Mixpanel responses, latency and lag.',
  annotations,
  rows: [
    {
      title: 'At a glance',
      panels: [
        stat({
          title: 'Consumed',
          description: 'Kafka records read per second from the selected raw topics (all replicas).',
          unit: 'ops',
          queries: [{ expr: sumRate('', CONSUMED, SEL_TOPIC) }],
        }),
        stat({
          title: 'Delivered',
          description:
            'Mixpanel records acknowledged per second (events, profile and group updates). One Kafka record can become several Mixpanel records.',
          unit: 'ops',
          queries: [{ expr: sumRate('', DELIVERED) }],
        }),
        stat({
          title: 'Dead-lettered share',
          description:
            'Share of consumed messages written to the dead-letter topic. Every failure ends there exactly once, whatever the stage. The dead-letter guard stops the processor at deadLetter.maxRatio (default 50%).',
          unit: 'percentunit',
          decimals: 2,
          thresholds: [
            { color: 'green', value: null },
            { color: 'orange', value: 0.01 },
            { color: 'red', value: 0.05 },
          ],
          queries: [
            {
              expr: ratio(
                `sum(${rate(DEAD_LETTERS, SEL_SOURCE_TOPIC)})`,
                `sum(${rate(CONSUMED, SEL_TOPIC)})`,
              ),
            },
          ],
        }),
        stat({
          title: 'Consumer lag',
          description:
            'Messages written to Kafka but not yet committed by the group, summed over partitions. Measured in-process every kafka.lagIntervalMs; each partition counted once.',
          unit: 'short',
          thresholds: [
            { color: 'green', value: null },
            { color: 'orange', value: 10000 },
            { color: 'red', value: 100000 },
          ],
          queries: [{ expr: `sum(${LAG})` }],
        }),
        stat({
          title: 'p99 Kafka → Mixpanel',
          description:
            '99th percentile of the time from the Kafka record timestamp to the Mixpanel acknowledgement. High during a catch-up or a replay (old records).',
          unit: 's',
          thresholds: [
            { color: 'green', value: null },
            { color: 'orange', value: 30 },
            { color: 'red', value: 300 },
          ],
          queries: [{ expr: quantile(0.99, '', LATENCY) }],
        }),
        stat({
          title: 'Since last ack',
          description:
            'Seconds since Mixpanel last acknowledged a batch on any selected replica. Grows when nothing is delivered, which is also normal when no traffic arrives.',
          unit: 's',
          thresholds: [
            { color: 'green', value: null },
            { color: 'orange', value: 60 },
            { color: 'red', value: 300 },
          ],
          queries: [
            {
              expr: `time() - max(segment_mixpanel_last_successful_flush_timestamp_seconds{${SEL}})`,
            },
          ],
        }),
        stat({
          title: 'Replicas up',
          description:
            'Replicas Prometheus scrapes successfully. Readiness (joined the group, Mixpanel reachable) is on each replica at /readyz.',
          unit: 'short',
          thresholds: [
            { color: 'red', value: null },
            { color: 'green', value: 1 },
          ],
          queries: [{ expr: 'sum(up{job=~"$job"})' }],
        }),
        stat({
          title: 'Replicas paused',
          description:
            'Replicas whose consumption is paused: their in-memory backlog is full (batching.maxBufferedRecords / maxBufferedBytes: Mixpanel is slower than Kafka), or the next Avro record waits for a schema registry that keeps failing.',
          unit: 'short',
          thresholds: [
            { color: 'green', value: null },
            { color: 'orange', value: 1 },
          ],
          queries: [{ expr: `sum(segment_mixpanel_kafka_consumer_paused{${SEL}})` }],
        }),
      ],
    },
    {
      title: 'Throughput',
      panels: [
        timeseries({
          title: 'In: consumed from Kafka by topic',
          description: 'Kafka records read per second, per raw topic.',
          unit: 'ops',
          min: 0,
          queries: [{ expr: sumRate('topic', CONSUMED, SEL_TOPIC), legend: '{{topic}}' }],
        }),
        timeseries({
          title: 'Out: delivered to Mixpanel by target',
          description:
            'Mixpanel records acknowledged per second: import = events (/import), engage = user profiles, groups = group profiles.',
          unit: 'ops',
          min: 0,
          stack: true,
          queries: [{ expr: sumRate('target', DELIVERED), legend: '{{target}}' }],
        }),
        timeseries({
          title: 'Consumed bytes by topic',
          description: 'Bytes of Kafka record values read per second.',
          unit: 'Bps',
          min: 0,
          queries: [
            {
              expr: sumRate('topic', 'segment_mixpanel_kafka_consumed_bytes_total', SEL_TOPIC),
              legend: '{{topic}}',
            },
          ],
        }),
        timeseries({
          title: 'Mixpanel records made, by Segment type',
          description:
            'Records produced by the transform per second, by the Segment call they came from (track, page, screen, identify, group, alias).',
          unit: 'ops',
          min: 0,
          stack: true,
          queries: [
            {
              expr: sumRate('segment_type', 'segment_mixpanel_records_transformed_total'),
              legend: '{{segment_type}}',
            },
          ],
        }),
        timeseries({
          title: 'Skipped on purpose, by reason',
          description:
            'Messages intentionally not sent (integrations object disables Mixpanel, people disabled, nothing to update…). Skips are counted, never dead-lettered.',
          unit: 'ops',
          min: 0,
          queries: [
            {
              expr: sumRate('reason', 'segment_mixpanel_messages_skipped_total'),
              legend: '{{reason}}',
            },
          ],
        }),
        timeseries({
          title: 'Non-idempotent profile updates',
          description:
            'Profile operations whose replay is not a no-op ($add, $append, $union). After a crash or rebalance they may apply twice; with default settings this stays at zero.',
          unit: 'ops',
          min: 0,
          queries: [
            {
              expr: sumRate('target, operation', 'segment_mixpanel_non_idempotent_updates_total'),
              legend: '{{target}} {{operation}}',
            },
          ],
        }),
      ],
    },
    {
      title: 'Rejections and dead letters',
      panels: [
        timeseries({
          title: 'Dead letters by code',
          description:
            'Messages written to the dead-letter topic per second, by reason code. `segment-mixpanel dlq inspect` shows samples; docs/runbook.md says what each code means and whether replay helps.',
          unit: 'ops',
          min: 0,
          stack: true,
          queries: [{ expr: sumRate('code', DEAD_LETTERS, SEL_SOURCE_TOPIC), legend: '{{code}}' }],
        }),
        timeseries({
          title: 'Dead letters by stage',
          description:
            'Where the rejection was decided: decode (bytes → message), validate (Segment spec), transform (mapping), publish (Mixpanel refused it).',
          unit: 'ops',
          min: 0,
          stack: true,
          queries: [
            { expr: sumRate('stage', DEAD_LETTERS, SEL_SOURCE_TOPIC), legend: '{{stage}}' },
          ],
        }),
        timeseries({
          title: 'Rejected by Mixpanel, by reason',
          description:
            'Mixpanel records refused in failed_records or as poison batches, by the field at fault. Their Kafka messages are dead-lettered with code mixpanel_rejected (and counted there once per message).',
          unit: 'ops',
          min: 0,
          queries: [
            {
              expr: sumRate('target, reason', 'segment_mixpanel_records_rejected_total'),
              legend: '{{target}} {{reason}}',
            },
          ],
        }),
        timeseries({
          title: 'Decode failures by code',
          description: 'Kafka records that could not be decoded into Segment messages.',
          unit: 'ops',
          min: 0,
          queries: [
            {
              expr: sumRate('code', 'segment_mixpanel_decode_failures_total', SEL_TOPIC),
              legend: '{{code}}',
            },
          ],
        }),
        timeseries({
          title: 'Validation and mapping failures',
          description: 'Segment messages rejected by validation or mapping, by type and code.',
          unit: 'ops',
          min: 0,
          queries: [
            {
              expr: sumRate('segment_type, code', 'segment_mixpanel_transform_failures_total'),
              legend: '{{segment_type}} {{code}}',
            },
          ],
        }),
        timeseries({
          title: 'Batches given up',
          description:
            'Batches (or parts) abandoned without delivery: retries_exhausted (only with retry.maxElapsedMs), poison_batch (bisected down to the bad records), payload_too_large.',
          unit: 'ops',
          min: 0,
          queries: [
            {
              expr: sumRate('target, reason', 'segment_mixpanel_batch_send_failures_total'),
              legend: '{{target}} {{reason}}',
            },
          ],
        }),
        timeseries({
          title: 'Dead-letter write failures',
          description:
            'Failed writes to the dead-letter topic (retried with backoff). Anything above zero for minutes means the safety net is broken and consumption will stall.',
          unit: 'short',
          min: 0,
          queries: [
            {
              expr: `sum by (instance) (${increase('segment_mixpanel_dead_letter_produce_failures_total')})`,
              legend: '{{instance}}',
            },
          ],
        }),
        timeseries({
          title: 'Dead-letter guard ratio',
          description:
            'Share of the last deadLetter.window messages that were dead-lettered, per replica. The processor stops when it passes deadLetter.maxRatio.',
          unit: 'percentunit',
          min: 0,
          max: 1,
          queries: [
            {
              expr: `max by (instance) (segment_mixpanel_dead_letter_ratio{${SEL}})`,
              legend: '{{instance}}',
            },
          ],
        }),
        timeseries({
          title: 'Fatal stops',
          description:
            'Set to 1 just before a replica exits on a fatal condition (auth = Mixpanel 401/403, dead_letter_ratio, kafka, internal). A replica that exits at once may not be scraped: check restarts too.',
          unit: 'short',
          min: 0,
          steps: true,
          queries: [
            {
              expr: `max by (instance, reason) (segment_mixpanel_fatal_errors_total{${SEL}})`,
              legend: '{{instance}} {{reason}}',
            },
          ],
        }),
      ],
    },
    {
      title: 'Mixpanel requests',
      panels: [
        timeseries({
          title: 'Request duration p50 / p95 / p99',
          description: 'Duration of each HTTP attempt to Mixpanel, retries included, by endpoint.',
          unit: 's',
          min: 0,
          queries: [0.5, 0.95, 0.99].map((q) => ({
            expr: quantile(q, 'endpoint', REQUESTS),
            legend: `p${q * 100} {{endpoint}}`,
          })),
        }),
        timeseries({
          title: 'Responses by status class',
          description:
            'HTTP attempts per second by outcome: 2xx, 4xx (rejections), 429 (throttled), 5xx, network (timeouts, resets, DNS).',
          unit: 'reqps',
          min: 0,
          stack: true,
          queries: [
            {
              expr: sumRate('endpoint, status_class', `${REQUESTS}_count`),
              legend: '{{endpoint}} {{status_class}}',
            },
          ],
        }),
        timeseries({
          title: 'Throttled share (429)',
          description:
            "Share of requests Mixpanel answered with 429. They are retried with backoff and the adaptive concurrency halves; sustained throttling means the project's ingestion limit is reached.",
          unit: 'percentunit',
          min: 0,
          queries: [
            {
              expr: ratio(
                sumRate('endpoint', 'segment_mixpanel_http_rate_limited_total'),
                sumRate('endpoint', `${REQUESTS}_count`),
              ),
              legend: '{{endpoint}}',
            },
          ],
        }),
        timeseries({
          title: 'Protocol errors',
          description:
            "Answers per second that are not Mixpanel's or do not account for every record sent (a proxy's page with 200, a 204, a short count). Resent, never counted as delivered; the log names the status and the body's first bytes.",
          unit: 'reqps',
          min: 0,
          queries: [
            {
              expr: sumRate('endpoint', 'segment_mixpanel_http_protocol_errors_total'),
              legend: '{{endpoint}}',
            },
          ],
        }),
        timeseries({
          title: 'Retries by reason',
          description: 'Retries scheduled per second after a retryable failure.',
          unit: 'ops',
          min: 0,
          queries: [
            {
              expr: sumRate('endpoint, reason', 'segment_mixpanel_http_retries_total'),
              legend: '{{endpoint}} {{reason}}',
            },
          ],
        }),
        timeseries({
          title: 'Time in backoff',
          description:
            'Seconds spent waiting in retry backoff per second. 1 = one request was always waiting; above 1, several requests back off at once.',
          unit: 'percentunit',
          min: 0,
          queries: [
            {
              expr: sumRate('instance, endpoint', 'segment_mixpanel_http_backoff_seconds_total'),
              legend: '{{instance}} {{endpoint}}',
            },
          ],
        }),
        timeseries({
          title: 'Requests in flight vs concurrency limit',
          description:
            'Requests awaiting a response, next to the adaptive limit (halved on 429, grown slowly on success, at most batching.maxInFlightRequests).',
          unit: 'short',
          min: 0,
          queries: [
            {
              expr: `sum by (endpoint) (segment_mixpanel_http_requests_in_flight{${SEL}})`,
              legend: 'in flight {{endpoint}}',
            },
            {
              expr: `sum by (endpoint) (segment_mixpanel_http_concurrency_limit{${SEL}})`,
              legend: 'limit {{endpoint}}',
            },
          ],
        }),
      ],
    },
    {
      title: 'Latency',
      panels: [
        timeseries({
          title: 'Kafka → Mixpanel latency p50 / p95 / p99',
          description:
            'Time from the Kafka record timestamp to the Mixpanel acknowledgement, by target. Includes time waiting in Kafka (lag), batching (lingerMs) and retries.',
          unit: 's',
          min: 0,
          queries: [0.5, 0.95, 0.99].map((q) => ({
            expr: quantile(q, 'target', LATENCY),
            legend: `p${q * 100} {{target}}`,
          })),
        }),
        timeseries({
          title: 'Delivered within 30 s',
          description:
            'Share of records acknowledged within 30 s of reaching Kafka (an SLI). The le regex matches both "30" and Prometheus 3\'s "30.0".',
          unit: 'percentunit',
          min: 0,
          max: 1,
          queries: [
            {
              expr: ratio(
                `sum(${rate(`${LATENCY}_bucket`, `${SEL},le=~"30(\\\\.0)?"`)})`,
                `sum(${rate(`${LATENCY}_count`)})`,
              ),
              legend: 'within 30 s',
            },
          ],
        }),
        heatmap({
          title: 'Mixpanel request duration heatmap',
          description:
            'Distribution of HTTP attempt durations over time (all endpoints). Bands near the top are timeouts.',
          unit: 's',
          queries: [
            {
              expr: `sum by (le) (${increase(`${REQUESTS}_bucket`)})`,
              legend: '{{le}}',
            },
          ],
        }),
      ],
    },
    {
      title: 'Consumer lag',
      panels: [
        timeseries({
          title: 'Lag per partition',
          description:
            'Uncommitted messages per partition (log end offset − committed offset). A single rising partition points at a hot key or a stuck record.',
          unit: 'short',
          min: 0,
          queries: [{ expr: LAG, legend: '{{topic}}/{{partition}}' }],
        }),
        timeseries({
          title: 'Lag change per second',
          description:
            'How fast the backlog grows (positive: input outpaces delivery) or drains (negative), per topic.',
          unit: 'ops',
          queries: [{ expr: `deriv(sum by (topic) (${LAG})[5m:])`, legend: '{{topic}}' }],
        }),
        timeseries({
          title: 'Lag per topic, broker view (kafka-exporter)',
          description:
            "The consumer group's committed lag as the broker sees it (needs kafka-exporter). Keeps working when every replica is down; should match the in-process view.",
          unit: 'short',
          min: 0,
          queries: [
            {
              expr: 'sum by (consumergroup, topic) (kafka_consumergroup_lag{consumergroup=~"$group",topic=~"$topic"})',
              legend: '{{consumergroup}} {{topic}}',
            },
          ],
        }),
      ],
    },
  ],
};
