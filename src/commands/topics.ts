/**
 * `segment-mixpanel topics create`: the raw topics and the dead-letter topic of the config, with
 * the recommended settings of src/topics/recommended.ts. Idempotent: existing topics are reported
 * and left as they are. `run --create-topics` does the same before starting, for development.
 */
import type { Clock } from '../clock.js';
import { loadToolConfig, type KafkaToolConfig } from '../config/load.js';
import type { KafkaConfig } from '../config/schema.js';
import { createKafka } from '../kafka/client.js';
import { describeKafkaProblem, kafkaProblemOf } from '../kafka/problem.js';
import { probeKafka } from '../kafka/probe.js';
import type { Logger } from '../log.js';
import { ensureTopics, renderTopicOutcome, type TopicOutcome } from '../topics/ensure.js';
import { planTopics, type TopicPlanOptions } from '../topics/recommended.js';
import { CommandFailed, EXIT_CODES } from './exit-codes.js';

export interface TopicsCreateOptions {
  readonly config?: string | undefined;
  readonly brokers?: string | undefined;
  /** Raw topics to create instead of kafka.topics. */
  readonly topic?: readonly string[] | undefined;
  /** false with --no-dead-letter. */
  readonly deadLetter: boolean;
  readonly partitions?: number | undefined;
  readonly replicationFactor?: number | undefined;
  readonly retentionDays?: number | undefined;
  readonly deadLetterRetentionDays?: number | undefined;
  readonly dryRun?: boolean | undefined;
}

export async function topicsCreateCommand(
  options: TopicsCreateOptions,
  io: { out: NodeJS.WritableStream },
  clock: Clock,
  logger: Logger,
): Promise<void> {
  const config = loadToolConfig({ file: options.config });
  const kafka = withBrokers(config, options.brokers);
  const outcomes = await createTopics(kafka, clock, logger, {
    rawTopics: options.topic?.length
      ? options.topic.map((topic) => ({ topic, setting: '--topic' }))
      : kafka.topics.map((topic) => ({ topic, setting: 'kafka.topics' })),
    deadLetterTopic: options.deadLetter ? kafka.deadLetterTopic : undefined,
    partitions: options.partitions,
    replicationFactor: options.replicationFactor,
    retentionDays: options.retentionDays,
    deadLetterRetentionDays: options.deadLetterRetentionDays,
    dryRun: options.dryRun === true,
  });
  for (const outcome of outcomes) io.out.write(`${renderTopicOutcome(outcome)}\n`);
}

/** The kafka section with `--brokers` applied. */
export function withBrokers(config: KafkaToolConfig, brokers: string | undefined): KafkaConfig {
  return brokers
    ? { ...config.kafka, brokers: brokers.split(',').map((b) => b.trim()) }
    : config.kafka;
}

/** Probes the cluster, then creates what is missing; a problem ends the command in one line. */
export async function createTopics(
  kafka: KafkaConfig,
  clock: Clock,
  logger: Logger,
  plan: Omit<TopicPlanOptions, 'brokers'> & { readonly dryRun?: boolean },
): Promise<TopicOutcome[]> {
  const probe = await probeKafka({ kafka, clock });
  if (!probe.ok) {
    throw new CommandFailed(describeKafkaProblem(probe.problem, { brokers: kafka.brokers }));
  }
  const brokers = probe.value.brokers;
  if (plan.replicationFactor !== undefined && plan.replicationFactor > brokers) {
    throw new CommandFailed(
      `--replication-factor ${plan.replicationFactor} is more than the ${brokers} broker${brokers === 1 ? '' : 's'} at ${kafka.brokers.join(',')} (kafka.brokers)`,
      EXIT_CODES.usage,
    );
  }
  const specs = planTopics({ ...plan, brokers });
  const admin = createKafka(kafka, logger, '-topics').admin();
  try {
    await admin.connect();
    return await ensureTopics(admin, specs, { clock, dryRun: plan.dryRun === true });
  } catch (err) {
    throw new CommandFailed(
      describeKafkaProblem(kafkaProblemOf(err, kafka), { brokers: kafka.brokers }),
    );
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
