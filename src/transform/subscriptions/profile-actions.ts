/**
 * The identifyUser, groupIdentifyUser, alias and incrementProperties actions: an action payload →
 * `/engage`, `/groups` or identity records, built like the built-in mapping's (same keys, same
 * corrections):
 *   - identifyUser: `$identify` only with `idMergeMode: original` and two different ids (Segment:
 *     whenever there is an anonymous id, through /track); then a `$set` of the traits with the
 *     special-trait renames, for `user_id`, else `anonymous_id`; `$ip` from the `ip` field,
 *     `$ignore_time` and `$ios_devices` from the message context as for identify;
 *   - groupIdentifyUser: key `group_key` (default `$group_id`), id `traits[group_key]` when truthy,
 *     else `group_id`; absent or empty traits is a skip (Segment: 400 for absent traits);
 *   - alias: `$create_alias` through /import with `time` and a derived insert id;
 *   - incrementProperties: `$add` of the numeric values of `increment` (numeric text converted;
 *     booleans, null and objects ignored); more than 20 keys or a non-numeric text fails the
 *     message, as at Segment; nothing to add is a skip.
 */
import type { IdentifyMessage, SegmentMessage } from '../../segment/message.js';
import { MappingFailure } from '../../segment/mapping-kit/errors.js';
import type {
  ImportEvent,
  JsonValue,
  MixpanelRecord,
  ProfileOperation,
  ProfileUpdate,
} from '../../mixpanel/records.js';
import { asObject, asString } from '../coerce.js';
import { contextView } from '../context.js';
import { groupUpdates } from '../group.js';
import { identifyEvent } from '../identity-events.js';
import type { InsertIds } from '../insert-id.js';
import { skip, type Mapped } from '../mapped.js';
import { traitOperations } from '../profile-traits.js';
import type { MappingSettings } from '../settings.js';
import type { Payload } from './payload.js';

export const MAX_INCREMENTS = 20;

export interface ProfileActionContext {
  readonly message: SegmentMessage;
  readonly ids: InsertIds;
  readonly settings: MappingSettings;
}

export function identifyUser(
  payload: Payload,
  { message, ids, settings }: ProfileActionContext,
): Mapped {
  const userId = payload.nullableString('user_id');
  const anonymousId = payload.nullableString('anonymous_id');
  const records: MixpanelRecord[] = [];
  if (
    settings.mapping.idMergeMode === 'original' &&
    userId &&
    anonymousId &&
    userId !== anonymousId
  ) {
    const identify = { ...(message as IdentifyMessage), userId, anonymousId };
    records.push(identifyEvent(identify, ids, settings));
  }
  const context = contextView(message.context);
  const ops = traitOperations(payload.object('traits') ?? {}, settings);
  if (message.type === 'identify' && context.deviceToken !== undefined)
    ops.$union['$ios_devices'] = [context.deviceToken];
  const distinctId = userId ?? anonymousId ?? undefined;
  const updates = (['$set', '$set_once', '$union'] as const).filter(
    (op) => Object.keys(ops[op]).length > 0,
  );
  if (updates.length > 0 && distinctId === undefined)
    throw new MappingFailure('neither "user_id" nor "anonymous_id" has a value');
  for (const op of updates) {
    records.push(
      engage(
        settings.token,
        distinctId as string,
        payload.string('ip'),
        context.inactive,
        op,
        ops[op],
      ),
    );
  }
  return records.length > 0 ? { records } : skip('no_profile_update');
}

export function groupIdentifyUser(payload: Payload, { settings }: ProfileActionContext): Mapped {
  const key = payload.string('group_key') ?? '$group_id';
  const traits = payload.object('traits');
  const fromTrait = traits?.[key];
  const id = (fromTrait ? asString(fromTrait) : undefined) ?? payload.requiredString('group_id');
  if (traits === undefined || Object.keys(traits).length === 0) return skip('no_profile_update');
  const records = groupUpdates(settings, key, id, traits);
  return records.length > 0 ? { records } : skip('no_profile_update');
}

export function alias(payload: Payload, { message, ids, settings }: ProfileActionContext): Mapped {
  const distinctId = payload.requiredString('distinct_id');
  const newId = payload.nullableString('alias');
  const properties: ImportEvent['properties'] = {
    time: message.timeMs,
    distinct_id: distinctId,
    $insert_id: ids.derived('$create_alias'),
    alias: newId ?? null,
    token: settings.token,
  };
  if (settings.mapping.sourceName !== undefined)
    properties['segment_source_name'] = settings.mapping.sourceName;
  return { records: [{ endpoint: '/import', record: { event: '$create_alias', properties } }] };
}

export function incrementProperties(
  payload: Payload,
  { message, settings }: ProfileActionContext,
): Mapped {
  const increment = payload.requiredObject('increment');
  const keys = Object.keys(increment);
  if (keys.length > MAX_INCREMENTS)
    throw new MappingFailure(
      `"increment" has ${keys.length} keys; at most ${MAX_INCREMENTS} are allowed`,
    );
  const add: Record<string, JsonValue> = {};
  for (const key of keys) {
    const value = increment[key];
    if (key === '__proto__' || (typeof value !== 'string' && typeof value !== 'number')) continue;
    const n = +value;
    if (Number.isNaN(n)) throw new MappingFailure(`the increment "${key}" is not numeric`);
    add[key] = n;
  }
  if (Object.keys(add).length === 0) return skip('no_profile_update');
  const distinctId = payload.nullableString('user_id') ?? payload.nullableString('anonymous_id');
  if (distinctId === undefined || distinctId === null)
    throw new MappingFailure('neither "user_id" nor "anonymous_id" has a value');
  const inactive = asObject(message.context)?.['active'] === false;
  return {
    records: [engage(settings.token, distinctId, payload.string('ip'), inactive, '$add', add)],
  };
}

function engage(
  token: string,
  distinctId: string,
  ip: string | undefined,
  inactive: boolean,
  operation: ProfileOperation,
  value: JsonValue,
): MixpanelRecord {
  const record: ProfileUpdate = { $token: token, $distinct_id: distinctId };
  if (ip !== undefined) record['$ip'] = ip;
  if (inactive) record['$ignore_time'] = true;
  record[operation] = value;
  return { endpoint: '/engage', record };
}
