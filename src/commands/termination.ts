/**
 * SIGINT/SIGTERM handling shared by the long-running commands. The first signal asks for a
 * graceful stop. Wrappers such as `npm run` and `npx` forward the terminal's Ctrl-C, so the same
 * keypress arrives twice within milliseconds: signals within `graceMs` of the first are that
 * duplicate and ignored; a signal after it means "stop now" and exits with code 130.
 */
import { systemClock, type Clock } from '../clock.js';
import { EXIT_CODES } from './exit-codes.js';

export interface TerminationOptions {
  readonly clock?: Clock;
  readonly graceMs?: number;
  /** Defaults to process.exit. */
  readonly forceExit?: (code: number) => void;
}

/** Calls onStop on the first signal; returns a function that removes the handlers. */
export function onTermination(
  onStop: (signal: NodeJS.Signals) => void,
  options: TerminationOptions = {},
): () => void {
  const clock = options.clock ?? systemClock;
  const graceMs = options.graceMs ?? 2000;
  let firstAt: number | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    const now = clock.monotonic();
    if (firstAt === undefined) {
      firstAt = now;
      onStop(signal);
    } else if (now - firstAt > graceMs) {
      (options.forceExit ?? process.exit)(EXIT_CODES.interrupted);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** An AbortSignal that fires on the first SIGINT or SIGTERM. */
export function terminationSignal(options: TerminationOptions = {}): AbortSignal {
  const controller = new AbortController();
  onTermination((signal) => controller.abort(new Error(`received ${signal}`)), options);
  return controller.signal;
}
