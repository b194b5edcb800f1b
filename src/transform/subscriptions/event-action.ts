/**
 * The trackEvent and trackPurchase actions: an action payload → `/import` events, with the
 * properties of the built-in mapping (event-properties.ts: same keys, same corrections, but in
 * Segment's order, computed keys first, as Segment's own code sends them), read from the payload's
 * fields instead of the message:
 *   - `time`: the `time` field read as the built-in mapping reads times (decode/time.ts), else the
 *     message's own time; a value that is not a time fails the message (Segment would use its
 *     clock);
 *   - `$insert_id`: from the `insert_id` field as insert-id.ts makes ids (always valid,
 *     deterministic; derived ids for product events and for later subscriptions);
 *   - trackPurchase adds one "Product Purchased" event per product object of `products` when
 *     `generatePurchaseEventPerProduct` is true: the order's properties minus the order-level
 *     keys, `time` − (index + 1) ms, its own insert id, then the product's mapped fields (typed
 *     fields coerced when possible, else kept as sent; other keys as sent).
 */
import { parseTimeValue } from '../../decode/time.js';
import { MappingFailure } from '../../segment/mapping-kit/errors.js';
import { PRODUCT_FIELDS, USER_AGENT_DATA_FIELDS } from '../../segment/mixpanel-actions.js';
import type { SegmentMessage } from '../../segment/message.js';
import type { ImportEvent, JsonValue, MixpanelRecord } from '../../mixpanel/records.js';
import { asBoolean, asNumber, asObject, asString, own } from '../coerce.js';
import type { EventProperties } from '../event-properties.js';
import { appendProperties } from './segment-order.js';
import type { InsertIds } from '../insert-id.js';
import { ORDER_KEYS, PRODUCT_PURCHASED } from '../purchase.js';
import { parseUserAgent } from '../user-agent.js';
import { safeValue, setKey } from '../values.js';
import type { Payload } from './payload.js';

export interface EventActionContext {
  readonly message: SegmentMessage;
  readonly ids: (insertId: string | undefined) => InsertIds;
  readonly sourceName: string | undefined;
}

export function trackEvent(payload: Payload, context: EventActionContext): MixpanelRecord[] {
  return [orderEvent(payload, context).record];
}

export function trackPurchase(payload: Payload, context: EventActionContext): MixpanelRecord[] {
  const { record, ids } = orderEvent(payload, context);
  const records = [record];
  const products = payload.objects('products');
  if (products === undefined || payload.boolean('generatePurchaseEventPerProduct') !== true)
    return records;
  const order = (record.record as ImportEvent).properties;
  const base: EventProperties = {};
  for (const key of Object.keys(order)) if (!ORDER_KEYS.has(key)) setKey(base, key, order[key]);
  products.forEach((product, index) => {
    const fields = asObject(product);
    if (fields === undefined) return;
    const properties: EventProperties = { ...base };
    properties['time'] = order.time - (index + 1);
    properties['$insert_id'] = ids.derived(`product:${index}`);
    for (const key of Object.keys(fields)) {
      if (key === '__proto__') continue;
      const type = Object.hasOwn(PRODUCT_FIELDS, key) ? PRODUCT_FIELDS[key] : undefined;
      const raw = fields[key];
      const typed =
        type === 'string' ? asString(raw) : type === undefined ? undefined : asNumber(raw);
      const value = typed ?? safeValue(raw);
      if (value !== undefined) setKey(properties, key, value);
    }
    records.push({
      endpoint: '/import',
      record: { event: PRODUCT_PURCHASED, properties: properties as ImportEvent['properties'] },
    });
  });
  return records;
}

function orderEvent(
  payload: Payload,
  context: EventActionContext,
): { record: MixpanelRecord; ids: InsertIds } {
  const event = payload.requiredString('event');
  const ids = context.ids(payload.string('insert_id'));
  const properties = appendProperties(
    computed(payload, context, ids.primary()),
    payload.object('event_properties') ?? {},
  );
  return {
    record: {
      endpoint: '/import',
      record: { event, properties: properties as ImportEvent['properties'] },
    },
    ids,
  };
}

function eventTime(payload: Payload, message: SegmentMessage): number {
  const value = payload.datetime('time');
  if (value === undefined) return message.timeMs;
  const ms = parseTimeValue(value);
  if (ms === undefined)
    throw new MappingFailure(`the field "time" is not a time: ${JSON.stringify(value)}`);
  return ms;
}

/** The computed keys, in COMPUTED_KEYS order, from the payload. */
function computed(
  payload: Payload,
  context: EventActionContext,
  insertId: string,
): EventProperties {
  const s = (name: string): string | undefined => payload.string(name);
  const distinctId = s('distinct_id');
  const anonymousId = s('anonymous_id');
  const userId = s('user_id');
  const deviceName = s('device_name');
  const userAgent = s('userAgent');
  const browser = userAgent === undefined ? undefined : parseUserAgent(userAgent);
  const library = s('library_name');
  const utm = payload.object('utm_properties') ?? {};
  const uad = payload.object('userAgentData') ?? {};
  const integration = asObject(payload.object('context')?.['integration']);
  const p: EventProperties = {};
  // Keys are this function's constants (never `__proto__`): plain stores are safe and fast.
  const put = (key: string, value: JsonValue | undefined): void => {
    if (value !== undefined) p[key] = value;
  };
  put('time', eventTime(payload, context.message));
  put('ip', s('ip'));
  put('id', distinctId);
  put('$anon_id', anonymousId);
  put('distinct_id', distinctId ?? '');
  put('$app_build_number', s('app_build'));
  put('$app_version_string', s('app_version'));
  put('$app_namespace', s('app_namespace'));
  put('$app_name', s('app_name'));
  put('$browser', browser?.browser);
  put('$browser_version', browser?.version);
  put('$bluetooth_enabled', payload.boolean('bluetooth'));
  put('$cellular_enabled', payload.boolean('cellular'));
  put('$carrier', s('carrier'));
  put('$current_url', s('url'));
  put('$device', deviceName);
  put('$device_id', anonymousId);
  put('$device_type', s('device_type'));
  put('$device_name', deviceName);
  put('$group_id', s('group_id'));
  put('$identified_id', userId);
  put('$insert_id', insertId);
  put('$ios_ifa', s('idfa'));
  put('$lib_version', s('library_version'));
  put('$locale', s('language'));
  put('$manufacturer', s('device_manufacturer'));
  put('$model', s('device_model'));
  put('$os', s('os_name'));
  put('$os_version', s('os_version'));
  put('$referrer', s('referrer'));
  put('$screen_height', payload.number('screen_height'));
  put('$screen_width', payload.number('screen_width'));
  put('$screen_density', payload.number('screen_density'));
  put('$source', integration?.['name'] === 'Iterable' ? 'Iterable' : 'segment');
  put('$user_id', userId);
  put('$wifi_enabled', payload.boolean('wifi'));
  put('mp_country_code', s('country'));
  put('mp_lib', library === undefined ? undefined : `Segment Actions: ${library}`);
  put('segment_source_name', context.sourceName);
  for (const key of ['utm_campaign', 'utm_content', 'utm_medium', 'utm_source', 'utm_term'])
    put(key, asString(own(utm, key)));
  put('advertising_id', s('advertising_id'));
  put('ad_tracking_enabled', s('ad_tracking_enabled'));
  put('timezone', s('timezone'));
  put('app_platform', s('app_platform'));
  put('event_original_name', s('name'));
  for (const [key, field] of USER_AGENT_DATA_KEYS) {
    const raw = own(uad, field);
    put(key, field === 'mobile' || field === 'wow64' ? asBoolean(raw) : asString(raw));
  }
  return p;
}

/** `$<field>` for the userAgentData fields Segment sends (not architecture and model). */
const USER_AGENT_DATA_KEYS: readonly (readonly [string, string])[] = USER_AGENT_DATA_FIELDS.filter(
  (f) => f !== 'architecture' && f !== 'model',
).map((f) => [`$${f}`, f] as const);
