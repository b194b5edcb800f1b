/** Batching settings for unit tests: the schema defaults, as a complete BatchingConfig. */
import { configSchema, type BatchingConfig } from '../../src/config/schema.js';

export const BATCHING: BatchingConfig = configSchema.parse({
  mixpanel: { projectToken: 't' },
}).batching;
