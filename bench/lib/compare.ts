/**
 * `npm run bench -- --compare A.json B.json`: every number both result files hold, side by side,
 * with the change from A to B, after the machine line of each.
 */
import { readFileSync } from 'node:fs';
import { machineLine, type Machine } from './machine.js';

interface ResultFile {
  readonly at: string;
  readonly smoke?: boolean;
  readonly machine: Machine;
  readonly results: unknown;
}

/** Numeric leaves by path; arrays of sweep points are keyed by their dimension and label. */
export function flatten(
  value: unknown,
  path = '',
  out = new Map<string, number>(),
): Map<string, number> {
  if (typeof value === 'number') out.set(path, value);
  else if (Array.isArray(value)) {
    value.forEach((item: unknown, i) => {
      const point = item as { dimension?: unknown; label?: unknown };
      const key =
        typeof point?.dimension === 'string' && typeof point.label === 'string'
          ? `${point.dimension} ${point.label}`
          : String(i);
      flatten(item, `${path}[${key}]`, out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'shape' || key === 'partitions') continue;
      flatten(child, path ? `${path}.${key}` : key, out);
    }
  }
  return out;
}

function format(n: number): string {
  if (Math.abs(n) >= 1e6) return `${(n / 2 ** 20).toFixed(1)}M`;
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en');
  return n.toFixed(2);
}

export function compareFiles(fileA: string, fileB: string): string {
  const read = (file: string): ResultFile => JSON.parse(readFileSync(file, 'utf8')) as ResultFile;
  const a = read(fileA);
  const b = read(fileB);
  const flatA = flatten(a.results);
  const flatB = flatten(b.results);
  const paths = [...new Set([...flatA.keys(), ...flatB.keys()])].filter(
    (p) => !p.startsWith('endToEnd.runs[') && !p.startsWith('memory.runs['),
  );
  const rows = paths.map((path) => {
    const x = flatA.get(path);
    const y = flatB.get(path);
    const change =
      x === undefined || y === undefined || x === 0
        ? ''
        : `${y >= x ? '+' : ''}${(((y - x) / x) * 100).toFixed(1)}%`;
    return [path, x === undefined ? '—' : format(x), y === undefined ? '—' : format(y), change];
  });
  const widths = [0, 1, 2, 3].map((i) =>
    Math.max(...[['figure', 'A', 'B', 'B vs A'], ...rows].map((r) => (r[i] as string).length)),
  );
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ');
  return [
    `A: ${fileA} (${a.at}${a.smoke ? ', smoke' : ''})`,
    `   ${machineLine(a.machine)}`,
    `B: ${fileB} (${b.at}${b.smoke ? ', smoke' : ''})`,
    `   ${machineLine(b.machine)}`,
    '',
    line(['figure', 'A', 'B', 'B vs A']),
    line(widths.map((w) => '─'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}
