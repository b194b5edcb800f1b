/**
 * The flags of `segment-mixpanel sandbox`, built from the sandbox settings schema
 * (src/sandbox/settings.ts): names, help text and defaults, parsing of each value with an error
 * that names the flag and the bad value, and the mapping onto startSandbox options.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { z } from 'zod';
// Straight from the settings modules, not the sandbox's index: declaring the flags must not load
// the sandbox's server (every command's help builds them).
import type { FaultSpecInput } from '../sandbox/faults.js';
import { SANDBOX_SETTING_KEYS, type SandboxSettingKey } from '../sandbox/setting-keys.js';
import {
  SETTING_GROUPS,
  sandboxCommandSchema,
  sandboxSettingsSchema,
  type SandboxCommandSettings,
  type SandboxSettings,
} from '../sandbox/settings.js';

/** The command's flags as commander parses them: one typed value per flag attribute. */
export type SandboxFlags = Readonly<Record<string, unknown>>;

/** What the command runs: the server's options and the log level of its logger. */
export interface SandboxCommand {
  readonly options: SandboxSettings;
  readonly logLevel: SandboxCommandSettings['logLevel'];
}

const FLAG_KEYS = SANDBOX_SETTING_KEYS.filter(
  (key): key is SandboxSettingKey & { flag: string } => key.flag !== undefined,
);

function expected(key: SandboxSettingKey): string {
  const { minimum: min, maximum: max } = key;
  const kind = key.type === 'integer' ? 'an integer' : 'a number';
  if (min !== undefined && max !== undefined) return `${kind} from ${min} to ${max}`;
  if (min !== undefined) return `${kind} ≥ ${min}`;
  return kind;
}

function issues(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** The value `text` stands for, before validation; throws when it has the wrong form. */
function fromText(key: SandboxSettingKey, text: string): unknown {
  switch (key.type) {
    case 'integer':
    case 'number':
      return text.trim() === '' ? Number.NaN : Number(text);
    case 'enum': {
      const value = key.enumValues?.find((v) => String(v) === text);
      if (value === undefined) {
        throw new InvalidArgumentError(`Allowed choices are ${key.enumValues?.join(', ')}.`);
      }
      return value;
    }
    case 'object':
    case 'list':
      if (key.text === 'user:secret') {
        const colon = text.indexOf(':');
        if (colon <= 0) throw new InvalidArgumentError('expected USER:SECRET');
        return { username: text.slice(0, colon), secret: text.slice(colon + 1) };
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new InvalidArgumentError('expected a JSON object');
      }
    default:
      return text;
  }
}

/** Commander's parser of one flag value; list flags collect every occurrence. */
function parser(key: SandboxSettingKey) {
  return (text: string, previous: unknown): unknown => {
    const result = key.value.safeParse(fromText(key, text));
    if (!result.success) {
      const numeric = key.type === 'integer' || key.type === 'number';
      throw new InvalidArgumentError(numeric ? `expected ${expected(key)}` : issues(result.error));
    }
    return key.type === 'list' ? [...(previous as unknown[]), result.data] : result.data;
  };
}

function optionFor(key: SandboxSettingKey & { flag: string }): Option {
  const option = new Option(key.flag, key.description.replaceAll('`', ''));
  if (key.type === 'boolean') {
    // A negated flag (--no-groups-add) defaults to true by itself; its help says what it does.
    return option.negate ? option : option.default(key.flagDefault);
  }
  if (key.enumValues) option.choices(key.enumValues.map(String));
  option.argParser(parser(key));
  return key.flagDefault === undefined ? option : option.default(key.flagDefault);
}

/** Adds the sandbox flags, grouped, to `command`. */
export function declareSandboxFlags(command: Command): Command {
  for (const [group, { title, help }] of Object.entries(SETTING_GROUPS)) {
    if (help) command.optionsGroup(`${title}:`);
    for (const key of FLAG_KEYS.filter((k) => k.group === group)) command.addOption(optionFor(key));
  }
  return command.addHelpText(
    'after',
    `
Endpoints: POST /import, GET|POST /track, /engage, /groups; the Query API's
POST /api/query/cohorts/list and /api/query/engage (filter_by_cohort).
Inspection: GET /_sandbox/stats, GET /_sandbox/records?distinct_id=ID, POST /_sandbox/reset,
GET|POST|DELETE /_sandbox/faults (POST body e.g. {"endpoint":"/import","status":429,"count":2}),
GET|POST /_sandbox/cohorts, POST /_sandbox/cohorts/ID/webhook and /_sandbox/cohorts/ID/sync.
See docs/sandbox.md.`,
  );
}

/** Flags → settings, nested as the schemas declare them; the shortcuts become fault rules. */
export function readSandboxFlags(flags: SandboxFlags): SandboxCommand {
  const server: Record<string, unknown> = {};
  const own: Record<string, unknown> = {};
  for (const key of FLAG_KEYS) {
    const value = flags[new Option(key.flag).attributeName()];
    if (value === undefined) continue;
    let target = key.scope === 'server' ? server : own;
    for (const step of key.path.slice(0, -1)) {
      target = (target[step] ??= {}) as Record<string, unknown>;
    }
    target[key.path[key.path.length - 1] as string] = value;
  }
  const command = sandboxCommandSchema.parse(own);
  const faults = [...((server.faults as FaultSpecInput[] | undefined) ?? [])];
  if (command.errorRate !== undefined && command.errorRate > 0) {
    faults.push({ endpoint: '*', rate: command.errorRate, status: command.errorStatus });
  }
  if (command.latency !== undefined && command.latency > 0) {
    faults.push({ endpoint: '*', rate: 1, mode: 'latency', delayMs: command.latency });
  }
  return {
    options: sandboxSettingsSchema.parse({ ...server, faults }),
    logLevel: command.logLevel,
  };
}

/** Flags → startSandbox options (pure). */
export function sandboxOptionsFromFlags(flags: SandboxFlags): SandboxSettings {
  return readSandboxFlags(flags).options;
}
