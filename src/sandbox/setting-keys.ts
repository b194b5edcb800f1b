/**
 * Every sandbox setting, read off settings.ts: its path, scope, flag, type, bounds, default,
 * description, and the schema one value must pass. The command's flags and the generated docs
 * table both use this list, so neither can drift from the schemas.
 */
import { z } from 'zod';
import {
  SETTING_GROUPS,
  sandboxCommandSchema,
  sandboxSettingsSchema,
  type SettingGroup,
  type SettingMeta,
} from './settings.js';

export type SettingType = 'integer' | 'number' | 'boolean' | 'enum' | 'string' | 'object' | 'list';

export interface SandboxSettingKey {
  /** Inside the options `startSandbox` takes (scope `server`) or the command's own settings. */
  readonly path: readonly string[];
  /** `command`: a flag of `segment-mixpanel sandbox` only, not an option of the server. */
  readonly scope: 'server' | 'command';
  readonly group: SettingGroup;
  readonly description: string;
  /** Commander syntax, e.g. `--max-records <n>`; undefined: an in-process option only. */
  readonly flag?: string;
  readonly type: SettingType;
  readonly enumValues?: readonly (string | number)[];
  readonly minimum?: number;
  readonly maximum?: number;
  /** The schema's default (undefined: unset unless given). */
  readonly default?: unknown;
  /** The command's default: `flagDefault` when declared, else the schema's. */
  readonly flagDefault?: unknown;
  /** How a structured value is written on the command line (else a list item is JSON). */
  readonly text?: SettingMeta['text'];
  /** Validates one value (one item of a list). */
  readonly value: z.ZodType;
}

interface JsonSchemaNode {
  type?: string;
  enum?: (string | number)[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
}

/** The schema inside `.default()`, `.prefault()` and `.optional()`. */
function unwrap(schema: z.ZodType): z.ZodType {
  let inner = schema;
  while (
    inner instanceof z.ZodDefault ||
    inner instanceof z.ZodPrefault ||
    inner instanceof z.ZodOptional
  ) {
    inner = inner.unwrap() as z.ZodType;
  }
  return inner;
}

function typeOf(json: JsonSchemaNode, at: string): SettingType {
  if (json.enum) return 'enum';
  if (json.type === 'array') return 'list';
  if (
    json.type === 'integer' ||
    json.type === 'number' ||
    json.type === 'boolean' ||
    json.type === 'string' ||
    json.type === 'object'
  ) {
    return json.type;
  }
  throw new Error(`unsupported sandbox setting type ${JSON.stringify(json.type)} at ${at}`);
}

/** zod reports safe-integer bounds for every int; only real bounds are worth showing. */
function meaningful(bound: number | undefined): bound is number {
  return bound !== undefined && Math.abs(bound) < Number.MAX_SAFE_INTEGER;
}

function walk(
  shape: Record<string, z.ZodType>,
  prefix: readonly string[],
  scope: SandboxSettingKey['scope'],
  keys: SandboxSettingKey[],
): void {
  for (const [name, schema] of Object.entries(shape)) {
    const path = [...prefix, name];
    const inner = unwrap(schema);
    const meta = schema.meta() as SettingMeta | undefined;
    // An object without a description groups settings (credentials, rateLimit).
    if (meta === undefined && inner instanceof z.ZodObject) {
      walk(inner.shape as Record<string, z.ZodType>, path, scope, keys);
      continue;
    }
    const at = path.join('.');
    if (meta?.description === undefined) throw new Error(`sandbox setting ${at} has no metadata`);
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
    const type = typeOf(json, at);
    const flagDefault = meta.flagDefault ?? json.default;
    keys.push({
      path,
      scope,
      group: meta.group,
      description: meta.description,
      ...(meta.flag !== undefined ? { flag: meta.flag } : {}),
      type,
      ...(json.enum ? { enumValues: json.enum } : {}),
      ...(meaningful(json.minimum) ? { minimum: json.minimum } : {}),
      ...(meaningful(json.maximum) ? { maximum: json.maximum } : {}),
      ...(json.default !== undefined ? { default: json.default } : {}),
      ...(flagDefault !== undefined ? { flagDefault } : {}),
      ...(meta.text !== undefined ? { text: meta.text } : {}),
      value: inner instanceof z.ZodArray ? (inner.element as z.ZodType) : inner,
    });
  }
}

function build(): SandboxSettingKey[] {
  const keys: SandboxSettingKey[] = [];
  walk(sandboxSettingsSchema.shape, [], 'server', keys);
  walk(sandboxCommandSchema.shape, [], 'command', keys);
  const order = Object.keys(SETTING_GROUPS);
  // Stable: within a group, server settings first, each in declaration order.
  return keys.sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group));
}

/** Every setting, grouped in SETTING_GROUPS order. */
export const SANDBOX_SETTING_KEYS: readonly SandboxSettingKey[] = build();
