/**
 * The processor as its own process, supervised like an orchestrator would: `segment-mixpanel run`
 * through the package's bin, its log in a file, its pid in a file (for the demo's `kill -9`
 * hint), restarted when it dies unless the demo is stopping it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type ProcessorState = 'starting' | 'running' | 'restarting' | 'stopped';

export interface Supervised {
  readonly pidFile: string;
  state(): ProcessorState;
  /** Unexpected exits so far (each followed by a restart). */
  restarts(): number;
  /** SIGTERM (a graceful drain) and wait for the exit; no restart after it. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The demo's environment without SEGMENT_MIXPANEL_* variables: they override the config file, and
 * one left exported from an earlier session (`npm run kafka` suggests one) would point the
 * processor at another broker.
 */
function processorEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('SEGMENT_MIXPANEL_')),
  );
}

export function superviseProcessor(options: {
  readonly repo: string;
  readonly configFile: string;
  readonly logFile: string;
  readonly pidFile: string;
  /** Called on every unexpected exit, before the restart. */
  readonly onExit: (how: string) => void;
}): Supervised {
  let child: ChildProcess | undefined;
  let state: ProcessorState = 'starting';
  let restarts = 0;
  let stopping = false;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> = Promise.resolve({
    code: null,
    signal: null,
  });

  const launch = (): void => {
    const log = openSync(options.logFile, 'a');
    const current = spawn(
      process.execPath,
      [join(options.repo, 'bin/segment-mixpanel.js'), 'run', '-c', options.configFile],
      // Its own process group: the terminal's Ctrl-C reaches only the demo, which stops the
      // processor first and waits for its drain, then the sandbox and Kafka it drains into.
      { cwd: options.repo, stdio: ['ignore', log, log], detached: true, env: processorEnv() },
    );
    child = current;
    const lifeline = watchOver(current.pid);
    writeFileSync(options.pidFile, String(current.pid));
    state = restarts === 0 ? 'starting' : 'restarting';
    current.on('spawn', () => {
      if (!stopping) state = 'running';
    });
    exited = new Promise((resolve) =>
      current.on('exit', (code, signal) => {
        lifeline.release();
        resolve({ code, signal });
        if (stopping) {
          state = 'stopped';
          return;
        }
        restarts++;
        options.onExit(signal ?? `code ${code}`);
        launch();
      }),
    );
  };
  launch();
  // The demo ending abruptly (a second Ctrl-C) must not leave the processor behind; a demo killed
  // outright is covered by the lifeline.
  process.on('exit', () => child?.kill('SIGKILL'));

  return {
    pidFile: options.pidFile,
    state: () => state,
    restarts: () => restarts,
    async stop() {
      stopping = true;
      child?.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * A tiny bash process holding a pipe from the demo: if the demo dies without stopping the
 * processor (even by SIGKILL), the pipe closes, `read` returns, and it stops the processor, which
 * lives in a process group of its own and would otherwise keep running. `release()` ends it
 * quietly once the processor has exited.
 */
function watchOver(pid: number | undefined): { release(): void } {
  if (pid === undefined) return { release() {} };
  const script = [
    'read -r line',
    '[ "$line" = done ] && exit 0',
    'kill -TERM "$1" 2>/dev/null',
    'for _ in $(seq 1 40); do kill -0 "$1" 2>/dev/null || exit 0; sleep 0.5; done',
    'kill -KILL "$1" 2>/dev/null',
  ].join('\n');
  const watcher = spawn('bash', ['-c', script, 'processor-lifeline', String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  watcher.on('error', () => {});
  watcher.unref();
  const stdin = watcher.stdin;
  (stdin as unknown as { _handle?: { unref?: () => void } } | null)?._handle?.unref?.();
  return {
    release() {
      stdin?.end('done\n');
    },
  };
}
