/**
 * One compiler per mapping-kit directive: it checks the directive's argument (throwing
 * MappingProblemError with the position) and returns the resolver. Semantics follow Segment's
 * mapping-kit exactly, quirks included, because existing mappings rely on them:
 *   - `@if`: `exists` is true unless undefined/null; `blank` also treats "", 0 and false as blank
 *     (a loose `!= ''`); a missing branch, or a falsy literal `else`, resolves to undefined;
 *   - `@case` and `@replace` with a falsy `value` resolve to undefined; `@replace` on a value that
 *     is not a string, number or boolean resolves to "";
 *   - `@arrayPath` maps each element with the shape (paths relative to the element), a single
 *     object is treated as a one-element array, anything else is returned as it is;
 *   - `@merge` is a shallow merge, later objects winning (`left`: earlier ones win);
 *   - `@json` decode returns the input when it is not valid JSON;
 *   - `@excludeWhenNull` drops a null result and null members of an object result.
 */
import {
  describe,
  escapeRegExp,
  literalString,
  MAX_PATTERN_LENGTH,
  MAX_REPLACEMENT_LENGTH,
  object,
  oneOf,
  problem,
  stringOrDirective,
  textOrDirective,
  type DirectiveCompiler,
} from './arguments.js';
import { MappingFailure } from './errors.js';
import { flatten, isPlainObject, merge, removeUndefined, typeName, withoutNulls } from './json.js';
import { compilePath, renderTemplate } from './path.js';

export type { DirectiveCompiler } from './arguments.js';

export const DIRECTIVES: Readonly<Record<string, DirectiveCompiler>> = {
  '@path': (arg, at, compile) =>
    stringOrDirective('@path', arg, at, compile, (path) => compilePath(path)),

  '@template': (arg, at, compile) =>
    stringOrDirective('@template', arg, at, compile, (t) => (data) => renderTemplate(t, data)),

  '@literal': (arg, at, compile) => compile(arg, at),

  '@if': (arg, at, compile) => {
    const opts = object(arg, at, '"exists" or "blank", "then", "else"');
    if (!opts['exists'] && !opts['blank']) {
      throw problem(at, 'requires an "exists" key or a "blank" key (not a falsy literal)');
    }
    const useExists = opts['exists'] !== undefined;
    const condition = compile(useExists ? opts['exists'] : opts['blank'], [
      ...at,
      useExists ? 'exists' : 'blank',
    ]);
    const then = opts['then'] !== undefined ? compile(opts['then'], [...at, 'then']) : undefined;
    const otherwise = opts['else'] ? compile(opts['else'], [...at, 'else']) : undefined;
    return (data) => {
      const value = condition(data);
      const holds = useExists
        ? value !== undefined && value !== null
        : // Segment's loose "blank" test (`!=`): 0 and false are blank too
          value !== undefined && value !== null && value != '';
      return holds ? then?.(data) : otherwise?.(data);
    };
  },

  '@case': (arg, at, compile) => {
    const opts = object(arg, at, '"operator" and "value"');
    const upper = oneOf([...at, 'operator'], opts['operator'], ['lower', 'upper']) === 'upper';
    if (!opts['value']) return () => undefined;
    const value = textOrDirective(opts['value'], [...at, 'value'], compile);
    return (data) => {
      const v = value(data);
      return typeof v === 'string' ? (upper ? v.toUpperCase() : v.toLowerCase()) : v;
    };
  },

  '@replace': (arg, at, compile) => {
    const opts = object(arg, at, '"pattern", "replacement" and "value"');
    const pattern = literalString([...at, 'pattern'], opts['pattern'], 1, MAX_PATTERN_LENGTH);
    const replacement =
      opts['replacement'] == null
        ? ''
        : literalString([...at, 'replacement'], opts['replacement'], 0, MAX_REPLACEMENT_LENGTH);
    for (const flag of ['global', 'ignorecase'] as const) {
      if (opts[flag] != null && typeof opts[flag] !== 'boolean')
        throw problem([...at, flag], 'should be a boolean');
    }
    const flags = (opts['global'] === false ? '' : 'g') + (opts['ignorecase'] === true ? 'i' : '');
    const first = new RegExp(escapeRegExp(pattern), flags);
    let second: { re: RegExp; replacement: string } | undefined;
    if (opts['pattern2']) {
      const p2 = literalString([...at, 'pattern2'], opts['pattern2'], 1, MAX_PATTERN_LENGTH);
      const r2 =
        opts['replacement2'] == null
          ? ''
          : literalString([...at, 'replacement2'], opts['replacement2'], 0, MAX_REPLACEMENT_LENGTH);
      second = { re: new RegExp(escapeRegExp(p2), flags), replacement: r2 };
    }
    if (opts['value'] === undefined) throw problem([...at, 'value'], 'is required');
    if (!opts['value']) return () => undefined;
    const value = textOrDirective(opts['value'], [...at, 'value'], compile);
    return (data) => {
      let v = value(data);
      if (typeof v === 'number' || typeof v === 'boolean') v = String(v);
      if (typeof v !== 'string') return '';
      first.lastIndex = 0;
      let out = v.replace(first, replacement);
      if (second) {
        second.re.lastIndex = 0;
        out = out.replace(second.re, second.replacement);
      }
      return out;
    };
  },

  '@arrayPath': (arg, at, compile) => {
    if (!Array.isArray(arg)) throw problem(at, `should be an array but it is ${describe(arg)}`);
    const [path, shape] = arg as unknown[];
    // A path string reads the array; a directive in its place computes the array itself.
    const root =
      typeof path === 'string' ? compilePath(path) : textOrDirective(path, [...at, '0'], compile);
    const item =
      isPlainObject(shape) && Object.keys(shape).length > 0
        ? compile(shape, [...at, '1'])
        : undefined;
    return (data) => {
      const found = root(data);
      if (item === undefined || !(isPlainObject(found) || Array.isArray(found))) return found;
      return (Array.isArray(found) ? found : [found]).map((element) => item(element));
    };
  },

  '@json': (arg, at, compile) => {
    const opts = object(arg, at, '"mode" and "value"');
    const mode = oneOf([...at, 'mode'], opts['mode'], ['encode', 'decode']);
    if (!opts['value']) throw problem([...at, 'value'], 'is required (and not a falsy literal)');
    const value = compile(opts['value'], [...at, 'value']);
    if (mode === 'encode') return (data) => JSON.stringify(value(data));
    return (data) => {
      const v = value(data);
      if (typeof v !== 'string') return v;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v;
      }
    };
  },

  '@flatten': (arg, at, compile) => {
    const opts = object(arg, at, '"separator" and "value"');
    const separator = literalString([...at, 'separator'], opts['separator'], 1, Infinity);
    const value = compile(opts['value'], [...at, 'value']);
    const omitArrays = Boolean(opts['omitArrays']);
    return (data) => flatten(value(data), '', separator, omitArrays);
  },

  '@merge': (arg, at, compile) => {
    const opts = object(arg, at, '"objects" and "direction"');
    const left = oneOf([...at, 'direction'], opts['direction'], ['left', 'right']) === 'left';
    const list = opts['objects'];
    if (!Array.isArray(list)) throw problem([...at, 'objects'], 'should be an array');
    const objects = list.map((item: unknown, i) => {
      if (!isPlainObject(item))
        throw problem(
          [...at, 'objects', String(i)],
          `should be an object or a directive but it is ${describe(item)}`,
        );
      return compile(item, [...at, 'objects', String(i)]);
    });
    return (data) => {
      const values = objects.map((resolve) => resolve(data));
      return merge(left ? values.reverse() : values);
    };
  },

  '@transform': (arg, at, compile) => {
    const opts = object(arg, at, '"apply" and "mapping"');
    for (const key of ['apply', 'mapping']) {
      if (!isPlainObject(opts[key]))
        throw problem(
          [...at, key],
          `should be an object or a directive but it is ${describe(opts[key])}`,
        );
    }
    const apply = compile(opts['apply'], [...at, 'apply']);
    const mapping = compile(opts['mapping'], [...at, 'mapping']);
    return (data) => {
      if (!isPlainObject(data))
        throw new MappingFailure(`@transform: data must be an object, got ${typeName(data)}`);
      return mapping(removeUndefined(apply(data)));
    };
  },

  '@excludeWhenNull': (arg, at, compile) => {
    const value = compile(arg, at);
    return (data) => {
      const v = value(data);
      return v === null ? undefined : withoutNulls(v);
    };
  },
};
