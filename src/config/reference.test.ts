import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from './keys.js';
import { CONFIGURATION_DOC, renderConfigurationDoc } from './reference.js';

describe('docs/configuration.md', () => {
  it('is current with the schema (run `npm run docs` after changing src/config/schema.ts)', () => {
    expect(readFileSync(CONFIGURATION_DOC, 'utf8')).toBe(renderConfigurationDoc());
  });

  it('documents every key with its environment variable (lists of objects: file only)', () => {
    const doc = renderConfigurationDoc();
    for (const key of CONFIG_KEYS) {
      if (key.type === 'object[]')
        expect(doc).toContain(`| \`${key.path.join('.')}\` | (config file only) |`);
      else expect(doc).toContain(`\`${key.env}\``);
    }
  });
});
