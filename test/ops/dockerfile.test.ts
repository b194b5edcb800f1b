/**
 * The Dockerfile and .dockerignore, checked without Docker: pinned bases, a production-only
 * runtime stage running as a non-root user, the entry point package.json declares, the port the
 * config serves, a build context holding every file the build copies, and the HEALTHCHECK
 * command itself run against a real ops server (up: exit 0, down: exit 1).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/config/keys.js';
import { createMetrics } from '../../src/metrics/registry.js';
import { startOpsServer } from '../../src/metrics/server.js';
import { freePort } from '../harness/ports.js';
import { REPO } from '../harness/ops-expressions.js';

interface Instruction {
  readonly op: string;
  readonly args: string;
}

function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: (op as string).toUpperCase(), args: rest.join(' ') };
    });
}

const dockerfile = instructions(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
const stages: { from: string; name?: string; body: Instruction[] }[] = [];
for (const i of dockerfile) {
  if (i.op === 'FROM') {
    const [from, as, name] = i.args.split(/\s+/);
    stages.push({
      from: from as string,
      ...(as?.toUpperCase() === 'AS' && name ? { name } : {}),
      body: [],
    });
  } else stages.at(-1)?.body.push(i);
}
const runtime = stages.at(-1) as (typeof stages)[number];
const find = (op: string) => runtime.body.filter((i) => i.op === op);
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  engines: { node: string };
};

describe('Dockerfile', () => {
  it('builds in one stage and runs from a pinned Node.js image the engines field allows', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    const minimum = /(\d+)\.(\d+)\.(\d+)/.exec(pkg.engines.node)?.slice(1).map(Number) ?? [];
    for (const stage of stages) {
      const match = /^node:(\d+)\.(\d+)\.(\d+)-bookworm-slim$/.exec(stage.from);
      expect(match, stage.from).not.toBeNull();
      const version = (match ?? []).slice(1).map(Number);
      const cmp = version.findIndex((v, i) => v !== minimum[i]);
      expect(cmp === -1 || (version[cmp] as number) > (minimum[cmp] as number), stage.from).toBe(
        true,
      );
    }
    expect(stages[0]?.from).toBe(runtime.from);
  });

  it('installs only production dependencies at run time and copies the compiled output', () => {
    const build = stages[0]?.body ?? [];
    expect(build.some((i) => i.op === 'RUN' && /npm ci\b/.test(i.args))).toBe(true);
    expect(build.some((i) => i.op === 'RUN' && i.args.includes('npm run build'))).toBe(true);
    expect(find('RUN').some((i) => /npm ci\b.*--omit=dev/.test(i.args))).toBe(true);
    expect(find('COPY').map((i) => i.args)).toContain('--from=build /app/dist ./dist');
  });

  it('runs as a non-root user the entry point declared in package.json, serving the metrics port', () => {
    const order = runtime.body.map((i) => i.op);
    const user = find('USER')[0]?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(order.lastIndexOf('USER')).toBeLessThan(order.indexOf('ENTRYPOINT'));
    expect(JSON.parse(find('ENTRYPOINT')[0]?.args ?? 'null')).toEqual([
      'node',
      pkg.bin['segment-mixpanel'],
    ]);
    expect(JSON.parse(find('CMD')[0]?.args ?? 'null')).toEqual(['run']);
    const port = CONFIG_KEYS.find((k) => k.env === 'SEGMENT_MIXPANEL_METRICS_PORT')?.default;
    expect(find('EXPOSE').map((i) => i.args)).toEqual([String(port)]);
  });

  describe('HEALTHCHECK', () => {
    const healthcheck = find('HEALTHCHECK')[0]?.args ?? '';
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3)) as string[];
    const run = (port: number) =>
      promisify(execFile)(command[0] as string, command.slice(1), {
        env: { ...process.env, SEGMENT_MIXPANEL_METRICS_PORT: String(port) },
        timeout: 10_000,
      }).then(
        () => 0,
        (err: { code?: number }) => err.code ?? -1,
      );

    it('probes /healthz with node (slim images have no curl)', () => {
      expect(command.slice(0, 2)).toEqual(['node', '-e']);
      expect(command[2]).toContain('/healthz');
    });

    it('exits 0 while the ops server answers and 1 when nothing listens', async () => {
      const metrics = createMetrics();
      const server = await startOpsServer({
        registry: metrics.registry,
        host: '127.0.0.1',
        port: 0,
        readiness: () => ({ ready: false, checks: { consumer: 'not joined' } }),
      });
      try {
        expect(await run(server.port)).toBe(0);
      } finally {
        await server.close();
      }
      expect(await run(await freePort())).toBe(1);
    });
  });
});

describe('.dockerignore', () => {
  const rules = readFileSync(join(REPO, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('starts from nothing and lets in exactly what the build copies', () => {
    expect(rules[0]).toBe('*');
    const allowed = rules
      .filter((r) => r.startsWith('!'))
      .map((r) => r.slice(1).replace(/\/$/, ''));
    const copied = stages
      .flatMap((s) => s.body)
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(new Set(copied)).toEqual(new Set(allowed));
    // tsconfig.build.json compiles src/ only, so src/ is all the build needs.
    const build = JSON.parse(readFileSync(join(REPO, 'tsconfig.build.json'), 'utf8')) as {
      include: string[];
    };
    expect(build.include).toEqual(['src']);
    expect(rules).toContain('src/**/*.test.ts');
  });
});
