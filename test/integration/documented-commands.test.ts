/**
 * Every shell command shown in README.md and docs/ (see test/harness/doc-commands.ts for what
 * counts as one) runs here, verbatim, so a documented command cannot rot.
 *
 * Where: a copy of the checkout's files (tracked and untracked, as `git ls-files` lists them) in a
 * scratch folder, with node_modules and .cache linked from the checkout: the commands assume the
 * checkout's top folder, and some of them write there (`config.yaml`, `npm pack`'s tarball). The
 * README's `config.yaml` is written into it. Environment variables (which override the file, as
 * documented) point the commands at the test broker, a sandbox and a free metrics port; HOME is a
 * scratch folder too (for `~/…`), npm's cache stays the real one.
 *
 * How: each command has a plan below. `run`: it must exit 0 and print what it promises.
 * `bounded`: a long-running command must come up, then stop cleanly when the terminal's Ctrl-C
 * reaches its process group. `skip`: not run here, with the reason. A documented command without a
 * plan fails the test.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { documentedCommands } from '../harness/doc-commands.js';
import { createTopic, testBrokers, testKafka, withAdmin } from '../harness/kafka/client.js';
import { waitFor } from '../harness/wait.js';
import { traffic } from '../harness/pipeline.js';
import { produceMessages } from '../../src/produce/producer.js';
import { systemClock } from '../../src/clock.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Stable per checkout, so npx's cache of the local command is reused across runs. */
const SCRATCH = join(
  tmpdir(),
  `segment-mixpanel-docs-${createHash('sha1').update(REPO).digest('hex').slice(0, 8)}`,
);
const CHECKOUT = join(SCRATCH, 'checkout');
const HOME = join(SCRATCH, 'home');
const GLOBAL = join(SCRATCH, 'global');

/**
 * Variables on top of the real environment: `kafka` points the command at the test broker (the
 * topics of the README's config.yaml), `processor` also at the sandbox, with a free metrics port
 * and frequent progress lines.
 */
type EnvLevel = 'kafka' | 'processor';

type Plan =
  | { readonly skip: string }
  | {
      readonly run: {
        readonly expect?: RegExp;
        readonly env?: EnvLevel;
        /** Files the reader is told to have (an export, sample messages), made before it runs. */
        readonly before?: () => void;
        /** A step the docs ask the reader to do by hand after the command (merge a file). */
        readonly after?: () => void;
      };
    }
  | {
      readonly bounded: {
        readonly ready: RegExp;
        readonly stopped: RegExp;
        readonly env?: EnvLevel;
      };
    }
  | { readonly special: 'demo' | 'kafka-data' | 'install' };

const DOCKER = 'needs Docker: the compose stack and the image are checked without it by test/ops/';
const RECURSION = 'runs the test suite this test is part of';
const COHORTS_WALKTHROUGH =
  'the local cohorts walkthrough runs on fixed ports (Kafka 9092, the sandbox 8086, the webhook 8087, metrics 9464 to 9466), which a test may not take; cohort sync runs end to end in test/integration/cohorts.test.ts and sandbox-cohorts.test.ts';
const FIXED_PORT =
  'listens on the fixed port 8086, which a test may not take (tests use free ports); the same command with --port 0 runs';

/** By exact command, then by pattern. */
const PLANS: readonly (readonly [string | RegExp, Plan])[] = [
  ['npm ci', { skip: 'reinstalls node_modules of the checkout the tests run from' }],
  [/^npx vitest /, { skip: RECURSION }],
  ['npm test', { skip: RECURSION }],
  ['npm run test:unit', { skip: RECURSION }],
  ['npm run test:integration', { skip: RECURSION }],
  [
    /^npm run bench/,
    {
      skip: 'measures for minutes with a broker of its own; .ci/run runs its smoke run after the tests',
    },
  ],
  [
    'npm run docs',
    { skip: 'rewrites generated files in the checkout; unit tests fail when they are stale' },
  ],
  [
    'npm run dashboards',
    { skip: 'rewrites generated files in the checkout; unit tests fail when they are stale' },
  ],
  [/^docker /, { skip: DOCKER }],
  [/^open http/, { skip: `opens a browser on the compose stack; ${DOCKER}` }],
  [
    'cp compose.mixpanel.env.example .env',
    { skip: `prepares the compose stack with real Mixpanel; ${DOCKER}` },
  ],
  ['npx segment-mixpanel sandbox', { skip: FIXED_PORT }],
  [
    /^kafka-topics\.sh /,
    {
      skip: "Kafka's own command-line tool, not part of this checkout (cohorts --create-topics does the same)",
    },
  ],
  [
    /^npx segment-mixpanel cohorts (serve|sync) -c config\.yaml/,
    {
      skip: "needs a Mixpanel project (a webhook export, or the Query API with its service account); docs/cohorts.md's walkthrough does it with the sandbox",
    },
  ],
  // docs/cohorts.md's walkthrough (the lines after "Trying it locally").
  [
    'npm run kafka -- --port 9092 --topic segment-cohorts:3 --topic segment-events-dlq',
    { skip: COHORTS_WALKTHROUGH },
  ],
  [/^curl -s (-X POST )?'?localhost:8086\//, { skip: COHORTS_WALKTHROUGH }],
  ['npx segment-mixpanel run -c cohorts.yaml', { skip: COHORTS_WALKTHROUGH }],
  [
    /^SEGMENT_MIXPANEL_METRICS_PORT=946\d npx segment-mixpanel cohorts /,
    { skip: COHORTS_WALKTHROUGH },
  ],
  ['npx segment-mixpanel sandbox --host 0.0.0.0', { skip: FIXED_PORT }],

  [
    'npx segment-mixpanel mappings import subscriptions.json > subscriptions.yaml',
    {
      run: {
        before: () => writeFileSync(join(CHECKOUT, 'subscriptions.json'), JSON.stringify(EXPORT)),
        after: mergeSubscriptions,
      },
    },
  ],
  [
    'npx segment-mixpanel mappings test -c config.yaml < sample-messages.ndjson',
    {
      run: {
        before: () =>
          copyFileSync(
            join(REPO, 'test/fixtures/segment/messages.ndjson'),
            join(CHECKOUT, 'sample-messages.ndjson'),
          ),
        expect: /Track Calls/,
      },
    },
  ],
  ['npm run demo', { special: 'demo' }],
  ['npm run demo -- --help', { run: { expect: /^Usage: npm run demo/m } }],
  ['npm pack', { run: { expect: /segment-mixpanel-0\.1\.0\.tgz/ } }],
  ['npm install -g ./segment-mixpanel-0.1.0.tgz', { special: 'install' }],
  [
    'npm run kafka',
    { bounded: { ready: /ready: bootstrap 127\.0\.0\.1:\d+/, stopped: /\[kafka\] stopped/ } },
  ],
  [
    'npm run kafka -- --topic segment-events:6',
    {
      bounded: {
        ready: /topic segment-events \(6 partitions\)[\s\S]*ready: bootstrap/,
        stopped: /\[kafka\] stopped/,
      },
    },
  ],
  [/^npm run kafka -- --data ~\//, { special: 'kafka-data' }],
  ['npm run kafka -- --help', { run: { expect: /--data <dir>/ } }],
  ['npm run kafka:fetch', { run: { expect: /jars ready in/ } }],
  ['npx segment-mixpanel --help', { run: { expect: /topics +set up the Kafka topics/ } }],
  [
    'npx segment-mixpanel transform --help',
    { run: { expect: /Output, one NDJSON line per result/ } },
  ],
  [
    'npx segment-mixpanel check-config -c config.yaml',
    { run: { expect: /secret: "?\*\*\*\*/, env: 'kafka' } },
  ],
  [
    /^npx segment-mixpanel topics create/,
    {
      run: {
        expect: /(created|exists|would create) +segment-events \(kafka\.topics\)/,
        env: 'kafka',
      },
    },
  ],
  [
    'npx segment-mixpanel run -c config.yaml',
    {
      bounded: { ready: /"msg":"caught up/, stopped: /"code":0,"msg":"summary"/, env: 'processor' },
    },
  ],
  [
    /\| npx segment-mixpanel transform -c config.yaml$/,
    {
      run: { expect: /^\{"endpoint":"\/import","record":\{"event":"Signed Up"/m, env: 'kafka' },
    },
  ],
  [
    /^npx segment-mixpanel dlq inspect -c config.yaml --json \| jq/,
    { run: { expect: /"code": "\w+",\s+"count": \d+/, env: 'kafka' } },
  ],
  [
    /^npx segment-mixpanel dlq inspect -c config\.yaml/,
    { run: { expect: /Dead-letter topic segment-events-dlq: \d+ records/, env: 'kafka' } },
  ],
  [
    /^npx segment-mixpanel dlq replay -c config\.yaml/,
    { run: { expect: /retries_exhausted|nothing|0/, env: 'kafka' } },
  ],
  [
    /^npx segment-mixpanel sandbox --port 0/,
    { bounded: { ready: /listening on http:\/\/127\.0\.0\.1:\d+/, stopped: /sandbox stopped/ } },
  ],
];

/** A destination's subscriptions as Segment's Public API returns them. */
const EXPORT = {
  data: {
    subscriptions: [
      {
        id: '1',
        name: 'Track Calls',
        actionSlug: 'trackEvent',
        enabled: true,
        trigger: 'type = "track"',
        settings: { event: { '@path': '$.event' }, enable_batching: true },
      },
    ],
  },
};

/** "Merge it into your config file": the imported mapping section into config.yaml. */
function mergeSubscriptions(): void {
  const imported = parseYaml(readFileSync(join(CHECKOUT, 'subscriptions.yaml'), 'utf8')) as {
    mapping: Record<string, unknown>;
  };
  const config = parseYaml(readFileSync(join(CHECKOUT, 'config.yaml'), 'utf8')) as {
    mapping?: Record<string, unknown>;
  };
  config.mapping = { ...config.mapping, ...imported.mapping };
  writeFileSync(join(CHECKOUT, 'config.yaml'), stringifyYaml(config));
}

function planFor(command: string): Plan | undefined {
  return PLANS.find(([key]) =>
    typeof key === 'string' ? key === command : key.test(command),
  )?.[1];
}

/** The documented commands, chains split at `&&`, each once (where: its first appearance). */
function commandsToRun(): { command: string; where: string }[] {
  const seen = new Map<string, string>();
  for (const { command, where } of documentedCommands(REPO)) {
    for (const part of command.split(' && ').map((p) => p.trim())) {
      if (!seen.has(part)) seen.set(part, where);
    }
  }
  return [...seen].map(([command, where]) => ({ command, where }));
}

/** The YAML block of the README's "Running it against your Kafka and Mixpanel". */
function readmeConfig(): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const match = /```yaml\n(# config\.yaml[\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README.md shows no config.yaml');
  return match[1] as string;
}

function copyCheckout(): void {
  rmSync(SCRATCH, { recursive: true, force: true });
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: REPO,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f && existsSync(join(REPO, f)));
  for (const file of files) {
    const target = join(CHECKOUT, file);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(REPO, file), target);
    chmodSync(target, statSync(join(REPO, file)).mode);
  }
  symlinkSync(join(REPO, 'node_modules'), join(CHECKOUT, 'node_modules'));
  symlinkSync(join(REPO, '.cache'), join(CHECKOUT, '.cache'));
  mkdirSync(HOME, { recursive: true });
  writeFileSync(join(CHECKOUT, 'config.yaml'), readmeConfig());
}

let sandbox: Sandbox;

function environment(level: EnvLevel | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME,
    npm_config_cache: process.env.npm_config_cache ?? join(homedir(), '.npm'),
    npm_config_prefix: GLOBAL,
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  for (const name of Object.keys(env)) if (name.startsWith('SEGMENT_MIXPANEL_')) delete env[name];
  if (level) env.SEGMENT_MIXPANEL_KAFKA_BROKERS = testBrokers().join(',');
  if (level === 'processor') {
    Object.assign(env, {
      SEGMENT_MIXPANEL_MIXPANEL_API_HOST: sandbox.url,
      SEGMENT_MIXPANEL_METRICS_PORT: '0',
      SEGMENT_MIXPANEL_LOG_PROGRESS_INTERVAL_MS: '500',
      SEGMENT_MIXPANEL_KAFKA_LAG_INTERVAL_MS: '500',
    });
  }
  return env;
}

interface Running {
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Ctrl-C in a terminal: SIGINT to the whole process group. */
  interrupt(): void;
}

function start(
  command: string,
  options: { env?: EnvLevel | undefined; cwd?: string } = {},
): Running {
  const child = spawn('sh', ['-c', command], {
    cwd: options.cwd ?? CHECKOUT,
    env: environment(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );
  const group = child.pid as number;
  return {
    output: () => output,
    exited,
    interrupt: () => {
      try {
        process.kill(-group, 'SIGINT');
      } catch {
        // already gone
      }
    },
  };
}

async function runToEnd(
  command: string,
  options: { env?: EnvLevel | undefined; cwd?: string } = {},
) {
  const running = start(command, options);
  const exit = await running.exited;
  return { ...exit, output: running.output() };
}

/** Waits for `ready`, interrupts, and expects a clean stop (exit 0, or npm passing on the SIGINT). */
async function boundedRun(
  command: string,
  plan: { ready: RegExp; stopped: RegExp; env?: EnvLevel },
) {
  const running = start(command, { env: plan.env });
  const early = running.exited.then((exit) => {
    throw new Error(`exited (${JSON.stringify(exit)}) before it was ready:\n${running.output()}`);
  });
  await Promise.race([
    early,
    waitFor(
      () => running.output(),
      (text) => plan.ready.test(text),
      { what: `${plan.ready} in the output of ${command}`, timeoutMs: 180_000, intervalMs: 200 },
    ),
  ]);
  early.catch(() => {});
  running.interrupt();
  const exit = await running.exited;
  const output = running.output();
  expect(
    exit.code === 0 || exit.signal === 'SIGINT' || exit.code === 130,
    `${JSON.stringify(exit)}\n${output}`,
  ).toBe(true);
  expect(output).toMatch(plan.stopped);
  return output;
}

describe('every command in README.md and docs/', () => {
  beforeAll(async () => {
    copyCheckout();
    sandbox = await startSandbox({ port: 0 });
    // Something for `run` to process and for `dlq inspect` to show: traffic with malformed messages.
    const kafka = testKafka('documented-commands');
    const existing = await withAdmin(kafka, (admin) => admin.listTopics());
    if (!existing.includes('segment-events')) await createTopic(kafka, 'segment-events', 6);
    if (!existing.includes('segment-events-dlq')) await createTopic(kafka, 'segment-events-dlq', 1);
    await produceMessages({
      kafka,
      topic: 'segment-events',
      clock: systemClock,
      messages: traffic(300, { seed: 5, poisonRate: 0.1 }),
    });
  }, 120_000);
  afterAll(async () => {
    await sandbox?.stop();
    rmSync(SCRATCH, { recursive: true, force: true });
  });

  const commands = commandsToRun();

  it('has a plan for every documented command', () => {
    const unplanned = commands
      .filter((c) => !planFor(c.command))
      .map((c) => `${c.where}: ${c.command}`);
    expect(unplanned, 'run each here, or skip it with a reason').toEqual([]);
  });

  for (const { command, where } of commands) {
    const plan = planFor(command);
    if (!plan) continue;
    const name = `${where}: ${command}`;
    if ('skip' in plan) {
      it.skip(`${name} (not run: ${plan.skip})`, () => {});
      continue;
    }
    if ('run' in plan) {
      it(
        name,
        async () => {
          plan.run.before?.();
          const result = await runToEnd(command, { env: plan.run.env });
          expect(result.code, result.output).toBe(0);
          if (plan.run.expect) expect(result.output).toMatch(plan.run.expect);
          plan.run.after?.();
        },
        120_000,
      );
      continue;
    }
    if ('bounded' in plan) {
      it(
        name,
        async () => {
          await boundedRun(command, plan.bounded);
        },
        240_000,
      );
      continue;
    }
    if (plan.special === 'install') {
      it(`${name}, then the installed command runs from anywhere`, async () => {
        const result = await runToEnd(command);
        expect(result.code, result.output).toBe(0);
        const installed = await runToEnd(`${join(GLOBAL, 'bin', 'segment-mixpanel')} --help`, {
          cwd: HOME,
        });
        expect(installed.code, installed.output).toBe(0);
        expect(installed.output).toMatch(/^Usage: segment-mixpanel/m);
      }, 120_000);
    } else if (plan.special === 'kafka-data') {
      it(`${name}, twice: the second start finds the topics and the address of the first`, async () => {
        const ready = /ready: bootstrap (127\.0\.0\.1:\d+)/;
        const first = await boundedRun(command, { ready, stopped: /\[kafka\] stopped/ });
        const second = await boundedRun(command, { ready, stopped: /\[kafka\] stopped/ });
        expect(second).toContain('topic segment-events exists (kept from an earlier start)');
        expect(ready.exec(second)?.[1]).toBe(ready.exec(first)?.[1]);
      }, 360_000);
    } else {
      it(`${name}: the hints it prints work, and after a kill -9 its summary accounts for every message`, async () => {
        await demo(command);
      }, 360_000);
    }
  }
});

/** The demo, as a person tries it: its hints, a crash of the processor, Ctrl-C. */
async function demo(command: string): Promise<void> {
  const running = start(command);
  const output = (): string => running.output();
  const ended = running.exited.then((exit) => {
    throw new Error(`the demo ended (${JSON.stringify(exit)}):\n${output()}`);
  });
  ended.catch(() => {});
  /** Waits for the demo's output to show something; fails at once if the demo ended instead. */
  const until = async (pattern: RegExp, what: string): Promise<void> => {
    try {
      await Promise.race([
        ended,
        waitFor(output, (text) => pattern.test(text), {
          what,
          timeoutMs: 180_000,
          intervalMs: 250,
        }),
      ]);
    } catch (err) {
      running.interrupt();
      throw err;
    }
  };
  await until(/produced [\d,]+ = delivered [\d,]+ .*✓.*processor up/, 'the demo to deliver');
  const hints = output()
    .split('\n')
    .filter((line) => /^ {6}\S/.test(line))
    .map((line) => line.trim());
  expect(hints.map((h) => h.split(' ')[0])).toEqual(['echo', 'curl', 'npx', 'npx', 'kill']);
  const [hello, find, produce, inspect, kill] = hints as [string, string, string, string, string];
  for (const hint of [hello, produce, inspect]) {
    const result = await runToEnd(hint);
    expect(result.code, `${hint}\n${result.output}`).toBe(0);
  }
  await waitFor(
    () => runToEnd(find).then((r) => r.output),
    (text) => text.includes('"event":"Hello"'),
    {
      what: 'the Hello message in the sandbox',
      timeoutMs: 60_000,
      intervalMs: 1000,
    },
  );
  expect((await runToEnd(kill)).code).toBe(0);
  await until(/the processor exited \(SIGKILL\)[\s\S]*processor up/, 'the processor to come back');
  const folder = /(\/\S+segment-mixpanel-demo-\w+)\/processor\.pid/.exec(kill)?.[1] as string;
  running.interrupt();
  const exit = await running.exited;
  const text = output();
  expect(exit.code === 0 || exit.signal === 'SIGINT', `${JSON.stringify(exit)}\n${text}`).toBe(
    true,
  );
  const summary = text.slice(text.indexOf('▶ summary'));
  expect(summary).toMatch(/unsettled +0\b/);
  expect(summary).toMatch(
    /check +produced [\d,]+ = delivered [\d,]+ \+ dead-lettered [\d,]+ \+ skipped [\d,]+ \+ unsettled 0 +✓/,
  );
  expect(summary).toMatch(/restarts +1 /);
  expect(text).toContain(`▶ stopped; removed ${folder}`);
  expect(existsSync(folder)).toBe(false);
}
