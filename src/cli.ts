#!/usr/bin/env node
/**
 * Command-line entry point: argument parsing only, one function per command. Each command's work
 * lives in src/commands/. Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { checkConfig } from './commands/check-config.js';
import { runSandbox, type SandboxFlags } from './commands/sandbox.js';
import { ConfigError } from './config/load.js';
import { DEFAULT_SANDBOX_PORT } from './sandbox/index.js';
import { faultSpecSchema, type FaultSpecInput } from './sandbox/faults.js';
import { VERSION } from './version.js';

export const EXIT_USAGE = 2;

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
    .action((opts: { config?: string; format: 'yaml' | 'json' }) => {
      checkConfig(opts, process.stdout);
    });
}

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return n;
  };

function rate(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected 0 to 1');
  return n;
}

function serviceAccount(value: string): { username: string; secret: string } {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) {
    throw new InvalidArgumentError('expected USER:SECRET');
  }
  return { username: value.slice(0, colon), secret: value.slice(colon + 1) };
}

function fault(value: string, previous: FaultSpecInput[]): FaultSpecInput[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('expected a JSON object');
  }
  const result = faultSpecSchema.safeParse(parsed);
  if (!result.success) {
    throw new InvalidArgumentError(
      result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  }
  return [...previous, parsed as FaultSpecInput];
}

function addSandbox(program: Command): void {
  program
    .command('sandbox')
    .description(
      'run the local Mixpanel (ingestion API, dedupe views, fault injection, /_sandbox/ inspection API)',
    )
    .addOption(
      new Option('-p, --port <port>', 'port to listen on (0 picks a free one)')
        .argParser(integer(0, 65535))
        .default(DEFAULT_SANDBOX_PORT),
    )
    .addOption(
      new Option('--host <address>', 'address to bind (0.0.0.0 to accept other hosts)').default(
        '127.0.0.1',
      ),
    )
    .optionsGroup('Credentials it accepts (none given: any non-empty credentials):')
    .option('--project-token <token>', 'project token (/import Basic user; $token of updates)')
    .option('--api-secret <secret>', 'project API secret (/import Basic user)')
    .addOption(
      new Option(
        '--service-account <user:secret>',
        'service account for /import (requires project_id)',
      ).argParser(serviceAccount),
    )
    .option('--project-id <id>', 'project id a service account must send as project_id')
    .optionsGroup("Behaviour knobs (defaults follow Mixpanel's documentation):")
    .addOption(
      new Option('--id-merge-mode <mode>', "the project's ID merge system")
        .choices(['original', 'simplified'])
        .default('original'),
    )
    .addOption(
      new Option('--identity-events <mode>', 'identity events on a simplified project')
        .choices(['ignore', 'reject'])
        .default('ignore'),
    )
    .addOption(
      new Option('--failed-record-id-key <key>', 'id key in failed_records entries')
        .choices(['insert_id', '$insert_id'])
        .default('insert_id'),
    )
    .addOption(
      new Option('--over-count-status <status>', 'answer to more than --max-records records')
        .choices(['400', '413'])
        .default('400'),
    )
    .addOption(
      new Option('--oversize-record <mode>', 'how an event over 1 MB is refused')
        .choices(['failed-record', '413'])
        .default('failed-record'),
    )
    .addOption(
      new Option('--max-records <n>', 'records per request (default 2000)').argParser(integer(1)),
    )
    .addOption(
      new Option(
        '--max-request-bytes <n>',
        'uncompressed body limit (default 10485760; 2097152 = pre-2025)',
      ).argParser(integer(1)),
    )
    .addOption(
      new Option('--max-record-bytes <n>', 'per-record limit (default 1048576)').argParser(
        integer(1),
      ),
    )
    .option(
      '--strict-when-missing',
      'validate /import strictly when strict is not in the query',
      false,
    )
    .addOption(
      new Option('--bad-token <mode>', 'a wrong $token: drop silently (documented) or 401')
        .choices(['drop', '401'])
        .default('drop'),
    )
    .addOption(
      new Option(
        '--profile-batch-errors <mode>',
        '/engage and /groups batches with invalid updates',
      )
        .choices(['apply-valid', 'reject-batch', 'ok-if-any-valid'])
        .default('apply-valid'),
    )
    .addOption(
      new Option('--multiple-operations <mode>', 'update objects holding more than one operation')
        .choices(['reject', 'apply'])
        .default('reject'),
    )
    .option('--no-groups-add', 'refuse $add on /groups')
    .option('--profile-gzip', 'accept gzip bodies on /engage and /groups', false)
    .optionsGroup('Rate limiting (off by default):')
    .option('--rate-limit', "enforce Mixpanel's per-project limit over a rolling minute", false)
    .addOption(
      new Option('--rate-limit-events <n>', 'events per minute (default 1800000)').argParser(
        integer(1),
      ),
    )
    .addOption(
      new Option('--rate-limit-bytes <n>', 'uncompressed bytes per minute (default 2e9)').argParser(
        integer(1),
      ),
    )
    .addOption(
      new Option('--retry-after <seconds>', 'send Retry-After on rate-limit 429s').argParser(
        integer(0),
      ),
    )
    .optionsGroup('Faults and latency:')
    .addOption(
      new Option(
        '--fault <json>',
        'a fault rule, repeatable, e.g. \'{"endpoint":"/import","rate":0.2,"status":503}\'',
      )
        .argParser(fault)
        .default([]),
    )
    .addOption(
      new Option('--error-rate <rate>', 'share of requests answered --error-status').argParser(
        rate,
      ),
    )
    .addOption(
      new Option('--error-status <status>', 'status of --error-rate answers')
        .argParser(integer(400, 599))
        .default(503),
    )
    .addOption(new Option('--latency <ms>', 'delay added to every answer').argParser(integer(0)))
    .addOption(
      new Option('--seed <n>', 'seed of the random choices of rate-based faults')
        .argParser(integer(0))
        .default(1),
    )
    .optionsGroup('Storage and logs:')
    .addOption(
      new Option(
        '--keep-records <n>',
        'full event rows kept for /_sandbox/records (default 100000)',
      ).argParser(integer(0)),
    )
    .addOption(
      new Option('--keep-profiles <n>', 'profiles kept (default 100000)').argParser(integer(0)),
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info'),
    )
    .addHelpText(
      'after',
      `
Endpoints: POST /import, GET|POST /track, /engage, /groups.
Inspection: GET /_sandbox/stats, GET /_sandbox/records?distinct_id=ID, POST /_sandbox/reset,
GET|POST|DELETE /_sandbox/faults (POST body e.g. {"endpoint":"/import","status":429,"count":2}).
See docs/sandbox.md.`,
    )
    .action(async (opts: SandboxFlags) => {
      await runSandbox(opts, process.stdout);
    });
}

export function buildProgram(): Command {
  const program = new Command('segment-mixpanel')
    .description('Moves a Segment event stream from Kafka into Mixpanel.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false });
  addCheckConfig(program);
  addSandbox(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
    if (err instanceof ConfigError) {
      process.stderr.write(`segment-mixpanel: ${err.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(
      `segment-mixpanel: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 1;
  }
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

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2));
}
