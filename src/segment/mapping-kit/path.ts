/**
 * Paths into a message, as Segment's mapping-kit reads them: `$.properties.sku`, `context.app.name`,
 * `properties.products[0].price`, `traits["first name"]`. The `$.` prefix is optional; `$.` alone
 * (or an empty path) is the whole message. The path splits on every `.` (even inside quotes), on `[`
 * before a digit or quote and on `]` after one, and quotes are removed.
 *
 * Kept from Segment, because mappings written for Segment depend on them: a falsy value met on the
 * way (0, "", false, null) is itself the result (`$.properties.total.x` is 0 when total is 0).
 * Ours: only own properties are read, so `constructor`, `__proto__` or a string's `length` are never
 * reached through a path.
 */
import { typeName } from './json.js';

const SPLIT = /\[(?="|'|\d)|\.|(?<="|'|\d)]+/g;

export type PathReader = (data: unknown) => unknown;

/** Compiles a path written in a mapping (with or without `$.`) into a reader. */
export function compilePath(path: string): PathReader {
  return compileKeys(path.replace('$.', ''));
}

/** A path without the `$.` prefix handling (templates read `{{$.x}}` as the key "$"). */
function compileKeys(path: string): PathReader {
  if (path === '' || path === '.') return (data) => data;
  const keys = path
    .split(SPLIT)
    .filter((key) => key !== '')
    .map((key) => key.replace(/'|"/g, ''));
  return (data) => {
    let node = data;
    for (const key of keys) {
      if (!node) return node;
      node =
        typeof node === 'object' && Object.hasOwn(node, key)
          ? (node as Record<string, unknown>)[key]
          : undefined;
    }
    return node;
  };
}

/** Reads one path (written with or without `$.`) once: paths computed at run time. */
export function readPath(data: unknown, path: string): unknown {
  return compilePath(path)(data);
}

/**
 * `{{path}}` and `{{{path}}}` replaced by the value at the path (whitespace trimmed, no `$.`
 * needed). A missing or null value renders as "", anything else as JavaScript's String() does
 * (objects as `[object Object]`, arrays joined with commas), as in Segment.
 */
export function renderTemplate(template: string, data: unknown): string {
  const replacer =
    (braces: number) =>
    (match: string): string => {
      const value = compileKeys(match.slice(braces, -braces).trim())(data);
      return value === undefined || value === null ? '' : stringOf(value);
    };
  return template
    .replace(/\{\{\{([^}]+)\}\}\}/g, replacer(3))
    .replace(/\{\{([^}]+)\}\}/g, replacer(2));
}

function stringOf(value: unknown): string {
  // As String() would print it, without calling a `toString` that JSON data may have as a key.
  return typeof value === 'object' && value !== null
    ? Array.isArray(value)
      ? value.map((v) => (v === null || v === undefined ? '' : stringOf(v))).join(',')
      : `[${typeName(value) === 'object' ? 'object Object' : `object ${typeName(value)}`}]`
    : String(value);
}
