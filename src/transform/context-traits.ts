/**
 * `mapping.contextTraits`: the traits a source library keeps in `context.traits` added to track,
 * page and screen events, as Segment's Classic destination did ("super properties"):
 *   - `properties`: under their Mixpanel names (`email` → `$email`, `firstName` → `$first_name`,
 *     created/createdAt/created_at → `$created`, …, as for profiles: profile-traits.ts);
 *   - `legacy`: the same, every name not starting with `$` prefixed with one (Classic's "Legacy
 *     Super Properties").
 * They come after the message's properties and never replace a key the event already has, as a
 * super property never beats an event property in Mixpanel's SDKs (Classic's cloud code let
 * them win). Reserved keys (`distinct_id`, `time`, …) and Classic's `id` trait are not added.
 */
import type { MappingConfig } from '../config/schema.js';
import { asObject } from './coerce.js';
import type { EventProperties } from './event-properties.js';
import { RESERVED_PROPERTIES } from './event-keys.js';
import { specialTraitName } from './profile-traits.js';
import { safeValue, setKey } from './values.js';

export function addContextTraits(
  properties: EventProperties,
  context: Readonly<Record<string, unknown>>,
  mode: MappingConfig['contextTraits'],
): void {
  if (mode === 'ignore') return;
  const traits = asObject(context['traits']);
  if (traits === undefined) return;
  for (const trait of Object.keys(traits)) {
    if (trait === 'id' || RESERVED_PROPERTIES.has(trait)) continue;
    let key = specialTraitName(trait) ?? trait;
    if (mode === 'legacy' && !key.startsWith('$')) key = `$${key}`;
    if (Object.hasOwn(properties, key) || RESERVED_PROPERTIES.has(key)) continue;
    const value = safeValue(traits[trait]);
    if (value !== undefined) setKey(properties, key, value);
  }
}
