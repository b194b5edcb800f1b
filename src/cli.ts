#!/usr/bin/env node
/**
 * Command-line entry point: argument parsing only, one function per command. Each command's work
 * lives in src/commands/. Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { checkConfig } from './commands/check-config.js';
import { runSandbox } from './commands/sandbox.js';
import { declareSandboxFlags, type SandboxFlags } from './commands/sandbox-flags.js';
import { ConfigError } from './config/load.js';
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

function addSandbox(program: Command): void {
  declareSandboxFlags(
    program
      .command('sandbox')
      .description(
        'run the local Mixpanel (ingestion API, dedupe views, fault injection, /_sandbox/ inspection API)',
      ),
  ).action(async (opts: SandboxFlags) => {
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
