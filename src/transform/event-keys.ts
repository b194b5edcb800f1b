/**
 * The keys of an event's `properties` that the mapping decides (docs/mapping.md, "track"): the
 * computed ones, the message keys that never reach Mixpanel, and the names
 * `reservedProperties: rename` changes.
 */
/** Keys of `properties` that never reach Mixpanel (Segment's list, plus our `__proto__` policy). */
export const RESERVED_PROPERTIES: ReadonlySet<string> = new Set([
  'time',
  'id',
  'distinct_id',
  '$insert_id',
  '$user_id',
  '$anon_id',
  '__proto__',
]);

/** The computed keys of an event, in their order (Segment's). */
export const COMPUTED_KEYS: readonly string[] = [
  'time',
  'ip',
  'id',
  '$anon_id',
  'distinct_id',
  '$app_build_number',
  '$app_version_string',
  '$app_namespace',
  '$app_name',
  '$browser',
  '$browser_version',
  '$bluetooth_enabled',
  '$cellular_enabled',
  '$carrier',
  '$current_url',
  '$device',
  '$device_id',
  '$device_type',
  '$device_name',
  '$group_id',
  '$identified_id',
  '$insert_id',
  '$ios_ifa',
  '$lib_version',
  '$locale',
  '$manufacturer',
  '$model',
  '$os',
  '$os_version',
  '$referrer',
  '$screen_height',
  '$screen_width',
  '$screen_density',
  '$source',
  '$user_id',
  '$wifi_enabled',
  'mp_country_code',
  'mp_lib',
  'segment_source_name',
  'utm_campaign',
  'utm_content',
  'utm_medium',
  'utm_source',
  'utm_term',
  'advertising_id',
  'ad_tracking_enabled',
  'timezone',
  'app_platform',
  'event_original_name',
  '$mobile',
  '$platform',
  '$bitness',
  '$platformVersion',
  '$uaFullVersion',
  '$wow64',
];

/** Property names Mixpanel advises against, and what `reservedProperties: rename` sends instead. */
export const RENAMED_PROPERTIES: Readonly<Record<string, string>> = {
  length: 'length_',
  bucket: 'bucket_',
};
