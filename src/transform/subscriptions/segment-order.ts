/**
 * Event properties in Segment's order, for subscriptions (event-action.ts), whose contract is the
 * requests Segment's own code sends, byte for byte: the computed keys first, then the message's
 * properties. The built-in mapping puts the message's properties first (event-properties.ts).
 */
import { COMPUTED_KEYS, RENAMED_PROPERTIES, RESERVED_PROPERTIES } from '../event-keys.js';
import type { EventProperties } from '../event-properties.js';
import { safeValue, setKey } from '../values.js';

const COMPUTED: ReadonlySet<string> = new Set(COMPUTED_KEYS);

/**
 * `out` (computed keys only) with the message properties after
 * it: reserved ones dropped, values made safe, a property named like a computed key at that key's
 * position. Returns `out` itself, or a reordered copy when a property names a computed key `out`
 * lacks.
 */
export function appendProperties(
  out: EventProperties,
  properties: Readonly<Record<string, unknown>>,
  renameReserved = false,
): EventProperties {
  const keys = Object.keys(properties);
  let target = out;
  for (const key of keys) {
    if (COMPUTED.has(key) && !RESERVED_PROPERTIES.has(key) && !Object.hasOwn(out, key)) {
      target = withComputedOrder(out, properties);
      break;
    }
  }
  for (const key of keys) {
    if (RESERVED_PROPERTIES.has(key)) continue;
    const value = safeValue(properties[key]);
    if (value === undefined) continue;
    setKey(target, renameReserved ? (RENAMED_PROPERTIES[key] ?? key) : key, value);
  }
  return target;
}

/** A copy of `out` whose computed keys, including those only `properties` has, are in order. */
function withComputedOrder(
  out: EventProperties,
  properties: Readonly<Record<string, unknown>>,
): EventProperties {
  const ordered: EventProperties = {};
  for (const key of COMPUTED_KEYS) {
    if (Object.hasOwn(out, key)) setKey(ordered, key, out[key]);
    else if (
      Object.hasOwn(properties, key) &&
      !RESERVED_PROPERTIES.has(key) &&
      safeValue(properties[key]) !== undefined
    )
      setKey(ordered, key, null); // its position; the value is set by the caller
  }
  for (const key of Object.keys(out))
    if (!Object.hasOwn(ordered, key)) setKey(ordered, key, out[key]);
  return ordered;
}
