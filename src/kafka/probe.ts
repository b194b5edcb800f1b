/**
 * The first contact with the cluster, before a command starts its real work: connect, read the
 * cluster metadata, and check that the topics it needs exist. A wrong address, a refused login or
 * a missing topic then ends the command within kafka.startupTimeoutMs with one line (see
 * problem.ts), instead of minutes of client retries and warnings.
 */
import type { Clock } from '../clock.js';
import type { KafkaConfig } from '../config/schema.js';
import type { MissingTopic } from './problem.js';
import { withQuietAdmin, type AdminResult } from './quiet-admin.js';

export interface ProbedCluster {
  /** Brokers in the cluster (bounds the replication factor of new topics). */
  readonly brokers: number;
}

export function probeKafka(options: {
  readonly kafka: KafkaConfig;
  readonly clock: Clock;
  /** Topics that must exist; missing ones are a `missing_topics` problem. */
  readonly require?: readonly MissingTopic[];
}): Promise<AdminResult<ProbedCluster>> {
  return withQuietAdmin(options.kafka, options.clock, async (admin) => {
    const cluster = await admin.describeCluster();
    const required = options.require ?? [];
    if (required.length > 0) {
      const existing = new Set(await admin.listTopics());
      const missing = required.filter((t) => !existing.has(t.topic));
      if (missing.length > 0) {
        return { ok: false, problem: { kind: 'missing_topics', topics: missing } };
      }
    }
    return { ok: true, value: { brokers: cluster.brokers.length } };
  });
}

/** The topics a processor reads and writes, with the settings that name them. */
export function processorTopics(
  kafka: Pick<KafkaConfig, 'topics' | 'deadLetterTopic'>,
): MissingTopic[] {
  return [
    ...kafka.topics.map((topic) => ({ topic, setting: 'kafka.topics' })),
    { topic: kafka.deadLetterTopic, setting: 'kafka.deadLetterTopic' },
  ];
}
