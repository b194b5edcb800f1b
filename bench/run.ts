/**
 * `npm run bench`: throughput, latency, transform, publish and memory benchmarks against the project's
 * performance targets (bench/README.md), on
 * this machine, with a local broker and the sandbox in their own processes. Prints a table against
 * the targets and writes the figures to bench/results/<time>.json. `--smoke` runs small sizes (a
 * check that the benchmarks work, not a measurement); `--profile` writes CPU profiles of the
 * processor and the sandbox during the end-to-end run.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { configSchema } from '../src/config/schema.js';
import { startKafkaBroker } from '../test/harness/kafka/broker.js';
import { REPO, startSandboxProcess, type Child } from './lib/children.js';
import { fmt, table, type Row } from './lib/format.js';
import { benchKafka, createTopics, preProduce } from './lib/kafka.js';
import {
  LEAN_MEMORY,
  drain,
  endToEnd,
  type DrainOptions,
  type DrainResult,
  type EndToEndResult,
} from './scenarios/end-to-end.js';
import { latency, type LatencyResult } from './scenarios/latency.js';
import { publishOnly, type PublishOnlyResult } from './scenarios/publish.js';
import { transformOnly, type TransformResult } from './scenarios/transform.js';

/** The target for RSS while draining a 1M-event backlog. */
const MEMORY_TARGET_BYTES = 300 * 1024 * 1024;
const SCENARIOS = ['transform', 'publish', 'e2e', 'latency', 'memory'] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '500000' },
    'memory-events': { type: 'string', default: '1000000' },
    'latency-rate': { type: 'string', default: '5000' },
    'latency-seconds': { type: 'string', default: '60' },
    only: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(`Usage: npm run bench -- [options]

  --events <n>            end-to-end events (default 500000)
  --memory-events <n>     backlog drained for the memory figure (default 1000000)
  --latency-rate <n>      events/s for the latency run (default 5000)
  --latency-seconds <n>   duration of the latency run (default 60)
  --only <list>           some of: ${SCENARIOS.join(',')}
  --smoke                 small sizes: checks the benchmarks run; not a measurement
  --profile               CPU profiles of the processor and the sandbox during the end-to-end
                          run (bench/results/*.cpuprofile)
`);
  process.exit(0);
}

const smoke = values.smoke;
const events = smoke ? 20_000 : Number(values.events);
const memoryEvents = smoke ? 30_000 : Number(values['memory-events']);
const latencyRate = smoke ? 1000 : Number(values['latency-rate']);
const latencySeconds = smoke ? 5 : Number(values['latency-seconds']);
const only = new Set((values.only?.split(',') ?? SCENARIOS) as Scenario[]);
const lingerMs = configSchema.parse({ mixpanel: { projectToken: 't' } }).batching.lingerMs;
const say = (line: string): void => void process.stdout.write(`${line}\n`);

interface Results {
  transform?: TransformResult;
  publish?: PublishOnlyResult;
  endToEnd?: EndToEndResult;
  latency?: LatencyResult;
  memory?: DrainResult & { backlog: number };
  /** The same backlog drained again with the memory-lean settings (LEAN_MEMORY). */
  memoryLean?: DrainResult;
}

async function main(): Promise<void> {
  const results: Results = {};
  const started = new Date();
  say(
    `segment-mixpanel benchmarks${smoke ? ' (smoke: small sizes, not a measurement)' : ''} — ${cpus().length} cores, ${fmt.mb(totalmem())} RAM, Node ${process.version}`,
  );
  say('▶ building dist/ (the benchmarks run the built processor, as users do)');
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');

  if (only.has('transform')) {
    say('▶ transform alone, one core');
    results.transform = transformOnly(smoke ? 20_000 : 200_000);
  }

  const needsBroker = only.has('e2e') || only.has('latency') || only.has('memory');
  const broker = needsBroker
    ? await startKafkaBroker({ heapMb: 1024, onLog: (l) => l.startsWith('[kafka]') && say(l) })
    : undefined;
  const kafka = broker ? benchKafka(broker.brokers) : undefined;
  let sandbox: (Child & { url: string }) | undefined;
  const profileArgs = values.profile
    ? ['--cpu-prof', `--cpu-prof-dir=${join(REPO, 'bench/results')}`]
    : [];
  const freshSandbox = async (profiled = false): Promise<{ url: string; pid: number }> => {
    await sandbox?.stop();
    sandbox = await startSandboxProcess(profiled ? profileArgs : []);
    return { url: sandbox.url, pid: sandbox.pid };
  };
  try {
    if (only.has('publish')) {
      say(`▶ publish alone: ${fmt.int(smoke ? 20_000 : 300_000)} records to the sandbox`);
      results.publish = await publishOnly((await freshSandbox()).url, smoke ? 20_000 : 300_000);
    }
    if (broker && kafka && only.has('e2e')) {
      await createTopics(kafka, [
        { topic: 'bench-e2e', partitions: 8 },
        { topic: 'bench-e2e-dlq', partitions: 1 },
      ]);
      say(`▶ pre-producing ${fmt.int(events)} realistic events to bench-e2e (8 partitions)`);
      const produced = await preProduce(kafka, 'bench-e2e', events, say);
      say(
        `  ${fmt.int(events)} events, ${fmt.mb(produced.bytes)} (${fmt.int(produced.bytes / events)} B each) in ${fmt.s(produced.seconds)}`,
      );
      results.endToEnd = await endToEnd({
        kafka,
        brokers: broker.brokers,
        topic: 'bench-e2e',
        deadLetterTopic: 'bench-e2e-dlq',
        events,
        sandbox: await freshSandbox(true),
        progress: say,
        nodeArgs: profileArgs,
      });
    }
    if (broker && kafka && only.has('latency')) {
      results.latency = await latency({
        kafka,
        brokers: broker.brokers,
        sandboxUrl: (await freshSandbox()).url,
        rate: latencyRate,
        seconds: latencySeconds,
        lingerMs,
        progress: say,
      });
    }
    if (broker && kafka && only.has('memory')) {
      await createTopics(kafka, [
        { topic: 'bench-backlog', partitions: 8 },
        { topic: 'bench-backlog-dlq', partitions: 1 },
      ]);
      say(`▶ memory: pre-producing a backlog of ${fmt.int(memoryEvents)} events`);
      await preProduce(kafka, 'bench-backlog', memoryEvents, say);
      say('▶ memory: the processor drains the backlog, RSS sampled every 100 ms');
      const drainBacklog = async (settings: Pick<DrainOptions, 'config' | 'nodeArgs'>) =>
        drain({
          kafka,
          brokers: broker.brokers,
          topic: 'bench-backlog',
          deadLetterTopic: 'bench-backlog-dlq',
          events: memoryEvents,
          sandbox: await freshSandbox(),
          progress: say,
          ...settings,
        });
      results.memory = { ...(await drainBacklog({})), backlog: memoryEvents };
      say(
        `▶ memory: drained again with the memory-lean settings (${JSON.stringify(LEAN_MEMORY.config)}, ${LEAN_MEMORY.nodeArgs.join(' ')})`,
      );
      results.memoryLean = await drainBacklog(LEAN_MEMORY);
    }
  } finally {
    await sandbox?.stop();
    await broker?.stop();
  }

  const rows = report(results);
  say('');
  say(table(rows));
  mkdirSync(join(REPO, 'bench/results'), { recursive: true });
  const file = join(
    REPO,
    'bench/results',
    `${started.toISOString().replace(/[:.]/g, '-')}${smoke ? '-smoke' : ''}.json`,
  );
  writeFileSync(
    file,
    `${JSON.stringify({ at: started.toISOString(), smoke, machine: { cores: cpus().length, memoryBytes: totalmem(), node: process.version }, results, rows }, null, 2)}\n`,
  );
  say(`\nwrote ${file}`);
}

function report(r: Results): Row[] {
  const rows: Row[] = [];
  const verdict = (ok: boolean): Row['verdict'] => (smoke ? 'info' : ok ? 'met' : 'missed');
  if (r.endToEnd) {
    const { processor, baseline, ratio } = r.endToEnd;
    rows.push(
      {
        measure: 'end to end, events/s into the sandbox',
        value: fmt.int(processor.eventsPerSecond),
        target: '≥ 30,000',
        verdict: verdict(processor.eventsPerSecond >= 30_000),
      },
      {
        measure: 'bare kafkajs consumer, events/s (baseline)',
        value: fmt.int(baseline.eventsPerSecond),
        target: '',
        verdict: 'info',
      },
      {
        measure: 'end to end ÷ baseline',
        value: fmt.ratio(ratio),
        target: '≥ 0.50×',
        verdict: verdict(ratio >= 0.5),
      },
      {
        measure: 'processor CPU seconds per 100k events',
        value: processor.cpuSecondsPer100k.toFixed(2),
        target: '',
        verdict: 'info',
      },
      {
        measure: 'sandbox CPU seconds per 100k events',
        value: processor.sandboxCpuSecondsPer100k.toFixed(2),
        target: '',
        verdict: 'info',
      },
      {
        measure: 'peak RSS, end to end',
        value: fmt.mb(processor.peakRssBytes),
        target: '',
        verdict: 'info',
      },
    );
  }
  if (r.latency) {
    const l = r.latency;
    rows.push(
      {
        measure: `latency p50 at ${fmt.int(l.rate)}/s (Kafka append → ack)`,
        value: fmt.ms(l.p50Ms),
        target: '',
        verdict: 'info',
      },
      {
        measure: `latency p99 at ${fmt.int(l.rate)}/s`,
        value: fmt.ms(l.p99Ms),
        target: `≤ ${l.lingerMs + 300} ms (lingerMs + 300)`,
        verdict: verdict(l.p99Ms !== null && l.p99Ms <= l.lingerMs + 300),
      },
    );
  }
  if (r.transform) {
    rows.push(
      {
        measure: 'transform alone, messages/s on one core',
        value: fmt.int(r.transform.transformPerSecond),
        target: '≥ 150,000',
        verdict: verdict(r.transform.transformPerSecond >= 150_000),
      },
      {
        measure: 'transform + serialize, messages/s',
        value: fmt.int(r.transform.withSerializationPerSecond),
        target: '',
        verdict: 'info',
      },
    );
  }
  const memoryRows = (drained: DrainResult, rss: string, rate: string): Row[] => [
    {
      measure: rss,
      value: fmt.mb(drained.peakRssBytes),
      target: '≤ 300 MB',
      verdict: verdict(drained.peakRssBytes <= MEMORY_TARGET_BYTES),
    },
    { measure: rate, value: fmt.int(drained.eventsPerSecond), target: '', verdict: 'info' },
  ];
  if (r.memory) {
    rows.push(
      ...memoryRows(
        r.memory,
        `peak RSS draining a ${fmt.int(r.memory.backlog)}-event backlog`,
        'backlog drain, events/s',
      ),
    );
  }
  if (r.memoryLean) {
    rows.push(
      ...memoryRows(
        r.memoryLean,
        'peak RSS, same backlog, memory-lean settings',
        'backlog drain, memory-lean, events/s',
      ),
    );
  }
  if (r.publish) {
    rows.push({
      measure: 'publish alone, records/s to the sandbox',
      value: fmt.int(r.publish.recordsPerSecond),
      target: '',
      verdict: 'info',
    });
  }
  return rows;
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
