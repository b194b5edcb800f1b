/**
 * The processor as users run it: compiled by `tsc -p tsconfig.build.json` and started with plain
 * `node` (the Docker image runs `node dist/cli.js`). Every other test runs the TypeScript sources
 * through tsx, which takes different paths: the transform worker's entry, for one.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deadLetterCount,
  expectedOutcomes,
  traffic,
  usePipelineFixture,
  waitForCommitsAtEnd,
} from '../harness/pipeline.js';
import { startProcessorProcess } from '../harness/processor.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// Inside the repository, so the build resolves node_modules as dist/ does.
const OUT = join(REPO, '.cache', `built-${randomBytes(4).toString('hex')}`);

describe('the built processor', () => {
  beforeAll(() => {
    execFileSync(
      process.execPath,
      [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', OUT],
      { cwd: REPO, stdio: 'pipe' },
    );
  }, 120_000);
  afterAll(() => rmSync(OUT, { recursive: true, force: true }));

  it('runs under node with V8 options, transform worker included, and delivers everything', async () => {
    const fixture = await usePipelineFixture({ partitions: 2 });
    const messages = traffic(3000, { seed: 71, poisonRate: 0.01 });
    const expected = expectedOutcomes(fixture.config, messages);
    await fixture.produce(messages);
    const processor = startProcessorProcess(fixture.configInput, {
      builtCli: join(OUT, 'cli.js'),
      // Process-wide V8 flags, as users set them; they must not reach the worker explicitly.
      nodeArgs: ['--max-old-space-size=256', '--max-semi-space-size=16'],
    });
    try {
      const exitedEarly = processor.exited.then((exit) => {
        throw new Error(`the processor exited (${exit.code}):\n${processor.output()}`);
      });
      await Promise.race([exitedEarly, waitForCommitsAtEnd(fixture, 60_000)]);
      exitedEarly.catch(() => {}); // it exits when stopped below
      expect(fixture.sandbox.stats().records['/import'].unique).toBe(expected.importEvents);
      const poison = messages.filter((m) => m.kind === 'poison').length;
      expect(poison).toBeGreaterThan(10);
      expect(await deadLetterCount(fixture)).toBe(BigInt(poison));
    } finally {
      processor.kill('SIGTERM');
    }
    expect((await processor.exited).code).toBe(0);
  });
});
