/**
 * The closed vocabularies of the pipeline: the values that travel as metric labels and
 * dead-letter headers. Each set is declared here once; the stages that produce a value and the
 * metric catalogue that labels by it both import it. Adding a value is a breaking change for
 * dashboards and alerts: keep these sets closed. (Segment types live in segment/, endpoints,
 * targets and profile operations in mixpanel/.)
 */

/** Why a message was rejected (dead-lettered). */
export const REASON_CODES = [
  'invalid_json',
  'invalid_utf8',
  'not_an_object',
  'unknown_type',
  'missing_identity',
  'unsafe_integer_id',
  'missing_event',
  'invalid_timestamp',
  'time_out_of_range',
  'record_too_large',
  'too_many_properties',
  'invalid_distinct_id',
  'mapping_failed',
  'schema_not_found',
  'invalid_schema',
  'avro_decode_failed',
  'mixpanel_rejected',
  'retries_exhausted',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** Where in the pipeline a rejection was decided (`dlq.error.stage`). */
export const STAGES = ['decode', 'validate', 'transform', 'publish'] as const;
export type Stage = (typeof STAGES)[number];

/** Why a message was intentionally not sent. Skips are counted, never dead-lettered. */
export const SKIP_REASONS = [
  'integrations_disabled',
  'people_disabled',
  'no_profile_update',
  'no_group_identifier_trait',
  'identity_not_sent',
  'empty_batch',
  'page_not_tracked',
  'no_subscription',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** A decision that a message cannot be delivered; becomes a dead letter. */
export interface Rejection {
  readonly code: ReasonCode;
  readonly stage: Stage;
  /** Human text for operators (≤ 1 KB in the header). Never parsed by code. */
  readonly message: string;
  /** The Mixpanel or Segment field at fault, when known (`dlq.mixpanel.field`). */
  readonly field?: string;
}

export function isReasonCode(value: string): value is ReasonCode {
  return (REASON_CODES as readonly string[]).includes(value);
}

/** Why a batch was closed and sent. */
export const FLUSH_REASONS = ['size', 'bytes', 'time', 'shutdown', 'rebalance'] as const;
export type FlushReason = (typeof FLUSH_REASONS)[number];

/** HTTP answer classes of Mixpanel requests; `network` is no answer at all. */
export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '429', '5xx', 'network'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/**
 * Why a Mixpanel request is retried. `protocol_error`: an answer that is not Mixpanel's or does
 * not account for every record sent (a proxy page, a 204, a short count).
 */
export const RETRY_REASONS = [
  'rate_limited',
  'server_error',
  'network',
  'timeout',
  'protocol_error',
] as const;
export type RetryReason = (typeof RETRY_REASONS)[number];

/** Mixpanel `failed_records` mapped from the failing field to a closed set, never the free text. */
export const REJECT_REASONS = [
  'invalid_time',
  'invalid_distinct_id',
  'invalid_insert_id',
  'invalid_property',
  'event_too_large',
  'identity_not_allowed',
  'invalid_update',
  'other',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Why a whole batch (or part of one) failed to deliver. */
export const SEND_FAILURE_REASONS = [
  'retries_exhausted',
  'poison_batch',
  'payload_too_large',
] as const;
export type SendFailureReason = (typeof SEND_FAILURE_REASONS)[number];

/**
 * Conditions that stop the processor. `auth`: Mixpanel refused the credentials (or `apiHost` is
 * wrong); `proxy`: the HTTP proxy to Mixpanel answered 407; `certificate`: Mixpanel's certificate
 * (or a TLS-inspecting proxy's) is not trusted; `schema_registry`: the schema registry refused our
 * credentials (401/403).
 */
export const FATAL_REASONS = [
  'auth',
  'proxy',
  'certificate',
  'schema_registry',
  'dead_letter_ratio',
  'kafka',
  'internal',
] as const;
export type FatalReason = (typeof FATAL_REASONS)[number];

/** What a rebalance did to this member's partitions. */
export const REBALANCE_EVENTS = ['assign', 'revoke'] as const;

/** Outcome of an offset commit. */
export const COMMIT_RESULTS = ['success', 'failure'] as const;

/** Where cohort membership came from: Mixpanel's webhook sync (push) or the Query API (pull). */
export const COHORT_SOURCES = ['webhook', 'query'] as const;
export type CohortSource = (typeof COHORT_SOURCES)[number];

/**
 * How one cohort sync ended. `completed`: every page arrived and every transition was written;
 * `abandoned`: a full listing that never completed was given up, with no exits emitted;
 * `failed`: an attempt failed (Kafka, the Query API) and nothing after the failure was recorded.
 */
export const COHORT_SYNC_RESULTS = ['completed', 'abandoned', 'failed'] as const;
export type CohortSyncResult = (typeof COHORT_SYNC_RESULTS)[number];

/** A user entering (`true` trait) or leaving (`false`) a cohort. */
export const COHORT_TRANSITIONS = ['entered', 'exited'] as const;
export type CohortTransition = (typeof COHORT_TRANSITIONS)[number];

/**
 * Why a cohort sync attempt or webhook request failed. `kafka`: producing or recording state
 * failed; `query_auth`: the Query API refused the service account (401/403); `query_rejected`:
 * it refused the query (another 4xx, e.g. an unknown cohort); `query_unavailable`: no usable
 * answer after the retries (5xx, 429, network, timeouts, answers that are not the Query API's);
 * `invalid_request`: a webhook body that is not Mixpanel's cohort sync format; `unauthorized`:
 * a webhook request without the configured Basic credentials.
 */
export const COHORT_FAILURE_REASONS = [
  'kafka',
  'query_auth',
  'query_rejected',
  'query_unavailable',
  'invalid_request',
  'unauthorized',
] as const;
export type CohortFailureReason = (typeof COHORT_FAILURE_REASONS)[number];

/**
 * What cohort sync waited for before a Query API request: the hourly query budget, a free slot
 * among the concurrent queries, or the backoff after a 429.
 */
export const COHORT_QUERY_WAITS = ['hourly_limit', 'concurrency', 'backoff'] as const;
export type CohortQueryWait = (typeof COHORT_QUERY_WAITS)[number];
