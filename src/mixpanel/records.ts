/**
 * Mixpanel's record shapes: what the transform produces, the publisher sends and the sandbox
 * accepts. Events go to /import, profile updates to /engage, group updates to /groups.
 */

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
 * Operations whose replay is not a no-op: `$add` and `$append` change state again, and a
 * replayed `$union` re-adds items removed in between. At-least-once delivery from Kafka can replay
 * them after a crash; they are counted by segment_mixpanel_non_idempotent_updates_total.
 */
export const NON_IDEMPOTENT_OPERATIONS = [
  '$add',
  '$append',
  '$union',
] as const satisfies readonly ProfileOperation[];
export type NonIdempotentOperation = (typeof NON_IDEMPOTENT_OPERATIONS)[number];

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
 * their own, so a project that rejects them cannot poison ordinary event batches.
 */
export const IDENTITY_EVENTS: ReadonlySet<string> = new Set([
  '$identify',
  '$create_alias',
  '$merge',
]);
export function isIdentityEvent(record: MixpanelRecord): boolean {
  return record.endpoint === '/import' && IDENTITY_EVENTS.has(record.record.event);
}

/** The key whose updates must reach Mixpanel in Kafka order (a later `$set` must win). */
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

/** A record serialized once, sent byte-identical on every retry. */
export interface PreparedRecord {
  /** JSON.stringify(record) — serialized once by the caller; the publisher never re-serializes. */
  readonly json: string;
  /** Byte length of json (UTF-8). */
  readonly bytes: number;
}

/**
 * A prepared record held as UTF-8 (the transform stage hands records over encoded): `bytes` bytes
 * of `source` from `start`, one buffer holding the records of a whole transform job. Request
 * bodies copy these bytes (publish/encode.ts); its text is decoded only when asked for.
 */
export class EncodedRecord implements PreparedRecord {
  constructor(
    readonly source: Buffer,
    readonly start: number,
    readonly bytes: number,
  ) {}

  get json(): string {
    return this.source.toString('utf8', this.start, this.start + this.bytes);
  }
}
