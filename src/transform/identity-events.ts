/**
 * The identity events of Mixpanel's Original ID Merge (Mixpanel's ingestion rules), sent only when
 * `mapping.idMergeMode` is `original` (docs/mapping.md). They travel through `/import` like any event,
 * with `time` and a deterministic `$insert_id` (role `$identify` / `$create_alias`), so a replay
 * deduplicates; the publisher sends them in requests of their own (records.ts IDENTITY_EVENTS).
 * Segment sends them through `/track` without time or insert id (A34, A45), whose properties
 * (`$identified_id`, `$anon_id` / `distinct_id`, `alias`, `token`, `segment_source_name`) are
 * kept in Segment's order after our three dedupe keys.
 */
import type { AliasMessage, IdentifyMessage } from '../segment/message.js';
import type { ImportEvent, MixpanelRecord } from '../mixpanel/records.js';
import type { InsertIds } from './insert-id.js';
import type { MappingSettings } from './settings.js';

/** `$identify` linking the anonymousId to the userId; needs both, and different. */
export function identifyEvent(
  message: IdentifyMessage & { userId: string; anonymousId: string },
  ids: InsertIds,
  settings: MappingSettings,
): MixpanelRecord {
  const properties: ImportEvent['properties'] = {
    time: message.timeMs,
    distinct_id: message.userId,
    $insert_id: ids.derived('$identify'),
    $identified_id: message.userId,
    $anon_id: message.anonymousId,
    token: settings.token,
  };
  if (settings.mapping.sourceName !== undefined)
    properties['segment_source_name'] = settings.mapping.sourceName;
  return { endpoint: '/import', record: { event: '$identify', properties } };
}

/** `$create_alias`: `alias` (the new userId) becomes an alias of `distinct_id` (previousId). */
export function createAliasEvent(
  message: AliasMessage,
  ids: InsertIds,
  settings: MappingSettings,
): MixpanelRecord {
  const properties: ImportEvent['properties'] = {
    time: message.timeMs,
    distinct_id: message.previousId,
    $insert_id: ids.derived('$create_alias'),
    alias: message.userId,
    token: settings.token,
  };
  if (settings.mapping.sourceName !== undefined)
    properties['segment_source_name'] = settings.mapping.sourceName;
  return { endpoint: '/import', record: { event: '$create_alias', properties } };
}
