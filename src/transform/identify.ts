/**
 * identify → profile updates on `/engage` for `userId`, else `anonymousId` (Identify Calls
 * preset, docs/mapping.md), in this order, each only when non-empty:
 *   `$set`, `$set_once`, `$union` (traits routed by profile-traits.ts; the `$union` also takes
 *   `$ios_devices: [context.device.token]`, docs/mapping.md).
 * Every update carries `$ip` from context.ip and `$ignore_time: true` when context.active is
 * false (profile-update.ts). With Original ID Merge, a `$identify` event comes first when both
 * ids are present and differ (docs/mapping.md); Segment sends one for every identify with an
 * anonymousId, even with `$identified_id: null` (A37), and regardless of the merge mode.
 *
 * Skips: `people_disabled` when `mapping.people` is false and nothing else is due;
 * `no_profile_update` when there is nothing to set (empty traits and no device token, A38).
 */
import type { IdentifyMessage } from '../segment/message.js';
import type { MixpanelRecord, ProfileOperation } from '../mixpanel/records.js';
import { contextView } from './context.js';
import { identifyEvent } from './identity-events.js';
import { insertIds } from './insert-id.js';
import { skip, type Mapped } from './mapped.js';
import { traitOperations } from './profile-traits.js';
import { profileUpdate } from './profile-update.js';
import type { MappingSettings } from './settings.js';

const OPERATIONS: readonly ('$set' | '$set_once' | '$union')[] = ['$set', '$set_once', '$union'];

export function mapIdentify(message: IdentifyMessage, settings: MappingSettings): Mapped {
  const records: MixpanelRecord[] = [];
  const { userId, anonymousId } = message;
  if (
    settings.mapping.idMergeMode === 'original' &&
    userId !== undefined &&
    anonymousId !== undefined &&
    userId !== anonymousId
  ) {
    records.push(identifyEvent({ ...message, userId, anonymousId }, insertIds(message), settings));
  }
  if (!settings.mapping.people) return records.length > 0 ? { records } : skip('people_disabled');

  const context = contextView(message.context);
  const ops = traitOperations(message.traits, settings);
  if (context.deviceToken !== undefined) ops.$union['$ios_devices'] = [context.deviceToken];
  // validate.ts guarantees one of the two ids.
  const distinctId = userId ?? anonymousId ?? '';
  for (const operation of OPERATIONS) {
    const value = ops[operation];
    if (hasKeys(value))
      records.push(
        profileUpdate(settings.token, distinctId, context, operation as ProfileOperation, value),
      );
  }
  return records.length > 0 ? { records } : skip('no_profile_update');
}

function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}
