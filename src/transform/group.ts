/**
 * group → group-profile updates on `/groups` (Group Calls preset, docs/mapping.md).
 *
 * Group key and id (docs/mapping.md `groupIdentifierTraits`):
 *   - empty (default, Segment Actions): key `$group_id`, id = `traits.$group_id` when truthy,
 *     else `groupId` (A41);
 *   - non-empty (Classic): the first listed trait present in the traits (not null or "", a
 *     string or number) is the key and its value the id; none present → skipped as
 *     `no_group_identifier_trait` (Classic documented behaviour, D01; Actions would fall back to
 *     groupId, A43).
 * `$set` = traits except `name`/`created`/`createdAt`/`created_at`, then `$name` and `$created`
 * (first non-null of the three); the group-key trait stays inside. `groupTraitsToSetOnce` (by
 * Segment trait name) go to a `$set_once` update instead. Ids are sent as strings.
 *
 * No traits (absent or `{}`) → skipped as `no_profile_update`: Segment (Actions) fails absent
 * traits with a 400 (A44) and would send an empty `$set` for `{}`; a group profile without
 * properties carries nothing worth a dead letter either way.
 */
import type { GroupMessage } from '../segment/message.js';
import type { GroupUpdate, JsonValue, MixpanelRecord } from '../mixpanel/records.js';
import { asString, own } from './coerce.js';
import { skip, type Mapped } from './mapped.js';
import type { MappingSettings } from './settings.js';
import { safeValue } from './values.js';

const RENAMED: ReadonlySet<string> = new Set([
  'name',
  'created',
  'createdAt',
  'created_at',
  '__proto__',
]);

export function mapGroup(message: GroupMessage, settings: MappingSettings): Mapped {
  const traits = message.traits;
  const identity = groupIdentity(message, settings.mapping.groupIdentifierTraits);
  if (identity === undefined) return skip('no_group_identifier_trait');
  if (Object.keys(traits).length === 0) return skip('no_profile_update');
  const records = groupUpdates(settings, identity.key, identity.id, traits);
  return records.length > 0 ? { records } : skip('no_profile_update');
}

/** The `/groups` updates (`$set`, then `$set_once`) of a group's traits. */
export function groupUpdates(
  settings: MappingSettings,
  key: string,
  id: string,
  traits: Readonly<Record<string, unknown>>,
): MixpanelRecord[] {
  const $set: { [key: string]: JsonValue } = {};
  const $setOnce: { [key: string]: JsonValue } = {};
  const put = (trait: string, key: string, raw: unknown): void => {
    const value = safeValue(raw);
    if (value === undefined) return;
    if (settings.groupTraitsToSetOnce.has(trait)) $setOnce[key] = value;
    else $set[key] = value;
  };
  for (const key of Object.keys(traits)) {
    if (!RENAMED.has(key)) put(key, key, traits[key]);
  }
  put('name', '$name', own(traits, 'name'));
  const createdFrom = ['created', 'createdAt', 'created_at'].find((k) => {
    const v = own(traits, k);
    return v !== undefined && v !== null;
  });
  if (createdFrom !== undefined) put(createdFrom, '$created', own(traits, createdFrom));

  const records: MixpanelRecord[] = [];
  for (const [operation, value] of [
    ['$set', $set],
    ['$set_once', $setOnce],
  ] as const) {
    if (Object.keys(value).length === 0) continue;
    const record: GroupUpdate = {
      $token: settings.token,
      $group_key: key,
      $group_id: id,
      [operation]: value,
    };
    records.push({ endpoint: '/groups', record });
  }
  return records;
}

function groupIdentity(
  message: GroupMessage,
  identifierTraits: readonly string[],
): { key: string; id: string } | undefined {
  if (identifierTraits.length === 0) {
    const fromTrait = own(message.traits, '$group_id');
    return {
      key: '$group_id',
      id: (fromTrait ? asString(fromTrait) : undefined) ?? message.groupId,
    };
  }
  for (const trait of identifierTraits) {
    const id = asString(own(message.traits, trait));
    if (id !== undefined && typeof own(message.traits, trait) !== 'boolean')
      return { key: trait, id };
  }
  return undefined;
}
