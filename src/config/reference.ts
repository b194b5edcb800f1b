/** Renders docs/configuration.md from the schema (via keys.ts). */
import { CONFIG_GROUPS, CONFIG_KEYS, type ConfigKey } from './keys.js';

export const CONFIGURATION_DOC = 'docs/configuration.md';

const BANNER =
  '<!-- GENERATED from src/config/schema.ts by `npm run docs`. Do not edit by hand; a unit test fails when it is stale. -->';

function typeOf(key: ConfigKey): string {
  if (key.type === 'object[]') return 'list of objects';
  if (key.type === 'enum') return (key.enumValues ?? []).map((v) => `\`${v}\``).join(' | ');
  const bounds: string[] = [];
  if (key.minimum !== undefined) bounds.push(`≥ ${key.minimum}`);
  if (key.maximum !== undefined) bounds.push(`≤ ${key.maximum}`);
  return bounds.length > 0 ? `${key.type} (${bounds.join(', ')})` : key.type;
}

function defaultOf(key: ConfigKey): string {
  if (key.required) return '**required**';
  if (key.default === undefined) return '—';
  return `\`${JSON.stringify(key.default)}\``;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function renderConfigurationDoc(): string {
  const lines = [
    BANNER,
    '',
    '# Configuration reference',
    '',
    'Settings come from a YAML or JSON file (`--config FILE`, or the file named by `SEGMENT_MIXPANEL_CONFIG`)',
    'and from environment variables, which win over the file. Lists are comma-separated in the',
    'environment. `segment-mixpanel check-config` prints the effective configuration with secrets masked.',
    'Secrets (marked 🔒) are never printed or logged.',
    '',
    'A file holding only `mixpanel` and `mapping` is enough for `segment-mixpanel transform`.',
    '',
  ];
  for (const group of CONFIG_GROUPS) {
    const dotted = group.path.join('.');
    const depth = group.path.length;
    lines.push(
      `${'#'.repeat(depth + 1)} \`${dotted}\`${group.optional && depth > 1 ? ' (optional)' : ''}`,
      '',
    );
    if (group.description) lines.push(group.description, '');
    const keys = CONFIG_KEYS.filter(
      (k) => k.path.length === depth + 1 && group.path.every((p, i) => k.path[i] === p),
    );
    if (keys.length === 0) continue;
    lines.push(
      '| key | environment variable | type | default | description |',
      '|---|---|---|---|---|',
    );
    for (const key of keys) {
      lines.push(
        `| \`${key.path.join('.')}\`${key.secret ? ' 🔒' : ''} | ${key.type === 'object[]' ? '(config file only)' : `\`${key.env}\``} | ${escapeCell(typeOf(key))} | ${escapeCell(defaultOf(key))} | ${escapeCell(key.description)} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
