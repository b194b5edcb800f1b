/**
 * kafkajs's own log lines, folded: one warning per condition instead of one per retry. A broker
 * that refuses connections makes kafkajs log the same error for every attempt of every client;
 * here the first is logged, repeats of the same message within `windowMs` are only counted, and
 * the first one after the window says how many were folded. Stack traces are dropped: what kafkajs
 * logs it retries, and what finally fails is reported by the code that called it.
 */
import type { LogEntry } from 'kafkajs';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';

interface Seen {
  loggedAt: number;
  folded: number;
}

/** A kafkajs logCreator's line handler that logs through `logger` at warn level. */
export function foldKafkaLog(
  logger: Logger,
  clock: Clock,
  windowMs: number,
): (entry: LogEntry) => void {
  const seen = new Map<string, Seen>();
  return (entry) => {
    const { message, stack: _stack, timestamp: _timestamp, logger: _logger, ...fields } = entry.log;
    const key = `${entry.namespace}\u0000${message}`;
    const now = clock.monotonic();
    const previous = seen.get(key);
    if (previous && windowMs > 0 && now - previous.loggedAt < windowMs) {
      previous.folded++;
      return;
    }
    seen.set(key, { loggedAt: now, folded: 0 });
    logger.warn(
      {
        kafkajs: entry.namespace,
        ...fields,
        ...(previous && previous.folded > 0 ? { repeated: previous.folded } : {}),
      },
      `kafkajs: ${message}`,
    );
  };
}
