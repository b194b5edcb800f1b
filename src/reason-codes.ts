/**
 * The closed vocabularies that travel as metric labels and dead-letter headers (spec §3, §6).
 * Adding a value is a breaking change for dashboards and alerts: keep these sets closed.
 */

/** Why a message was rejected (dead-lettered). */
export const REASON_CODES = [
  'invalid_json',
  'invalid_utf8',
  'not_an_object',
  'unknown_type',
  'missing_identity',
  'missing_event',
  'invalid_timestamp',
  'time_out_of_range',
  'record_too_large',
  'too_many_properties',
  'invalid_distinct_id',
  'schema_not_found',
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
