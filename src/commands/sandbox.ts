/** `segment-mixpanel sandbox`: runs the local Mixpanel until SIGINT or SIGTERM. */
import { createLogger } from '../log.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { readSandboxFlags, type SandboxFlags } from './sandbox-flags.js';

/**
 * Starts the sandbox, prints where it listens, and stops it cleanly (hung connections included)
 * when `stop` aborts (the CLI aborts it on SIGINT or SIGTERM). Resolves once stopped.
 */
export async function runSandbox(
  flags: SandboxFlags,
  out: NodeJS.WritableStream,
  stop: AbortSignal,
): Promise<void> {
  const { options, logLevel } = readSandboxFlags(flags);
  const logger = createLogger({ level: logLevel });
  const sandbox: Sandbox = await startSandbox({ ...options, logger });
  out.write(
    `sandbox (local Mixpanel) listening on ${sandbox.url}\n` +
      `  point the processor at it with mixpanel.apiHost=${sandbox.url}\n` +
      `  inspect: GET ${sandbox.url}/_sandbox/stats, GET ${sandbox.url}/_sandbox/records?distinct_id=…\n`,
  );
  if (!stop.aborted) {
    await new Promise<void>((resolve) =>
      stop.addEventListener('abort', () => resolve(), { once: true }),
    );
  }
  await sandbox.stop();
  out.write('sandbox stopped\n');
}
