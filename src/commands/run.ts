/**
 * `segment-mixpanel run`: the stream processor. SIGTERM/SIGINT stop it gracefully (a later second
 * signal exits at once, see termination.ts); a fatal condition (credentials refused, dead-letter guard) exits with code 1 and
 * a message naming the setting to fix.
 */
import { createApp, type ExitStatus } from '../app.js';
import { systemClock } from '../clock.js';
import { loadConfig } from '../config/load.js';
import { onTermination } from './termination.js';

export async function runCommand(
  options: { config?: string | undefined },
  err: NodeJS.WritableStream,
): Promise<number> {
  const config = loadConfig({ file: options.config });
  const app = createApp(config);
  const dispose = onTermination(() => void app.stop());
  try {
    await app.start();
  } catch (error) {
    await app.stop();
    throw error;
  }
  const status: ExitStatus = await app.exited;
  dispose();
  // Everything is closed; a client library still retrying in the background must not keep the
  // process alive after a stop (the timer itself never does).
  systemClock.setTimer(() => process.exit(status.code), 3000);
  if (status.code !== 0)
    err.write(`segment-mixpanel: stopped (${status.reason}): ${status.message}\n`);
  return status.code;
}
