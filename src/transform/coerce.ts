/**
 * Typed reads of untrusted scalars for computed Mixpanel properties. They mirror the type
 * coercion Segment's Actions framework applies to action fields (docs/mapping.md:
 * a boolean in a string field becomes "true", the number 0 in `ip` becomes "0"), except that a
 * value that cannot be coerced is left out instead of failing the whole message with a 400.
 * Empty strings count as absent, as in Segment's single-message delivery (A53).
 */

const NUMERIC = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** A string field: non-empty strings as is, finite numbers and booleans as text. */
export function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return undefined;
}

/** A number field: finite numbers, and strings that are entirely a decimal number. */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && NUMERIC.test(value)) {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A boolean field: booleans, and the strings "true" / "false". */
export function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** The value when it is a JSON object (not null, not an array), else undefined. */
export function asObject(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * An own property of an untrusted object. Use it for every key that comes from configuration or
 * data: `traits["constructor"]` would otherwise read Object.prototype.constructor.
 */
export function own(object: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}
