/**
 * What `run` tells the person watching it, read from the metrics registry (the numbers /metrics
 * serves), never from pipeline internals:
 *
 * - `progress` every log.progressIntervalMs while something moves: messages consumed (and per
 *   second), records delivered per endpoint, messages dead-lettered and skipped, unsettled
 *   messages and the committed-offset lag of the partitions this instance owns;
 * - `caught up` once every owned partition is committed to its end and nothing is unsettled;
 * - `summary` at the end: the totals, dead letters by reason code, skips by reason.
 */
import type { Clock, Timer } from '../clock.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/registry.js';

export interface Totals {
  readonly consumed: number;
  /** Records acknowledged by Mixpanel, per endpoint (`/import`, `/engage`, `/groups`). */
  readonly delivered: Readonly<Record<string, number>>;
  readonly deadLettered: number;
  readonly deadLetteredByCode: Readonly<Record<string, number>>;
  readonly skipped: number;
  readonly skippedByReason: Readonly<Record<string, number>>;
  readonly unsettled: number;
  /** Summed over the owned partitions; undefined before the first measurement. */
  readonly lag: number | undefined;
}

type Values = { value: number; labels: Record<string, string | number | undefined> }[];

async function values(metric: { get(): Promise<{ values: Values }> }): Promise<Values> {
  return (await metric.get()).values;
}

function sum(series: Values): number {
  return series.reduce((total, v) => total + v.value, 0);
}

function byLabel(series: Values, label: string, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of series) {
    if (v.value === 0) continue;
    const key = `${prefix}${String(v.labels[label])}`;
    out[key] = (out[key] ?? 0) + v.value;
  }
  return out;
}

export async function readTotals(metrics: Metrics): Promise<Totals> {
  const [consumed, delivered, deadLetters, skipped, unsettled, lag] = await Promise.all([
    values(metrics.messagesConsumed),
    values(metrics.recordsDelivered),
    values(metrics.deadLetters),
    values(metrics.messagesSkipped),
    values(metrics.unsettledMessages),
    values(metrics.consumerLag),
  ]);
  return {
    consumed: sum(consumed),
    delivered: byLabel(delivered, 'target', '/'),
    deadLettered: sum(deadLetters),
    deadLetteredByCode: byLabel(deadLetters, 'code'),
    skipped: sum(skipped),
    skippedByReason: byLabel(skipped, 'reason'),
    unsettled: sum(unsettled),
    lag: lag.length > 0 ? sum(lag) : undefined,
  };
}

export interface RunReport {
  /** Stops the progress lines and returns the final totals. */
  stop(): Promise<Totals>;
}

export function startRunReport(options: {
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: Clock;
  /** 0 turns the progress and `caught up` lines off; the summary stays. */
  readonly intervalMs: number;
}): RunReport {
  const { metrics, logger, clock, intervalMs } = options;
  let timer: Timer | undefined;
  let stopped = false;
  let previous: Totals | undefined;
  let previousAt = clock.monotonic();
  let caughtUp = false;

  const tick = async (): Promise<void> => {
    const totals = await readTotals(metrics);
    const now = clock.monotonic();
    const moved =
      !previous ||
      totals.consumed !== previous.consumed ||
      totals.unsettled !== previous.unsettled ||
      totals.lag !== previous.lag;
    if (moved && totals.consumed > 0) {
      const seconds = (now - previousAt) / 1000;
      logger.info(
        {
          consumed: totals.consumed,
          perSecond: Math.round((totals.consumed - (previous?.consumed ?? 0)) / seconds),
          delivered: totals.delivered,
          deadLettered: totals.deadLettered,
          skipped: totals.skipped,
          unsettled: totals.unsettled,
          lag: totals.lag ?? 'not measured yet',
        },
        'progress',
      );
    }
    const atEnd = totals.lag === 0 && totals.unsettled === 0;
    if (atEnd && !caughtUp) {
      logger.info(
        { consumed: totals.consumed },
        'caught up: every owned partition is committed to its end',
      );
    }
    caughtUp = atEnd;
    previous = totals;
    previousAt = now;
  };

  const schedule = (): void => {
    if (stopped || intervalMs === 0) return;
    timer = clock.setTimer(() => {
      tick()
        .catch((err: unknown) => logger.warn({ err }, 'could not read the metrics for progress'))
        .finally(schedule);
    }, intervalMs);
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      timer?.cancel();
      return readTotals(metrics);
    },
  };
}
