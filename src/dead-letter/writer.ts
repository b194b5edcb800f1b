/**
 * Writes dead letters in groups: letters arriving while a write is in flight go out together in
 * the next one (group commit), so a burst of rejections costs a few produce requests, not one
 * each. A group stays under `maxBatchRecords` and, by the letters' estimated size, under
 * `maxBatchBytes` (the broker refuses a record batch above the topic's `max.message.bytes`); a
 * group the broker still finds too large is sent again one letter per request.
 *
 * A letter's promise resolves only once the sink acknowledged it; the pipeline settles (and may
 * commit) its offset only then. A failed write is counted, logged and retried with backoff until it
 * works or the writer is stopped: a letter is never skipped, so its partition stays uncommitted
 * meanwhile. Stopped letters reject and stay unsettled (redelivered after a restart).
 */
import type { Clock } from '../clock.js';
import type { DeadLetterConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/registry.js';
import { letterBytes, type DeadLetter, type DeadLetterSink } from './letter.js';

export interface DeadLetterWriterOptions {
  readonly sink: DeadLetterSink;
  readonly clock: Clock;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  /** Letters per produce request, and the backoff after a failed write (doubling up to its cap). */
  readonly policy: Pick<
    DeadLetterConfig,
    'maxBatchRecords' | 'maxBatchBytes' | 'retryInitialDelayMs' | 'retryMaxDelayMs'
  >;
}

interface Pending {
  readonly letter: DeadLetter;
  resolve(): void;
  reject(err: Error): void;
}

export class DeadLetterWriterStopped extends Error {
  override name = 'DeadLetterWriterStopped';
}

export class DeadLetterWriter {
  private queue: Pending[] = [];
  /** The pump in progress; cleared synchronously when its loop ends, so no write is stranded. */
  private pumping: Promise<void> | undefined;
  private readonly stop = new AbortController();

  constructor(private readonly options: DeadLetterWriterOptions) {}

  write(letter: DeadLetter): Promise<void> {
    if (this.stop.signal.aborted)
      return Promise.reject(new DeadLetterWriterStopped('dead-letter writer stopped'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ letter, resolve, reject });
      this.pumping ??= this.pump();
    });
  }

  /** Resolves once every letter written so far is acknowledged (or the writer was stopped). */
  async drained(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  /** Stops retrying; letters not yet acknowledged reject. */
  async close(): Promise<void> {
    this.stop.abort(new DeadLetterWriterStopped('dead-letter writer stopped'));
    await this.drained();
    for (const p of this.queue.splice(0))
      p.reject(new DeadLetterWriterStopped('dead-letter writer stopped'));
  }

  private async pump(): Promise<void> {
    const { retryInitialDelayMs, retryMaxDelayMs } = this.options.policy;
    let delay = retryInitialDelayMs;
    /** Letters at the head to send one per request (their group was refused as too large). */
    let singles = 0;
    try {
      while (this.queue.length > 0 && !this.stop.signal.aborted) {
        const group = singles > 0 ? this.queue.slice(0, 1) : this.nextGroup();
        const result = await this.options.sink.write(group.map((p) => p.letter));
        if (!result.ok) {
          this.options.metrics?.deadLetterFailures.inc();
          if (result.tooLarge && group.length > 1) {
            this.options.logger?.warn(
              { letters: group.length },
              'dead-letter group too large for the broker; sending its letters one by one',
            );
            singles = group.length;
            continue;
          }
          this.options.logger?.error(
            {
              err: result.error,
              letters: group.length,
              bytes: group.reduce((sum, p) => sum + letterBytes(p.letter), 0),
              tooLarge: result.tooLarge,
            },
            result.tooLarge
              ? 'a dead letter is larger than the dead-letter topic accepts; its partition waits (raise max.message.bytes of the dead-letter topic)'
              : 'dead-letter write failed; retrying',
          );
          try {
            await this.options.clock.sleep(delay, this.stop.signal);
          } catch {
            break;
          }
          delay = Math.min(delay * 2, retryMaxDelayMs);
          continue;
        }
        delay = retryInitialDelayMs;
        if (singles > 0) singles--;
        this.queue.splice(0, group.length);
        for (const p of group) {
          const { source, rejection } = p.letter;
          this.options.metrics?.deadLetters.inc({
            source_topic: source.topic,
            code: rejection.code,
            stage: rejection.stage,
          });
          p.resolve();
        }
      }
    } finally {
      // Cleared synchronously at the end of the loop: a write arriving later starts a new pump.
      this.pumping = undefined;
    }
  }

  /** The letters at the head that fit one request (at least one). */
  private nextGroup(): Pending[] {
    const { maxBatchRecords, maxBatchBytes } = this.options.policy;
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < maxBatchRecords) {
      const size = letterBytes((this.queue[n] as Pending).letter);
      if (n > 0 && bytes + size > maxBatchBytes) break;
      bytes += size;
      n++;
    }
    return this.queue.slice(0, n);
  }
}
