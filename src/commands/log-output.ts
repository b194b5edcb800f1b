/**
 * Where `run` writes its log, and in which form. JSON lines (pino) are the default: what log
 * collectors expect. When a person is watching (stdout is a terminal, or `--log-format pretty`),
 * the same entries are rendered by pino-pretty as one readable line each:
 *
 *   [12:00:05] INFO: progress  consumed 1200  perSecond 240  delivered /import 1150 /engage 30
 *
 * Fields follow the message as `name value`, nested objects flattened the same way. Errors show
 * their message only; the stack only at level error and above, so retried conditions logged as
 * warnings never print stack traces.
 */
import type { LogConfig } from '../config/schema.js';
import { createLogger, type Logger } from '../log.js';

export type LogFormat = 'json' | 'pretty';
export type LogFormatSetting = LogConfig['format'];

/** `auto`: pretty on a terminal, JSON otherwise. */
export function resolveLogFormat(
  setting: LogFormatSetting,
  stream: { readonly isTTY?: boolean },
): LogFormat {
  if (setting === 'auto') return stream.isTTY === true ? 'pretty' : 'json';
  return setting;
}

/** pino-pretty is loaded only when used: the JSON path starts without it. */
export async function createCommandLogger(
  config: Pick<LogConfig, 'level'>,
  format: LogFormat,
  stream: NodeJS.WritableStream & { readonly isTTY?: boolean },
): Promise<Logger> {
  if (format === 'json') return createLogger(config, stream as never);
  const { build: pretty } = await import('pino-pretty');
  return createLogger(
    config,
    pretty({
      destination: stream,
      sync: true,
      colorize: stream.isTTY === true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,service',
      hideObject: true,
      // Rendered by renderEntry: pino-pretty would print every error with its stack.
      errorLikeObjectKeys: [],
      messageFormat: (log, messageKey) => renderEntry(log, messageKey),
    }),
  );
}

const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'service', 'detail', 'err']);
const STACK_LEVELS = new Set(['error', 'fatal', 50, 60]);

/** The message, then `detail` after a colon, then the other fields, then the error. */
export function renderEntry(log: Record<string, unknown>, messageKey = 'msg'): string {
  const message = String(log[messageKey] ?? '');
  const detail = typeof log.detail === 'string' ? `: ${log.detail}` : '';
  const fields = Object.entries(log)
    .filter(([key]) => key !== messageKey && !HIDDEN.has(key))
    .map(([key, value]) => `${key} ${renderValue(value)}`);
  const err = log.err as { message?: unknown; stack?: unknown } | undefined;
  const error = err?.message !== undefined ? [`error ${String(err.message)}`] : [];
  const stack =
    STACK_LEVELS.has(log.level as string) && typeof err?.stack === 'string' ? `\n${err.stack}` : '';
  return [`${message}${detail}`, ...fields, ...error].join('  ') + stack;
}

function renderValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(renderValue).join(',');
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k} ${renderValue(v)}`).join(' ');
  }
  return String(value);
}
