/**
 * `npm run kafka`: a local Apache Kafka broker in the foreground for development and demos.
 * Prints its bootstrap address, creates the topics asked for, and stops cleanly on Ctrl-C. Its data
 * lives in a temporary folder deleted on stop, or with `--data DIR` in DIR, kept across restarts
 * (with the port, so the address stays the same).
 * `npm run kafka:fetch` only downloads the jars (what .ci/run does before the tests).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { startKafkaBroker } from './broker.js';
import { ensureKafkaJars, HarnessError } from './jars.js';
import { KAFKA_VERSION } from './versions.js';
import { onTermination } from '../../../src/commands/termination.js';

const USAGE = `Usage: npm run kafka -- [options]

Starts a single-node Apache Kafka ${KAFKA_VERSION} broker (KRaft) on 127.0.0.1 from jars cached
under .cache/kafka (fetched from Maven Central on first use; needs Java 17+ and Maven).

Options:
  --data <dir>             keep the data in this folder across restarts (default: a temporary
                           folder, deleted on stop); the port is kept there too
  --port <n>               client port (default: a free port, or the one kept in --data)
  --topic <name[:parts]>   create a topic if missing, e.g. --topic segment-events:6 (repeatable)
  --heap <MiB>             broker heap (default 512)
  --verbose                echo the broker's log
  --fetch-only             download the jars and exit
  -h, --help               show this help
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      data: { type: 'string' },
      topic: { type: 'string', multiple: true },
      heap: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      'fetch-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  if (values['fetch-only']) {
    const libs = await ensureKafkaJars(say);
    say(`[kafka] jars ready in ${libs}`);
    return 0;
  }

  const topics = (values.topic ?? []).map((spec) => {
    const [name, parts] = spec.split(':');
    const numPartitions = parts === undefined ? 1 : Number(parts);
    if (!name || !Number.isInteger(numPartitions) || numPartitions < 1) {
      throw new HarnessError(`--topic ${spec}: expected name or name:partitions`);
    }
    return { topic: name, numPartitions, replicationFactor: 1 };
  });

  say(`[kafka] starting Apache Kafka ${KAFKA_VERSION} ...`);
  const broker = await startKafkaBroker({
    ...(values.port ? { port: Number(values.port) } : {}),
    ...(values.heap ? { heapMb: Number(values.heap) } : {}),
    ...(values.data ? { dataDir: resolve(values.data) } : {}),
    onLog: (line) => {
      if (values.verbose || line.startsWith('[kafka]')) say(line);
    },
  });
  if (topics.length > 0) {
    const admin = new Kafka({ brokers: [...broker.brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
    await admin.disconnect();
    for (const t of topics) {
      say(
        existing.has(t.topic)
          ? `[kafka] topic ${t.topic} exists (kept from an earlier start)`
          : `[kafka] topic ${t.topic} (${t.numPartitions} partitions)`,
      );
    }
  }
  say(`[kafka] ready: bootstrap ${broker.bootstrap}`);
  say(`[kafka]   export SEGMENT_MIXPANEL_KAFKA_BROKERS=${broker.bootstrap}`);
  say(
    broker.persistent
      ? `[kafka] press Ctrl-C to stop (the data stays in ${broker.runDir})`
      : '[kafka] press Ctrl-C to stop (the data folder is deleted on stop; --data DIR keeps it)',
  );

  // npm and tsx pass the terminal's Ctrl-C on as well: the same keypress arrives more than once,
  // and only a later, deliberate one may cut the stop short (see onTermination).
  await new Promise<void>((done) => onTermination(() => done()));
  say('[kafka] stopping ...');
  await broker.stop();
  say('[kafka] stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
