import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'transform-cli-'));
const config = join(dir, 'mixpanel.yaml');
writeFileSync(config, 'mixpanel:\n  projectToken: tok\n');

function cli(args: string[], input: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

// Each case starts Node with tsx (a second or two, more on a busy machine): not a unit's 5 s.
describe('segment-mixpanel transform (process)', { timeout: 60_000 }, () => {
  it('is registered, reads stdin, writes NDJSON and exits 0 even with rejected lines', () => {
    const input =
      '{"type":"track","event":"E","userId":"u","messageId":"m","timestamp":"2024-12-30T09:15:00Z"}\nnope\n';
    const run = cli(['transform', '--config', config, '--now', '2025-01-01T00:00:00Z'], input);
    expect(run.status).toBe(0);
    const lines = run.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toMatchObject([
      { endpoint: '/import', record: { event: 'E' } },
      { error: { code: 'invalid_json' }, line: 2 },
    ]);
  });

  it('exits 2 for a bad option or config', () => {
    expect(cli(['transform', '--config', config, '--now', 'soon'], '').status).toBe(2);
    expect(cli(['transform', '--config', join(dir, 'missing.yaml')], '').status).toBe(2);
  });

  it('shows an example in its help', () => {
    const help = cli(['transform', '--help'], '');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('segment-mixpanel transform --config');
    expect(help.stdout).toContain('{"skipped":"...","line":N}');
  });
});
