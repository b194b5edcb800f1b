/**
 * The small value helpers the mapping-kit directives share. Objects are always built through
 * `define`, never with a bare assignment or Object.assign, so a `"__proto__"` key coming from JSON
 * data stays an ordinary own key and can never set a prototype.
 */

export type Resolver = (data: unknown) => unknown;

/** A plain object in the sense of Segment's mapping-kit: not null, not an array, not a Date. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return Object.prototype.toString.call(value) === '[object Object]';
}

/** `typeof`, but `null`, `array`, `date`, … as mapping-kit's error messages name them. */
export function typeName(value: unknown): string {
  return Object.prototype.toString.call(value).slice(8, -1).toLowerCase();
}

export function define(out: Record<string, unknown>, key: string, value: unknown): void {
  // Assignment is a plain data store for every key but `__proto__`, whose setter would change the
  // prototype; defining only that one keeps objects in V8's fast mode.
  if (key === '__proto__') {
    Object.defineProperty(out, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else out[key] = value;
}

/**
 * The value without `undefined` object members, at any depth (array elements stay, as in
 * mapping-kit). Copy-on-write: a container that holds no undefined member is returned as it is,
 * so data passed through whole (`$.properties`, `$.context`) is walked but never copied.
 */
export function removeUndefined(value: unknown): unknown {
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const clean = removeUndefined(item);
      if (out === undefined && clean !== item) out = value.slice(0, i);
      out?.push(clean);
    }
    return out ?? value;
  }
  if (!isPlainObject(value)) return value;
  let out: Record<string, unknown> | undefined;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const item = value[key];
    const clean = item === undefined ? undefined : removeUndefined(item);
    if (out === undefined && (item === undefined || clean !== item)) {
      out = {};
      for (let j = 0; j < i; j++) define(out, keys[j] as string, value[keys[j] as string]);
    }
    if (out !== undefined && clean !== undefined) define(out, key, clean);
  }
  return out ?? value;
}

/** Shallow merge, later objects winning; non-object values spread their own enumerable keys. */
export function merge(objects: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const object of objects) {
    if (object === null || object === undefined) continue;
    const source = typeof object === 'string' ? Object.assign([], object.split('')) : object;
    if (typeof source !== 'object') continue;
    for (const key of Object.keys(source))
      define(out, key, (source as Record<string, unknown>)[key]);
  }
  return out;
}

/** Nested objects (and arrays, unless omitted) as one level of `a<sep>b` keys. */
export function flatten(
  value: unknown,
  prefix: string,
  separator: string,
  omitArrays: boolean,
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  if (isPlainObject(value) || (!omitArrays && Array.isArray(value))) {
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      flatten(item, prefix ? `${prefix}${separator}${key}` : key, separator, omitArrays, out);
    }
    return out;
  }
  define(out, prefix, value);
  return out;
}

/**
 * Object members that are null become undefined (removed at the end of the mapping, and still
 * overriding in a `@merge` before that, as in mapping-kit), recursively through nested objects.
 */
export function withoutNulls(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = value[key];
    define(out, key, item === null ? undefined : withoutNulls(item));
  }
  return out;
}
