import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SANDBOX_DOC, renderSandboxSettings, updateSandboxDoc } from './reference.js';
import { SANDBOX_SETTING_KEYS } from './setting-keys.js';

describe('docs/sandbox.md settings tables', () => {
  it('are current with the schema (run `npm run docs` after changing src/sandbox/settings.ts)', () => {
    const doc = readFileSync(SANDBOX_DOC, 'utf8');
    expect(doc).toBe(updateSandboxDoc(doc));
  });

  it('list every setting with its flag and option', () => {
    const tables = renderSandboxSettings();
    for (const key of SANDBOX_SETTING_KEYS) {
      if (key.flag !== undefined) expect(tables).toContain(`| \`${key.flag}\` |`);
      if (key.scope === 'server') expect(tables).toContain(`| \`${key.path.join('.')}\` |`);
    }
  });

  it('replace only the text between the markers', () => {
    const fresh = updateSandboxDoc(readFileSync(SANDBOX_DOC, 'utf8'));
    const stale = fresh.replace('| Events per rolling minute. |', '| Events per minute. |');
    expect(stale).not.toBe(fresh);
    expect(updateSandboxDoc(stale)).toBe(fresh);
    expect(() => updateSandboxDoc('# no markers\n')).toThrow(/markers/);
  });
});
