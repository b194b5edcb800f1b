/**
 * Maps the field Mixpanel names in a `failed_records` entry to the closed `reason` label of
 * segment_mixpanel_records_rejected_total. Only the field is read, never the free-text message
 * (fields Mixpanel names there include `properties.time`, `properties.utm_source`, `$insert_id`).
 */
import type { RejectReason } from '../vocabulary.js';

export function rejectReasonForField(field: string | undefined): RejectReason {
  if (field === undefined) return 'other';
  if (field === 'properties.time' || field === 'time') return 'invalid_time';
  if (field.endsWith('distinct_id')) return 'invalid_distinct_id';
  if (field.endsWith('insert_id')) return 'invalid_insert_id';
  if (field === 'event' || field === 'properties' || field.startsWith('properties.')) {
    return 'invalid_property';
  }
  return 'other';
}
