/**
 * Builds the kafkajs client from the `kafka` config section: timeouts and retries from the config,
 * kafkajs's own log lines routed into pino (warnings and errors only; kafkajs is chatty at info).
 */
import {
  Kafka,
  logLevel as KafkaLogLevel,
  type KafkaConfig as KafkaJsConfig,
  type RetryOptions,
} from 'kafkajs';
import { systemClock } from '../clock.js';
import type { KafkaConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import { foldKafkaLog } from './log-fold.js';
import { kafkaSecurity } from './security.js';

/**
 * The retry policy of every broker operation, from `kafka.retries` and the two delays. Consumers
 * must be given it explicitly: kafkajs replaces a consumer's retry count with its own default.
 */
export function kafkaRetry(config: KafkaConfig): RetryOptions {
  return {
    retries: config.retries,
    initialRetryTime: config.retryInitialDelayMs,
    maxRetryTime: config.retryMaxDelayMs,
  };
}

export function createKafka(config: KafkaConfig, logger: Logger, clientSuffix = ''): Kafka {
  const options: KafkaJsConfig = {
    clientId: `${config.clientId}${clientSuffix}`,
    brokers: [...config.brokers],
    ...kafkaSecurity(config, { logger, clock: systemClock }),
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    retry: kafkaRetry(config),
    logLevel: KafkaLogLevel.WARN,
    // kafkajs logs as errors what it then retries (coordinator loading, a refused connection);
    // what really fails surfaces through our own handlers (crash → fatal, send errors), so its
    // lines are warnings here, folded to one per condition.
    logCreator: () => foldKafkaLog(logger, systemClock, config.logRepeatWindowMs),
  };
  return new Kafka(options);
}
