/**
 * Ids Mixpanel refuses as `distinct_id` or `$insert_id`: placeholders that would merge unrelated
 * users into one. The transform rejects them before sending (`invalid_distinct_id`) and the
 * sandbox refuses them on arrival, by this one list.
 */

export const PLACEHOLDER_IDS: ReadonlySet<string> = new Set([
  '00000000-0000-0000-0000-000000000000',
  'anon',
  'anonymous',
  'nil',
  'none',
  'null',
  'n/a',
  'na',
  'undefined',
  'unknown',
  '<nil>',
  '0',
  '-1',
  'true',
  'false',
  '[]',
  '{}',
]);

/**
 * The first character of each placeholder, ASCII-lowercased by `| 0x20`: an id whose first
 * character is not among them cannot be one, so most ids are judged without lower-casing a copy
 * (every record checks several). No other character lower-cases to one of these ASCII ones in a
 * placeholder, and a non-ASCII first character never passes this filter, so nothing is missed.
 */
const FIRST_CODES: ReadonlySet<number> = new Set(
  [...PLACEHOLDER_IDS].map((id) => id.charCodeAt(0) | 0x20),
);
const LENGTHS: ReadonlySet<number> = new Set([...PLACEHOLDER_IDS].map((id) => id.length));

export function isPlaceholderId(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    LENGTHS.has(value.length) &&
    FIRST_CODES.has(value.charCodeAt(0) | 0x20) &&
    PLACEHOLDER_IDS.has(value.toLowerCase())
  );
}
