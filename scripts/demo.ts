/**
 * `npm run demo`: the whole pipeline on this machine. Starts a local Apache Kafka broker, the
 * sandbox (a local Mixpanel), the processor (as its own process, restarted if it dies, so you can
 * `kill -9` it and watch nothing get lost) and a producer of realistic traffic with some poison,
 * then prints a live summary. Ctrl-C stops everything cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { startKafkaBroker } from '../test/harness/kafka/broker.js';
import { freePort } from '../test/harness/ports.js';
import { startSandbox } from '../src/sandbox/index.js';
import { systemClock } from '../src/clock.js';
import { onTermination } from '../src/commands/termination.js';
import { TrafficGenerator } from '../src/produce/generator.js';
import { produceMessages } from '../src/produce/producer.js';
import { readMetrics, sumMetric, type MetricSample } from './demo-metrics.js';

const USAGE = `Usage: npm run demo -- [options]

Runs Kafka, the sandbox (a local Mixpanel), the processor and a producer, and prints a live
summary. Needs Java 17+ and Maven for the broker (jars are cached after the first run).

Options:
  --rate <n>          messages per second from the built-in producer (default 300)
  --poison-rate <p>   share of malformed messages (default 0.01)
  --no-traffic        start everything but produce nothing (bring your own traffic)
  -h, --help          show this help
`;

const TOPIC = 'segment-events';
const DLQ = 'segment-events-dlq';
const TOKEN = 'demo-project-token';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '300' },
      'poison-rate': { type: 'string', default: '0.01' },
      'no-traffic': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return void process.stdout.write(USAGE);
  const say = (line = ''): void => void process.stdout.write(`${line}\n`);
  const stop = new AbortController();
  onTermination(() => stop.abort());

  say('▶ starting Apache Kafka (first run downloads the jars from Maven Central) ...');
  const broker = await startKafkaBroker({ onLog: (l) => l.startsWith('[kafka]') && say(`  ${l}`) });
  const admin = new Kafka({ brokers: [...broker.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: TOPIC, numPartitions: 6 },
      { topic: DLQ, numPartitions: 1 },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();

  const sandbox = await startSandbox({
    port: await freePort(),
    credentials: { projectToken: TOKEN },
    keepRecords: 10_000,
  });
  const metricsPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'segment-mixpanel-demo-'));
  const configFile = join(dir, 'config.json');
  const logFile = join(dir, 'processor.log');
  writeFileSync(
    configFile,
    JSON.stringify(
      {
        kafka: {
          brokers: broker.brokers,
          topics: [TOPIC],
          deadLetterTopic: DLQ,
          groupId: 'segment-mixpanel-demo',
          lagIntervalMs: 2000,
          // A killed member keeps its partitions until its session times out: keep that short
          // here so a `kill -9` recovers within seconds (production default: 30 s).
          sessionTimeoutMs: 8000,
          heartbeatIntervalMs: 1000,
        },
        mixpanel: { projectToken: TOKEN, apiHost: sandbox.url },
        batching: { lingerMs: 250 },
        metrics: { host: '127.0.0.1', port: metricsPort },
      },
      null,
      2,
    ),
  );

  const processor = supervise(configFile, logFile, say, stop.signal);
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  say();
  say(`  Kafka        ${broker.bootstrap}   topics: ${TOPIC} (6 partitions), ${DLQ}`);
  say(`  Mixpanel     ${sandbox.url}  (the sandbox; stats at ${sandbox.url}/_sandbox/stats)`);
  say(`  processor    ${metricsUrl}/metrics   /healthz   /readyz   logs: ${logFile}`);
  say(`  config       ${configFile}`);
  say();
  say('  Produce your own messages too, e.g.:');
  say(
    `    npx segment-mixpanel produce -b ${broker.bootstrap} -t ${TOPIC} -n 1000 --poison-rate 0.05`,
  );
  say(
    `    echo '{"type":"track","event":"Hello","userId":"me"}' > m.ndjson && npx segment-mixpanel produce -b ${broker.bootstrap} -t ${TOPIC} -f m.ndjson`,
  );
  say(`  Crash the processor and watch it recover:  kill -9 $(cat ${join(dir, 'processor.pid')})`);
  say('  Ctrl-C stops everything.');
  say();

  const traffic = values['no-traffic']
    ? Promise.resolve()
    : produceMessages({
        kafka: new Kafka({ brokers: [...broker.brokers], logLevel: logLevel.NOTHING }),
        topic: TOPIC,
        clock: systemClock,
        ratePerSecond: Number(values.rate),
        signal: stop.signal,
        messages: (function* () {
          const generator = new TrafficGenerator({
            seed: Date.now() % 100_000,
            poisonRate: Number(values['poison-rate']),
            startTimeMs: Date.now(),
          });
          for (;;) yield generator.next();
        })(),
      }).catch((err: unknown) => say(`producer stopped: ${String(err)}`));

  let previous: MetricSample[] | undefined;
  let previousAt = performance.now();
  while (!stop.signal.aborted) {
    await systemClock.sleep(2000, stop.signal).catch(() => {});
    if (stop.signal.aborted) break;
    const samples = await readMetrics(`${metricsUrl}/metrics`).catch(() => undefined);
    const stats = sandbox.stats();
    const now = performance.now();
    if (!samples) {
      say('  (waiting for the processor ...)');
      continue;
    }
    const seconds = (now - previousAt) / 1000;
    const rate = (name: string): number =>
      previous ? Math.max(0, (sumMetric(samples, name) - sumMetric(previous, name)) / seconds) : 0;
    const dead = samples
      .filter((s) => s.name === 'segment_mixpanel_dead_letters_total' && s.value > 0)
      .map((s) => `${s.labels.code}=${s.value}`)
      .join(' ');
    say(
      `  in ${rate('segment_mixpanel_kafka_messages_consumed_total').toFixed(0).padStart(5)}/s` +
        `  out ${rate('segment_mixpanel_records_delivered_total').toFixed(0).padStart(5)}/s` +
        `  delivered ${sumMetric(samples, 'segment_mixpanel_records_delivered_total')}` +
        `  unsettled ${sumMetric(samples, 'segment_mixpanel_unsettled_messages')}` +
        `  lag ${sumMetric(samples, 'segment_mixpanel_kafka_consumer_lag_messages')}` +
        `  mixpanel unique ${stats.records['/import'].unique} dup ${stats.records['/import'].duplicates}` +
        `  dead-lettered ${dead || '0'}`,
    );
    previous = samples;
    previousAt = now;
  }

  say('\n▶ stopping: producer, processor (graceful drain), sandbox, Kafka ...');
  await traffic;
  await processor.stop();
  await sandbox.stop();
  await broker.stop();
  say('▶ stopped');
}

interface Supervised {
  stop(): Promise<void>;
}

/** Runs `segment-mixpanel run` as a child process and restarts it when it dies unexpectedly. */
function supervise(
  configFile: string,
  logFile: string,
  say: (line: string) => void,
  signal: AbortSignal,
): Supervised {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const pidFile = join(configFile, '..', 'processor.pid');
  const launch = (): void => {
    const log = openSync(logFile, 'a');
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'run', '-c', configFile], {
      stdio: ['ignore', log, log],
    });
    writeFileSync(pidFile, String(child.pid));
    const current = child;
    exited = new Promise((resolve) =>
      current.on('exit', (code, sig) => {
        resolve();
        if (signal.aborted) return;
        say(
          `  ! processor exited (${sig ?? `code ${code}`}); restarting it, as an orchestrator would`,
        );
        launch();
      }),
    );
  };
  launch();
  return {
    async stop() {
      child?.kill('SIGTERM');
      await exited;
    },
  };
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
