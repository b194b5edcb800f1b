/**
 * The processor as its own process, supervised like an orchestrator would: `segment-mixpanel run`
 * through the package's bin, its log in a file, its pid in a file (for the demo's `kill -9`
 * hint), restarted when it dies unless the demo is stopping it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLifeline } from '../../test/harness/lifeline.js';

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
    // Stops the processor (its own process group) if the demo dies without stopping it.
    const lifeline = startLifeline(current.pid, { name: 'processor-lifeline', graceSeconds: 20 });
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
