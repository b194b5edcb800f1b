/**
 * Every metric the processor exposes, declared once: name, type, help, unit and label names with
 * their closed value sets. docs/metrics.md is generated from this list, dashboards and alert rules
 * are checked against it, and registry.ts builds the prom-client objects from it.
 *
 * Conventions (Prometheus' naming guide): prefix `segment_mixpanel_`, base units (seconds,
 * bytes), counters end in `_total`, labels only from bounded sets. The label value sets come from
 * the modules that own them (vocabulary.ts, segment/, mixpanel/); `topic` and `partition` are
 * bounded by the configured topics and their partition counts.
 */
import { ENDPOINTS, TARGETS } from '../mixpanel/endpoints.js';
import { NON_IDEMPOTENT_OPERATIONS } from '../mixpanel/records.js';
import { SEGMENT_TYPES } from '../segment/message.js';
import {
  COHORT_FAILURE_REASONS,
  COHORT_QUERY_WAITS,
  COHORT_SOURCES,
  COHORT_SYNC_RESULTS,
  COHORT_TRANSITIONS,
  COMMIT_RESULTS,
  FATAL_REASONS,
  FLUSH_REASONS,
  REASON_CODES,
  REBALANCE_EVENTS,
  REJECT_REASONS,
  RETRY_REASONS,
  SEND_FAILURE_REASONS,
  SKIP_REASONS,
  STAGES,
  STATUS_CLASSES,
} from '../vocabulary.js';

export const METRIC_PREFIX = 'segment_mixpanel_';

type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDef<L extends string = string, T extends MetricType = MetricType> {
  readonly type: T;
  /** Full name, with the prefix. */
  readonly name: string;
  readonly help: string;
  readonly labels: readonly L[];
  /** Closed value sets: these combinations are initialised at start so rate() has series at once. */
  readonly values?: { readonly [K in L]?: readonly string[] };
  readonly buckets?: readonly number[];
}

function def<T extends MetricType, L extends string>(
  type: T,
  name: string,
  help: string,
  labels: readonly L[],
  extra: Pick<MetricDef<L>, 'values' | 'buckets'> = {},
): MetricDef<L, T> {
  return { type, name: METRIC_PREFIX + name, help, labels, ...extra };
}

const SECONDS_FAST = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const KIB = 1024;
const MIB = 1024 * KIB;

export const CATALOG = {
  // Source
  messagesConsumed: def(
    'counter',
    'kafka_messages_consumed_total',
    'Kafka records read from the raw topics.',
    ['topic', 'partition'],
  ),
  bytesConsumed: def(
    'counter',
    'kafka_consumed_bytes_total',
    'Bytes of Kafka record values read from the raw topics.',
    ['topic'],
  ),
  consumerLag: def(
    'gauge',
    'kafka_consumer_lag_messages',
    'Log end offset minus committed offset, per assigned partition; removed on revoke.',
    ['topic', 'partition'],
  ),
  assignedPartitions: def(
    'gauge',
    'kafka_assigned_partitions',
    'Partitions currently assigned to this instance.',
    ['topic'],
  ),
  rebalances: def(
    'counter',
    'kafka_rebalances_total',
    'Consumer group rebalances seen by this instance.',
    ['kind'],
    { values: { kind: REBALANCE_EVENTS } },
  ),
  rebalanceDrainDuration: def(
    'histogram',
    'kafka_rebalance_drain_seconds',
    'How long this member held a rebalance to finish its in-flight work and commit before rejoining.',
    [],
    { buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40] },
  ),
  rebalanceAbandoned: def(
    'counter',
    'kafka_rebalance_abandoned_records_total',
    'Kafka records still unsettled when a rebalance drain reached its deadline: left uncommitted for the next owner, so their profile operations may apply twice.',
    [],
  ),
  commitDuration: def(
    'histogram',
    'kafka_commit_duration_seconds',
    'Duration of offset commits; the failure count is the commit-failure counter.',
    ['result'],
    { values: { result: COMMIT_RESULTS }, buckets: SECONDS_FAST },
  ),
  consumerPaused: def(
    'gauge',
    'kafka_consumer_paused',
    '1 while consumption waits: the in-memory backlog is full, or the next record waits for its schema lookup.',
    [],
  ),

  // Decode, validate, transform
  decodeFailures: def(
    'counter',
    'decode_failures_total',
    'Kafka records that could not be decoded into Segment messages (then dead-lettered).',
    ['topic', 'code'],
    { values: { code: REASON_CODES } },
  ),
  messagesSkipped: def(
    'counter',
    'messages_skipped_total',
    'Segment messages intentionally not sent (integrations object, settings).',
    ['reason'],
    { values: { reason: SKIP_REASONS } },
  ),
  transformFailures: def(
    'counter',
    'transform_failures_total',
    'Segment messages rejected by validation or mapping (then dead-lettered).',
    ['segment_type', 'code'],
    { values: { segment_type: SEGMENT_TYPES, code: REASON_CODES } },
  ),
  recordsTransformed: def(
    'counter',
    'records_transformed_total',
    'Mixpanel records produced, by Segment message type and target.',
    ['segment_type', 'target'],
    { values: { segment_type: SEGMENT_TYPES, target: TARGETS } },
  ),

  // Batch
  batchRecords: def(
    'histogram',
    'batch_size_records',
    'Records per request sent to Mixpanel.',
    ['target'],
    { values: { target: TARGETS }, buckets: [1, 10, 50, 100, 250, 500, 1000, 1500, 2000] },
  ),
  batchBytes: def(
    'histogram',
    'batch_size_bytes',
    'Uncompressed body bytes per request sent to Mixpanel.',
    ['target'],
    {
      values: { target: TARGETS },
      buckets: [
        KIB,
        4 * KIB,
        16 * KIB,
        64 * KIB,
        256 * KIB,
        MIB,
        2 * MIB,
        4 * MIB,
        8 * MIB,
        10 * MIB,
      ],
    },
  ),
  batchFlushes: def(
    'counter',
    'batch_flushes_total',
    'Batches closed, by what closed them.',
    ['target', 'reason'],
    { values: { target: TARGETS, reason: FLUSH_REASONS } },
  ),
  bufferedRecords: def(
    'gauge',
    'buffered_records',
    'Records waiting in open batches (not yet sent).',
    ['target'],
  ),
  unsettledMessages: def(
    'gauge',
    'unsettled_messages',
    'Kafka records read but not yet delivered or dead-lettered.',
    [],
  ),
  unsettledBytes: def('gauge', 'unsettled_bytes', 'Bytes held by unsettled Kafka records.', []),

  // Publish
  requestDuration: def(
    'histogram',
    'http_request_duration_seconds',
    'Duration of each HTTP attempt to Mixpanel, retries included.',
    ['endpoint', 'status_class'],
    {
      values: { endpoint: ENDPOINTS, status_class: STATUS_CLASSES },
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    },
  ),
  requestsInFlight: def(
    'gauge',
    'http_requests_in_flight',
    'HTTP requests to Mixpanel awaiting a response.',
    ['endpoint'],
  ),
  concurrencyLimit: def(
    'gauge',
    'http_concurrency_limit',
    'Current adaptive limit on concurrent requests.',
    ['endpoint'],
  ),
  retries: def(
    'counter',
    'http_retries_total',
    'Retries scheduled after a retryable failure.',
    ['endpoint', 'reason'],
    { values: { endpoint: ENDPOINTS, reason: RETRY_REASONS } },
  ),
  rateLimited: def(
    'counter',
    'http_rate_limited_total',
    'HTTP 429 responses from Mixpanel.',
    ['endpoint'],
    { values: { endpoint: ENDPOINTS } },
  ),
  backoffSeconds: def(
    'counter',
    'http_backoff_seconds_total',
    'Seconds spent waiting in retry backoff; its rate is the share of time throttled.',
    ['endpoint'],
    { values: { endpoint: ENDPOINTS } },
  ),
  protocolErrors: def(
    'counter',
    'http_protocol_errors_total',
    "Answers that are not Mixpanel's or do not account for every record sent (a proxy page, a 204, a short count); retried, never counted as delivered.",
    ['endpoint'],
    { values: { endpoint: ENDPOINTS } },
  ),
  recordsDelivered: def(
    'counter',
    'records_delivered_total',
    'Records acknowledged by Mixpanel.',
    ['target'],
    { values: { target: TARGETS } },
  ),
  recordsRejected: def(
    'counter',
    'records_rejected_total',
    'Records Mixpanel refused (failed_records, poison batches), by cause.',
    ['target', 'reason'],
    { values: { target: TARGETS, reason: REJECT_REASONS } },
  ),
  batchSendFailures: def(
    'counter',
    'batch_send_failures_total',
    'Batches (or parts) given up on without delivery.',
    ['target', 'reason'],
    { values: { target: TARGETS, reason: SEND_FAILURE_REASONS } },
  ),
  nonIdempotentUpdates: def(
    'counter',
    'non_idempotent_updates_total',
    'Profile updates whose replay is not a no-op; they may repeat after a crash.',
    ['target', 'operation'],
    { values: { target: ['engage', 'groups'], operation: NON_IDEMPOTENT_OPERATIONS } },
  ),
  deliveryLatency: def(
    'histogram',
    'event_delivery_latency_seconds',
    'Kafka record timestamp to Mixpanel acknowledgement.',
    ['target'],
    {
      values: { target: TARGETS },
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    },
  ),
  lastFlush: def(
    'gauge',
    'last_successful_flush_timestamp_seconds',
    'Unix time of the last batch Mixpanel acknowledged.',
    [],
  ),

  // Settle
  deadLetters: def(
    'counter',
    'dead_letters_total',
    'Messages written to the dead-letter topic, by reason code and stage.',
    ['source_topic', 'code', 'stage'],
    { values: { code: REASON_CODES, stage: STAGES } },
  ),
  deadLetterFailures: def(
    'counter',
    'dead_letter_produce_failures_total',
    'Failed writes to the dead-letter topic (the safety net is broken).',
    [],
  ),
  deadLetterRatio: def(
    'gauge',
    'dead_letter_ratio',
    'Share of the recent window of messages that was dead-lettered.',
    [],
  ),
  fatalErrors: def(
    'counter',
    'fatal_errors_total',
    'Conditions that stopped the processor.',
    ['reason'],
    { values: { reason: FATAL_REASONS } },
  ),

  // Cohort sync (`segment-mixpanel cohorts serve` and `cohorts sync`)
  cohortSyncs: def(
    'counter',
    'cohort_syncs_total',
    'Cohort syncs by how they ended: completed, abandoned (a full listing that never completed; no exits emitted) or failed (an attempt to be retried).',
    ['source', 'result'],
    { values: { source: COHORT_SOURCES, result: COHORT_SYNC_RESULTS } },
  ),
  cohortMembers: def(
    'counter',
    'cohort_members_total',
    'Users entering or leaving a cohort: identify messages acknowledged by the cohort topic.',
    ['source', 'transition'],
    { values: { source: COHORT_SOURCES, transition: COHORT_TRANSITIONS } },
  ),
  cohortPages: def(
    'counter',
    'cohort_pages_total',
    'Pages of cohort membership received from the webhook or read from the Query API.',
    ['source'],
    { values: { source: COHORT_SOURCES } },
  ),
  cohortFailures: def(
    'counter',
    'cohort_failures_total',
    'Failed cohort sync attempts and refused webhook requests, by reason.',
    ['source', 'reason'],
    { values: { source: COHORT_SOURCES, reason: COHORT_FAILURE_REASONS } },
  ),
  cohortQueryRateLimited: def(
    'counter',
    'cohort_query_rate_limited_total',
    'HTTP 429 answers from the Query API (60 queries per hour and 5 concurrent per project).',
    [],
  ),
  cohortQueryWait: def(
    'counter',
    'cohort_query_wait_seconds_total',
    'Seconds cohort sync waited before Query API requests: for the hourly budget, a concurrent slot, or backoff after a 429. Its rate is the share of time the limit is the bottleneck.',
    ['cause'],
    { values: { cause: COHORT_QUERY_WAITS } },
  ),
  cohortQueryDuration: def(
    'histogram',
    'cohort_query_duration_seconds',
    'Duration of Query API requests, by answer class.',
    ['status_class'],
    { values: { status_class: STATUS_CLASSES }, buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] },
  ),

  // Process
  buildInfo: def('gauge', 'build_info', 'Always 1; labels carry the version.', [
    'version',
    'nodejs_version',
  ]),
  eventLoopUtilization: def(
    'gauge',
    'event_loop_utilization_ratio',
    'Share of time the event loop was busy since the previous scrape.',
    [],
  ),
} as const;

export type Catalog = typeof CATALOG;
export type MetricKey = keyof Catalog;
