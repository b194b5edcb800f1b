/**
 * Builds the kafkajs client from the `kafka` config section, with kafkajs's own log lines routed
 * into pino (warnings and errors only; kafkajs is chatty at info).
 */
import {
  Kafka,
  logLevel as KafkaLogLevel,
  type KafkaConfig as KafkaJsConfig,
  type SASLOptions,
} from 'kafkajs';
import type { KafkaConfig } from '../config/schema.js';
import type { Logger } from '../log.js';

export function createKafka(config: KafkaConfig, logger: Logger, clientSuffix = ''): Kafka {
  const options: KafkaJsConfig = {
    clientId: `${config.clientId}${clientSuffix}`,
    brokers: [...config.brokers],
    ssl: config.ssl,
    connectionTimeout: 5000,
    requestTimeout: 30_000,
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => (entry) => {
      const { message, ...fields } = entry.log;
      const context = { kafkajs: entry.namespace, ...fields };
      if (entry.level <= KafkaLogLevel.ERROR) logger.error(context, `kafkajs: ${message}`);
      else logger.warn(context, `kafkajs: ${message}`);
    },
  };
  if (config.sasl) options.sasl = config.sasl as SASLOptions;
  return new Kafka(options);
}
