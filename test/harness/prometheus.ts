/**
 * A real Prometheus server for tests (Debian's `prometheus` package, 2.42 in CI): started on a
 * free loopback port with a generated config that scrapes the given targets every second,
 * optionally loading rule files, with its storage in a temp dir. `query()` runs PromQL through
 * /api/v1/query; `stop()` sends SIGTERM, then SIGKILL if it lingers, and deletes the temp dir.
 * A missing binary fails with the install command: these checks never skip silently.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './ports.js';
import { INSTALL_HINT } from './promtool.js';
import { waitFor } from './wait.js';

export interface PrometheusOptions {
  /** `host:port` of each target serving /metrics. */
  readonly targets: readonly string[];
  /** The scrape job, so queries can select `{job="…"}` (default segment-mixpanel). */
  readonly jobName?: string;
  readonly scrapeIntervalSeconds?: number;
  /** Rule files to load (copied next to the generated config). */
  readonly ruleFiles?: readonly string[];
  /** Defaults to `prometheus` on PATH. */
  readonly binary?: string;
}

export interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, string];
}

export type QueryResult =
  | { readonly resultType: 'vector'; readonly result: readonly Sample[] }
  | { readonly resultType: 'scalar' | 'string'; readonly result: readonly [number, string] }
  | {
      readonly resultType: 'matrix';
      readonly result: readonly { metric: Record<string, string>; values: [number, string][] }[];
    };

export interface RuleState {
  readonly name: string;
  readonly type: 'alerting' | 'recording';
  readonly health: string;
  readonly lastError?: string;
  readonly lastEvaluation: string;
}

export interface PrometheusServer {
  readonly url: string;
  readonly dir: string;
  readonly process: ChildProcess;
  /** Instant query at the current time; rejects with Prometheus' error text. */
  query(expr: string): Promise<QueryResult>;
  /** Polls until the query returns at least one series. */
  waitForData(expr: string, timeoutMs?: number): Promise<QueryResult>;
  rules(): Promise<RuleState[]>;
  /** Output of the server so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

export class PrometheusQueryError extends Error {
  override name = 'PrometheusQueryError';
}

/** Number of series (or 1 for a scalar) in a result. */
export function seriesCount(result: QueryResult): number {
  return result.resultType === 'scalar' || result.resultType === 'string'
    ? 1
    : result.result.length;
}

function checkBinary(binary: string): void {
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.error) {
    throw new Error(
      `${binary} not found: the Prometheus server is needed for this test; ${INSTALL_HINT}`,
    );
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function startOnce(options: PrometheusOptions, dir: string): Promise<PrometheusServer> {
  const binary = options.binary ?? 'prometheus';
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  const rules = (options.ruleFiles ?? []).map((file) => {
    copyFileSync(file, join(dir, basename(file)));
    return basename(file);
  });
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: {
        scrape_interval: interval,
        scrape_timeout: interval,
        evaluation_interval: interval,
      },
      rule_files: rules,
      scrape_configs: [
        {
          job_name: options.jobName ?? 'segment-mixpanel',
          static_configs: [{ targets: [...options.targets] }],
        },
      ],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success')
      throw new PrometheusQueryError(body.error ?? `HTTP ${response.status}`);
    return body.data;
  };
  const server: PrometheusServer = {
    url,
    dir,
    process: child,
    query: (expr) => api<QueryResult>(`/api/v1/query?query=${encodeURIComponent(expr)}`),
    waitForData: (expr, timeoutMs = 30_000) =>
      waitFor(
        () => server.query(expr),
        (r) => seriesCount(r) > 0,
        { what: `data for ${expr}`, timeoutMs, intervalMs: 250 },
      ),
    rules: async () =>
      (await api<{ groups: { rules: RuleState[] }[] }>('/api/v1/rules')).groups.flatMap(
        (g) => g.rules,
      ),
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killed = await Promise.race([
          exited(child).then(() => false),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 10_000).unref()),
        ]);
        if (killed) {
          child.kill('SIGKILL');
          await exited(child);
        }
      }
    },
  };
  const ready = await waitFor(
    async () =>
      child.exitCode !== null
        ? 'exited'
        : await fetch(`${url}/-/ready`).then(
            (r) => r.ok,
            () => false,
          ),
    (state) => state !== false,
    { what: 'prometheus /-/ready', timeoutMs: 30_000, intervalMs: 100 },
  ).catch((err: Error) => err);
  if (ready !== true) {
    await server.stop();
    const why =
      ready === 'exited'
        ? `prometheus exited with ${child.exitCode}`
        : ready instanceof Error
          ? ready.message
          : 'prometheus did not become ready';
    throw new Error(`${why}\n${output}`);
  }
  return server;
}

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const binary = options.binary ?? 'prometheus';
  checkBinary(binary);
  const dir = mkdtempSync(join(tmpdir(), 'sm-prometheus-'));
  let lastError: unknown;
  // The free port can be taken between picking and binding: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const server = await startOnce(options, dir);
      const stop = server.stop;
      return {
        ...server,
        stop: async () => {
          await stop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      lastError = err;
      rmSync(join(dir, 'data'), { recursive: true, force: true });
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}
