/** The machine a run measured, kept with every figure so that two runs can be compared. */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { REPO } from './children.js';

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly node: string;
  readonly kernel: string;
  /** 1, 5 and 15-minute load averages when the run started (other work on the machine). */
  readonly loadAtStart: readonly [number, number, number];
  /** The same when it ended. */
  loadAtEnd?: readonly [number, number, number];
  /** The commit measured, with `+changes` when the work tree differed from it. */
  readonly commit: string;
}

export function describeMachine(): Machine {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryBytes: totalmem(),
    node: process.version,
    kernel: release(),
    loadAtStart: [one, five, fifteen],
    commit: commit(),
  };
}

export function machineLine(m: Machine): string {
  const load = (l: readonly number[]): string => l.map((x) => x.toFixed(1)).join(' ');
  return `${m.cpuModel}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(0)} GiB, Node ${m.node}; load ${load(m.loadAtStart)} at start${m.loadAtEnd ? `, ${load(m.loadAtEnd)} at end` : ''}; ${m.commit}`;
}

function commit(): string {
  try {
    const git = (...args: string[]): string =>
      execFileSync('git', args, { cwd: REPO, encoding: 'utf8' }).trim();
    const head = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') === '' ? head : `${head}+changes`;
  } catch {
    return 'unknown';
  }
}
