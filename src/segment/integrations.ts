/**
 * Segment's `integrations` object: whether the sender switched Mixpanel off for this message.
 * Segment's platform filters on it before any destination runs, so a drop-in must too: a message
 * is skipped when `Mixpanel`, `Mixpanel (Actions)` or `Mixpanel (Legacy)` is false, or when `All`
 * is false and none of those is on. Keys are matched exactly, as Segment does.
 *
 * A destination key counts as "on" when it is `true` or an object (Segment's form for
 * destination-specific options, e.g. `"Mixpanel": {...}`), "off" only when it is `false`.
 */
import type { UntrustedObject } from './message.js';

export const MIXPANEL_INTEGRATION_KEYS = [
  'Mixpanel',
  'Mixpanel (Actions)',
  'Mixpanel (Legacy)',
] as const;

/** True when the message must not reach Mixpanel. */
export function mixpanelDisabled(integrations: UntrustedObject): boolean {
  let anyOn = false;
  for (const key of MIXPANEL_INTEGRATION_KEYS) {
    const value = Object.hasOwn(integrations, key) ? integrations[key] : undefined;
    if (value === false) return true;
    if (value === true || (value !== null && typeof value === 'object')) anyOn = true;
  }
  return !anyOn && Object.hasOwn(integrations, 'All') && integrations['All'] === false;
}
