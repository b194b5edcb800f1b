/**
 * The settings `segment-mixpanel topics create` gives new topics.
 *
 * - Raw topics: enough partitions for several replicas (a consumer group spreads partitions over
 *   its members, so partitions bound the useful replica count), a week of retention so an outage
 *   of the processor or of Mixpanel over a weekend can still be caught up from Kafka.
 * - The dead-letter topic: one partition (it is read whole by `dlq inspect` and `dlq replay`) and
 *   a month of retention: dead letters wait for a person to look at them, fix the cause and replay.
 * - Both: replicated three times where the cluster has three brokers, with two in-sync replicas
 *   required then, so an acknowledged write survives the loss of a broker.
 */
const DAY_MS = 24 * 60 * 60 * 1000;

export const TOPIC_DEFAULTS = {
  partitions: 6,
  deadLetterPartitions: 1,
  retentionDays: 7,
  deadLetterRetentionDays: 30,
  maxReplicationFactor: 3,
} as const;

export type TopicRole = 'raw' | 'dead-letter';

export interface TopicSpec {
  readonly topic: string;
  readonly role: TopicRole;
  /** The setting or option that names the topic. */
  readonly setting: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly retentionMs: number;
  readonly minInsyncReplicas: number;
}

export interface TopicPlanOptions {
  readonly rawTopics: readonly { readonly topic: string; readonly setting: string }[];
  readonly deadLetterTopic?: string | undefined;
  /** Brokers in the cluster. */
  readonly brokers: number;
  readonly partitions?: number | undefined;
  readonly replicationFactor?: number | undefined;
  readonly retentionDays?: number | undefined;
  readonly deadLetterRetentionDays?: number | undefined;
}

export function planTopics(options: TopicPlanOptions): TopicSpec[] {
  const replicationFactor =
    options.replicationFactor ?? Math.min(TOPIC_DEFAULTS.maxReplicationFactor, options.brokers);
  const minInsyncReplicas = replicationFactor >= 3 ? 2 : 1;
  const raw = options.rawTopics.map(({ topic, setting }): TopicSpec => ({
    topic,
    role: 'raw',
    setting,
    partitions: options.partitions ?? TOPIC_DEFAULTS.partitions,
    replicationFactor,
    retentionMs: (options.retentionDays ?? TOPIC_DEFAULTS.retentionDays) * DAY_MS,
    minInsyncReplicas,
  }));
  if (options.deadLetterTopic === undefined) return raw;
  return [
    ...raw,
    {
      topic: options.deadLetterTopic,
      role: 'dead-letter',
      setting: 'kafka.deadLetterTopic',
      partitions: TOPIC_DEFAULTS.deadLetterPartitions,
      replicationFactor,
      retentionMs:
        (options.deadLetterRetentionDays ?? TOPIC_DEFAULTS.deadLetterRetentionDays) * DAY_MS,
      minInsyncReplicas,
    },
  ];
}

/** Retention in words: "7 d", "12 h", "forever". */
export function formatRetention(ms: number): string {
  if (ms < 0) return 'forever';
  if (ms % DAY_MS === 0) return `${ms / DAY_MS} d`;
  const hours = ms / (60 * 60 * 1000);
  return Number.isInteger(hours) ? `${hours} h` : `${ms} ms`;
}
