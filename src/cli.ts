#!/usr/bin/env node
/**
 * Command-line entry point: argument parsing only, one function per command. Each command's work
 * lives in src/commands/ and is loaded when that command runs, so that a long-running `run` does
 * not keep the sandbox, cohort sync or dead-letter tools resident. Exit codes: 0 success, 1 runtime
 * failure, 2 usage or configuration error.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { DlqInspectOptions, DlqReplayOptions } from './commands/dlq.js';
import type { ProduceCommandOptions } from './commands/produce.js';
import type { RunOptions } from './commands/run.js';
import type { TopicsCreateOptions } from './commands/topics.js';
import { CommandFailed, EXIT_CODES, EXIT_CODES_HELP } from './commands/exit-codes.js';
import { TOPIC_DEFAULTS } from './topics/recommended.js';
import { createLogger } from './log.js';
import { terminationSignal } from './commands/termination.js';
import { declareSandboxFlags, type SandboxFlags } from './commands/sandbox-flags.js';
import { systemClock } from './clock.js';
import type { CohortsServeOptions, CohortsSyncOptions } from './commands/cohorts.js';
import { parseDuration } from './commands/duration.js';
import { CohortStartupError, CohortTopicError } from './cohorts/errors.js';
import { StartupError } from './app.js';
import { ConfigError } from './config/load.js';
import { parseTimeValue } from './decode/time.js';
import { parseOffsetRange, parseTime, type OffsetRange } from './dead-letter/filter.js';
import { ReplayRefused, TopicNotFoundError } from './dead-letter/errors.js';
import { REASON_CODES, isReasonCode } from './vocabulary.js';
import { VERSION } from './version.js';

const configOption = (): Option =>
  new Option(
    '-c, --config <file>',
    'YAML or JSON config file (else SEGMENT_MIXPANEL_CONFIG; env vars override)',
  );

function addCheckConfig(program: Command): void {
  program
    .command('check-config')
    .description('validate the configuration and print the effective settings, secrets masked')
    .addOption(configOption())
    .addOption(
      new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'),
    )
    .action(async (opts: { config?: string; format: 'yaml' | 'json' }) => {
      const { checkConfig } = await import('./commands/check-config.js');
      checkConfig(opts, process.stdout);
    });
}

function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
}

function ratio(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('must be a number between 0 and 1');
  return n;
}

function addRun(program: Command): void {
  program
    .command('run')
    .description('run the stream processor: Kafka → Mixpanel, with dead-lettering and metrics')
    .addOption(configOption())
    .option('--create-topics', 'create missing topics with the recommended settings first')
    .addOption(
      new Option(
        '--log-format <format>',
        'log lines as JSON or pretty; auto: pretty on a terminal',
      ).choices(['auto', 'json', 'pretty']),
    )
    .addHelpText(
      'after',
      `
Configuration comes from the file and SEGMENT_MIXPANEL_* variables; see docs/configuration.md.
Before starting it checks the brokers and the topics; a problem ends it at once with one line.
Examples:
  segment-mixpanel run -c config.yaml
  segment-mixpanel run -c config.yaml --create-topics --log-format pretty
${EXIT_CODES_HELP}
`,
    )
    .action(async (opts: RunOptions) => {
      const { runCommand } = await import('./commands/run.js');
      process.exitCode = await runCommand(opts, { out: process.stdout, err: process.stderr });
    });
}

function addTopics(program: Command): void {
  const topics = program.command('topics').description('set up the Kafka topics');
  topics
    .command('create')
    .description('create the raw and dead-letter topics with recommended settings, if missing')
    .addOption(configOption())
    .option('-b, --brokers <list>', 'bootstrap brokers, comma-separated (overrides kafka.brokers)')
    .option(
      '-t, --topic <topic>',
      'a raw topic to create instead of kafka.topics (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--no-dead-letter', 'do not create kafka.deadLetterTopic')
    .option(
      '-p, --partitions <n>',
      `partitions of each raw topic (default ${TOPIC_DEFAULTS.partitions})`,
      integer('--partitions', 1),
    )
    .option(
      '--replication-factor <n>',
      `copies of each partition (default: the brokers, at most ${TOPIC_DEFAULTS.maxReplicationFactor})`,
      integer('--replication-factor', 1),
    )
    .option(
      '--retention-days <n>',
      `retention of the raw topics (default ${TOPIC_DEFAULTS.retentionDays})`,
      integer('--retention-days', 1),
    )
    .option(
      '--dead-letter-retention-days <n>',
      `retention of the dead-letter topic (default ${TOPIC_DEFAULTS.deadLetterRetentionDays})`,
      integer('--dead-letter-retention-days', 1),
    )
    .option('-n, --dry-run', 'say what would be created; create nothing')
    .addHelpText(
      'after',
      `
Existing topics are reported and left as they are (a retention shorter than recommended gets a
note), so running it again is harmless. The dead-letter topic gets ${TOPIC_DEFAULTS.deadLetterPartitions} partition and a long
retention: dead letters wait for someone to inspect and replay them.

Examples:
  segment-mixpanel topics create -c config.yaml
  segment-mixpanel topics create -b 127.0.0.1:9092 -t segment-events --partitions 12 --dry-run
${EXIT_CODES_HELP}
`,
    )
    .action(async (opts: TopicsCreateOptions) => {
      const { topicsCreateCommand } = await import('./commands/topics.js');
      await topicsCreateCommand(
        opts,
        { out: process.stdout },
        systemClock,
        createLogger({ level: 'warn' }, process.stderr as never),
      );
    });
}

function addProduce(program: Command): void {
  program
    .command('produce')
    .description('write seeded, realistic Segment traffic (or an NDJSON file) to a Kafka topic')
    .addOption(configOption())
    .option('-b, --brokers <list>', 'bootstrap brokers, comma-separated (overrides kafka.brokers)')
    .option('-t, --topic <topic>', 'topic to write to (default: the first of kafka.topics)')
    .option(
      '-n, --count <n>',
      'messages to generate; 0 runs until Ctrl-C',
      integer('--count', 0),
      10_000,
    )
    .option(
      '-r, --rate <n>',
      'messages per second (default: as fast as possible)',
      integer('--rate', 1),
    )
    .option(
      '--seed <n>',
      'seed of the generator: the same seed gives the same traffic',
      integer('--seed', 0),
      1,
    )
    .option('--users <n>', 'distinct users the traffic is spread over', integer('--users', 1), 1000)
    .option(
      '--poison-rate <p>',
      'share of malformed messages, 0..1, to exercise the dead-letter topic',
      ratio,
      0,
    )
    .option('--start-time <iso>', 'timestamp of the first generated message (default: now)')
    .option(
      '-f, --file <ndjson>',
      'produce the lines of this NDJSON file (- reads stdin) instead, keyed by userId/anonymousId',
    )
    .option('--no-progress', 'no progress bar or progress lines')
    .addHelpText(
      'after',
      `
Examples:
  segment-mixpanel produce -b 127.0.0.1:9092 -t segment-events -n 100000
  segment-mixpanel produce -t segment-events -n 0 -r 500 --poison-rate 0.01
  segment-mixpanel produce -t segment-events -f messages.ndjson
  echo '{"type":"track","event":"Hello","userId":"me"}' | segment-mixpanel produce -f -
${EXIT_CODES_HELP}
`,
    )
    .action(async (opts: Omit<ProduceCommandOptions, 'progress'> & { progress: boolean }) => {
      const { produceCommand } = await import('./commands/produce.js');
      await produceCommand(opts, { out: process.stdout, err: process.stderr }, terminationSignal());
    });
}

function addSandbox(program: Command): void {
  declareSandboxFlags(
    program
      .command('sandbox')
      .description(
        'run the local Mixpanel (ingestion API, dedupe views, fault injection, /_sandbox/ inspection API)',
      ),
  ).action(async (opts: SandboxFlags) => {
    const { runSandbox } = await import('./commands/sandbox.js');
    await runSandbox(opts, process.stdout, terminationSignal());
  });
}

const TRANSFORM_HELP = `
Output, one NDJSON line per result, in input order:
  {"endpoint":"/import","record":{...}}               a Mixpanel record (also /engage, /groups)
  {"error":{"code":"...","message":"..."},"line":N}   input line N rejected, with its reason code
  {"skipped":"...","line":N}                          input line N intentionally not sent

A line may hold one Segment message or a Segment batch payload {"batch":[...]}. Blank lines are
ignored but counted. The same input and config always give the same bytes.

Example:
  $ printf 'mixpanel:\\n  projectToken: my-token\\n' > mixpanel.yaml
  $ echo '{"type":"track","event":"Signed Up","userId":"u-1","messageId":"m-1","timestamp":"2025-01-01T00:00:00Z"}' \\
      | segment-mixpanel transform --config mixpanel.yaml
  {"endpoint":"/import","record":{"event":"Signed Up","properties":{"time":1735689600000,"id":"u-1",
  "distinct_id":"u-1","$identified_id":"u-1","$insert_id":"m-1","$source":"segment","$user_id":"u-1",
  "event_original_name":"Signed Up"}}}

Exit status: 0 when the input was read (rejected lines are data), 2 for a bad config or option.
The mapping settings are described in docs/mapping.md and docs/configuration.md.`;

function parseNow(value: string): number {
  const ms = parseTimeValue(value);
  if (ms === undefined)
    throw new InvalidArgumentError('expected an ISO 8601 time or epoch seconds/milliseconds');
  return ms;
}

function addTransform(program: Command): void {
  program
    .command('transform')
    .description('map Segment messages (NDJSON on stdin) to Mixpanel records (NDJSON on stdout)')
    .addOption(configOption())
    .addOption(
      new Option(
        '--now <time>',
        'reference time for the future bound of the time check (input.maxFutureMs; ISO 8601 or epoch); default: the clock',
      ).argParser(parseNow),
    )
    .addHelpText('after', TRANSFORM_HELP)
    .action(async (opts: { config?: string; now?: number }) => {
      const { runTransform } = await import('./commands/transform.js');
      await runTransform(
        { config: opts.config, nowMs: opts.now },
        { input: process.stdin, output: process.stdout, clock: systemClock },
      );
    });
}

function collectCode(value: string, previous: string[] = []): string[] {
  if (!isReasonCode(value)) {
    throw new InvalidArgumentError(`not a reason code; one of ${REASON_CODES.join(', ')}`);
  }
  return [...previous, value];
}

function collectOffsets(value: string, previous: OffsetRange[] = []): OffsetRange[] {
  try {
    return [...previous, parseOffsetRange(value)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function time(value: string): number {
  try {
    return parseTime(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** The options inspect and replay share: where to read, and which dead letters. */
function dlqSubcommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .addOption(configOption())
    .option('-b, --brokers <list>', 'bootstrap brokers, comma-separated (overrides kafka.brokers)')
    .option('-t, --topic <topic>', 'dead-letter topic to read (default: kafka.deadLetterTopic)')
    .option('--code <code>', 'only this reason code (repeatable)', collectCode)
    .option('--since <time>', 'only records that failed at or after this ISO 8601 time', time)
    .option('--until <time>', 'only records that failed before this ISO 8601 time', time)
    .option(
      '--offsets <p:from-to>',
      'only these dead-letter topic offsets, e.g. 0:100-200 or 2:57 (repeatable)',
      collectOffsets,
    )
    .option('--json', 'machine-readable output')
    .option('--no-progress', 'no progress line on stderr');
}

function addDlq(program: Command): void {
  const dlq = program
    .command('dlq')
    .description('read and replay the dead-letter topic')
    .addHelpText(
      'after',
      '\nThe dead-letter topic holds the original records (key, value, headers) plus dlq.* headers\nsaying why each was rejected. Both commands read it from the beginning to its end at the\nstart, commit nothing, and stop by themselves. Reason codes: docs/runbook.md#reason-codes\n',
    );
  dlqSubcommand(dlq, 'inspect', 'summarise dead letters by reason code, with samples')
    .option('-s, --samples <n>', 'samples shown per code', integer('--samples', 0), 3)
    .option(
      '--value-bytes <n>',
      'bytes of each sample key and value shown',
      integer('--value-bytes', 1),
      200,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  segment-mixpanel dlq inspect\n  segment-mixpanel dlq inspect --code invalid_json --samples 10\n  segment-mixpanel dlq inspect --since 2026-01-31T00:00:00Z --json | jq .codes\n',
    )
    .action(async (opts: DlqInspectOptions) => {
      const { dlqInspectCommand } = await import('./commands/dlq.js');
      await dlqInspectCommand(
        opts,
        { out: process.stdout, err: process.stderr },
        terminationSignal(),
      );
    });
  dlqSubcommand(dlq, 'replay', 'write chosen dead letters back to their raw topic, unchanged')
    .option('--to <topic>', "write to this topic instead of each record's dlq.source.topic")
    .option('--all', 'replay every dead letter when no filter is given')
    .option('-n, --dry-run', 'list what would be replayed; write nothing')
    .option('--limit <n>', 'replay at most this many records', integer('--limit', 1))
    .option(
      '-r, --rate <n>',
      'records per second (default: as fast as possible)',
      integer('--rate', 1),
    )
    .addHelpText(
      'after',
      `
Each replayed record keeps its key, value bytes, headers, timestamp and (on its source topic)
partition, and gains the header dlq.replayed.from=<topic>/<partition>/<offset>. Replay never
writes to a dead-letter topic. Records come back through the whole pipeline: replay only codes
whose cause you fixed, or they are dead-lettered again.

Examples:
  segment-mixpanel dlq replay --code retries_exhausted --dry-run
  segment-mixpanel dlq replay --code schema_not_found --since 2026-01-31T00:00:00Z
  segment-mixpanel dlq replay --offsets 0:1200-1300 --limit 1
  segment-mixpanel dlq replay --all --rate 500 --to segment-events-replay
`,
    )
    .action(async (opts: DlqReplayOptions) => {
      const { dlqReplayCommand } = await import('./commands/dlq.js');
      await dlqReplayCommand(
        opts,
        { out: process.stdout, err: process.stderr },
        terminationSignal(),
      );
    });
}

// --- mappings (Segment Actions subscriptions) ---
function addMappings(program: Command): void {
  const mappings = program
    .command('mappings')
    .description('Segment Actions subscriptions: import them from Segment, test them on messages');
  mappings
    .command('import')
    .description(
      "a Segment destination's subscriptions (Public API JSON) → mapping.subscriptions YAML",
    )
    .argument('<file>', 'JSON of GET /destinations/{id}/subscriptions')
    .addHelpText(
      'after',
      '\nThe YAML goes to stdout; what could not be carried over is listed on stderr.\nExample:\n  segment-mixpanel mappings import subscriptions.json > subscriptions.yaml\n',
    )
    .action(async (file: string) => {
      const { mappingsImportCommand } = await import('./commands/mappings-import.js');
      mappingsImportCommand(file, { out: process.stdout, err: process.stderr });
    });
  mappings
    .command('test')
    .description('which subscriptions match each message (NDJSON on stdin) and what they produce')
    .addOption(configOption())
    .addOption(
      new Option('--now <time>', 'reference time for the future-time check').argParser(parseNow),
    )
    .addHelpText(
      'after',
      '\nOne line per message: {"line":N,"subscriptions":[...],"outcome":{...}} (docs/mapping.md).\nExample:\n  segment-mixpanel mappings test -c config.yaml < messages.ndjson\n',
    )
    .action(async (opts: { config?: string; now?: number }) => {
      const { mappingsTestCommand } = await import('./commands/mappings-test.js');
      await mappingsTestCommand(
        { config: opts.config, nowMs: opts.now },
        { input: process.stdin, output: process.stdout, clock: systemClock },
      );
    });
}
// --- end mappings ---

// --- cohorts (Mixpanel cohort membership → identify messages in Kafka) ---
function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined)
    throw new InvalidArgumentError('expected a duration such as 15m, 1h or 90s');
  return ms;
}

/** The options serve and sync share: where the topics are, and whether to create them. */
function cohortsSubcommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .addOption(configOption())
    .option('-b, --brokers <list>', 'bootstrap brokers, comma-separated (overrides kafka.brokers)')
    .option(
      '--create-topics',
      'create cohorts.topic and the compacted cohorts.stateTopic when they are missing',
    )
    .option(
      '--partitions <n>',
      'partitions of cohorts.topic when --create-topics creates it',
      integer('--partitions', 1),
      6,
    );
}

function addCohorts(program: Command): void {
  const cohorts = program
    .command('cohorts')
    .description(
      "Mixpanel cohorts → Segment identify messages in Kafka (Mixpanel's export to Segment)",
    )
    .addHelpText(
      'after',
      '\nEach user entering a cohort gets {"type":"identify","userId":<distinct id>,"traits":\n{"Mixpanel - <cohort name>":true}}, each user leaving it the same with false, on cohorts.topic.\nMembership is kept in the compacted cohorts.stateTopic. See docs/cohorts.md.\n',
    );
  cohortsSubcommand(cohorts, 'serve', "receive Mixpanel's webhook cohort sync (push)")
    .option(
      '-p, --port <port>',
      'port to listen on (overrides cohorts.webhook.port)',
      integer('--port', 0),
    )
    .addHelpText(
      'after',
      '\nRegister http(s)://<this host>:<port><cohorts.webhook.path> as a webhook destination in Mixpanel\n(with cohorts.webhook.username/password as its Basic credentials), then export cohorts to it.\nExample:\n  segment-mixpanel cohorts serve -c config.yaml --create-topics\n',
    )
    .action(async (opts: CohortsServeOptions) => {
      const { cohortsServeCommand } = await import('./commands/cohorts.js');
      process.exitCode = await cohortsServeCommand(
        opts,
        { out: process.stdout, err: process.stderr },
        terminationSignal(),
      );
    });
  cohortsSubcommand(
    cohorts,
    'sync',
    'read cohorts through the Query API and write what changed (pull)',
  )
    .requiredOption('--cohort <id...>', 'saved cohort id(s) to sync (repeatable)')
    .option(
      '--every <duration>',
      'sync again at this interval until stopped, e.g. 15m (default: once)',
      duration,
    )
    .addHelpText(
      'after',
      '\nNeeds cohorts.query.serviceAccount and cohorts.query.projectId. The Query API allows 60\nqueries per hour per project (1,000 members per query): the progress output says when that\nlimit is what the sync waits for. Exit status 1 when a cohort could not be synced.\nExamples:\n  segment-mixpanel cohorts sync -c config.yaml --cohort 5834112\n  segment-mixpanel cohorts sync -c config.yaml --cohort 5834112 --cohort 5834113 --every 15m\n',
    )
    .action(async (opts: CohortsSyncOptions) => {
      const { cohortsSyncCommand } = await import('./commands/cohorts.js');
      process.exitCode = await cohortsSyncCommand(
        opts,
        { out: process.stdout, err: process.stderr },
        terminationSignal(),
      );
    });
}
// --- end cohorts ---

export function buildProgram(): Command {
  const program = new Command('segment-mixpanel')
    .description('Moves a Segment event stream from Kafka into Mixpanel.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false })
    .addHelpText('after', EXIT_CODES_HELP);
  addRun(program);
  addTopics(program);
  addProduce(program);
  addDlq(program);
  addCheckConfig(program);
  addSandbox(program);
  addTransform(program);
  addMappings(program);
  addCohorts(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  // Subcommands copy settings only when created, so the override goes on each one: their usage
  // errors then exit 2 like the top level's, instead of commander calling process.exit(1).
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    // Commands that decide their own exit status (run) set process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    if (err instanceof CommandFailed) {
      process.stderr.write(`segment-mixpanel: ${err.message}\n`);
      return err.exitCode;
    }
    if (
      err instanceof ConfigError ||
      err instanceof ReplayRefused ||
      err instanceof TopicNotFoundError
    ) {
      process.stderr.write(`segment-mixpanel: ${err.message}\n`);
      return EXIT_CODES.usage;
    }
    if (err instanceof CohortStartupError || err instanceof CohortTopicError) {
      process.stderr.write(`segment-mixpanel: cannot start: ${err.message}\n`);
      return 1;
    }
    if (err instanceof StartupError) {
      process.stderr.write(`segment-mixpanel: cannot start: ${err.message}\n`);
      return EXIT_CODES.failure;
    }
    process.stderr.write(
      `segment-mixpanel: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT_CODES.failure;
  }
}

/**
 * Runs the command line and sets the exit code; the entry of both bin/segment-mixpanel.js and
 * `node dist/cli.js`.
 */
export async function runCli(argv: readonly string[]): Promise<void> {
  // Output piped into a reader that stopped (`| head`): stop quietly, as Unix tools do.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
  const code = await main(argv);
  process.exitCode = code;
  // Done: a client library still retrying in the background must not hold the exit back.
  systemClock.setTimer(() => process.exit(code), 1000);
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) await runCli(process.argv.slice(2));
