/**
 * kafkajs exports its error classes and ConfigResourceTypes by spreading them into
 * `module.exports`, which Node's ESM loader cannot see: `import { KafkaJSConnectionError } from
 * 'kafkajs'` type-checks but fails at run time. They are read from the default export, the
 * CommonJS module itself, with the one class its type declarations leave out.
 */
import kafkajsModule from 'kafkajs';

type Exports = typeof kafkajsModule & {
  /** A KafkaJSConnectionError subclass missing from kafkajs's type declarations. */
  readonly KafkaJSConnectionClosedError: typeof kafkajsModule.KafkaJSConnectionError;
};

export const kafkajs = kafkajsModule as Exports;
