/**
 * Every relative link in README.md, docs/ and bench/README.md points at a file of the repository,
 * and every `#anchor` at a heading of that file (GitHub's heading ids: lower case, punctuation
 * dropped, spaces as hyphens, `-1`, `-2` … for repeats). Sections get renamed; links must follow.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '../..');
const DOCS = [
  'README.md',
  'bench/README.md',
  ...readdirSync(join(REPO, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Markdown without its fenced code blocks, where `#` starts comments, not headings. */
function prose(file: string): string {
  return readFileSync(join(REPO, file), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
}

function headingIds(file: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, text] of prose(file).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = (text as string)
      .replace(/`/g, '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_\- ]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base);
    seen.set(base, (count ?? -1) + 1);
    ids.add(count === undefined ? base : `${base}-${count + 1}`);
  }
  return ids;
}

interface Link {
  readonly from: string;
  readonly target: string;
  readonly anchor?: string;
}

function relativeLinks(file: string): Link[] {
  const links: Link[] = [];
  for (const [, href] of prose(file).matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(href as string)) continue;
    const [path, anchor] = (href as string).split('#', 2) as [string, string | undefined];
    const target = path === '' ? file : normalize(join(dirname(file), path));
    links.push({ from: file, target, ...(anchor ? { anchor } : {}) });
  }
  return links;
}

describe('links between the docs', () => {
  const links = DOCS.flatMap(relativeLinks);

  it('exist', () => {
    expect(links.length).toBeGreaterThan(50);
  });

  it('point at files of the repository', () => {
    const missing = links.filter((l) => !existsSync(join(REPO, l.target)));
    expect(missing.map((l) => `${l.from} → ${l.target}`)).toEqual([]);
  });

  it('point at headings that exist', () => {
    const ids = new Map<string, Set<string>>();
    const broken = links
      .filter((l) => l.anchor !== undefined && l.target.endsWith('.md'))
      .filter((l) => existsSync(join(REPO, l.target)))
      .filter((l) => {
        const key = relative(REPO, join(REPO, l.target));
        if (!ids.has(key)) ids.set(key, headingIds(key));
        return !ids.get(key)?.has(l.anchor as string);
      });
    expect(broken.map((l) => `${l.from} → ${l.target}#${l.anchor}`)).toEqual([]);
  });
});
