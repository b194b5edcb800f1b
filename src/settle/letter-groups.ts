/**
 * Writes a group of dead letters taken from a partition's head and says, per letter, whether it was
 * acknowledged. A letter that was not (the writer stopped, or failed for good) stays unsettled, so
 * its record is never committed and comes back; nothing is ever skipped.
 */
import type { Clock } from '../clock.js';
import { DeadLetterWriterStopped, type DeadLetterWriter } from '../dead-letter/writer.js';
import type { Logger } from '../log.js';
import type { Rejection } from '../vocabulary.js';
import type { InFlightMessage } from './in-flight-message.js';

export interface LetterGroupsOptions {
  readonly writer: DeadLetterWriter;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class LetterGroups {
  constructor(private readonly options: LetterGroupsOptions) {}

  /** One entry per letter, in order: true once the dead-letter topic acknowledged it. */
  async write(letters: readonly InFlightMessage[]): Promise<boolean[]> {
    const failedAt = this.options.clock.now();
    const results = await Promise.allSettled(
      letters.map((message) =>
        this.options.writer.write({
          source: message.source,
          rejection: message.rejection as Rejection,
          ...(message.endpoint !== undefined ? { endpoint: message.endpoint } : {}),
          attempts: message.attempts,
          failedAt,
        }),
      ),
    );
    return results.map((result) => {
      if (result.status === 'fulfilled') return true;
      if (!(result.reason instanceof DeadLetterWriterStopped)) {
        this.options.logger.error({ err: result.reason }, 'dead-letter write failed');
      }
      return false;
    });
  }

  /** Stops writing: letters not yet acknowledged resolve as not acknowledged. */
  stop(): Promise<void> {
    return this.options.writer.close();
  }
}
