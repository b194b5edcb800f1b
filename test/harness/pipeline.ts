/**
 * End-to-end fixtures for pipeline tests: fresh topics and group per test on the harness broker,
 * a sandbox on port 0, the processor in-process (or as a child process), and the outcomes each
 * produced message must have, computed with the same transform the processor uses.
 */
import { onTestFinished } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { configSchema, type Config, type ConfigInput } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics/registry.js';
import { TrafficGenerator, type GeneratedMessage } from '../../src/produce/generator.js';
import { produceMessages, type OutgoingMessage } from '../../src/produce/producer.js';
import { systemClock } from '../../src/clock.js';
import type { ReasonCode } from '../../src/vocabulary.js';
import { startSandbox, type Sandbox, type SandboxOptionsInput } from '../../src/sandbox/index.js';
import { createRecordTransformer } from '../../src/transform/record-transformer.js';
import {
  committedOffsets,
  createTopic,
  endOffsets,
  testBrokers,
  testKafka,
  uniqueName,
} from './kafka/client.js';
import { waitFor } from './wait.js';

export const TOKEN = 'test-project-token';

export interface PipelineFixture {
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly groupId: string;
  readonly sandbox: Sandbox;
  readonly kafka: ReturnType<typeof testKafka>;
  /** The complete config input (JSON-serialisable, for child processes too). */
  readonly configInput: ConfigInput;
  readonly config: Readonly<Config>;
  /** Starts an in-process processor, stopped at the end of the test. */
  startApp(options?: { defaultMetrics?: boolean }): Promise<App>;
  produce(messages: readonly OutgoingMessage[]): Promise<void>;
}

export interface FixtureOptions {
  readonly partitions?: number;
  /**
   * The PLAINTEXT listener of the broker to use instead of the harness broker: topics are made,
   * produced to and read there; the processor's own `kafka.brokers` come from `config`.
   */
  readonly bootstrap?: readonly string[];
  readonly sandbox?: SandboxOptionsInput;
  /** Deep-merged over the defaults below, section by section. */
  readonly config?: { [K in keyof ConfigInput]?: Partial<NonNullable<ConfigInput[K]>> };
}

export async function usePipelineFixture(options: FixtureOptions = {}): Promise<PipelineFixture> {
  const kafka = testKafka('pipeline-test', options.bootstrap);
  const topic = uniqueName('events');
  const deadLetterTopic = `${topic}-dlq`;
  const groupId = uniqueName('processor');
  await createTopic(kafka, topic, options.partitions ?? 4);
  await createTopic(kafka, deadLetterTopic, 1);
  const sandbox = await startSandbox({ port: 0, keepRecords: 0, ...options.sandbox });
  onTestFinished(() => sandbox.stop());

  const base: ConfigInput = {
    kafka: {
      brokers: options.bootstrap ? [...options.bootstrap] : testBrokers(),
      topics: [topic],
      deadLetterTopic,
      groupId,
      commitIntervalMs: 200,
      lagIntervalMs: 500,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1000,
      rebalanceTimeoutMs: 15_000,
    },
    mixpanel: { projectToken: TOKEN, apiHost: sandbox.url },
    batching: { lingerMs: 100, drainTimeoutMs: 10_000 },
    retry: {
      initialDelayMs: 50,
      maxDelayMs: 500,
      jitterMinMs: 0,
      jitterMaxMs: 50,
      requestTimeoutMs: 5000,
    },
    metrics: { enabled: true, host: '127.0.0.1', port: 0 },
    log: { level: 'warn' },
  };
  const configInput = Object.fromEntries(
    Object.entries(base).map(([section, values]) => [
      section,
      { ...values, ...(options.config?.[section as keyof ConfigInput] ?? {}) },
    ]),
  ) as ConfigInput;
  for (const [section, values] of Object.entries(options.config ?? {})) {
    if (!(section in configInput)) (configInput as Record<string, unknown>)[section] = values;
  }
  const config = configSchema.parse(configInput);

  return {
    topic,
    deadLetterTopic,
    groupId,
    sandbox,
    kafka,
    configInput,
    config,
    async startApp(startOptions = {}) {
      const app = createApp(config, {
        logger: silentLogger(),
        metrics: createMetrics({
          topics: [topic],
          defaultMetrics: startOptions.defaultMetrics ?? false,
        }),
      });
      onTestFinished(async () => {
        await app.stop();
      });
      await app.start();
      return app;
    },
    async produce(messages) {
      await produceMessages({ kafka, topic, messages, clock: systemClock });
    },
  };
}

/** Seeded realistic traffic, timestamped in the last hour so Mixpanel's time window accepts it. */
export function traffic(
  count: number,
  options: { seed?: number; poisonRate?: number; users?: number } = {},
): GeneratedMessage[] {
  const generator = new TrafficGenerator({
    seed: options.seed ?? 7,
    poisonRate: options.poisonRate ?? 0,
    users: options.users ?? 300,
    startTimeMs: Date.now() - 3_600_000,
    stepMs: 1,
  });
  return Array.from({ length: count }, () => generator.next());
}

export interface Expected {
  /** Distinct /import events by dedupe key. */
  readonly importEvents: number;
  readonly engageUpdates: number;
  readonly groupUpdates: number;
  /** Per dead-lettered message (by value), the reason code. */
  readonly deadLetters: ReadonlyMap<string, ReasonCode>;
  /** Final profile $set values per distinct_id (later updates win). */
  readonly messages: number;
}

/** What the processor must do with these messages, according to the transform it runs. */
export function expectedOutcomes(
  config: Readonly<Config>,
  messages: readonly OutgoingMessage[],
): Expected {
  const transformer = createRecordTransformer(config);
  const keys = new Set<string>();
  let engageUpdates = 0;
  let groupUpdates = 0;
  const deadLetters = new Map<string, ReasonCode>();
  for (const message of messages) {
    const outcomes = transformer.transformRecord(message.value, {
      nowMs: Date.now(),
      kafkaTimestampMs: Date.now(),
    });
    for (const outcome of outcomes) {
      if (outcome.kind === 'rejected' && !deadLetters.has(message.value.toString('latin1'))) {
        deadLetters.set(message.value.toString('latin1'), outcome.rejection.code);
      }
      if (outcome.kind !== 'records') continue;
      for (const record of outcome.records) {
        if (record.endpoint === '/import') {
          const p = record.record.properties;
          keys.add(
            `${record.record.event}\u0000${p.distinct_id}\u0000${p.time}\u0000${p.$insert_id}`,
          );
        } else if (record.endpoint === '/engage') engageUpdates++;
        else groupUpdates++;
      }
    }
  }
  return {
    importEvents: keys.size,
    engageUpdates,
    groupUpdates,
    deadLetters,
    messages: messages.length,
  };
}

/** Waits until the group's committed offsets reach the end of every partition of the raw topic. */
export async function waitForCommitsAtEnd(
  fixture: PipelineFixture,
  timeoutMs = 120_000,
): Promise<void> {
  const ends = await endOffsets(fixture.kafka, fixture.topic);
  await waitFor(
    () => committedOffsets(fixture.kafka, fixture.groupId, fixture.topic),
    (committed) => [...ends].every(([p, end]) => committed.get(p) === end),
    { what: 'offsets committed to the end of every partition', timeoutMs, intervalMs: 250 },
  );
}

/** How many records the dead-letter topic holds. */
export async function deadLetterCount(fixture: PipelineFixture): Promise<bigint> {
  const ends = await endOffsets(fixture.kafka, fixture.deadLetterTopic);
  return [...ends.values()].reduce((a, b) => a + b, 0n);
}
