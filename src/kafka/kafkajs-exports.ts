/**
 * kafkajs exports its error classes and ConfigResourceTypes by spreading them into
 * `module.exports`, which Node's ESM loader cannot see: `import { KafkaJSConnectionError } from
 * 'kafkajs'` type-checks but is undefined at run time. They are read from the CommonJS module.
 */
import { createRequire } from 'node:module';
import type * as KafkaJs from 'kafkajs';

type Exports = typeof KafkaJs & {
  /** Missing from kafkajs's type declarations; a KafkaJSConnectionError subclass. */
  readonly KafkaJSConnectionClosedError: typeof KafkaJs.KafkaJSConnectionError;
};

export const kafkajs = createRequire(import.meta.url)('kafkajs') as Exports;
