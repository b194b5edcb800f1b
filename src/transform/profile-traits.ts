/**
 * identify traits → the property sets of `/engage` operations (docs/mapping.md).
 *
 * `$set` holds every trait except the special ones, in message order, then the special ones
 * renamed (SPECIAL_TRAITS order): `created`/`createdAt`/`created_at` → `$created` (first non-null,
 * value as sent), `email` → `$email`, `firstName` → `$first_name`, `lastName` → `$last_name`,
 * `name` (else "firstName lastName" when both are truthy) → `$name`, `username` → `$username`,
 * `phone` → `$phone`. Settings then route traits (by their Segment name) elsewhere:
 *   - `setAllTraits: false`  only `peopleTraits` and the special traits are sent;
 *   - `setOnceTraits`        those go to `$set_once` (wins over `arrayTraits`);
 *   - `arrayTraits: union`   non-empty arrays go to `$union` (an empty array stays in `$set`, which
 *                            clears the list, Segment's Classic documentation "pass an empty array").
 * Values are made safe by values.ts (nesting, `__proto__`); null is sent as null (A39).
 */
import type { UntrustedObject } from '../segment/message.js';
import type { JsonValue } from '../mixpanel/records.js';
import { own } from './coerce.js';
import type { MappingSettings } from './settings.js';
import { safeValue } from './values.js';

type Props = { [key: string]: JsonValue };

export interface TraitOperations {
  readonly $set: Props;
  readonly $set_once: Props;
  readonly $union: Props;
}

const SPECIAL_TRAITS: ReadonlySet<string> = new Set([
  'created',
  'createdAt',
  'created_at',
  'email',
  'firstName',
  'lastName',
  'name',
  'username',
  'phone',
]);

const SPECIAL_NAMES: Readonly<Record<string, string>> = {
  created: '$created',
  createdAt: '$created',
  created_at: '$created',
  email: '$email',
  firstName: '$first_name',
  lastName: '$last_name',
  name: '$name',
  username: '$username',
  phone: '$phone',
};

/** The Mixpanel name of a special trait (`email` → `$email`), else undefined. */
export function specialTraitName(trait: string): string | undefined {
  return Object.hasOwn(SPECIAL_NAMES, trait) ? SPECIAL_NAMES[trait] : undefined;
}

export function traitOperations(
  traits: UntrustedObject,
  settings: MappingSettings,
): TraitOperations {
  const ops: TraitOperations = { $set: {}, $set_once: {}, $union: {} };
  const { setAllTraits, arrayTraits } = settings.mapping;
  const route = (trait: string, key: string, raw: unknown): void => {
    const value = safeValue(raw);
    if (value === undefined) return;
    if (settings.setOnceTraits.has(trait)) ops.$set_once[key] = value;
    else if (arrayTraits === 'union' && Array.isArray(value) && value.length > 0)
      ops.$union[key] = value;
    else ops.$set[key] = value;
  };

  for (const key of Object.keys(traits)) {
    if (SPECIAL_TRAITS.has(key) || key === '__proto__') continue;
    if (!setAllTraits && !settings.peopleTraits.has(key)) continue;
    route(key, key, traits[key]);
  }

  const createdFrom = ['created', 'createdAt', 'created_at'].find((k) => {
    const v = own(traits, k);
    return v !== undefined && v !== null;
  });
  if (createdFrom !== undefined) route(createdFrom, '$created', own(traits, createdFrom));
  route('email', '$email', own(traits, 'email'));
  route('firstName', '$first_name', own(traits, 'firstName'));
  route('lastName', '$last_name', own(traits, 'lastName'));
  const name = own(traits, 'name');
  const first = own(traits, 'firstName');
  const last = own(traits, 'lastName');
  route('name', '$name', name ?? (first && last ? `${String(first)} ${String(last)}` : undefined));
  route('username', '$username', own(traits, 'username'));
  route('phone', '$phone', own(traits, 'phone'));
  return ops;
}
