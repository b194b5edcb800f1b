/**
 * Builds the kafkajs client from the `kafka` config section, with kafkajs's own log lines routed
 * into pino (warnings and errors only; kafkajs is chatty at info).
 */
import { Kafka, logLevel as KafkaLogLevel, type KafkaConfig as KafkaJsConfig } from 'kafkajs';
import { systemClock } from '../clock.js';
import type { KafkaConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import { kafkaSecurity } from './security.js';

export function createKafka(config: KafkaConfig, logger: Logger, clientSuffix = ''): Kafka {
  const options: KafkaJsConfig = {
    clientId: `${config.clientId}${clientSuffix}`,
    brokers: [...config.brokers],
    ...kafkaSecurity(config, { logger, clock: systemClock }),
    connectionTimeout: 5000,
    requestTimeout: 30_000,
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
    logLevel: KafkaLogLevel.WARN,
    // kafkajs logs as errors what it then retries (coordinator loading, a refused connection);
    // what really fails surfaces through our own handlers (crash → fatal, send errors), so its
    // lines are warnings here.
    logCreator: () => (entry) => {
      const { message, ...fields } = entry.log;
      logger.warn({ kafkajs: entry.namespace, ...fields }, `kafkajs: ${message}`);
    },
  };
  return new Kafka(options);
}
