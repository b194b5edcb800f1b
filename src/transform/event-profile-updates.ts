/**
 * Profile updates derived from an event (Classic People features, docs/mapping.md), all off by default
 * and all gated by `mapping.people` (Segment's Classic documentation: "If Mixpanel People is enabled ..."):
 *
 *   eventIncrements     event name listed (case-insensitive)  → `$add {<event>: 1}` and
 *                                                             `$set {"Last <event>": <time>}`
 *   propertyIncrements  listed property holds a number        → `$add {<prop>: <number>}`
 *   revenueAsCharge     `revenue` (for an order-completed event without it: `total`) parses as a
 *                       number (a leading "$" is stripped)    → `$append {"$transactions":
 *                                                               {"$time", "$amount"}}`
 *
 * Increments need a userId: Classic only increments "known users" (Segment's Classic documentation), so an
 * anonymous event increments nothing. A charge goes to userId, else anonymousId, as Classic did
 * (C05). Page and screen events take part under their generated names ("Viewed Signup Page").
 * Times use Mixpanel's date format (profile-update.ts). `$add` and `$append` are not idempotent:
 * a replay after a crash repeats them (docs/mapping.md; counted by the publisher).
 */
import type { MixpanelRecord } from '../mixpanel/records.js';
import { asNumber, own } from './coerce.js';
import type { ContextView } from './context.js';
import type { EventMessage } from './event-properties.js';
import { mixpanelDate, profileUpdate } from './profile-update.js';
import type { MappingSettings } from './settings.js';

const NONE: MixpanelRecord[] = [];

/** Classic's order-completed test: "Order Completed" / "Completed Order", any case, `_` or space. */
const ORDER_COMPLETED_LIKE = /^(?:order[ _]?completed|completed[ _]?order)$/i;

export function eventProfileUpdates(
  message: EventMessage,
  eventName: string,
  context: ContextView,
  settings: MappingSettings,
): MixpanelRecord[] {
  const { mapping, token } = settings;
  if (!settings.eventProfileUpdates) return NONE;
  const records: MixpanelRecord[] = [];
  const userId = message.userId;
  const time = mixpanelDate(message.timeMs);

  if (userId !== undefined && settings.incrementEvents.has(eventName.toLowerCase())) {
    records.push(profileUpdate(token, userId, context, '$add', { [eventName]: 1 }));
    records.push(profileUpdate(token, userId, context, '$set', { [`Last ${eventName}`]: time }));
  }

  if (userId !== undefined && mapping.propertyIncrements.length > 0) {
    const add: Record<string, number> = {};
    let any = false;
    for (const key of mapping.propertyIncrements) {
      if (key === '__proto__') continue;
      const value = asNumber(own(message.properties, key));
      if (value !== undefined) {
        add[key] = value;
        any = true;
      }
    }
    if (any) records.push(profileUpdate(token, userId, context, '$add', add));
  }

  if (mapping.revenueAsCharge) {
    const amount = chargeAmount(message.properties, eventName);
    const distinctId = userId ?? message.anonymousId;
    if (amount !== undefined && distinctId !== undefined) {
      records.push(
        profileUpdate(token, distinctId, context, '$append', {
          $transactions: { $time: time, $amount: amount },
        }),
      );
    }
  }
  return records;
}

/** The amount of a charge: `revenue`, else `total` on order-completed events; "$12.50" → 12.5. */
export function chargeAmount(
  properties: Readonly<Record<string, unknown>>,
  eventName: string,
): number | undefined {
  let raw = own(properties, 'revenue');
  if ((raw === undefined || raw === null) && ORDER_COMPLETED_LIKE.test(eventName))
    raw = own(properties, 'total');
  if (typeof raw === 'string') raw = raw.trim().replace(/^\$/, '');
  return asNumber(raw);
}
