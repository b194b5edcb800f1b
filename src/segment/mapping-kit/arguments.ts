/**
 * Checks of directive arguments (throwing MappingProblemError with the position), shared by the
 * directive compilers of directives.ts.
 */
import { MappingFailure, MappingProblemError } from './errors.js';
import { isPlainObject, typeName, type Resolver } from './json.js';

export type CompileValue = (value: unknown, at: readonly string[]) => Resolver;
export type DirectiveCompiler = (
  arg: unknown,
  at: readonly string[],
  compile: CompileValue,
) => Resolver;

export const MAX_PATTERN_LENGTH = 10;
export const MAX_REPLACEMENT_LENGTH = 10;

export const problem = (at: readonly string[], message: string): MappingProblemError =>
  new MappingProblemError(at, message);

export function object(arg: unknown, at: readonly string[], keys: string): Record<string, unknown> {
  if (!isPlainObject(arg) || Object.keys(arg).some((k) => k.startsWith('@'))) {
    throw problem(at, `should be an object with ${keys} but it is ${describe(arg)}`);
  }
  return arg;
}

export function describe(value: unknown): string {
  if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('@')))
    return 'a directive';
  const type = typeName(value);
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

/** A string written in the mapping, or a directive computing one for each message. */
export function stringOrDirective(
  directive: string,
  arg: unknown,
  at: readonly string[],
  compile: CompileValue,
  use: (text: string) => (data: unknown) => unknown,
): Resolver {
  if (typeof arg === 'string') return use(arg);
  if (!isPlainObject(arg) || !Object.keys(arg).some((k) => k.startsWith('@'))) {
    throw problem(at, `should be a string or a mapping directive but it is ${describe(arg)}`);
  }
  const computed = compile(arg, at);
  return (data) => {
    const text = computed(data);
    if (typeof text !== 'string')
      throw new MappingFailure(`${directive}: expected a string, got ${typeName(text)}`);
    return use(text)(data);
  };
}

/** A string written in the mapping or a directive, resolved as it is (no type check). */
export function textOrDirective(
  arg: unknown,
  at: readonly string[],
  compile: CompileValue,
): Resolver {
  if (
    typeof arg !== 'string' &&
    !(isPlainObject(arg) && Object.keys(arg).some((k) => k.startsWith('@')))
  ) {
    throw problem(at, `should be a string or a mapping directive but it is ${describe(arg)}`);
  }
  return compile(arg, at);
}

export function oneOf(at: readonly string[], value: unknown, allowed: readonly string[]): string {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw problem(at, `should be one of ${allowed.join(', ')} but it is ${JSON.stringify(value)}`);
  }
  return value;
}

export function literalString(
  at: readonly string[],
  value: unknown,
  min: number,
  max: number,
): string {
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    throw problem(at, `should be a string of length ${min} to ${max}`);
  }
  return value;
}

export const escapeRegExp = (text: string): string =>
  text.replace(/[-[\]{}()*+?.,\\^$|#\s]/g, '\\$&');
