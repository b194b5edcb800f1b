/**
 * `/engage` update objects: `$token`, `$distinct_id`, the optional modifiers, and exactly one
 * operation (Mixpanel's ingestion rules). Modifiers, from the message context:
 *   `$ip`           context.ip when present (docs/mapping.md; "0" means "do not geolocate")
 *   `$ignore_time`  true when context.active === false (docs/mapping.md: do not bump "last seen")
 */
import type {
  JsonValue,
  MixpanelRecord,
  ProfileOperation,
  ProfileUpdate,
} from '../mixpanel/records.js';
import type { ContextView } from './context.js';

export function profileUpdate(
  token: string,
  distinctId: string,
  context: ContextView,
  operation: ProfileOperation,
  value: JsonValue,
): MixpanelRecord {
  const record: ProfileUpdate = { $token: token, $distinct_id: distinctId };
  if (context.ip !== undefined) record['$ip'] = context.ip;
  if (context.inactive) record['$ignore_time'] = true;
  record[operation] = value;
  return { endpoint: '/engage', record };
}

/**
 * Mixpanel's date-time property format, `YYYY-MM-DDTHH:mm:ss` in UTC (what Classic sent for
 * `Last <event>` and `$transactions[].$time`, C05, C07).
 */
export function mixpanelDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}
