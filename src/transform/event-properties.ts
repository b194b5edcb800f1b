/**
 * The properties of an `/import` event built from a track, page or screen message: the message's
 * own properties first, in their order (reserved keys dropped, values made safe), then the
 * computed keys (COMPUTED_KEYS, docs/mapping.md "track") in that order. Segment sends the computed
 * keys first; Mixpanel deduplicates on `event`, `distinct_id`, `time` and `$insert_id` only, so the
 * order inside `properties` changes nothing for it, and starting from a copy of the parsed object
 * keeps V8's fast object layout for the price of one clone instead of a define per key. The
 * output is a function of the message and the settings alone: resends are byte-identical.
 *
 * Semantics kept from Segment (Actions): a message property with the name of a computed key wins
 * over the computed value, whether or not the key was computed for this message (A10: `ip`,
 * `$device_id`, `mp_lib`, `$source`; also `$os` without `context.os`), and stays where the
 * message has it; `time`, `id`, `distinct_id`, `$insert_id`, `$user_id`, `$anon_id` in properties
 * are dropped. Ours on top: ids are already normalised (`""` is missing), `time` and `$insert_id`
 * are deterministic, `__proto__` is dropped (values.ts), and `$group_id` in properties is kept (it
 * is how a track call names its group in Mixpanel; Segment drops it).
 *
 * Subscriptions keep Segment's order (subscriptions/segment-order.ts): their contract is Segment's
 * own requests, byte for byte.
 */
import type { PageMessage, ScreenMessage, TrackMessage } from '../segment/message.js';
import type { JsonValue } from '../mixpanel/records.js';
import { asBoolean, asNumber, asObject, asString } from './coerce.js';
import { contextView, type ContextView } from './context.js';
import { COMPUTED_KEYS, RENAMED_PROPERTIES, RESERVED_PROPERTIES } from './event-keys.js';
import { safeValue, setKey } from './values.js';

export type EventMessage = TrackMessage | PageMessage | ScreenMessage;
export type EventProperties = { [key: string]: JsonValue };

export interface EventPropertyOptions {
  readonly insertId: string;
  /** `event_original_name`: the track event, or the page/screen name. */
  readonly originalName: string | undefined;
  readonly sourceName: string | undefined;
  /** Parsed context, when the caller already has it. */
  readonly context?: ContextView;
  /** `classic`: `mp_lib` is "Segment: <library>" ("Segment: unknown" without one). */
  readonly mpLib?: 'actions' | 'classic';
  /** Send `length` and `bucket` under RENAMED_PROPERTIES names. */
  readonly renameReserved?: boolean;
}

export function eventProperties(m: EventMessage, options: EventPropertyOptions): EventProperties {
  const rename = options.renameReserved === true;
  const found = scanProperties(m.properties, rename);
  const p =
    (found & NEEDS_COPY) === 0
      ? ({ ...m.properties } as EventProperties)
      : copyProperties(m.properties, rename);
  if ((found & NAMES_COMPUTED) === 0) {
    addComputed(p, m, options);
    return p;
  }
  const computed: EventProperties = {};
  addComputed(computed, m, options);
  for (const key of Object.keys(computed))
    if (!Object.hasOwn(p, key)) setKey(p, key, computed[key]);
  return p;
}

/** scanProperties: a property must be dropped, renamed or made safe, so a plain clone won't do. */
const NEEDS_COPY = 1;
/** scanProperties: a property has the name of a computed key, which then must not be added. */
const NAMES_COMPUTED = 2;
const KEY_RESERVED = 1;
const KEY_COMPUTED = 2;
const KEY_RENAMED = 4;
/** What a property name means here, so that each message key costs one lookup. */
const KEY_KINDS: ReadonlyMap<string, number> = (() => {
  const kinds = new Map<string, number>();
  const mark = (key: string, kind: number) => kinds.set(key, (kinds.get(key) ?? 0) | kind);
  for (const key of RESERVED_PROPERTIES) mark(key, KEY_RESERVED);
  for (const key of COMPUTED_KEYS) if (!RESERVED_PROPERTIES.has(key)) mark(key, KEY_COMPUTED);
  for (const key of Object.keys(RENAMED_PROPERTIES)) mark(key, KEY_RENAMED);
  return kinds;
})();

function scanProperties(properties: Readonly<Record<string, unknown>>, rename: boolean): number {
  let found = 0;
  const keys = Object.keys(properties);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const kind = KEY_KINDS.get(key);
    if (kind !== undefined) {
      if ((kind & KEY_RESERVED) !== 0 || ((kind & KEY_RENAMED) !== 0 && rename))
        found |= NEEDS_COPY;
      if ((kind & KEY_COMPUTED) !== 0) found |= NAMES_COMPUTED;
    }
    const value = properties[key];
    const safe = safeValue(value);
    if (safe === undefined || safe !== value) found |= NEEDS_COPY;
  }
  return found;
}

/** The message properties minus the reserved ones, values made safe, names renamed if asked. */
function copyProperties(
  properties: Readonly<Record<string, unknown>>,
  rename: boolean,
): EventProperties {
  const out: EventProperties = {};
  for (const key of Object.keys(properties)) {
    if (RESERVED_PROPERTIES.has(key)) continue;
    const value = safeValue(properties[key]);
    if (value === undefined) continue;
    setKey(out, rename ? (RENAMED_PROPERTIES[key] ?? key) : key, value);
  }
  return out;
}

/**
 * The computed keys in order, added to `p`, written out one store per row: named stores keep this
 * hot path cheap (in profiles it costs about half of the table of closures it replaced). The
 * coercions are Segment's (coerce.ts); absent and uncoercible values leave the key out.
 */
function addComputed(p: EventProperties, m: EventMessage, options: EventPropertyOptions): void {
  const c = options.context ?? contextView(m.context);
  const {
    app,
    device,
    network,
    page,
    screen,
    library,
    os,
    location,
    campaign,
    userAgentData: uad,
  } = c;
  // validate.ts guarantees one of the two ids for track, page and screen.
  const distinctId = m.userId ?? m.anonymousId ?? '';
  p.time = m.timeMs;
  let v: JsonValue | undefined;
  if (c.ip !== undefined) p.ip = c.ip;
  p.id = distinctId;
  if (m.anonymousId !== undefined) p.$anon_id = m.anonymousId;
  p.distinct_id = distinctId;
  if ((v = asString(app['build'])) !== undefined) p.$app_build_number = v;
  if ((v = asString(app['version'])) !== undefined) p.$app_version_string = v;
  if ((v = asString(app['namespace'])) !== undefined) p.$app_namespace = v;
  if ((v = asString(app['name'])) !== undefined) p.$app_name = v;
  if (c.browser !== undefined) {
    p.$browser = c.browser.browser;
    if (c.browser.version !== undefined) p.$browser_version = c.browser.version;
  }
  if ((v = asBoolean(network['bluetooth'])) !== undefined) p.$bluetooth_enabled = v;
  if ((v = asBoolean(network['cellular'])) !== undefined) p.$cellular_enabled = v;
  if ((v = asString(network['carrier'])) !== undefined) p.$carrier = v;
  if ((v = asString(page['url'])) !== undefined) p.$current_url = v;
  const deviceName = asString(device['name']);
  if (deviceName !== undefined) p.$device = deviceName;
  if (m.anonymousId !== undefined) p.$device_id = m.anonymousId;
  if ((v = asString(device['type'])) !== undefined) p.$device_type = v;
  if (deviceName !== undefined) p.$device_name = deviceName;
  if ((v = asString(c.raw['groupId'])) !== undefined) p.$group_id = v;
  if (m.userId !== undefined) p.$identified_id = m.userId;
  p.$insert_id = options.insertId;
  const advertisingId = asString(device['advertisingId']);
  if ((v = advertisingId ?? asString(device['idfa'])) !== undefined) p.$ios_ifa = v;
  if ((v = asString(library['version'])) !== undefined) p.$lib_version = v;
  if ((v = asString(c.raw['locale'])) !== undefined) p.$locale = v;
  if ((v = asString(device['manufacturer'])) !== undefined) p.$manufacturer = v;
  if ((v = asString(device['model'])) !== undefined) p.$model = v;
  if ((v = asString(os['name'])) !== undefined) p.$os = v;
  if ((v = asString(os['version'])) !== undefined) p.$os_version = v;
  if ((v = asString(page['referrer'])) !== undefined) p.$referrer = v;
  if ((v = asNumber(screen['height'])) !== undefined) p.$screen_height = v;
  if ((v = asNumber(screen['width'])) !== undefined) p.$screen_width = v;
  if ((v = asNumber(screen['density'])) !== undefined) p.$screen_density = v;
  p.$source = asObject(c.raw['integration'])?.['name'] === 'Iterable' ? 'Iterable' : 'segment';
  if (m.userId !== undefined) p.$user_id = m.userId;
  if ((v = asBoolean(network['wifi'])) !== undefined) p.$wifi_enabled = v;
  if ((v = asString(location['country'])) !== undefined) p.mp_country_code = v;
  if (options.mpLib === 'classic') p.mp_lib = `Segment: ${asString(library['name']) ?? 'unknown'}`;
  else if ((v = asString(library['name'])) !== undefined) p.mp_lib = `Segment Actions: ${v}`;
  if (options.sourceName !== undefined) p.segment_source_name = options.sourceName;
  if ((v = asString(campaign['name'])) !== undefined) p.utm_campaign = v;
  if ((v = asString(campaign['content'])) !== undefined) p.utm_content = v;
  if ((v = asString(campaign['medium'])) !== undefined) p.utm_medium = v;
  if ((v = asString(campaign['source'])) !== undefined) p.utm_source = v;
  if ((v = asString(campaign['term'])) !== undefined) p.utm_term = v;
  if (advertisingId !== undefined) p.advertising_id = advertisingId;
  if ((v = asString(device['adTrackingEnabled'])) !== undefined) p.ad_tracking_enabled = v;
  if ((v = asString(c.raw['timezone'])) !== undefined) p.timezone = v;
  if ((v = asString(app['platform'])) !== undefined) p.app_platform = v;
  if (options.originalName !== undefined) p.event_original_name = options.originalName;
  if ((v = asBoolean(uad['mobile'])) !== undefined) p.$mobile = v;
  if ((v = asString(uad['platform'])) !== undefined) p.$platform = v;
  if ((v = asString(uad['bitness'])) !== undefined) p.$bitness = v;
  if ((v = asString(uad['platformVersion'])) !== undefined) p.$platformVersion = v;
  if ((v = asString(uad['uaFullVersion'])) !== undefined) p.$uaFullVersion = v;
  if ((v = asBoolean(uad['wow64'])) !== undefined) p.$wow64 = v;
}
