/**
 * `npm run demo`: the whole pipeline on this machine. Starts a local Apache Kafka broker, the
 * sandbox (a local Mixpanel), the processor (as its own process, restarted if it dies, so you can
 * `kill -9` it) and a producer of realistic traffic with some poison, then prints every two
 * seconds where every message went. The totals are read from Kafka and the sandbox, not from the
 * processor (see demo/ledger.ts), so they survive its crashes: the line
 *
 *   produced = delivered + dead-lettered + skipped + unsettled  ✓
 *
 * is the promise, checked. Ctrl-C stops the producer, lets the processor catch up, stops it (it
 * drains and commits), prints a summary, stops the sandbox, then Kafka, and removes its temporary
 * folder.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/clock.js';
import { createTopics } from '../src/commands/topics.js';
import { onTermination } from '../src/commands/termination.js';
import { configSchema, type ConfigInput } from '../src/config/schema.js';
import { createKafka } from '../src/kafka/client.js';
import { silentLogger } from '../src/log.js';
import { TrafficGenerator } from '../src/produce/generator.js';
import { produceMessages } from '../src/produce/producer.js';
import { startSandbox } from '../src/sandbox/index.js';
import { renderTopicOutcome } from '../src/topics/ensure.js';
import { startKafkaBroker } from '../test/harness/kafka/broker.js';
import { freePort } from '../test/harness/ports.js';
import { startLedger, type LedgerSnapshot } from './demo/ledger.js';
import { deadLetterLine, equation, mixpanelLine, summary } from './demo/render.js';
import { superviseProcessor } from './demo/supervisor.js';

const USAGE = `Usage: npm run demo -- [options]

Runs Kafka, the sandbox (a local Mixpanel), the processor and a producer, and prints where every
message went. Needs Java 17+ and Maven for the broker (jars are cached after the first run).

Options:
  --rate <n>          messages per second from the built-in producer (default 300)
  --poison-rate <p>   share of malformed messages (default 0.01)
  --no-traffic        start everything but produce nothing (bring your own traffic)
  -h, --help          show this help
`;

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TOPIC = 'segment-events';
const DLQ = 'segment-events-dlq';
const TOKEN = 'demo-project-token';
const TICK_MS = 2000;
/** Every fifth line also says what the sandbox holds and what was dead-lettered. */
const DETAIL_EVERY = 5;
/** Event rows the sandbox keeps for /_sandbox/records: an hour of the default traffic. */
const KEEP_RECORDS = 1_000_000;
/** A killed member holds its partitions until its session times out (production default 30 s). */
const SESSION_TIMEOUT_MS = 8000;
/** On Ctrl-C, how long the processor gets to read what was produced last before it is stopped. */
const CATCH_UP_TIMEOUT_MS = 30_000;
/** After the processor stopped, how long the summary waits for the demo's own readers. */
const SETTLE_TIMEOUT_MS = 15_000;

const say = (line = ''): void => void process.stdout.write(`${line}\n`);

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
  const stop = new AbortController();
  onTermination(() => stop.abort());
  const cleanup: (() => Promise<unknown>)[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'segment-mixpanel-demo-'));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  try {
    await run(values, stop.signal, dir, cleanup);
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  }
  say(`▶ stopped; removed ${dir}`);
}

async function run(
  values: { rate: string; 'poison-rate': string; 'no-traffic': boolean },
  signal: AbortSignal,
  dir: string,
  cleanup: (() => Promise<unknown>)[],
): Promise<void> {
  say('▶ starting Apache Kafka (the first run downloads its jars from Maven Central) ...');
  const broker = await startKafkaBroker({ onLog: (l) => l.startsWith('[kafka]') && say(`  ${l}`) });
  cleanup.push(() => broker.stop());
  const bootstrap = broker.bootstrap;

  const sandbox = await startSandbox({
    port: await freePort(),
    credentials: { projectToken: TOKEN },
    keepRecords: KEEP_RECORDS,
  });
  cleanup.push(() => sandbox.stop());
  const metricsPort = await freePort();
  const configInput: ConfigInput = {
    kafka: {
      brokers: [...broker.brokers],
      topics: [TOPIC],
      deadLetterTopic: DLQ,
      groupId: 'segment-mixpanel-demo',
      lagIntervalMs: TICK_MS,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: 1000,
    },
    mixpanel: { projectToken: TOKEN, apiHost: sandbox.url },
    batching: { lingerMs: 250 },
    metrics: { host: '127.0.0.1', port: metricsPort },
  };
  const config = configSchema.parse(configInput);
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, `${JSON.stringify(configInput, null, 2)}\n`);

  say('▶ creating the topics ...');
  const outcomes = await createTopics(config.kafka, systemClock, silentLogger(), {
    rawTopics: [{ topic: TOPIC, setting: 'kafka.topics' }],
    deadLetterTopic: DLQ,
  });
  for (const outcome of outcomes) say(`  ${renderTopicOutcome(outcome)}`);

  const kafka = createKafka(config.kafka, silentLogger(), '-demo');
  const ledger = await startLedger({
    kafka,
    config,
    sandbox,
    clock: systemClock,
    runId: `segment-mixpanel-demo-${process.pid}`,
  });
  cleanup.push(() => ledger.stop());

  say('▶ starting the processor ...');
  const processor = superviseProcessor({
    repo: REPO,
    configFile,
    logFile: join(dir, 'processor.log'),
    pidFile: join(dir, 'processor.pid'),
    onExit: (how) =>
      say(`  ! the processor exited (${how}); restarting it, as an orchestrator would`),
  });
  // Stopped before the sandbox and Kafka (cleanup runs in reverse): it drains into both.
  cleanup.push(() => processor.stop());
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;

  say();
  say(`  Kafka       ${bootstrap}   topics ${TOPIC} (6 partitions), ${DLQ}`);
  say(`  Mixpanel    ${sandbox.url}   (the sandbox: ${sandbox.url}/_sandbox/stats)`);
  say(`  processor   ${metricsUrl}/metrics   /healthz   /readyz`);
  say(`              config ${configFile}   log ${join(dir, 'processor.log')}`);
  say();
  say('  Try it, from this checkout:');
  say('    send your own message, then find it in the sandbox:');
  say(
    `      echo '{"type":"track","event":"Hello","userId":"me"}' | npx segment-mixpanel produce -b ${bootstrap} -t ${TOPIC} -f -`,
  );
  say(`      curl -s '${sandbox.url}/_sandbox/records?distinct_id=me'`);
  say('    more traffic, 5% of it malformed:');
  say(`      npx segment-mixpanel produce -b ${bootstrap} -t ${TOPIC} -n 1000 --poison-rate 0.05`);
  say('    what was dead-lettered, and why:');
  say(`      npx segment-mixpanel dlq inspect -b ${bootstrap} -t ${DLQ}`);
  say('    crash the processor and watch it recover, nothing lost:');
  say(`      kill -9 $(cat ${processor.pidFile})`);
  say('  Ctrl-C stops everything (the processor first, so it can drain) and prints a summary.');
  say();

  const traffic = values['no-traffic']
    ? Promise.resolve()
    : produceMessages({
        kafka,
        topic: TOPIC,
        clock: systemClock,
        ratePerSecond: Number(values.rate),
        signal,
        messages: (function* () {
          const generator = new TrafficGenerator({
            seed: systemClock.now() % 100_000,
            poisonRate: Number(values['poison-rate']),
            startTimeMs: systemClock.now(),
          });
          for (;;) yield generator.next();
        })(),
      }).then(
        () => undefined,
        (err: unknown) => say(`  ! the producer stopped: ${String(err)}`),
      );

  const started = systemClock.monotonic();
  let previous: { at: number; snapshot: LedgerSnapshot } | undefined;
  for (let tick = 1; !signal.aborted; tick++) {
    await systemClock.sleep(TICK_MS, signal).catch(() => {});
    if (signal.aborted) break;
    const snapshot = await ledger.snapshot();
    const at = systemClock.monotonic();
    const rate = (value: (s: LedgerSnapshot) => number): string =>
      previous
        ? `${Math.max(0, Math.round(((value(snapshot) - value(previous.snapshot)) * 1000) / (at - previous.at)))}/s`
        : '-';
    const elapsed = Math.round((at - started) / 1000);
    const clock = `${String(Math.floor(elapsed / 60)).padStart(2, '0')}:${String(elapsed % 60).padStart(2, '0')}`;
    say(
      `  ${clock}  ${equation(snapshot)}   in ${rate((s) => s.produced)} out ${rate((s) => s.committed)}   ${await processorState(processor, metricsUrl, snapshot)}`,
    );
    if (tick % DETAIL_EVERY === 0) {
      say(`         ${mixpanelLine(sandbox.stats())}; ${deadLetterLine(snapshot)}`);
    }
    previous = { at, snapshot };
  }

  say();
  say('▶ stopping: the producer, then the processor once it has caught up ...');
  await traffic;
  // What was produced last is still to be read: let the processor finish it, so the summary
  // accounts for everything (a stop now would leave it unsettled, for the next run to read).
  const catchUpBy = systemClock.monotonic() + CATCH_UP_TIMEOUT_MS;
  for (;;) {
    const { unsettled } = await ledger.snapshot();
    if (unsettled === 0 || systemClock.monotonic() > catchUpBy) break;
    say(`  ${unsettled} messages still unsettled ...`);
    await systemClock.sleep(1000);
  }
  const exit = await processor.stop();
  say(`  the processor stopped (${exit.signal ?? `exit code ${exit.code}`})`);
  let final = await ledger.snapshot();
  const deadline = systemClock.monotonic() + SETTLE_TIMEOUT_MS;
  while (final.checking > 0 && systemClock.monotonic() < deadline) {
    await systemClock.sleep(500);
    final = await ledger.snapshot();
  }
  say();
  say('▶ summary');
  for (const line of summary(final, sandbox.stats(), processor.restarts())) say(line);
  say();
  say('▶ stopping the sandbox, then Kafka ...');
}

/** The processor as the demo sees it: starting, down, rejoining its group, or consuming. */
async function processorState(
  processor: { state(): string; restarts(): number },
  metricsUrl: string,
  snapshot: LedgerSnapshot,
): Promise<string> {
  const waiting = snapshot.unsettled > 0 ? `, ${snapshot.unsettled} messages waiting` : '';
  const fresh = processor.restarts() === 0;
  if (processor.state() === 'restarting') return `processor DOWN, restarting${waiting}`;
  try {
    const response = await fetch(`${metricsUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
    if (response.ok) return `processor up, lag ${snapshot.unsettled}`;
    return fresh
      ? `processor joining its group${waiting}`
      : `processor rejoining: the killed member holds its partitions until its session times out (${SESSION_TIMEOUT_MS / 1000} s)${waiting}`;
  } catch {
    return fresh ? `processor starting${waiting}` : `processor DOWN${waiting}`;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
