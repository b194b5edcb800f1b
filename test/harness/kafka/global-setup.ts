/**
 * Vitest global setup for the integration project: one real broker per run, shared by every test
 * file (tests isolate themselves with unique topic and group names). With KAFKA_BROKERS set, that
 * cluster is used instead and nothing is started. A broker that cannot start fails the run with the
 * reason and the broker's last log lines; integration tests are never skipped silently.
 */
import type { TestProject } from 'vitest/node';
import { startKafkaBroker, type KafkaBroker } from './broker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external) {
    project.provide(
      'kafkaBrokers',
      external.split(',').map((b) => b.trim()),
    );
    console.log(`[kafka] using KAFKA_BROKERS=${external}`);
    return async () => {};
  }
  const started = performance.now();
  let broker: KafkaBroker;
  try {
    broker = await startKafkaBroker({
      onLog: (line) => line.startsWith('[kafka]') && console.log(line),
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(
      `${message}\nThe integration tests need a Kafka broker: install Java 17+ and Maven, or set KAFKA_BROKERS=host:port to use a running cluster.`,
      { cause: err },
    );
  }
  console.log(
    `[kafka] broker ready at ${broker.bootstrap} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  project.provide('kafkaBrokers', [...broker.brokers]);
  return async () => {
    await broker.stop();
    console.log('[kafka] broker stopped');
  };
}
