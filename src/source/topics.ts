/**
 * Startup check that the configured topics exist. Topics are never auto-created (a typo would
 * otherwise create an empty topic and the processor would wait on it forever), so a missing one is
 * a configuration error naming the setting.
 */
import type { Kafka } from 'kafkajs';
import type { KafkaConfig } from '../config/schema.js';

export class MissingTopicError extends Error {
  override name = 'MissingTopicError';
}

export async function checkTopicsExist(
  kafka: Kafka,
  config: Pick<KafkaConfig, 'topics' | 'deadLetterTopic'>,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [
      ...config.topics.filter((t) => !existing.has(t)).map((t) => `${t} (kafka.topics)`),
      ...(existing.has(config.deadLetterTopic)
        ? []
        : [`${config.deadLetterTopic} (kafka.deadLetterTopic)`]),
    ];
    if (missing.length > 0) {
      throw new MissingTopicError(
        `topics not found on the brokers: ${missing.join(', ')}; create them first`,
      );
    }
  } finally {
    await admin.disconnect();
  }
}
