/**
 * Untrusted JSON → values safe to put into a Mixpanel record. Applied to every value copied from
 * `properties` and `traits` (and the product objects of a purchase). Copy-on-write: a value that
 * needs no change is returned as the same reference, so the common case allocates nothing.
 *
 * Policies (docs/mapping.md "Nesting" and "Prototype pollution"):
 *   - `__proto__` keys are dropped at every level. JSON.parse makes them own data properties, but
 *     `record[key] = value` anywhere downstream would then set a prototype; no analytics property
 *     is called `__proto__`. `constructor` and `prototype` are ordinary data and kept.
 *   - Mixpanel accepts nested objects to depth 3 (Mixpanel's ingestion rules). A property value
 *     that is an object or array is level 1, its container children level 2, theirs level 3; a
 *     container at level 4 is replaced by its JSON text (lossless and deterministic, as Classic
 *     stringified nested objects, C08).
 *   - Non-JSON values (only possible from Avro): non-finite numbers → null, bigint → decimal
 *     string, Date → ISO string, undefined / functions / symbols → dropped (null inside arrays).
 */
import type { JsonValue } from '../mixpanel/records.js';

/** The deepest container level kept as a structure inside one property value. */
export const MAX_VALUE_NESTING = 3;

/** The safe form of a value at `level` (1 = a property's own value); undefined = drop it. */
export function safeValue(value: unknown, level = 1): JsonValue | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value.toString();
    case 'object':
      if (value === null) return null;
      if (value instanceof Date)
        return Number.isFinite(value.getTime()) ? value.toISOString() : null;
      if (level > MAX_VALUE_NESTING) return JSON.stringify(safeValue(value, -Infinity));
      return Array.isArray(value)
        ? safeArray(value, level)
        : safeObject(value as Record<string, unknown>, level);
    default:
      return undefined;
  }
}

function safeArray(array: readonly unknown[], level: number): JsonValue[] {
  let out: JsonValue[] | undefined;
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    const safe = safeValue(item, level + 1) ?? null;
    if (out === undefined) {
      if (safe === item) continue;
      out = array.slice(0, i) as JsonValue[];
    }
    out.push(safe);
  }
  return out ?? (array as JsonValue[]);
}

function safeObject(object: Record<string, unknown>, level: number): { [key: string]: JsonValue } {
  let out: { [key: string]: JsonValue } | undefined;
  const keys = Object.keys(object);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const item = object[key];
    const safe = key === '__proto__' ? undefined : safeValue(item, level + 1);
    if (out === undefined) {
      if (safe === item && safe !== undefined) continue;
      out = {};
      for (let j = 0; j < i; j++) out[keys[j] as string] = object[keys[j] as string] as JsonValue;
    }
    if (safe !== undefined) out[key] = safe;
  }
  return out ?? (object as { [key: string]: JsonValue });
}

/**
 * `out[key] = value` for a key known only at run time, keeping `out` in V8's fast-properties
 * mode: past a dozen such keyed stores V8 turns an object into a hash table, which made the
 * JSON.stringify and limit checks of a typical event about 40% slower. A define of a data property
 * has the same effect as the store (an existing key keeps its position) without that transition.
 */
export function setKey(out: Record<string, unknown>, key: string, value: unknown): void {
  DATA_PROPERTY.value = value;
  Object.defineProperty(out, key, DATA_PROPERTY);
  DATA_PROPERTY.value = undefined;
}

/** One reused descriptor: defining through it allocates nothing. */
const DATA_PROPERTY: PropertyDescriptor = {
  value: undefined,
  writable: true,
  enumerable: true,
  configurable: true,
};
