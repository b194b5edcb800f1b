/**
 * Creates the topics of a plan that do not exist yet and reports on those that do, without
 * changing them: running it twice is harmless, and an existing topic's data and settings are
 * never touched (its differences from the recommendation are reported as notes).
 */
import type { Admin } from 'kafkajs';
import { kafkajs } from '../kafka/kafkajs-exports.js';
import { formatRetention, type TopicRole, type TopicSpec } from './recommended.js';

interface OutcomeBase {
  readonly topic: string;
  readonly role: TopicRole;
  readonly setting: string;
}

export type TopicOutcome =
  | (OutcomeBase & { readonly action: 'created' | 'would-create'; readonly spec: TopicSpec })
  | (OutcomeBase & {
      readonly action: 'exists';
      readonly partitions: number;
      readonly replicationFactor: number;
      /** retention.ms of the topic; undefined when the broker did not say. */
      readonly retentionMs: number | undefined;
      /** Where the topic differs from the recommendation in a way that matters. */
      readonly notes: readonly string[];
    });

export async function ensureTopics(
  admin: Admin,
  specs: readonly TopicSpec[],
  options: { readonly dryRun?: boolean } = {},
): Promise<TopicOutcome[]> {
  const existing = new Set(await admin.listTopics());
  const present = specs.filter((s) => existing.has(s.topic));
  const absent = specs.filter((s) => !existing.has(s.topic));
  if (absent.length > 0 && !options.dryRun) {
    // Created together; one that appeared meanwhile makes kafkajs return false, not fail.
    await admin.createTopics({
      waitForLeaders: true,
      topics: absent.map((s) => ({
        topic: s.topic,
        numPartitions: s.partitions,
        replicationFactor: s.replicationFactor,
        configEntries: [
          { name: 'retention.ms', value: String(s.retentionMs) },
          { name: 'min.insync.replicas', value: String(s.minInsyncReplicas) },
        ],
      })),
    });
  }
  const described = await describe(admin, present);
  return specs.map((spec): TopicOutcome => {
    const base = { topic: spec.topic, role: spec.role, setting: spec.setting };
    const found = described.get(spec.topic);
    if (!found) return { ...base, action: options.dryRun ? 'would-create' : 'created', spec };
    return { ...base, action: 'exists', ...found, notes: notesFor(spec, found.retentionMs) };
  });
}

async function describe(
  admin: Admin,
  specs: readonly TopicSpec[],
): Promise<
  Map<string, { partitions: number; replicationFactor: number; retentionMs: number | undefined }>
> {
  const out = new Map<
    string,
    { partitions: number; replicationFactor: number; retentionMs: number | undefined }
  >();
  if (specs.length === 0) return out;
  const topics = specs.map((s) => s.topic);
  const [metadata, configs] = await Promise.all([
    admin.fetchTopicMetadata({ topics }),
    admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({
        type: kafkajs.ConfigResourceTypes.TOPIC,
        name,
        configNames: ['retention.ms'],
      })),
    }),
  ]);
  for (const topic of metadata.topics) {
    const retention = configs.resources
      .find((r) => r.resourceName === topic.name)
      ?.configEntries.find((e) => e.configName === 'retention.ms')?.configValue;
    out.set(topic.name, {
      partitions: topic.partitions.length,
      replicationFactor: topic.partitions[0]?.replicas.length ?? 0,
      retentionMs: retention === undefined ? undefined : Number(retention),
    });
  }
  return out;
}

function notesFor(spec: TopicSpec, retentionMs: number | undefined): string[] {
  if (retentionMs === undefined || retentionMs < 0 || retentionMs >= spec.retentionMs) return [];
  const why =
    spec.role === 'dead-letter'
      ? 'dead letters may expire before they are inspected and replayed'
      : 'a long outage may not be caught up from Kafka';
  return [
    `retention ${formatRetention(retentionMs)} is shorter than the ${formatRetention(spec.retentionMs)} this command gives new topics: ${why} (raise retention.ms)`,
  ];
}

/** One line per topic, e.g. `created segment-events (kafka.topics): 6 partitions, …`. */
export function renderTopicOutcome(outcome: TopicOutcome): string {
  const name = `${outcome.topic} (${outcome.setting})`;
  if (outcome.action !== 'exists') {
    const s = outcome.spec;
    const verb = outcome.action === 'created' ? 'created' : 'would create';
    return `${verb} ${name}: ${s.partitions} partition${s.partitions === 1 ? '' : 's'}, replication ${s.replicationFactor}, retention ${formatRetention(s.retentionMs)}, min.insync.replicas ${s.minInsyncReplicas}`;
  }
  const retention =
    outcome.retentionMs === undefined ? '' : `, retention ${formatRetention(outcome.retentionMs)}`;
  const lines = [
    `exists  ${name}: ${outcome.partitions} partition${outcome.partitions === 1 ? '' : 's'}, replication ${outcome.replicationFactor}${retention}; left as is`,
    ...outcome.notes.map((n) => `  note: ${n}`),
  ];
  return lines.join('\n');
}
