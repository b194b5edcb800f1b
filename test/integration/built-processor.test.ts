/**
 * The processor as users run it: compiled by `tsc -p tsconfig.build.json` and started with plain
 * `node` (the Docker image runs `node dist/cli.js`). Every other test runs the TypeScript sources
 * through tsx, which takes different paths: the transform worker's entry, for one.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
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

  // Segment's trigger library is CommonJS whose named exports Node's ESM loader cannot see; tsx
  // and vitest hide that. The built code must load it (and evaluate a trigger) under plain node.
  it('evaluates subscriptions under plain node (mappings test)', () => {
    const config = join(OUT, 'subscriptions.yaml');
    writeFileSync(
      config,
      [
        'mixpanel: { projectToken: t }',
        'mapping:',
        '  subscriptions:',
        '    - { name: Android, action: trackEvent, trigger: \'type = "track" and properties.platform = "android"\' }',
      ].join('\n'),
    );
    const input = [
      {
        type: 'track',
        event: 'A',
        userId: 'u',
        messageId: 'm-1',
        timestamp: '2025-01-01T00:00:00Z',
        properties: { platform: 'android' },
      },
      {
        type: 'track',
        event: 'B',
        userId: 'u',
        messageId: 'm-2',
        timestamp: '2025-01-01T00:00:00Z',
        properties: {},
      },
    ]
      .map((m) => JSON.stringify(m))
      .join('\n');
    const out = execFileSync(
      process.execPath,
      [join(OUT, 'cli.js'), 'mappings', 'test', '-c', config, '--now', '2025-01-02T00:00:00Z'],
      { input, encoding: 'utf8' },
    );
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { subscriptions: { name: string }[]; outcome: unknown });
    expect(lines.map((l) => l.subscriptions.map((s) => s.name))).toEqual([['Android'], []]);
    expect(lines.map((l) => l.outcome)).toEqual([{ records: 1 }, { skipped: 'no_subscription' }]);
  });

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
