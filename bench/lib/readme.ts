/**
 * Writes measured figures into bench/README.md between marker comments, and the sweep chart next
 * to it: `<!-- bench:figures -->` (the table of a full run) and `<!-- bench:sweep -->` (the sweep
 * table and chart). Nothing else of the README is touched.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { SweepResult } from '../scenarios/sweep.js';
import { sweepChartPng } from './chart.js';
import { REPO } from './children.js';
import { fmt, type Row } from './format.js';
import { machineLine, type Machine } from './machine.js';

const README = join(REPO, 'bench/README.md');
export const SWEEP_PNG = 'sweep.png';

function replaceSection(text: string, name: string, body: string): string {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`bench/README.md has no ${start} … ${end} section`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

function generated(machine: Machine, at: string, command: string): string {
  return `Measured ${at.slice(0, 10)} with \`${command}\` on: ${machineLine(machine)}.`;
}

export function figuresMarkdown(rows: readonly Row[], machine: Machine, at: string): string {
  return [
    generated(machine, at, 'npm run bench'),
    '',
    markdownTable(
      ['measure', 'value', 'target', ''],
      rows.map((r) => [
        r.measure,
        r.value,
        r.target,
        r.verdict === 'info' ? '' : r.verdict === 'met' ? 'met' : 'missed',
      ]),
    ),
  ].join('\n');
}

export function sweepMarkdown(
  results: readonly SweepResult[],
  machine: Machine,
  at: string,
): string {
  return [
    generated(machine, at, 'npm run bench -- --only sweep'),
    '',
    markdownTable(
      [
        'sweep',
        'point',
        'events',
        'B per Kafka record',
        'processor µs/event',
        'floor µs/event',
        'ratio',
        'processor peak RSS',
        'floor peak RSS',
        'processor events/s',
      ],
      results.map((r) => [
        r.dimension,
        r.label,
        fmt.int(r.events),
        fmt.int(r.bytesPerRecord),
        r.processor.cpuMicrosPerEvent.toFixed(1),
        r.floor.cpuMicrosPerEvent.toFixed(1),
        fmt.ratio(r.cpuRatio),
        fmt.mb(r.processor.peakRssBytes),
        fmt.mb(r.floor.peakRssBytes),
        fmt.int(r.processor.eventsPerSecond),
      ]),
    ),
    '',
    `![CPU per event and peak RSS of the processor and the floor across the sweep](${SWEEP_PNG})`,
  ].join('\n');
}

export async function writeReadme(sections: {
  readonly machine: Machine;
  readonly at: string;
  readonly rows?: readonly Row[];
  readonly sweep?: readonly SweepResult[];
}): Promise<string[]> {
  let text = readFileSync(README, 'utf8');
  const written: string[] = [];
  if (sections.rows) {
    text = replaceSection(
      text,
      'figures',
      figuresMarkdown(sections.rows, sections.machine, sections.at),
    );
    written.push('figures');
  }
  if (sections.sweep) {
    text = replaceSection(
      text,
      'sweep',
      sweepMarkdown(sections.sweep, sections.machine, sections.at),
    );
    writeFileSync(
      join(REPO, 'bench', SWEEP_PNG),
      await sweepChartPng(sections.sweep, `Sweep — ${machineLine(sections.machine)}`),
    );
    written.push('sweep');
  }
  // Laid out as the repository's formatter lays it out (aligned tables), so a run's README can be
  // committed as it is and `npm run lint` stays green.
  const options = await resolveConfig(README);
  writeFileSync(README, await format(text, { ...options, filepath: README }));
  return written;
}
