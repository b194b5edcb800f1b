/**
 * The check every Kafka command makes before its work: the brokers answer and the topics it needs
 * exist. A problem ends the command at once with one line naming the setting or option (exit 1).
 */
import type { Clock } from '../clock.js';
import type { KafkaConfig } from '../config/schema.js';
import { describeKafkaProblem, type MissingTopic } from '../kafka/problem.js';
import { probeKafka } from '../kafka/probe.js';
import { CommandFailed } from './exit-codes.js';

export async function preflight(
  kafka: KafkaConfig,
  clock: Clock,
  topics: readonly MissingTopic[],
  /** How to create a missing topic, shown in the message. */
  createTopics: string,
): Promise<void> {
  const probe = await probeKafka({ kafka, clock, require: topics });
  if (probe.ok) return;
  throw new CommandFailed(
    describeKafkaProblem(probe.problem, {
      brokers: kafka.brokers,
      createTopics,
    }),
  );
}
