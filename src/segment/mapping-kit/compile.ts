/**
 * Field mappings written in Segment's mapping-kit language, compiled once into resolvers.
 *
 *   const compiled = compileMapping({ event: { '@template': 'Viewed {{name}}' }, sku: 'fixed' });
 *   if (compiled.ok) compiled.resolve(message);   // { event: 'Viewed Home', sku: 'fixed' }
 *   else compiled.problems;                        // [{ at: '/event/@template', message }]
 *
 * A value is either a raw JSON value (objects and arrays resolved member by member) or a directive:
 * an object with exactly one `@`-key (and at most `_metadata` beside it). The directives and their
 * semantics are Segment's (docs/mapping.md "Field mappings" lists them, with every quirk kept);
 * `@liquid` is refused, because its templates can read the clock. Members that resolve to
 * undefined are removed at the end; null is kept.
 *
 * Compilation checks everything Segment's own validation checks, and also what Segment only
 * discovers while processing a message (an `@if` without a condition, an `@case` operator other
 * than lower/upper, a falsy literal where a value is required, directives nested in arrays).
 * What depends on the data (an `@path` whose path is computed and not a string) throws a
 * MappingFailure for that message.
 *
 * This is an implementation of our own, not Segment's code: @segment/actions-core cannot be
 * loaded by Node's ESM loader, needs an undeclared dependency, is large and slow, and its @liquid
 * is non-deterministic. The tests compare it with that package on generated mappings and messages.
 */
import { DIRECTIVES, type DirectiveCompiler } from './directives.js';
import { MappingProblemError } from './errors.js';
import { define, isPlainObject, removeUndefined, typeName, type Resolver } from './json.js';

export { MappingFailure } from './errors.js';

export interface MappingProblem {
  /** Where in the mapping, as a JSON pointer (`/event/@if/exists`). */
  readonly at: string;
  readonly message: string;
}

export type CompiledMapping =
  | { readonly ok: true; resolve(data: object): Record<string, unknown> }
  | { readonly ok: false; readonly problems: readonly MappingProblem[] };

const DIRECTIVE_NAME = /^@[a-z][a-zA-Z0-9]+$/;

export function compileMapping(mapping: Readonly<Record<string, unknown>>): CompiledMapping {
  const problems: MappingProblem[] = [];
  const entries: [string, Resolver][] = [];
  for (const key of Object.keys(mapping)) {
    try {
      if (key === '__segment_internal_directive') {
        throw new MappingProblemError([key], 'is internal to Segment and not supported');
      }
      entries.push([key, compileValue(mapping[key], [key])]);
    } catch (err) {
      if (!(err instanceof MappingProblemError)) throw err;
      problems.push({ at: `/${err.at.join('/')}`, message: err.message });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    resolve(data) {
      const out: Record<string, unknown> = {};
      for (const [key, resolver] of entries) define(out, key, resolver(data));
      return removeUndefined(out) as Record<string, unknown>;
    },
  };
}

/** True for an object with an `@`-key: a directive, or a mistake to report. */
export function looksLikeDirective(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && Object.keys(value).some((key) => key.startsWith('@'));
}

/** Compiles any mapping value (raw JSON or directive) at `at`. */
export function compileValue(value: unknown, at: readonly string[]): Resolver {
  if (looksLikeDirective(value)) return compileDirective(value, at);
  if (Array.isArray(value)) {
    const items = value.map((item, i) => compileValue(item, [...at, String(i)]));
    return (data) => items.map((item) => item(data));
  }
  if (isPlainObject(value)) {
    const entries = Object.keys(value).map(
      (key) => [key, compileValue(value[key], [...at, key])] as const,
    );
    return (data) => {
      const out: Record<string, unknown> = {};
      for (const [key, resolver] of entries) define(out, key, resolver(data));
      return out;
    };
  }
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return () => value;
    default:
      if (value === null) return () => null;
      throw new MappingProblemError(
        at,
        `should be a mapping directive or a JSON value but it is ${typeName(value)}`,
      );
  }
}

function compileDirective(value: Record<string, unknown>, at: readonly string[]): Resolver {
  const keys = Object.keys(value);
  const names = keys.filter((key) => key.startsWith('@'));
  if (names.length !== 1 || keys.some((key) => !key.startsWith('@') && key !== '_metadata')) {
    throw new MappingProblemError(
      at,
      `should only have one @-prefixed key (and _metadata) but it has ${keys.map((k) => JSON.stringify(k)).join(', ')}`,
    );
  }
  const name = names[0] as string;
  const compiler: DirectiveCompiler | undefined = DIRECTIVE_NAME.test(name)
    ? DIRECTIVES[name]
    : undefined;
  if (compiler === undefined) {
    throw new MappingProblemError(
      at,
      name === '@liquid'
        ? '@liquid is not supported: its templates can read the clock, so the same message could give different records'
        : `has an unknown directive ${name} (supported: ${Object.keys(DIRECTIVES).join(', ')})`,
    );
  }
  return compiler(value[name], [...at, name], compileValue);
}
