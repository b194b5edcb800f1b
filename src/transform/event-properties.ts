/**
 * The properties of an `/import` event built from a track, page or screen message: the computed
 * keys of mapping reference §5.1 in that table's order, then the message's own properties minus
 * the reserved keys of §5.5. Key order is part of the contract: it makes our request bytes line
 * up with Segment's (the vectors test checks it).
 *
 * Semantics kept from Segment (Actions): a message property with the name of a computed key
 * overrides its value in place (A10: `ip`, `$device_id`, `mp_lib`, `$source`, `token`, ...);
 * `time`, `id`, `distinct_id`, `$insert_id`, `$user_id`, `$anon_id`, `$group_id` in properties
 * are dropped. Ours on top: ids are already normalised (`""` is missing, §4.2.4), `time` and
 * `$insert_id` are deterministic (§4.2.1–2), and `__proto__` is dropped (values.ts).
 */
import type { PageMessage, ScreenMessage, TrackMessage } from '../decode/segment-message.js';
import type { JsonValue } from '../publish/records.js';
import { asBoolean, asNumber, asObject, asString } from './coerce.js';
import { contextView, type ContextView } from './context.js';
import { safeValue } from './values.js';

export type EventMessage = TrackMessage | PageMessage | ScreenMessage;
export type EventProperties = { [key: string]: JsonValue };

/** Keys of `properties` that never reach Mixpanel (§5.5, plus our `__proto__` policy). */
export const RESERVED_PROPERTIES: ReadonlySet<string> = new Set([
  'time',
  'id',
  'distinct_id',
  '$insert_id',
  '$user_id',
  '$anon_id',
  '$group_id',
  '__proto__',
]);

interface Inputs {
  readonly m: EventMessage;
  readonly c: ContextView;
  readonly distinctId: string;
  readonly insertId: string;
  readonly originalName: string | undefined;
  readonly sourceName: string | undefined;
}

type Source = (i: Inputs) => JsonValue | undefined;

const str =
  (pick: (c: ContextView) => unknown): Source =>
  (i) =>
    asString(pick(i.c));
const num =
  (pick: (c: ContextView) => unknown): Source =>
  (i) =>
    asNumber(pick(i.c));
const bool =
  (pick: (c: ContextView) => unknown): Source =>
  (i) =>
    asBoolean(pick(i.c));

/** §5.1, row by row. */
const COMPUTED: ReadonlyArray<readonly [string, Source]> = [
  ['time', (i) => i.m.timeMs],
  ['ip', (i) => i.c.ip],
  ['id', (i) => i.distinctId],
  ['$anon_id', (i) => i.m.anonymousId],
  ['distinct_id', (i) => i.distinctId],
  ['$app_build_number', str((c) => c.app['build'])],
  ['$app_version_string', str((c) => c.app['version'])],
  ['$app_namespace', str((c) => c.app['namespace'])],
  ['$app_name', str((c) => c.app['name'])],
  ['$browser', (i) => i.c.browser?.browser],
  ['$browser_version', (i) => i.c.browser?.version],
  ['$bluetooth_enabled', bool((c) => c.network['bluetooth'])],
  ['$cellular_enabled', bool((c) => c.network['cellular'])],
  ['$carrier', str((c) => c.network['carrier'])],
  ['$current_url', str((c) => c.page['url'])],
  ['$device', str((c) => c.device['name'])],
  ['$device_id', (i) => i.m.anonymousId],
  ['$device_type', str((c) => c.device['type'])],
  ['$device_name', str((c) => c.device['name'])],
  ['$group_id', str((c) => c.raw['groupId'])],
  ['$identified_id', (i) => i.m.userId],
  ['$insert_id', (i) => i.insertId],
  ['$ios_ifa', str((c) => asString(c.device['advertisingId']) ?? c.device['idfa'])],
  ['$lib_version', str((c) => c.library['version'])],
  ['$locale', str((c) => c.raw['locale'])],
  ['$manufacturer', str((c) => c.device['manufacturer'])],
  ['$model', str((c) => c.device['model'])],
  ['$os', str((c) => c.os['name'])],
  ['$os_version', str((c) => c.os['version'])],
  ['$referrer', str((c) => c.page['referrer'])],
  ['$screen_height', num((c) => c.screen['height'])],
  ['$screen_width', num((c) => c.screen['width'])],
  ['$screen_density', num((c) => c.screen['density'])],
  [
    '$source',
    (i) => (asObject(i.c.raw['integration'])?.['name'] === 'Iterable' ? 'Iterable' : 'segment'),
  ],
  ['$user_id', (i) => i.m.userId],
  ['$wifi_enabled', bool((c) => c.network['wifi'])],
  ['mp_country_code', str((c) => c.location['country'])],
  ['mp_lib', (i) => libraryTag(i.c)],
  ['segment_source_name', (i) => i.sourceName],
  ['utm_campaign', str((c) => c.campaign['name'])],
  ['utm_content', str((c) => c.campaign['content'])],
  ['utm_medium', str((c) => c.campaign['medium'])],
  ['utm_source', str((c) => c.campaign['source'])],
  ['utm_term', str((c) => c.campaign['term'])],
  ['advertising_id', str((c) => c.device['advertisingId'])],
  ['ad_tracking_enabled', str((c) => c.device['adTrackingEnabled'])],
  ['timezone', str((c) => c.raw['timezone'])],
  ['app_platform', str((c) => c.app['platform'])],
  ['event_original_name', (i) => i.originalName],
  ['$mobile', bool((c) => c.userAgentData['mobile'])],
  ['$platform', str((c) => c.userAgentData['platform'])],
  ['$bitness', str((c) => c.userAgentData['bitness'])],
  ['$platformVersion', str((c) => c.userAgentData['platformVersion'])],
  ['$uaFullVersion', str((c) => c.userAgentData['uaFullVersion'])],
  ['$wow64', bool((c) => c.userAgentData['wow64'])],
];

/** `mp_lib`: "Segment Actions: <library name>", as Segment's Actions destination sends it. */
function libraryTag(c: ContextView): string | undefined {
  const name = asString(c.library['name']);
  return name === undefined ? undefined : `Segment Actions: ${name}`;
}

export interface EventPropertyOptions {
  readonly insertId: string;
  /** `event_original_name`: the track event, or the page/screen name. */
  readonly originalName: string | undefined;
  readonly sourceName: string | undefined;
  /** Parsed context, when the caller already has it. */
  readonly context?: ContextView;
}

export function eventProperties(m: EventMessage, options: EventPropertyOptions): EventProperties {
  const inputs: Inputs = {
    m,
    c: options.context ?? contextView(m.context),
    // validate.ts guarantees one of the two for track, page and screen.
    distinctId: m.userId ?? m.anonymousId ?? '',
    insertId: options.insertId,
    originalName: options.originalName,
    sourceName: options.sourceName,
  };
  const out: EventProperties = {};
  for (const [key, source] of COMPUTED) {
    const value = source(inputs);
    if (value !== undefined) out[key] = value;
  }
  appendProperties(out, m.properties);
  return out;
}

/** Copies message properties after the computed keys (reserved ones dropped, values made safe). */
export function appendProperties(
  out: EventProperties,
  properties: Readonly<Record<string, unknown>>,
): void {
  for (const key of Object.keys(properties)) {
    if (RESERVED_PROPERTIES.has(key)) continue;
    const value = safeValue(properties[key]);
    if (value !== undefined) out[key] = value;
  }
}
