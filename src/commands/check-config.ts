/** `segment-mixpanel check-config`: validate the configuration and print it with secrets masked. */
import { stringify } from 'yaml';
import { loadConfig, maskSecrets } from '../config/load.js';

export interface CheckConfigOptions {
  readonly config?: string | undefined;
  readonly format: 'yaml' | 'json';
}

export function checkConfig(options: CheckConfigOptions, out: NodeJS.WritableStream): void {
  const config = maskSecrets(loadConfig({ file: options.config }));
  out.write(options.format === 'json' ? `${JSON.stringify(config, null, 2)}\n` : stringify(config));
}
