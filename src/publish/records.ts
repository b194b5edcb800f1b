/**
 * Mixpanel wire shapes produced by transform/ and sent by publish/.
 * References: ../shared/reference/mixpanel-api.md §3.3 (events), §5 (profiles and groups).
 */

export const ENDPOINTS = ['/import', '/engage', '/groups'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** Metric label for an endpoint (`target`): import | engage | groups. */
export type Target = 'import' | 'engage' | 'groups';
const TARGETS: Readonly<Record<Endpoint, Target>> = {
  '/import': 'import',
  '/engage': 'engage',
  '/groups': 'groups',
};
export function targetOf(endpoint: Endpoint): Target {
  return TARGETS[endpoint];
}

/**
 * Values Mixpanel refuses as an id (mixpanel-api.md §3.4 rule 3: `distinct_id`, `$insert_id`),
 * lower-cased. Matched case-insensitively: the docs do not say, so the transform refuses them
 * before sending and the sandbox refuses them on arrival, by this one list.
 */
export const PLACEHOLDER_IDS: ReadonlySet<string> = new Set([
  '00000000-0000-0000-0000-000000000000',
  'anon',
  'anonymous',
  'nil',
  'none',
  'null',
  'n/a',
  'na',
  'undefined',
  'unknown',
  '<nil>',
  '0',
  '-1',
  'true',
  'false',
  '[]',
  '{}',
]);

export function isPlaceholderId(value: unknown): boolean {
  return (
    typeof value === 'string' && value.length <= 36 && PLACEHOLDER_IDS.has(value.toLowerCase())
  );
}

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** An `/import` event. The four dedupe fields are always present and deterministic. */
export interface ImportEvent {
  event: string;
  properties: {
    time: number;
    distinct_id: string;
    $insert_id: string;
    [key: string]: JsonValue;
  };
}

/** Profile operations accepted by `/engage` (one per update object). */
export const PROFILE_OPERATIONS = [
  '$set',
  '$set_once',
  '$add',
  '$union',
  '$append',
  '$remove',
  '$unset',
  '$delete',
] as const;
export type ProfileOperation = (typeof PROFILE_OPERATIONS)[number];

/**
 * Operations whose replay is not a no-op (spec §2): `$add` and `$append` change state again, and a
 * replayed `$union` re-adds items removed in between. At-least-once delivery from Kafka can replay
 * them after a crash; they are counted by segment_mixpanel_non_idempotent_updates_total.
 */
export const NON_IDEMPOTENT_OPERATIONS: readonly ProfileOperation[] = ['$add', '$append', '$union'];

/** An `/engage` update: `$token`, `$distinct_id` and exactly one operation. */
export interface ProfileUpdate {
  $token: string;
  $distinct_id: string;
  [key: string]: JsonValue;
}

/** A `/groups` update: `$token`, `$group_key`, `$group_id` and exactly one operation. */
export interface GroupUpdate {
  $token: string;
  $group_key: string;
  $group_id: string;
  [key: string]: JsonValue;
}

/** One output of the transform, addressed to its endpoint. */
export type MixpanelRecord =
  | { readonly endpoint: '/import'; readonly record: ImportEvent }
  | { readonly endpoint: '/engage'; readonly record: ProfileUpdate }
  | { readonly endpoint: '/groups'; readonly record: GroupUpdate };

/**
 * Identity events (`$identify`, `$create_alias`, `$merge`) travel to `/import` in requests of
 * their own (spec §4.2.8), so a project that rejects them cannot poison ordinary event batches.
 */
export const IDENTITY_EVENTS: ReadonlySet<string> = new Set([
  '$identify',
  '$create_alias',
  '$merge',
]);
export function isIdentityEvent(record: MixpanelRecord): boolean {
  return record.endpoint === '/import' && IDENTITY_EVENTS.has(record.record.event);
}

/** The key whose updates must reach Mixpanel in Kafka order (spec §2 ordering). */
export function orderingKey(record: MixpanelRecord): string | undefined {
  switch (record.endpoint) {
    case '/engage':
      return record.record.$distinct_id;
    case '/groups':
      return `${record.record.$group_key}\u0000${record.record.$group_id}`;
    case '/import':
      return undefined;
  }
}
