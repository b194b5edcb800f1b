/**
 * The pino logger factory. Conventions: constant messages ("batch rejected by Mixpanel"), context in
 * fields, errors under `err`; never secrets and never event payloads (ids and counts only).
 */
import { pino, type Logger } from 'pino';
import type { LogConfig } from './config/schema.js';

export type { Logger };

export function createLogger(
  config: Pick<LogConfig, 'level'>,
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level: config.level,
    base: { service: 'segment-mixpanel' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Defence in depth: these paths never reach the output even if someone logs a config object.
    redact: {
      paths: [
        '*.apiSecret',
        '*.secret',
        '*.password',
        '*.clientSecret',
        '*.keyPassphrase',
        '*.token',
        'config.mixpanel.apiSecret',
        'config.mixpanel.serviceAccount.secret',
        'headers.authorization',
        'headers["proxy-authorization"]',
      ],
      censor: '****',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
