/** Dead-letter settings and letters for unit tests. */
import { configSchema, type DeadLetterConfig } from '../../src/config/schema.js';
import type { DeadLetter } from '../../src/dead-letter/letter.js';

/** The schema defaults, as a complete DeadLetterConfig. */
export const DEAD_LETTER: DeadLetterConfig = configSchema.parse({
  mixpanel: { projectToken: 't' },
}).deadLetter;

/** A rejected record of partition 2 of `events`, with a stale dlq.* header of its own. */
export function letter(offset: number, overrides: Partial<DeadLetter> = {}): DeadLetter {
  return {
    source: {
      topic: 'events',
      partition: 2,
      offset,
      timestamp: 1735550100000,
      key: Buffer.from('user-1'),
      value: Buffer.from('{not json'),
      headers: { traceparent: 'abc', 'dlq.error.code': 'stale' },
    },
    rejection: { code: 'invalid_json', stage: 'decode', message: 'Unexpected token n' },
    attempts: 0,
    failedAt: 1735550200000,
    ...overrides,
  };
}
