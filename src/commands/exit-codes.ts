/**
 * The exit codes of every command, documented in docs/runbook.md#exit-codes and in `--help`.
 * The `processor stopped` log line of `run` carries the same code.
 */
export const EXIT_CODES = {
  /** Done, or stopped when asked (SIGTERM, SIGINT). */
  ok: 0,
  /** A runtime failure: Kafka unreachable or refusing, credentials refused, a fatal condition. */
  failure: 1,
  /** A usage or configuration error: fix the command line or the settings named. */
  usage: 2,
  /** A second Ctrl-C or SIGTERM after the grace period: stopped at once, without draining. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The help text that lists them. */
export const EXIT_CODES_HELP = `
Exit codes: 0 done or stopped when asked; 1 runtime failure (Kafka, Mixpanel credentials, a fatal
condition); 2 usage or configuration error; 130 interrupted a second time, without draining.`;

/** A failure a command reports in one line, ending it with the given exit code. */
export class CommandFailed extends Error {
  override name = 'CommandFailed';
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT_CODES.failure,
  ) {
    super(message);
  }
}
