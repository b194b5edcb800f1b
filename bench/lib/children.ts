/**
 * The processes a benchmark runs next to the broker: the processor, the sandbox, the floor pipe
 * and the bare consumer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigInput } from '../../src/config/schema.js';
import { freePort } from '../../test/harness/ports.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(REPO, 'dist/cli.js');

export interface Child {
  /** What it is, for error messages. */
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  output(): string;
  readonly exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function launch(
  name: string,
  args: readonly string[],
  nodeArgs: readonly string[] = [],
): Child {
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  if (child.pid === undefined) throw new Error(`could not start ${args.join(' ')}`);
  return {
    name,
    process: child,
    pid: child.pid,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * The built processor (`node dist/cli.js run`) with the given config; `nodeArgs` e.g. --cpu-prof.
 * `BENCH_CLI` runs another build instead (e.g. an earlier commit built elsewhere), against the
 * same broker, sandbox and floor.
 */
export function startProcessor(config: ConfigInput, nodeArgs: readonly string[] = []): Child {
  const dir = mkdtempSync(join(tmpdir(), 'sm-bench-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  return launch('the processor', [process.env.BENCH_CLI ?? CLI, 'run', '-c', file], nodeArgs);
}

/** The sandbox in its own process (keeping no rows, so it stays small over millions of events). */
export async function startSandboxProcess(
  nodeArgs: readonly string[] = [],
): Promise<Child & { url: string }> {
  const port = await freePort();
  const child = launch(
    'the sandbox',
    [CLI, 'sandbox', '--port', String(port), '--keep-records', '0', '--log-level', 'warn'],
    nodeArgs,
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`${url}/_sandbox/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { ...child, url };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the sandbox did not start:\n${child.output()}`);
}

export async function sandboxStats(url: string): Promise<{
  records: {
    '/import': {
      unique: number;
      duplicates: number;
      arrivalDelayMs: {
        p50: number | null;
        p90: number | null;
        p99: number | null;
        max: number | null;
        count: number;
      };
    };
  };
}> {
  return (await (await fetch(`${url}/_sandbox/stats`)).json()) as never;
}
