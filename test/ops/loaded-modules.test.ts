/**
 * What a process holds in memory starts with what it loads. A running processor keeps every
 * module it imported for its whole life, in the main thread and again in each transform worker,
 * so code only some deployments or other commands need is loaded when it is first used:
 * - the command line loads a command's code when that command runs (the sandbox, cohort sync and
 *   the dead-letter tools are not part of `run`);
 * - a transform worker does not load the configuration schema (zod), and Segment's FQL libraries
 *   are loaded only when a subscription's trigger is compiled;
 * - avsc is loaded when the first Avro schema is compiled.
 * Checked on real processes: every module they load is recorded (test/support/module-log).
 */
import { spawnSync } from 'node:child_process';
import { relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../harness/ops-expressions.js';

/** The files a fresh node process loads running `code` (an ES module script, with tsx). */
function loadedBy(code: string, status = 0): string[] {
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      './test/support/module-log/register.mjs',
      '--input-type=module',
      '-e',
      code,
    ],
    { cwd: REPO, encoding: 'utf8' },
  );
  expect(run.status, run.stderr).toBe(status);
  const files = run.stderr
    .split('\n')
    .filter((line) => line.startsWith('loaded '))
    .map((line) => relative(REPO, line.slice('loaded '.length)).split(sep).join('/'));
  return [...new Set(files)];
}

const packageOf = (file: string): string | undefined =>
  /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1];

const packages = (files: readonly string[]): string[] =>
  [...new Set(files.map(packageOf).filter((p) => p !== undefined))].sort();

const FQL = ['@segment/destination-subscriptions', '@segment/fql-ts'];

describe('modules loaded', () => {
  it('a transform worker loads neither the configuration schema nor the FQL libraries', () => {
    const files = loadedBy(`await import('./src/transform/stage-worker.ts');`);
    expect(files).toContain('src/transform/record-transformer.ts');
    expect(packages(files)).not.toContain('zod');
    for (const name of FQL) expect(packages(files)).not.toContain(name);
  });

  it('Segment’s FQL libraries are loaded when the first trigger is compiled', () => {
    const files = loadedBy(
      `const { compileTrigger } = await import('./src/segment/trigger.ts');
       if (!compileTrigger('type = "track"').ok) process.exit(3);`,
    );
    for (const name of FQL) expect(packages(files)).toContain(name);
  });

  it('the command line loads only the code of the command that runs', () => {
    const files = loadedBy(`await import('./src/cli.ts');`);
    expect(files).toContain('src/cli.ts');
    const otherCommands = files.filter((f) =>
      /^src\/(sandbox\/server|cohorts\/cohort-service|commands\/(run|sandbox|cohorts|dlq|produce|topics|transform|mappings-\w+|check-config))\.ts$/.test(
        f,
      ),
    );
    expect(otherCommands).toEqual([]);
    // `run` with a config file that does not exist: its command's code loads, then refuses (exit 2).
    const run = loadedBy(
      `const { runCli } = await import('./src/cli.ts');
       await runCli(['run', '-c', 'no-such-config.yaml']);`,
      2,
    );
    expect(run).toContain('src/commands/run.ts');
    expect(run).not.toContain('src/sandbox/server.ts');
    expect(run).not.toContain('src/cohorts/cohort-service.ts');
    // Avro decoding is part of `run`, its library only of deployments that read Avro.
    expect(run).toContain('src/decode/avro.ts');
    expect(packages(run)).not.toContain('avsc');
  });
});
