/**
 * Loads configuration from a JSON or YAML file and `SEGMENT_MIXPANEL_*` environment variables
 * (the environment wins), validates it against the schema and returns a frozen Config.
 * The only module that reads process.env. Errors name the key or variable and quote the bad value.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import {
  CONFIG_GROUPS,
  CONFIG_KEYS,
  ENV_PREFIX,
  isSecretPath,
  keyForEnv,
  keyForPath,
  type ConfigKey,
} from './keys.js';
import { MASK, redactUrlCredentials } from './redact.js';
import { configSchema, type Config } from './schema.js';
import { closest } from './suggest.js';

/** The variable that may name the config file when --config is not given. */
export const CONFIG_FILE_ENV = `${ENV_PREFIX}CONFIG`;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** Path of a JSON or YAML file; falls back to SEGMENT_MIXPANEL_CONFIG. */
  readonly file?: string | undefined;
  /** Defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

type Source = { kind: 'file'; file: string } | { kind: 'env'; name: string };

const toolSchema = configSchema.partial({ mixpanel: true });

/** The settings tools that never talk to Mixpanel need (produce, dlq): `mixpanel` may be absent. */
export type KafkaToolConfig = z.infer<typeof toolSchema>;

export function loadConfig(options: LoadOptions = {}): Readonly<Config> {
  return load(configSchema, options);
}

/** Like loadConfig, but for commands that only need Kafka: the `mixpanel` section is optional. */
export function loadToolConfig(options: LoadOptions = {}): Readonly<KafkaToolConfig> {
  return load(toolSchema, options);
}

function load<T>(schema: z.ZodType<T>, options: LoadOptions): Readonly<T> {
  const env = options.env ?? process.env;
  const file = options.file ?? env[CONFIG_FILE_ENV];
  const problems: string[] = [];
  const raw: Record<string, unknown> = file === undefined ? {} : readConfigFile(file);
  const sources = new Map<string, Source>();
  if (file !== undefined) markFileSources(raw, [], file, sources);

  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || name === CONFIG_FILE_ENV || value === undefined) continue;
    const key = keyForEnv(name);
    if (!key) {
      problems.push(`${name} is not a setting${suggest(name)}`);
      continue;
    }
    const coerced = coerceEnv(key, value);
    if (!coerced.ok) {
      problems.push(`${name}=${quote(key.path, value)}: ${coerced.message}`);
      continue;
    }
    setPath(raw, key.path, coerced.value);
    sources.set(key.path.join('.'), { kind: 'env', name });
  }

  applyProxyEnvironment(raw, env, sources);
  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(describeIssue(issue, raw, sources));
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return deepFreeze(result.data);
}

/**
 * The standard proxy variables, as curl and most HTTP clients read them (lower case first), fill
 * mixpanel.proxy and mixpanel.noProxy when those are not set: `HTTPS_PROXY` for an https Mixpanel
 * host (the default), `HTTP_PROXY` for an http:// apiHost, and `NO_PROXY`. A proxy given without a
 * scheme (`proxy:3128`) is an http:// proxy, as curl reads it.
 */
function applyProxyEnvironment(
  raw: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  sources: Map<string, Source>,
): void {
  const mixpanel = raw.mixpanel;
  if (mixpanel === null || typeof mixpanel !== 'object' || Array.isArray(mixpanel)) return;
  const section = mixpanel as Record<string, unknown>;
  const pick = (...names: string[]): { name: string; value: string } | undefined => {
    for (const name of names) {
      const value = env[name]?.trim();
      if (value) return { name, value };
    }
    return undefined;
  };
  if (section.proxy === undefined) {
    const plainHttp = typeof section.apiHost === 'string' && /^http:/i.test(section.apiHost);
    const proxy = plainHttp ? pick('http_proxy', 'HTTP_PROXY') : pick('https_proxy', 'HTTPS_PROXY');
    if (proxy) {
      section.proxy = proxy.value.includes('://') ? proxy.value : `http://${proxy.value}`;
      sources.set('mixpanel.proxy', { kind: 'env', name: proxy.name });
    }
  }
  if (section.noProxy === undefined) {
    const noProxy = pick('no_proxy', 'NO_PROXY');
    if (noProxy) {
      section.noProxy = noProxy.value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '');
      sources.set('mixpanel.noProxy', { kind: 'env', name: noProxy.name });
    }
  }
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError([
      `config file ${file}: ${code === 'ENOENT' ? 'not found' : String(err)}`,
    ]);
  }
  let parsed: unknown;
  try {
    parsed = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError([
      `config file ${file}: not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
    ]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([
      `config file ${file}: must hold an object with sections such as mixpanel and kafka`,
    ]);
  }
  return parsed as Record<string, unknown>;
}

function markFileSources(
  value: unknown,
  path: string[],
  file: string,
  sources: Map<string, Source>,
): void {
  if (path.length > 0) sources.set(path.join('.'), { kind: 'file', file });
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) markFileSources(v, [...path, k], file, sources);
  }
}

type Coerced = { ok: true; value: unknown } | { ok: false; message: string };

function coerceEnv(key: ConfigKey, value: string): Coerced {
  const text = value.trim();
  switch (key.type) {
    case 'string':
      return { ok: true, value };
    case 'enum':
      return { ok: true, value: text };
    case 'string[]':
      return { ok: true, value: text === '' ? [] : text.split(',').map((s) => s.trim()) };
    case 'object[]':
      return { ok: false, message: 'can only be set in the config file' };
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(text)) return { ok: true, value: true };
      if (/^(false|0|no|off)$/i.test(text)) return { ok: true, value: false };
      return { ok: false, message: 'expected true or false' };
    case 'integer':
    case 'number': {
      const n = text === '' ? NaN : Number(text);
      if (!Number.isFinite(n))
        return {
          ok: false,
          message: `expected ${key.type === 'integer' ? 'an integer' : 'a number'}`,
        };
      return { ok: true, value: n };
    }
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function getPath(target: unknown, path: readonly PropertyKey[]): unknown {
  let node = target;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  return node;
}

function describeIssue(
  issue: z.core.$ZodIssue,
  raw: unknown,
  sources: Map<string, Source>,
): string {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const where = path.length > 0 ? `${path.join('.')}.` : '';
    return issue.keys
      .map((k) => {
        const source = findSource([...path, k], sources);
        const match = closest(k, namesUnder(path));
        const hint = match ? ` (did you mean ${where}${match}?)` : '';
        return `unknown key ${where}${k}${source ? ` in ${sourceName(source)}` : ''}${hint}`;
      })
      .join('; ');
  }
  const dotted = path.length > 0 ? path.join('.') : '(root)';
  const value = getPath(raw, path);
  const source = findSource(path, sources);
  const key = keyForPath(path);
  if (value === undefined) {
    const why = issue.code === 'custom' ? ` (${issue.message})` : '';
    if (key) return `${dotted} (or ${key.env}) is required${why}`;
    const missing = CONFIG_KEYS.filter(
      (k) =>
        k.required &&
        path.every((p, i) => k.path[i] === p) &&
        getPath(raw, k.path) === undefined &&
        !insideAbsentOptionalGroup(k.path, path.length, raw),
    );
    if (missing.length > 0) {
      return missing.map((k) => `${k.path.join('.')} (or ${k.env}) is required`).join('; ');
    }
    return `${dotted} is required${why}`;
  }
  const label = source?.kind === 'env' ? source.name : dotted;
  const where = source?.kind === 'file' ? ` in ${source.file}` : '';
  return `${label} = ${quote(path, value)}${where}: ${plainMessage(issue)}`;
}

/** A required key of an optional group that is not present at all is not missing. */
function insideAbsentOptionalGroup(path: readonly string[], from: number, raw: unknown): boolean {
  for (let n = Math.max(from, 1); n < path.length; n++) {
    const group = CONFIG_GROUPS.find(
      (g) => g.path.length === n && g.path.every((p, i) => path[i] === p),
    );
    if (group?.optional && getPath(raw, group.path) === undefined) return true;
  }
  return false;
}

function findSource(
  path: readonly (string | number)[],
  sources: Map<string, Source>,
): Source | undefined {
  for (let n = path.length; n > 0; n--) {
    const hit = sources.get(path.slice(0, n).join('.'));
    if (hit) return hit;
  }
  return undefined;
}

function sourceName(source: Source): string {
  return source.kind === 'file' ? source.file : source.name;
}

function plainMessage(issue: z.core.$ZodIssue): string {
  return issue.message.replace(/^Invalid input: /, '');
}

function quote(path: readonly (string | number)[], value: unknown): string {
  if (isSecretPath(path)) return `"${MASK}"`;
  const text = redactUrlCredentials(JSON.stringify(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function suggest(name: string): string {
  const match = closest(
    name,
    CONFIG_KEYS.map((k) => k.env),
  );
  return match ? ` (did you mean ${match}?)` : '';
}

/** The known names one level below `path`: the candidates for a misspelt key there. */
function namesUnder(path: readonly (string | number)[]): string[] {
  const names = new Set<string>();
  for (const entry of [...CONFIG_KEYS, ...CONFIG_GROUPS]) {
    if (entry.path.length > path.length && path.every((p, i) => entry.path[i] === p)) {
      names.add(entry.path[path.length] as string);
    }
  }
  return [...names];
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * A copy of the config safe to print or log: every secret key replaced by "****", and the user-info
 * of every URL (in any string, not only URL keys) masked.
 */
export function maskSecrets(config: Readonly<Config>): Record<string, unknown> {
  const copy = redactStrings(structuredClone(config)) as Record<string, unknown>;
  for (const key of CONFIG_KEYS) {
    if (!key.secret) continue;
    const parent = getPath(copy, key.path.slice(0, -1));
    const leaf = key.path[key.path.length - 1] as string;
    if (parent && typeof parent === 'object' && leaf in parent) {
      (parent as Record<string, unknown>)[leaf] = MASK;
    }
  }
  return copy;
}

function redactStrings(value: unknown): unknown {
  if (typeof value === 'string') return redactUrlCredentials(value);
  if (Array.isArray(value)) return value.map(redactStrings);
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value))
      (value as Record<string, unknown>)[k] = redactStrings(v);
  }
  return value;
}
