/**
 * The two topics of cohort sync, checked before anything is written: both must exist (topics are
 * never auto-created: a typo would create an empty topic) and the state topic must be compacted,
 * or its records would expire with the retention time and a restart would forget the membership
 * (and write every member again). `--create-topics` creates what is missing with these settings.
 */
import kafkajs, { type Kafka } from 'kafkajs';
import type { CohortsConfig } from '../config/schema.js';
import { CohortTopicError } from './errors.js';

// kafkajs is CommonJS: only some of its exports are visible to a named ESM import.
const { ConfigResourceTypes } = kafkajs;

type Topics = Pick<CohortsConfig, 'topic' | 'stateTopic'>;

export interface CreatedTopics {
  readonly created: readonly string[];
}

/** Creates the missing topics: the cohort topic with `partitions`, the state topic compacted. */
export async function createCohortTopics(
  kafka: Kafka,
  topics: Topics,
  partitions: number,
): Promise<CreatedTopics> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = [
      { topic: topics.topic, numPartitions: partitions },
      {
        topic: topics.stateTopic,
        numPartitions: 1,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      },
    ].filter((t) => !existing.has(t.topic));
    if (wanted.length > 0) await admin.createTopics({ topics: wanted, waitForLeaders: true });
    return { created: wanted.map((t) => t.topic) };
  } finally {
    await admin.disconnect();
  }
}

/** Throws a CohortTopicError naming the setting when a topic is missing or not compacted. */
export async function checkCohortTopics(kafka: Kafka, topics: Topics): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [
      ...(existing.has(topics.topic) ? [] : [`${topics.topic} (cohorts.topic)`]),
      ...(existing.has(topics.stateTopic) ? [] : [`${topics.stateTopic} (cohorts.stateTopic)`]),
    ];
    if (missing.length > 0) {
      throw new CohortTopicError(
        `topics not found on the brokers: ${missing.join(', ')}; create them first, or pass --create-topics`,
      );
    }
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topics.stateTopic,
          configNames: ['cleanup.policy'],
        },
      ],
    });
    const policy = described.resources[0]?.configEntries.find(
      (e) => e.configName === 'cleanup.policy',
    )?.configValue;
    if (policy !== undefined && !policy.split(',').includes('compact')) {
      throw new CohortTopicError(
        `cohorts.stateTopic ${topics.stateTopic} has cleanup.policy=${policy}: the membership would expire with the retention; use a topic with cleanup.policy=compact`,
      );
    }
  } finally {
    await admin.disconnect();
  }
}
