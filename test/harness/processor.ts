/**
 * The processor as a real child process (`segment-mixpanel run`), for tests that kill it with
 * SIGKILL, restart it, or check its exit code and message. Its config is written to a temp file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigInput } from '../../src/config/schema.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface ProcessorProcess {
  readonly child: ChildProcess;
  /** stdout (JSON logs) and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

export interface ProcessorProcessOptions {
  /** A built cli.js to run instead of src/cli.ts through tsx. */
  readonly builtCli?: string;
  /** Node options before the script, e.g. --max-old-space-size=256. */
  readonly nodeArgs?: readonly string[];
}

export function startProcessorProcess(
  config: ConfigInput,
  options: ProcessorProcessOptions = {},
): ProcessorProcess {
  const dir = mkdtempSync(join(tmpdir(), 'sm-processor-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const script = options.builtCli
    ? [options.builtCli]
    : ['--import', 'tsx', join(REPO, 'src/cli.ts')];
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), ...script, 'run', '-c', file],
    {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SEGMENT_MIXPANEL_CONFIG: undefined },
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })),
  );
  return {
    child,
    output: () => output,
    exited,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
