/**
 * The six actions of Segment's Mixpanel (Actions) destination as subscriptions name them: their
 * slugs, default triggers and fields (Segment's field names, types and default mappings); the
 * presets Segment installs are in mixpanel-presets.ts. This is the vocabulary of `mapping.subscriptions`; what each action
 * sends is built in transform/subscriptions/.
 *
 * The defaults are Segment's: a subscription that keeps them produces what the built-in mapping
 * produces (the tests hold the two to the same bytes).
 */

export const ACTIONS = [
  'trackEvent',
  'trackPurchase',
  'identifyUser',
  'groupIdentifyUser',
  'alias',
  'incrementProperties',
] as const;
export type ActionSlug = (typeof ACTIONS)[number];

export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'datetime' | 'object';

export interface FieldSpec {
  readonly type: FieldType;
  readonly required?: true;
  /** null is a value (kept), not an absence. */
  readonly allowNull?: true;
  /** An array of `type` (a single value is taken as a one-element array). */
  readonly multiple?: true;
  /** Segment's default mapping; fields without one are unmapped unless a subscription maps them. */
  readonly default?: unknown;
  /** Only affects Segment's own delivery (batching); accepted and ignored. */
  readonly delivery?: true;
}

export interface ActionSpec {
  readonly title: string;
  /** The trigger a subscription gets when it gives none (alias has none: a trigger is required). */
  readonly defaultTrigger: string | undefined;
  readonly fields: Readonly<Record<string, FieldSpec>>;
}

const path = (p: string): { '@path': string } => ({ '@path': p });
const coalesce = (first: string, second: string): unknown => ({
  '@if': { exists: path(first), then: path(first), else: path(second) },
});
const str = (p: string): FieldSpec => ({ type: 'string', default: path(p) });
const num = (p: string): FieldSpec => ({ type: 'number', default: path(p) });
const bool = (p: string): FieldSpec => ({ type: 'boolean', default: path(p) });
const fromEach = (keys: readonly string[], prefix: string): Record<string, unknown> =>
  Object.fromEntries(keys.map((k) => [k, path(`${prefix}${k}`)]));

export const UTM_FIELDS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'];
export const USER_AGENT_DATA_FIELDS = [
  'mobile',
  'platform',
  'architecture',
  'bitness',
  'model',
  'platformVersion',
  'uaFullVersion',
  'wow64',
];
/** Product fields of trackPurchase, with their types (quantity is an integer). */
export const PRODUCT_FIELDS: Readonly<Record<string, FieldType>> = {
  product_id: 'string',
  sku: 'string',
  category: 'string',
  name: 'string',
  brand: 'string',
  variant: 'string',
  price: 'number',
  quantity: 'integer',
  coupon: 'string',
  position: 'number',
  url: 'string',
  image_url: 'string',
};

/** The fields trackEvent and trackPurchase share, in Segment's order. */
const EVENT_FIELDS: Readonly<Record<string, FieldSpec>> = {
  distinct_id: { type: 'string', default: coalesce('$.userId', '$.anonymousId') },
  anonymous_id: str('$.anonymousId'),
  user_id: str('$.userId'),
  group_id: str('$.context.groupId'),
  insert_id: str('$.messageId'),
  time: { type: 'datetime', default: path('$.timestamp') },
  app_name: str('$.context.app.name'),
  app_namespace: str('$.context.app.namespace'),
  app_build: str('$.context.app.build'),
  app_version: str('$.context.app.version'),
  os_name: str('$.context.os.name'),
  os_version: str('$.context.os.version'),
  device_id: str('$.context.device.id'),
  device_type: str('$.context.device.type'),
  device_name: str('$.context.device.name'),
  device_manufacturer: str('$.context.device.manufacturer'),
  device_model: str('$.context.device.model'),
  bluetooth: bool('$.context.network.bluetooth'),
  carrier: str('$.context.network.carrier'),
  cellular: bool('$.context.network.cellular'),
  wifi: bool('$.context.network.wifi'),
  country: str('$.context.location.country'),
  region: str('$.context.location.region'),
  language: str('$.context.locale'),
  library_name: str('$.context.library.name'),
  library_version: str('$.context.library.version'),
  ip: str('$.context.ip'),
  idfa: {
    type: 'string',
    default: coalesce('$.context.device.advertisingId', '$.context.device.idfa'),
  },
  url: str('$.context.page.url'),
  screen_width: num('$.context.screen.width'),
  screen_height: num('$.context.screen.height'),
  screen_density: num('$.context.screen.density'),
  referrer: str('$.context.page.referrer'),
  userAgent: str('$.context.userAgent'),
  advertising_id: str('$.context.device.advertisingId'),
  ad_tracking_enabled: str('$.context.device.adTrackingEnabled'),
  timezone: str('$.context.timezone'),
  app_platform: str('$.context.app.platform'),
  name: { type: 'string', default: coalesce('$.event', '$.name') },
  event_properties: { type: 'object', default: path('$.properties') },
  context: { type: 'object', default: path('$.context') },
  utm_properties: {
    type: 'object',
    default: {
      utm_source: path('$.context.campaign.source'),
      utm_medium: path('$.context.campaign.medium'),
      utm_campaign: path('$.context.campaign.name'),
      utm_term: path('$.context.campaign.term'),
      utm_content: path('$.context.campaign.content'),
    },
  },
  enable_batching: { type: 'boolean', default: true, delivery: true },
  batch_size: { type: 'number', default: 1000, delivery: true },
  userAgentData: {
    type: 'object',
    default: fromEach(USER_AGENT_DATA_FIELDS, '$.context.userAgentData.'),
  },
};

const EVENT_NAME: FieldSpec = { type: 'string', required: true, default: path('$.event') };

export const ACTION_SPECS: Readonly<Record<ActionSlug, ActionSpec>> = {
  trackEvent: {
    title: 'Track Event',
    defaultTrigger: 'type = "track"',
    fields: { event: EVENT_NAME, ...EVENT_FIELDS },
  },
  trackPurchase: {
    title: 'Track Purchase',
    defaultTrigger: 'type = "track"',
    fields: {
      generatePurchaseEventPerProduct: { type: 'boolean', default: true },
      ...EVENT_FIELDS,
      products: {
        type: 'object',
        multiple: true,
        default: {
          '@arrayPath': ['$.properties.products', fromEach(Object.keys(PRODUCT_FIELDS), '')],
        },
      },
      event: EVENT_NAME,
    },
  },
  identifyUser: {
    title: 'Identify User',
    defaultTrigger: 'type = "identify"',
    fields: {
      ip: str('$.context.ip'),
      user_id: { type: 'string', allowNull: true, default: path('$.userId') },
      anonymous_id: { type: 'string', allowNull: true, default: path('$.anonymousId') },
      traits: { type: 'object', default: path('$.traits') },
    },
  },
  groupIdentifyUser: {
    title: 'Group Identify User',
    defaultTrigger: 'type = "group"',
    fields: {
      group_key: { type: 'string' },
      group_id: { type: 'string', required: true, default: path('$.groupId') },
      traits: { type: 'object', default: path('$.traits') },
    },
  },
  alias: {
    title: 'Alias',
    defaultTrigger: undefined,
    fields: {
      alias: { type: 'string', allowNull: true, default: coalesce('$.userId', '$.anonymousId') },
      distinct_id: { type: 'string', default: path('$.previousId') },
    },
  },
  incrementProperties: {
    title: 'Increment Properties',
    defaultTrigger: 'type = "track"',
    fields: {
      ip: str('$.context.ip'),
      user_id: { type: 'string', allowNull: true, default: path('$.userId') },
      anonymous_id: { type: 'string', allowNull: true, default: path('$.anonymousId') },
      increment: { type: 'object', required: true, default: path('$.properties.increment') },
    },
  },
};

/** Every field of the action with its default mapping: what Segment fills in for a new mapping. */
export function defaultFields(action: ActionSlug): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(ACTION_SPECS[action].fields)) {
    if (field.default !== undefined) out[name] = structuredClone(field.default);
  }
  return out;
}

/** The field mapping a subscription runs: its own fields over the action's defaults, or alone. */
export function effectiveFields(s: {
  readonly action: ActionSlug;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly useDefaults: boolean;
}): Record<string, unknown> {
  return s.useDefaults ? { ...defaultFields(s.action), ...s.fields } : { ...s.fields };
}
