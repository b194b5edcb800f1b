/**
 * The layering of src/, checked from the imports themselves: no import cycles between files or
 * between folders, the neutral core imports no stage, and a stage never imports a later one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

/** Vocabularies and infrastructure every stage may import. */
const CORE = [
  'config',
  'kafka',
  'mixpanel',
  'segment',
  'metrics',
  'vocabulary.ts',
  'clock.ts',
  'log.ts',
  'version.ts',
  'random.ts',
  'fnv1a.ts',
  'http-listen.ts',
  'error-cause.ts',
  'deadline.ts',
  'spare-buffers.ts',
  'first-use.ts',
];
/** The stages, in the order data flows. */
const STAGES = ['source', 'decode', 'transform', 'batch', 'publish', 'dead-letter', 'settle'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.(test|contract)\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** file (relative to src) → files it imports (relative to src). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) =>
      relative(SRC, normalize(join(dirname(file), (m[1] as string).replace(/\.js$/, '.ts')))),
    );
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

/** The top-level part of src a file belongs to: a folder, or a file at the top. */
const area = (file: string): string => file.split('/')[0] as string;

function cycles(edges: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return found;
}

describe('src/ layering', () => {
  const graph = importGraph();
  const arrows = [...graph].flatMap(([from, tos]) => tos.map((to) => [from, to] as const));

  it('has no import cycle between files', () => {
    const edges = new Map([...graph].map(([from, tos]) => [from, new Set(tos)]));
    expect(cycles(edges)).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const [from, to] of arrows) {
      if (area(from) === area(to)) continue;
      if (!edges.has(area(from))) edges.set(area(from), new Set());
      edges.get(area(from))?.add(area(to));
    }
    expect(cycles(edges)).toEqual([]);
  });

  it('keeps the core neutral: it imports only the core', () => {
    const bad = arrows.filter(
      ([from, to]) => CORE.includes(area(from)) && !CORE.includes(area(to)),
    );
    expect(bad).toEqual([]);
  });

  it('never lets a stage import a later stage, or anything but the core and earlier stages', () => {
    const bad = arrows.filter(([from, to]) => {
      const a = STAGES.indexOf(area(from));
      if (a < 0 || area(from) === area(to)) return false;
      const b = STAGES.indexOf(area(to));
      return b < 0 ? !CORE.includes(area(to)) : b > a;
    });
    expect(bad).toEqual([]);
  });
});
