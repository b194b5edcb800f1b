/** Dead-letter settings for unit tests: the schema defaults, as a complete DeadLetterConfig. */
import { configSchema, type DeadLetterConfig } from '../../src/config/schema.js';

export const DEAD_LETTER: DeadLetterConfig = configSchema.parse({
  mixpanel: { projectToken: 't' },
}).deadLetter;
