/** Short, bounded descriptions of untrusted values for rejection messages (≤ 1 KB headers). */

/** "null", "an array", "a string", ... */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** A value quoted for a message, cut to `max` characters. */
export function quote(value: unknown, max = 80): string {
  if (value === undefined) return '(missing)';
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    text = kindOf(value);
  }
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
