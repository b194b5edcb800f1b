/**
 * Creates the topics of a plan that do not exist yet and reports on those that do, without
 * changing them: running it twice is harmless, and an existing topic's data and settings are
 * never touched (its differences from the recommendation are reported as notes).
 *
 * The raw topics come first: the dead-letter topic's `max.message.bytes` is the largest of theirs
 * plus room for the dlq.* headers, so that any raw record can be dead-lettered.
 */
import type { Admin } from 'kafkajs';
import type { Clock } from '../clock.js';
import { DEAD_LETTER_HEADER_ROOM } from '../dead-letter/letter.js';
import { kafkajs } from '../kafka/kafkajs-exports.js';
import { protocolErrorType } from '../kafka/problem.js';
import { formatRetention, type TopicRole, type TopicSpec } from './recommended.js';

interface OutcomeBase {
  readonly topic: string;
  readonly role: TopicRole;
  readonly setting: string;
}

export type TopicOutcome =
  | (OutcomeBase & {
      readonly action: 'created' | 'would-create';
      readonly spec: TopicSpec;
      /** The dead-letter topic's, when known (raw topics keep the broker's). */
      readonly maxMessageBytes: number | undefined;
    })
  | (OutcomeBase & {
      readonly action: 'exists';
      readonly partitions: number;
      readonly replicationFactor: number;
      /** Undefined when the broker did not say. */
      readonly retentionMs: number | undefined;
      readonly maxMessageBytes: number | undefined;
      /** Where the topic differs from the recommendation in a way that matters. */
      readonly notes: readonly string[];
    });

interface Described {
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly retentionMs: number | undefined;
  readonly maxMessageBytes: number | undefined;
}

export async function ensureTopics(
  admin: Admin,
  specs: readonly TopicSpec[],
  options: { readonly clock: Clock; readonly dryRun?: boolean },
): Promise<TopicOutcome[]> {
  const existing = new Set(await admin.listTopics());
  const create = async (missing: readonly TopicSpec[], maxMessageBytes?: number): Promise<void> => {
    if (missing.length === 0 || options.dryRun) return;
    // Created together; one that appeared meanwhile makes kafkajs return false, not fail.
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: s.partitions,
        replicationFactor: s.replicationFactor,
        configEntries: [
          { name: 'retention.ms', value: String(s.retentionMs) },
          { name: 'min.insync.replicas', value: String(s.minInsyncReplicas) },
          ...(maxMessageBytes === undefined
            ? []
            : [{ name: 'max.message.bytes', value: String(maxMessageBytes) }]),
        ],
      })),
    });
  };
  const raw = specs.filter((s) => s.role === 'raw');
  const deadLetter = specs.filter((s) => s.role === 'dead-letter');
  await create(raw.filter((s) => !existing.has(s.topic)));
  const rawNow = options.dryRun ? raw.filter((s) => existing.has(s.topic)) : raw;
  const rawLimits = [...(await describeSoon(admin, rawNow, options.clock)).values()].flatMap((d) =>
    d.maxMessageBytes === undefined ? [] : [d.maxMessageBytes],
  );
  const deadLetterBytes =
    rawLimits.length > 0 ? Math.max(...rawLimits) + DEAD_LETTER_HEADER_ROOM : undefined;
  await create(
    deadLetter.filter((s) => !existing.has(s.topic)),
    deadLetterBytes,
  );

  const described = await describe(
    admin,
    specs.filter((s) => existing.has(s.topic)),
  );
  return specs.map((spec): TopicOutcome => {
    const base = { topic: spec.topic, role: spec.role, setting: spec.setting };
    const found = described.get(spec.topic);
    const wanted = spec.role === 'dead-letter' ? deadLetterBytes : undefined;
    if (!found) {
      return {
        ...base,
        action: options.dryRun ? 'would-create' : 'created',
        spec,
        maxMessageBytes: wanted,
      };
    }
    return { ...base, action: 'exists', ...found, notes: notesFor(spec, found, wanted) };
  });
}

async function describe(
  admin: Admin,
  specs: readonly TopicSpec[],
): Promise<Map<string, Described>> {
  const out = new Map<string, Described>();
  if (specs.length === 0) return out;
  const topics = specs.map((s) => s.topic);
  const [metadata, configs] = await Promise.all([
    admin.fetchTopicMetadata({ topics }),
    admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({
        type: kafkajs.ConfigResourceTypes.TOPIC,
        name,
        configNames: ['retention.ms', 'max.message.bytes'],
      })),
    }),
  ]);
  for (const topic of metadata.topics) {
    const entries = configs.resources.find((r) => r.resourceName === topic.name)?.configEntries;
    const value = (name: string): number | undefined => {
      const text = entries?.find((e) => e.configName === name)?.configValue;
      return text === undefined ? undefined : Number(text);
    };
    out.set(topic.name, {
      partitions: topic.partitions.length,
      replicationFactor: topic.partitions[0]?.replicas.length ?? 0,
      retentionMs: value('retention.ms'),
      maxMessageBytes: value('max.message.bytes'),
    });
  }
  return out;
}

/** Metadata of a topic just created can lag behind its creation: ask again for a while. */
const UNSETTLED_METADATA = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);
const METADATA_ATTEMPTS = 20;
const METADATA_RETRY_MS = 250;

async function describeSoon(
  admin: Admin,
  specs: readonly TopicSpec[],
  clock: Clock,
): Promise<Map<string, Described>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await describe(admin, specs);
    } catch (err) {
      const type = protocolErrorType(err);
      if (attempt >= METADATA_ATTEMPTS || type === undefined || !UNSETTLED_METADATA.has(type))
        throw err;
      await clock.sleep(METADATA_RETRY_MS);
    }
  }
}

function notesFor(
  spec: TopicSpec,
  found: Described,
  wantedMaxMessageBytes: number | undefined,
): string[] {
  const notes: string[] = [];
  const { retentionMs, maxMessageBytes } = found;
  if (retentionMs !== undefined && retentionMs >= 0 && retentionMs < spec.retentionMs) {
    const why =
      spec.role === 'dead-letter'
        ? 'dead letters may expire before they are inspected and replayed'
        : 'a long outage may not be caught up from Kafka';
    notes.push(
      `retention ${formatRetention(retentionMs)} is shorter than the ${formatRetention(spec.retentionMs)} this command gives new topics: ${why} (raise retention.ms)`,
    );
  }
  if (
    wantedMaxMessageBytes !== undefined &&
    maxMessageBytes !== undefined &&
    maxMessageBytes < wantedMaxMessageBytes
  ) {
    notes.push(
      `max.message.bytes ${maxMessageBytes} leaves no room for the dlq.* headers of the largest raw record: raise it to ${wantedMaxMessageBytes}`,
    );
  }
  return notes;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One line per topic, e.g. `created segment-events (kafka.topics): 6 partitions, …`. */
export function renderTopicOutcome(outcome: TopicOutcome): string {
  const name = `${outcome.topic} (${outcome.setting})`;
  const bytes =
    outcome.maxMessageBytes === undefined || outcome.role === 'raw'
      ? ''
      : `, max.message.bytes ${outcome.maxMessageBytes}`;
  if (outcome.action !== 'exists') {
    const s = outcome.spec;
    const verb = outcome.action === 'created' ? 'created' : 'would create';
    return `${verb} ${name}: ${plural(s.partitions, 'partition')}, replication ${s.replicationFactor}, retention ${formatRetention(s.retentionMs)}, min.insync.replicas ${s.minInsyncReplicas}${bytes}`;
  }
  const retention =
    outcome.retentionMs === undefined ? '' : `, retention ${formatRetention(outcome.retentionMs)}`;
  return [
    `exists  ${name}: ${plural(outcome.partitions, 'partition')}, replication ${outcome.replicationFactor}${retention}${bytes}; left as is`,
    ...outcome.notes.map((n) => `  note: ${n}`),
  ].join('\n');
}
