/**
 * Startup check that the configured topics exist. Topics are never auto-created (a typo would
 * otherwise create an empty topic and the processor would wait on it forever), so a missing one is
 * a configuration error naming the setting and the command that creates it.
 */
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import type { KafkaConfig } from '../config/schema.js';
import { describeKafkaProblem } from '../kafka/problem.js';
import { processorTopics } from '../kafka/probe.js';

export class MissingTopicError extends Error {
  override name = 'MissingTopicError';
}

/** The largest record batch each side accepts (the topics' `max.message.bytes`). */
export interface TopicLimits {
  /** The largest of the raw topics'. */
  readonly rawMaxMessageBytes: number;
  readonly deadLetterMaxMessageBytes: number;
}

/** Checks the topics exist and reads their size limits. */
export async function checkTopicsExist(
  kafka: Kafka,
  config: Pick<KafkaConfig, 'topics' | 'deadLetterTopic' | 'brokers'>,
): Promise<TopicLimits> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = processorTopics(config).filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      throw new MissingTopicError(
        describeKafkaProblem(
          { kind: 'missing_topics', topics: missing },
          {
            brokers: config.brokers,
            createTopics: 'segment-mixpanel topics create (or run --create-topics)',
          },
        ),
      );
    }
    const limits = await maxMessageBytes(admin, [...config.topics, config.deadLetterTopic]);
    return {
      rawMaxMessageBytes: Math.max(...config.topics.map((t) => limits.get(t) ?? 0)),
      deadLetterMaxMessageBytes: limits.get(config.deadLetterTopic) ?? 0,
    };
  } finally {
    await admin.disconnect();
  }
}

// kafkajs is CommonJS: only some of its exports are visible to a named ESM import.
const { ConfigResourceTypes } = kafkajs;

/** Each topic's `max.message.bytes` (its own setting, or the broker default it inherits). */
async function maxMessageBytes(
  admin: Admin,
  topics: readonly string[],
): Promise<Map<string, number>> {
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({
      type: ConfigResourceTypes.TOPIC,
      name,
      configNames: ['max.message.bytes'],
    })),
  });
  const out = new Map<string, number>();
  for (const resource of described.resources) {
    const entry = resource.configEntries.find((e) => e.configName === 'max.message.bytes');
    if (entry) out.set(resource.resourceName, Number(entry.configValue));
  }
  return out;
}
