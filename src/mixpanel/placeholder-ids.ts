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

export function isPlaceholderId(value: unknown): boolean {
  return (
    typeof value === 'string' && value.length <= 36 && PLACEHOLDER_IDS.has(value.toLowerCase())
  );
}
