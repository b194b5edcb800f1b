/**
 * A tiny bash process that holds a pipe from this Node process and stops another process (a
 * broker, the demo's processor) if this one dies without stopping it — even by SIGKILL: the pipe
 * closes, `read` returns, and it sends SIGTERM, waits up to `graceSeconds`, then SIGKILL, and
 * removes `removeDir` if given. Detached, so a terminal's Ctrl-C does not end it before its work
 * is done. `release()` (on a normal stop, once the process is handled) lets it exit untouched.
 */
import { spawn } from 'node:child_process';

export interface LifelineOptions {
  /** Shown as the bash process's $0 in `ps`. */
  readonly name: string;
  readonly graceSeconds: number;
  /** A folder to remove once the process is gone. */
  readonly removeDir?: string;
}

export function startLifeline(
  pid: number | undefined,
  options: LifelineOptions,
): { release(): void } {
  if (pid === undefined) return { release() {} };
  const script = [
    'read -r line',
    '[ "$line" = release ] && exit 0',
    'kill -TERM "$1" 2>/dev/null',
    `for _ in $(seq 1 ${Math.ceil(options.graceSeconds * 2)}); do kill -0 "$1" 2>/dev/null || break; sleep 0.5; done`,
    'kill -KILL "$1" 2>/dev/null',
    '[ -n "$2" ] && rm -rf "$2"',
  ].join('\n');
  const args = ['-c', script, options.name, String(pid), options.removeDir ?? ''];
  const lifeline = spawn('bash', args, { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  lifeline.on('error', () => {});
  lifeline.unref();
  const stdin = lifeline.stdin;
  // The open pipe must not keep this process alive either.
  (stdin as unknown as { _handle?: { unref?: () => void } } | null)?._handle?.unref?.();
  return {
    release() {
      stdin?.end('release\n');
    },
  };
}
