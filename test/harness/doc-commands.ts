/**
 * The shell commands the documentation shows: every line of a fenced `sh` block (backslash
 * continuations joined, comments and blank lines dropped), and inline code that is a whole command
 * line starting with `npx segment-mixpanel <command>` or `npm run` / `npm pack` / `npm test` /
 * `npm ci` (inline mentions with `…` are references, not commands). Used by
 * test/integration/documented-commands.test.ts, which runs them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface DocCommand {
  /** The command line, as a reader would type it. */
  readonly command: string;
  /** Where it is shown: `README.md:42`. */
  readonly where: string;
}

const FENCE = /^(\s*)(```+|~~~+)\s*([\w-]*)/;
const SHELL = new Set(['sh', 'bash', 'shell', 'console']);
const INLINE = /`([^`\n]+)`/g;
const INLINE_COMMAND = /^(npx segment-mixpanel [a-z]|npm (run|pack|test|ci)\b)/;

/** Removes a trailing `# comment` that is outside quotes. */
export function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] as string))) {
      return line.slice(0, i).trimEnd();
    }
  }
  return line.trimEnd();
}

export function extractCommands(markdown: string, file: string): DocCommand[] {
  const out: DocCommand[] = [];
  const lines = markdown.split('\n');
  let fence: { marker: string; shell: boolean } | undefined;
  let pending: { text: string; line: number } | undefined;
  lines.forEach((raw, index) => {
    const open = FENCE.exec(raw);
    if (!fence) {
      if (open) {
        fence = { marker: open[2] as string, shell: SHELL.has((open[3] ?? '').toLowerCase()) };
        return;
      }
      for (const match of raw.matchAll(INLINE)) {
        const text = (match[1] as string).trim();
        if (INLINE_COMMAND.test(text) && !text.includes('…')) {
          out.push({ command: text, where: `${file}:${index + 1}` });
        }
      }
      return;
    }
    if (open && raw.trim().startsWith(fence.marker) && raw.trim().replace(/`|~/g, '') === '') {
      fence = undefined;
      return;
    }
    if (!fence.shell) return;
    const code = stripComment(raw);
    if (code.trim() === '' && !pending) return;
    const continued = code.endsWith('\\');
    const part = continued ? code.slice(0, -1).trimEnd() : code;
    pending = pending
      ? { text: `${pending.text} ${part.trim()}`, line: pending.line }
      : { text: part.trim(), line: index + 1 };
    if (!continued) {
      if (pending.text !== '')
        out.push({ command: pending.text, where: `${file}:${pending.line}` });
      pending = undefined;
    }
  });
  return out;
}

/** Every command of README.md and docs/*.md, in file order. */
export function documentedCommands(repo: string): DocCommand[] {
  const files = [
    join(repo, 'README.md'),
    ...readdirSync(join(repo, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => join(repo, 'docs', f)),
  ];
  return files.flatMap((file) => extractCommands(readFileSync(file, 'utf8'), relative(repo, file)));
}
