/**
 * One bounded walk over a parsed JSON tree: how deep it nests, and whether every string (keys
 * included) is well-formed UTF-16. JSON.parse itself is iterative in V8 and accepts any depth, but
 * everything after it (mapping, JSON.stringify, canonical hashing) recurses, so depth is capped
 * here, before anything else touches the value. The walk stops as soon as it passes the cap, so
 * a hostile 1,000,000-deep array costs no more than a legal one.
 */

export type TreeProblem =
  { readonly kind: 'too_deep'; readonly maxDepth: number } | { readonly kind: 'ill_formed_string' };

/** `String.prototype.isWellFormed` (ES2024, Node 20); the project's lib setting is ES2023. */
const isWellFormed = (s: string): boolean =>
  (s as string & { isWellFormed(): boolean }).isWellFormed();

/**
 * Checks a parsed JSON value. Depth counts containers: a scalar is depth 0, `{}` and `[]` are 1,
 * `{"a":{}}` is 2. With `checkStrings` false (the source text had no `\uD800`–`\uDFFF` escape, so
 * no lone surrogate can exist) only depth is measured.
 */
export function inspectTree(
  value: unknown,
  maxDepth: number,
  checkStrings: boolean,
): TreeProblem | undefined {
  return walk(value, 1, maxDepth, checkStrings);
}

function walk(
  value: unknown,
  depth: number,
  maxDepth: number,
  checkStrings: boolean,
): TreeProblem | undefined {
  if (typeof value === 'string') {
    return checkStrings && !isWellFormed(value) ? { kind: 'ill_formed_string' } : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > maxDepth) return { kind: 'too_deep', maxDepth };
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = walk(item, depth + 1, maxDepth, checkStrings);
      if (problem) return problem;
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  // for...in: JSON objects have no inherited enumerable keys, and it allocates no key array.
  for (const key in record) {
    if (checkStrings && !isWellFormed(key)) return { kind: 'ill_formed_string' };
    const problem = walk(record[key], depth + 1, maxDepth, checkStrings);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Whether JSON text *may* nest deeper than `maxDepth`: nesting needs an opening bracket per level,
 * so text with at most `maxDepth` of them (brackets inside strings included) cannot. Counting is
 * far cheaper than walking the parsed tree, and settles almost every real message.
 */
export function mayNestDeeperThan(text: string, maxDepth: number): boolean {
  let brackets = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) {
    if (++brackets > maxDepth) return true;
  }
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) {
    if (++brackets > maxDepth) return true;
  }
  return false;
}
