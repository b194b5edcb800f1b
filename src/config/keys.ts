/**
 * Every configuration key, read off the schema: its path, environment variable, type, default,
 * bounds, description and whether it is secret. The loader, the masker and the generated
 * reference all use this list, so none of them can drift from schema.ts.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

export const ENV_PREFIX = 'SEGMENT_MIXPANEL_';

/** `object[]`: a list of structured entries, set in the config file only (no variable). */
export type LeafType =
  'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'string[]' | 'object[]';

export interface ConfigKey {
  readonly path: readonly string[];
  readonly env: string;
  readonly type: LeafType;
  readonly enumValues?: readonly string[];
  readonly description: string;
  readonly default?: unknown;
  readonly required: boolean;
  readonly secret: boolean;
  /** A URL: its user-info (`user:password@`) is masked wherever it is printed. */
  readonly url: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
}

/** A section or optional group: documented as a heading. */
export interface ConfigGroup {
  readonly path: readonly string[];
  readonly description: string;
  readonly optional: boolean;
}

interface JsonSchemaNode {
  type?: string | string[];
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  items?: JsonSchemaNode;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  secret?: boolean;
  minimum?: number;
  maximum?: number;
  format?: string;
  anyOf?: JsonSchemaNode[];
}

export function envName(path: readonly string[]): string {
  return (
    ENV_PREFIX + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')
  );
}

function leafType(node: JsonSchemaNode, at: string): Pick<ConfigKey, 'type' | 'enumValues'> {
  if (node.enum) return { type: 'enum', enumValues: node.enum.map(String) };
  if (node.type === 'array') {
    if (node.items?.type === 'object') return { type: 'object[]' };
    if (node.items?.type !== 'string') throw new Error(`unsupported array type at ${at}`);
    return { type: 'string[]' };
  }
  if (
    node.type === 'string' ||
    node.type === 'integer' ||
    node.type === 'number' ||
    node.type === 'boolean'
  ) {
    return { type: node.type };
  }
  throw new Error(`unsupported config type ${JSON.stringify(node.type)} at ${at}`);
}

/** zod reports safe-integer bounds for every int; only real bounds are worth documenting. */
function meaningful(bound: number | undefined): bound is number {
  return bound !== undefined && Math.abs(bound) < Number.MAX_SAFE_INTEGER;
}

function walk(
  node: JsonSchemaNode,
  path: string[],
  required: boolean,
  keys: ConfigKey[],
  groups: ConfigGroup[],
): void {
  if (node.type === 'object' && node.properties) {
    if (path.length > 0) {
      groups.push({ path, description: node.description ?? '', optional: !required });
    }
    const req = new Set(node.required ?? []);
    for (const [name, child] of Object.entries(node.properties)) {
      walk(child, [...path, name], req.has(name) && child.default === undefined, keys, groups);
    }
    return;
  }
  const at = path.join('.');
  keys.push({
    path,
    env: envName(path),
    ...leafType(node, at),
    description: node.description ?? '',
    ...(node.default !== undefined ? { default: node.default } : {}),
    required,
    secret: node.secret === true,
    url: node.format === 'uri',
    ...(meaningful(node.minimum) ? { minimum: node.minimum } : {}),
    ...(meaningful(node.maximum) ? { maximum: node.maximum } : {}),
  });
}

function build(): { keys: ConfigKey[]; groups: ConfigGroup[] } {
  const root = z.toJSONSchema(configSchema, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchemaNode;
  const keys: ConfigKey[] = [];
  const groups: ConfigGroup[] = [];
  walk(root, [], true, keys, groups);
  return { keys, groups };
}

const built = build();

/** All leaf keys, in schema order. */
export const CONFIG_KEYS: readonly ConfigKey[] = built.keys;
/** Sections and nested groups, in schema order. */
export const CONFIG_GROUPS: readonly ConfigGroup[] = built.groups;

const byEnv = new Map(CONFIG_KEYS.map((k) => [k.env, k]));
export function keyForEnv(name: string): ConfigKey | undefined {
  return byEnv.get(name);
}

const byPath = new Map(CONFIG_KEYS.map((k) => [k.path.join('.'), k]));
export function keyForPath(path: readonly (string | number)[]): ConfigKey | undefined {
  return byPath.get(path.join('.'));
}

/** True when the value at this path (or inside it) must never be printed. */
export function isSecretPath(path: readonly (string | number)[]): boolean {
  const prefix = path.join('.');
  return CONFIG_KEYS.some((k) => k.secret && k.path.join('.').startsWith(prefix));
}
