/**
 * Reads compose files the way `docker compose config` would for our purposes (no Docker here):
 * YAML merge keys, the `!reset` / `!override` tags of override files, and variable interpolation
 * (`$$`, `${VAR}`, `${VAR:-default}`, `${VAR:?error}`) against a given environment.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type Tags } from 'yaml';
import { REPO } from '../harness/ops-expressions.js';

export interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}

export interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: unknown[];
  expose?: (string | number)[];
  volumes?: (string | { source: string; target: string })[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: Healthcheck;
  deploy?: { replicas?: number };
  container_name?: string;
  stop_grace_period?: string;
  profiles?: string[];
  restart?: string;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, Service>;
}

/**
 * The tags compose accepts in override files: `!reset null` (drop the inherited value) and
 * `!override` on a mapping (replace instead of merge), read as plain values.
 */
const customTags: Tags = [
  { tag: '!reset', resolve: () => null },
  { tag: '!override', collection: 'map', resolve: (value) => value },
];

/** The file as YAML, merge keys resolved, before interpolation. */
export function readComposeYaml(file: string): unknown {
  return parse(readFileSync(join(REPO, file), 'utf8'), { merge: true, customTags });
}

/** `${...}` interpolation; unset required variables take `missing`. */
export function interpolate(
  value: unknown,
  env: Readonly<Record<string, string>>,
  missing = 'REQUIRED',
): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)/g,
      (whole, name?: string, op?: string, arg?: string, bare?: string) => {
        if (whole === '$$') return '$';
        const variable = (name ?? bare) as string;
        const set = env[variable];
        if (set !== undefined && (set !== '' || !op?.startsWith(':'))) return set;
        if (op?.endsWith('-')) return arg ?? '';
        if (op?.endsWith('?')) return missing;
        return '';
      },
    );
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env, missing));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolate(v, env, missing)]),
    );
  }
  return value;
}

export function readCompose(file: string, env: Readonly<Record<string, string>> = {}): ComposeFile {
  return interpolate(readComposeYaml(file), env) as ComposeFile;
}

/** A service's environment as a map of strings (compose passes every value as a string). */
export function environmentOf(service: Service): Record<string, string | null> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((line) => {
        const eq = line.indexOf('=');
        return eq < 0 ? [line, null] : [line.slice(0, eq), line.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, v === null ? null : String(v)]),
  );
}

/** Compose durations: `1m30s`, `500ms`, `15s`, `2h`. */
export function durationMs(text: string): number {
  let total = 0;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  const parts = text.match(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g);
  if (!parts || parts.join('') !== text) throw new Error(`not a compose duration: ${text}`);
  for (const part of parts) {
    const [, n, unit] = /(\d+(?:\.\d+)?)(ms|us|h|m|s)/.exec(part) as RegExpExecArray;
    total += Number(n) * (units[unit as string] as number);
  }
  return total;
}

export function commandOf(service: Service): string[] {
  const command = service.command;
  if (command === undefined) return [];
  return Array.isArray(command) ? command : command.split(/\s+/);
}

export function dependencies(service: Service): [string, string][] {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return deps.map((d) => [d, 'service_started']);
  return Object.entries(deps).map(([name, d]) => [name, d.condition ?? 'service_started']);
}
