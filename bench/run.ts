/**
 * `npm run bench`: the processor against its performance targets on this machine, with a local
 * broker and the sandbox in their own processes, and against the floor pipe (the least work any
 * Kafka → Mixpanel pipe must do) measured in the same run. Prints a table and writes every figure,
 * with the machine's description, to bench/results/<time>.json. A full run also writes its tables
 * (and the sweep chart) into bench/README.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { configSchema } from '../src/config/schema.js';
import { startKafkaBroker } from '../test/harness/kafka/broker.js';
import { REPO, startSandboxProcess, type Child } from './lib/children.js';
import { compareFiles } from './lib/compare.js';
import { fmt, table } from './lib/format.js';
import { createTopics, preProduce } from './lib/kafka.js';
import { benchKafka } from './lib/kafka.js';
import { describeMachine, machineLine, type Machine } from './lib/machine.js';
import { writeReadme } from './lib/readme.js';
import { report, type Results } from './lib/report.js';
import {
  LEAN_MEMORY,
  backlogResult,
  drainProcessor,
  endToEnd,
  type DrainFigures,
} from './scenarios/end-to-end.js';
import { latency } from './scenarios/latency.js';
import { publishOnly } from './scenarios/publish.js';
import { SMOKE_SWEEP, SWEEP, sweep } from './scenarios/sweep.js';
import { transformOnly } from './scenarios/transform.js';

const SCENARIOS = ['transform', 'publish', 'e2e', 'latency', 'memory', 'sweep'] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    events: { type: 'string', default: '500000' },
    repeat: { type: 'string', default: '3' },
    'memory-events': { type: 'string', default: '1000000' },
    'latency-rate': { type: 'string', default: '5000' },
    'latency-seconds': { type: 'string', default: '60' },
    'sweep-events': { type: 'string', default: '150000' },
    only: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    compare: { type: 'boolean', default: false },
    readme: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(`Usage: npm run bench -- [options]
       npm run bench -- --compare A.json B.json
       npm run bench -- --readme bench/results/<file>.json

  --events <n>            end-to-end events (default 500000)
  --repeat <n>            end-to-end drains of the floor and the processor, in turns, and drains
                          of the memory backlog with defaults (default 3)
  --memory-events <n>     backlog drained for the memory figure (default 1000000)
  --latency-rate <n>      events/s for the latency run (default 5000)
  --latency-seconds <n>   duration of the latency run (default 60)
  --sweep-events <n>      events per ~1 KB sweep point, fewer for larger messages (default 150000)
  --only <list>           some of: ${SCENARIOS.join(',')}
  --smoke                 small sizes: checks the benchmarks run; not a measurement
  --profile               CPU profiles of the processor (main thread and transform worker) and the
                          sandbox during the last end-to-end drain (bench/results/*.cpuprofile)
  --compare A.json B.json every figure of two result files side by side, with the change
  --readme <file.json>    writes the tables (and sweep chart) of a result file into bench/README.md
`);
  process.exit(0);
}

const smoke = values.smoke;
const events = smoke ? 20_000 : Number(values.events);
const repeat = smoke ? 1 : Number(values.repeat);
const memoryEvents = smoke ? 30_000 : Number(values['memory-events']);
const latencyRate = smoke ? 1000 : Number(values['latency-rate']);
const latencySeconds = smoke ? 5 : Number(values['latency-seconds']);
const sweepEvents = smoke ? 3000 : Number(values['sweep-events']);
const only = new Set((values.only?.split(',') ?? SCENARIOS) as Scenario[]);
const defaults = configSchema.parse({ mixpanel: { projectToken: 't' } });
const say = (line: string): void => void process.stdout.write(`${line}\n`);

interface ResultFile {
  readonly at: string;
  readonly smoke: boolean;
  readonly machine: Machine;
  readonly results: Results;
}

async function main(): Promise<void> {
  const results: Results = {};
  const started = new Date();
  const machine = describeMachine();
  say(`segment-mixpanel benchmarks${smoke ? ' (smoke: small sizes, not a measurement)' : ''}`);
  say(`machine: ${machineLine(machine)}`);
  say('▶ building dist/ (the benchmarks run the built processor, as users do)');
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');

  if (only.has('transform')) {
    say('▶ transform alone, one core');
    results.transform = transformOnly(smoke ? 20_000 : 200_000);
  }

  const needsBroker = ['e2e', 'latency', 'memory', 'sweep'].some((s) => only.has(s as Scenario));
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
        repeat,
        defaults,
        sandbox: freshSandbox,
        progress: say,
        lastRunNodeArgs: profileArgs,
      });
    }
    if (broker && kafka && only.has('latency')) {
      results.latency = await latency({
        kafka,
        brokers: broker.brokers,
        sandboxUrl: (await freshSandbox()).url,
        rate: latencyRate,
        seconds: latencySeconds,
        lingerMs: defaults.batching.lingerMs,
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
      const drainBacklog = async (settings: {
        config?: Readonly<Record<string, unknown>>;
        nodeArgs?: readonly string[];
      }) =>
        drainProcessor({
          kafka,
          brokers: broker.brokers,
          topic: 'bench-backlog',
          deadLetterTopic: 'bench-backlog-dlq',
          events: memoryEvents,
          sandbox: await freshSandbox(),
          progress: say,
          ...settings,
        });
      // The peak moves by ±10 MB between drains of one build, so the figure is the median of
      // `repeat` drains, each by a fresh processor, with the range beside it (as end to end).
      const drains: DrainFigures[] = [];
      for (let i = 1; i <= repeat; i++) {
        say(
          `▶ memory ${i}/${repeat}: the processor drains the backlog with defaults, RSS sampled every 100 ms`,
        );
        drains.push(await drainBacklog({}));
      }
      results.memory = backlogResult(drains, memoryEvents);
      say(
        `▶ memory: drained again with the memory-lean settings (${LEAN_MEMORY.nodeArgs.join(' ')})`,
      );
      results.memoryLean = await drainBacklog(LEAN_MEMORY);
    }
    if (broker && kafka && only.has('sweep')) {
      results.sweep = await sweep({
        kafka,
        brokers: broker.brokers,
        points: smoke ? SMOKE_SWEEP : SWEEP,
        events: sweepEvents,
        defaults,
        sandbox: () => freshSandbox(),
        progress: say,
      });
    }
  } catch (err) {
    // Keep what was measured before the failure.
    writeResults(started, { at: started.toISOString(), smoke, machine, results }, '-failed');
    throw err;
  } finally {
    await sandbox?.stop();
    await broker?.stop();
  }

  const [one = 0, five = 0, fifteen = 0] = loadavg();
  machine.loadAtEnd = [one, five, fifteen];
  const rows = report(results, { smoke, lingerMs: defaults.batching.lingerMs });
  say('');
  say(`machine: ${machineLine(machine)}`);
  say(table(rows));
  const content: ResultFile = { at: started.toISOString(), smoke, machine, results };
  writeResults(started, content, smoke ? '-smoke' : '');
  if (!smoke) {
    const written = await writeReadme({
      machine,
      at: content.at,
      ...(values.only === undefined ? { rows } : {}),
      ...(results.sweep ? { sweep: results.sweep } : {}),
    });
    if (written.length > 0) say(`wrote bench/README.md: ${written.join(', ')}`);
  }
}

function writeResults(started: Date, content: ResultFile, suffix: string): void {
  mkdirSync(join(REPO, 'bench/results'), { recursive: true });
  const file = join(
    REPO,
    'bench/results',
    `${started.toISOString().replace(/[:.]/g, '-')}${suffix}.json`,
  );
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
  say(`\nwrote ${file}`);
}

async function fromFile(file: string): Promise<void> {
  const content = JSON.parse(readFileSync(file, 'utf8')) as ResultFile;
  const written = await writeReadme({
    machine: content.machine,
    at: content.at,
    rows: report(content.results, {
      smoke: content.smoke,
      lingerMs: defaults.batching.lingerMs,
    }),
    ...(content.results.sweep ? { sweep: content.results.sweep } : {}),
  });
  say(`wrote bench/README.md from ${file}: ${written.join(', ')}`);
}

const run = values.compare
  ? async () => {
      const [a, b] = positionals;
      if (!a || !b) throw new Error('--compare needs two result files: --compare A.json B.json');
      say(compareFiles(a, b));
    }
  : values.readme
    ? () => fromFile(values.readme as string)
    : main;
run().catch((err: unknown) => {
  process.stderr.write(
    `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
