/**
 * Renders the settings tables of docs/sandbox.md from the settings schema (via setting-keys.ts).
 * The rest of that page is written by hand: only the text between the markers is generated.
 */
import { SANDBOX_SETTING_KEYS, type SandboxSettingKey } from './setting-keys.js';
import { SETTING_GROUPS } from './settings.js';

export const SANDBOX_DOC = 'docs/sandbox.md';

const BEGIN =
  '<!-- BEGIN GENERATED from src/sandbox/settings.ts by `npm run docs`. Do not edit by hand; a unit test fails when it is stale. -->';
const END = '<!-- END GENERATED sandbox settings -->';

const code = (value: unknown): string => `\`${JSON.stringify(value)}\``;

function valuesOf(key: SandboxSettingKey): string {
  const { minimum: min, maximum: max } = key;
  switch (key.type) {
    case 'enum':
      return (key.enumValues ?? []).map((v) => `\`${v}\``).join(' | ');
    case 'integer':
    case 'number':
      if (min !== undefined && max !== undefined) return `${key.type} ${min}–${max}`;
      return min !== undefined ? `${key.type} ≥ ${min}` : key.type;
    case 'object':
      return key.text === 'user:secret'
        ? 'flag: `USER:SECRET`; option: `{username, secret}`'
        : 'object';
    case 'list':
      return 'list (flag: one JSON object each time)';
    default:
      return key.type;
  }
}

function defaultOf(key: SandboxSettingKey): string {
  if (key.flagDefault === undefined) return '—';
  if (key.scope === 'server' && JSON.stringify(key.default) !== JSON.stringify(key.flagDefault)) {
    return `${code(key.flagDefault)} (option: ${code(key.default)})`;
  }
  return code(key.flagDefault);
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The generated part, markers included. */
export function renderSandboxSettings(): string {
  const lines = [BEGIN, '<!-- prettier-ignore-start -->', ''];
  for (const [group, { title }] of Object.entries(SETTING_GROUPS)) {
    lines.push(
      `**${title}**`,
      '',
      '| flag | `startSandbox` option | values | default | meaning |',
      '|---|---|---|---|---|',
    );
    for (const key of SANDBOX_SETTING_KEYS.filter((k) => k.group === group)) {
      const cells = [
        key.flag === undefined ? '— (option only)' : `\`${key.flag}\``,
        key.scope === 'server' ? `\`${key.path.join('.')}\`` : '— (flag only)',
        valuesOf(key),
        defaultOf(key),
        key.description,
      ];
      lines.push(`| ${cells.map(escapeCell).join(' | ')} |`);
    }
    lines.push('');
  }
  lines.push('<!-- prettier-ignore-end -->', END);
  return lines.join('\n');
}

/** `doc` with its generated part replaced by the current rendering. */
export function updateSandboxDoc(doc: string): string {
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin < 0 || end < begin) {
    throw new Error(`${SANDBOX_DOC} lacks the markers of its generated settings tables`);
  }
  return doc.slice(0, begin) + renderSandboxSettings() + doc.slice(end + END.length);
}
