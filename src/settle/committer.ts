/**
 * Commits the settled watermark on a timer and on demand (rebalance, shutdown). Commits never
 * overlap; a failed commit (e.g. refused during a rebalance) is logged, counted and retried at the
 * next tick, since a later commit supersedes it.
 */
import type { Clock, Timer } from '../clock.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/registry.js';
import type { Source } from '../source/source.js';
import type { TopicPartition } from '../kafka/topic-partition.js';
import type { OffsetTracker } from './offset-tracker.js';

export interface CommitterOptions {
  readonly tracker: OffsetTracker;
  readonly source: Pick<Source, 'commit'>;
  readonly clock: Clock;
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Metadata to keep with a partition's committed offset (the dead-letter guard's window). */
  readonly metadata?: (tp: TopicPartition) => string | undefined;
}

export class Committer {
  private timer: Timer | undefined;
  private running: Promise<boolean> = Promise.resolve(true);
  private stopped = false;

  constructor(private readonly options: CommitterOptions) {}

  start(): void {
    this.schedule();
  }

  /** Commits whatever settled since the last commit; resolves false when the broker refused. */
  commitNow(): Promise<boolean> {
    this.running = this.running.then(() => this.commit());
    return this.running;
  }

  /** Stops the timer after a last commit attempt. */
  async stop(): Promise<boolean> {
    this.stopped = true;
    this.timer?.cancel();
    return this.commitNow();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimer(() => {
      void this.commitNow().finally(() => this.schedule());
    }, this.options.intervalMs);
  }

  private async commit(): Promise<boolean> {
    const pending = this.options.tracker.pendingCommits();
    if (pending.length === 0) return true;
    const describe = this.options.metadata;
    const offsets = describe ? pending.map((o) => ({ ...o, metadata: describe(o) })) : pending;
    const started = this.options.clock.monotonic();
    try {
      await this.options.source.commit(offsets);
      this.options.tracker.markCommitted(offsets);
      this.options.metrics?.commitDuration.observe(
        { result: 'success' },
        (this.options.clock.monotonic() - started) / 1000,
      );
      return true;
    } catch (err) {
      this.options.metrics?.commitDuration.observe(
        { result: 'failure' },
        (this.options.clock.monotonic() - started) / 1000,
      );
      this.options.logger.warn(
        { err, partitions: offsets.length },
        'offset commit failed; retrying at the next tick',
      );
      return false;
    }
  }
}
