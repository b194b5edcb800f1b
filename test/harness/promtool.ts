/**
 * Runs Debian's `promtool` (package `prometheus`). When it is missing the checks fail with the
 * install command: a check that silently skips could never catch a broken rule file.
 */
import { spawnSync } from 'node:child_process';
import { REPO } from './ops-expressions.js';

export const INSTALL_HINT =
  "install Debian's prometheus package: sudo apt-get update && sudo apt-get install -y --no-install-recommends prometheus (.ci/run does this)";

export interface PromtoolResult {
  readonly status: number | null;
  /** stdout and stderr together, as promtool prints its verdicts on both. */
  readonly output: string;
}

export function runPromtool(args: readonly string[], cwd = REPO): PromtoolResult {
  const result = spawnSync('promtool', [...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? `promtool not found on PATH: ${INSTALL_HINT}`
        : `promtool failed to run: ${String(result.error)}`,
    );
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
