/**
 * alias → `$create_alias` through `/import` when the project uses Original ID Merge; with
 * Simplified ID Merge (the default) nothing is sent and the message is skipped as
 * `identity_not_sent`: Mixpanel ignores or 400-rejects identity events there (Mixpanel's
 * ingestion rules) and the `$device_id`/`$user_id` pair on ordinary events does the merge.
 * Segment (Actions) has no alias preset at all (docs/mapping.md).
 */
import type { AliasMessage } from '../segment/message.js';
import { createAliasEvent } from './identity-events.js';
import { insertIds } from './insert-id.js';
import { skip, type Mapped } from './mapped.js';
import type { MappingSettings } from './settings.js';

export function mapAlias(message: AliasMessage, settings: MappingSettings): Mapped {
  if (settings.mapping.idMergeMode !== 'original') return skip('identity_not_sent');
  return { records: [createAliasEvent(message, insertIds(message), settings)] };
}
