/**
 * `mapping.subscriptions` at run time: each enabled subscription whose trigger matches the
 * message (read as it arrived, batch defaults applied) resolves its field mapping against the
 * message and runs its action, in list order, as Segment runs every matching subscription.
 *
 *   const subscriptions = compileSubscriptions(config.mapping.subscriptions);
 *   const runs = runSubscriptions(message, subscriptions, settings); // per matching subscription
 *   const mapped = combineRuns(runs);                                // the message's outcome
 *
 * A message is all-or-nothing: when one matching subscription fails (a required field missing, a
 * directive failing on this message), the whole message is rejected as `mapping_failed`, naming
 * the subscription, so its dead letter replays as a unit. No match is a skip (`no_subscription`).
 * Compiled here, in each transform worker, from the plain config (config/subscriptions.ts has
 * already refused anything that does not compile).
 */
import type { SubscriptionConfig } from '../../config/subscriptions.js';
import { compileMapping } from '../../segment/mapping-kit/compile.js';
import { MappingFailure } from '../../segment/mapping-kit/errors.js';
import { ACTION_SPECS, effectiveFields, type ActionSlug } from '../../segment/mixpanel-actions.js';
import type { SegmentMessage } from '../../segment/message.js';
import { compileTrigger } from '../../segment/trigger.js';
import type { MixpanelRecord } from '../../mixpanel/records.js';
import type { SkipReason } from '../../vocabulary.js';
import { insertIds } from '../insert-id.js';
import { skip, type Mapped } from '../mapped.js';
import type { MappingSettings } from '../settings.js';
import { trackEvent, trackPurchase } from './event-action.js';
import { Payload } from './payload.js';
import {
  alias,
  groupIdentifyUser,
  identifyUser,
  incrementProperties,
  type ProfileActionContext,
} from './profile-actions.js';

export interface CompiledSubscription {
  readonly name: string;
  readonly action: ActionSlug;
  matches(raw: object): boolean;
  resolve(raw: object): Record<string, unknown>;
}

export type RunOutcome =
  | { readonly kind: 'records'; readonly records: MixpanelRecord[] }
  | { readonly kind: 'skipped'; readonly reason: SkipReason }
  | { readonly kind: 'failed'; readonly message: string };

/** What one matching subscription did with the message. */
export interface SubscriptionRun {
  readonly name: string;
  readonly action: ActionSlug;
  readonly outcome: RunOutcome;
}

export function compileSubscriptions(list: readonly SubscriptionConfig[]): CompiledSubscription[] {
  return list
    .filter((s) => s.enabled)
    .map((s) => {
      const trigger = compileTrigger(s.trigger ?? ACTION_SPECS[s.action].defaultTrigger ?? '');
      const mapping = compileMapping(effectiveFields(s));
      if (!trigger.ok || !mapping.ok) throw new Error(`subscription "${s.name}" does not compile`);
      return { name: s.name, action: s.action, matches: trigger.matches, resolve: mapping.resolve };
    });
}

export function runSubscriptions(
  message: SegmentMessage,
  subscriptions: readonly CompiledSubscription[],
  settings: MappingSettings,
): SubscriptionRun[] {
  const runs: SubscriptionRun[] = [];
  for (const subscription of subscriptions) {
    if (!subscription.matches(message.raw)) continue;
    const scope = runs.length === 0 ? undefined : subscription.name;
    runs.push({
      name: subscription.name,
      action: subscription.action,
      outcome: run(subscription, message, settings, scope),
    });
  }
  return runs;
}

export function combineRuns(runs: readonly SubscriptionRun[]): Mapped {
  if (runs.length === 0) return skip('no_subscription');
  const records: MixpanelRecord[] = [];
  let skipped: SkipReason | undefined;
  for (const { name, outcome } of runs) {
    if (outcome.kind === 'failed') {
      return {
        rejection: {
          code: 'mapping_failed',
          stage: 'transform',
          message: `subscription "${name}": ${outcome.message}`,
        },
      };
    }
    if (outcome.kind === 'records') records.push(...outcome.records);
    else skipped ??= outcome.reason;
  }
  return records.length > 0 ? { records } : skip(skipped ?? 'no_subscription');
}

function run(
  subscription: CompiledSubscription,
  message: SegmentMessage,
  settings: MappingSettings,
  scope: string | undefined,
): RunOutcome {
  try {
    const payload = new Payload(subscription.resolve(message.raw));
    const ids = (insertId: string | undefined) => {
      const base = insertIds({ messageId: insertId, raw: message.raw });
      return scope === undefined ? base : base.scoped(scope);
    };
    const mapped = act(subscription.action, payload, message, settings, ids);
    if ('records' in mapped) return { kind: 'records', records: mapped.records };
    if ('skip' in mapped) return { kind: 'skipped', reason: mapped.skip };
    return { kind: 'failed', message: mapped.rejection.message };
  } catch (err) {
    if (err instanceof MappingFailure) return { kind: 'failed', message: err.message };
    throw err;
  }
}

function act(
  action: ActionSlug,
  payload: Payload,
  message: SegmentMessage,
  settings: MappingSettings,
  ids: (insertId: string | undefined) => ReturnType<typeof insertIds>,
): Mapped {
  const sourceName = settings.mapping.sourceName;
  const profile: ProfileActionContext = { message, ids: ids(message.messageId), settings };
  switch (action) {
    case 'trackEvent':
      return { records: trackEvent(payload, { message, ids, sourceName }) };
    case 'trackPurchase':
      return { records: trackPurchase(payload, { message, ids, sourceName }) };
    case 'identifyUser':
      return identifyUser(payload, profile);
    case 'groupIdentifyUser':
      return groupIdentifyUser(payload, profile);
    case 'alias':
      return alias(payload, profile);
    case 'incrementProperties':
      return incrementProperties(payload, profile);
  }
}
