/**
 * `segment-mixpanel run`: the stream processor. SIGTERM/SIGINT stop it gracefully (a second signal
 * exits at once); a fatal condition (credentials refused, dead-letter guard) exits with code 1 and
 * a message naming the setting to fix.
 */
import { createApp, type ExitStatus } from '../app.js';
import { loadConfig } from '../config/load.js';

export async function runCommand(
  options: { config?: string | undefined },
  err: NodeJS.WritableStream,
): Promise<number> {
  const config = loadConfig({ file: options.config });
  const app = createApp(config);
  let signals = 0;
  const onSignal = (): void => {
    signals++;
    if (signals > 1) process.exit(130);
    void app.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await app.start();
  } catch (error) {
    await app.stop();
    throw error;
  }
  const status: ExitStatus = await app.exited;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (status.code !== 0)
    err.write(`segment-mixpanel: stopped (${status.reason}): ${status.message}\n`);
  return status.code;
}
