/**
 * Canonical JSON: object keys sorted (by UTF-16 code units), no whitespace, arrays in order.
 * Two payloads that differ only in key order or formatting serialise identically, so their hash
 * is a stable identity for a message that has no messageId (docs/mapping.md).
 *
 * Total over any value validateMessage can hold: non-JSON leaves (undefined, functions) are
 * dropped from objects and become null in arrays, like JSON.stringify; bigints become digits.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        return `[${value.map((item) => (isJsonLeaf(item) ? canonicalJson(item) : 'null')).join(',')}]`;
      }
      if (value instanceof Date) return JSON.stringify(value.toJSON());
      return `{${Object.keys(value)
        .sort()
        .filter((key) => isJsonLeaf((value as Record<string, unknown>)[key]))
        .map(
          (key) =>
            `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
        )
        .join(',')}}`;
    default:
      return 'null';
  }
}

function isJsonLeaf(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}
