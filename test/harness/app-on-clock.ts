/**
 * The whole app in memory on virtual time: a MemoryBroker for Kafka, a scripted Mixpanel
 * transport, the in-process transform stage and a ManualClock. For unit tests of the run loop's
 * paths (delivery, drain, abandon, halt, rebalance) without a JVM broker or real time.
 */
import { gzipSync } from 'node:zlib';
import { onTestFinished } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { configSchema, type Config, type ConfigInput } from '../../src/config/schema.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { createMetrics, type Metrics } from '../../src/metrics/registry.js';
import { createPublisher } from '../../src/publish/publisher.js';
import type { TransformStage } from '../../src/transform/stage.js';
import { flushMicrotasks, ManualClock } from './manual-clock.js';
import { memoryKafka, type MemoryKafka } from './memory-kafka.js';
import {
  reply,
  scriptedTransport,
  type Script,
  type ScriptedTransport,
} from './scripted-transport.js';

export const TOPIC = 'events';
export const DEAD_LETTER_TOPIC = 'events-dlq';

/** Mixpanel accepting everything, as `/import?strict=1` and `/engage?verbose=1` answer. */
export const acceptAll: Script = (request) =>
  request.path.startsWith('/import')
    ? reply(200, { code: 200, num_records_imported: request.records.length, status: 'OK' })
    : reply(200, { status: 1, error: null });

export interface AppOnClock {
  readonly clock: ManualClock;
  readonly kafka: MemoryKafka;
  readonly config: Readonly<Config>;
  /** Every Mixpanel request, with its records decoded. */
  readonly transport: ScriptedTransport;
  /** Starts one processor (one member of the group); stopped at the end of the test. */
  start(overrides?: {
    transform?: TransformStage;
    logger?: Logger;
  }): Promise<{ app: App; metrics: Metrics }>;
  produce(values: readonly (string | object)[]): void;
  /** Runs virtual time (firing timers in order) until `done()` holds; fails after maxSteps. */
  until(what: string, done: () => boolean | Promise<boolean>, maxSteps?: number): Promise<void>;
  /** Runs virtual time until `promise` settles. */
  settle<T>(promise: Promise<T>, maxSteps?: number): Promise<T>;
}

export function appOnClock(
  options: { partitions?: number; config?: Partial<ConfigInput>; script?: Script } = {},
): AppOnClock {
  const clock = new ManualClock(Date.UTC(2025, 5, 1));
  const kafka = memoryKafka(() => clock.now());
  kafka.broker.createTopic(TOPIC, options.partitions ?? 2);
  kafka.broker.createTopic(DEAD_LETTER_TOPIC, 1);
  const transport = scriptedTransport(clock, options.script ?? acceptAll);
  const input: ConfigInput = {
    ...options.config,
    kafka: { topics: [TOPIC], deadLetterTopic: DEAD_LETTER_TOPIC, ...options.config?.kafka },
    mixpanel: {
      projectToken: 'token',
      apiHost: 'http://mixpanel.test',
      ...options.config?.mixpanel,
    },
    input: { transformWorkers: 0, ...options.config?.input },
    metrics: { enabled: false },
    retry: { jitterMinMs: 0, jitterMaxMs: 0, ...options.config?.retry },
  };
  const config = configSchema.parse(input);

  /** Lets everything not waiting on a timer run, then fires the next timer. */
  async function step(): Promise<boolean> {
    await flushMicrotasks();
    return clock.advanceToNext();
  }

  return {
    clock,
    kafka,
    config,
    transport,
    async start(overrides = {}) {
      const metrics = createMetrics({ topics: [TOPIC] });
      const logger = silentLogger();
      const publisher = createPublisher({
        mixpanel: config.mixpanel,
        retry: config.retry,
        batching: config.batching,
        clock,
        random: () => 0,
        metrics,
        logger,
        transport,
        // Synchronous: nothing happens off the virtual clock.
        compress: async (raw, level) => gzipSync(raw, { level }),
      });
      const app = createApp(config, {
        clock,
        logger,
        metrics,
        publisher,
        kafka: kafka.adapters(config, metrics),
        ...overrides,
      });
      onTestFinished(() => this.settle(app.stop()).then(() => undefined));
      await app.start();
      return { app, metrics };
    },
    produce(values) {
      kafka.broker.produce(
        TOPIC,
        values.map((value, i) => {
          const text = typeof value === 'string' ? value : JSON.stringify(value);
          const userId =
            typeof value === 'object' && 'userId' in value ? String(value.userId) : `k${i}`;
          return { key: userId, value: text, timestamp: clock.now() };
        }),
      );
    },
    async until(what, done, maxSteps = 10_000) {
      for (let i = 0; !(await done()); i++) {
        if (i > maxSteps) throw new Error(`virtual time ran ${maxSteps} steps without: ${what}`);
        if (!(await step())) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
    async settle(promise, maxSteps = 10_000) {
      let settled = false;
      void promise.then(
        () => (settled = true),
        () => (settled = true),
      );
      await this.until('the promise to settle', () => settled, maxSteps);
      return promise;
    },
  };
}

/** A valid track message for user `u`. */
export function track(id: string, userId = 'u1', event = 'Signed Up'): object {
  return { type: 'track', event, userId, messageId: id, timestamp: '2025-06-01T00:00:00Z' };
}

/** An identify that increments nothing but sets `seq`: ordering shows in the profile. */
export function identify(id: string, userId: string, seq: number): object {
  return {
    type: 'identify',
    userId,
    messageId: id,
    traits: { seq },
    timestamp: '2025-06-01T00:00:00Z',
  };
}
