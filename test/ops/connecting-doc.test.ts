/**
 * The config blocks of docs/connecting.md are valid as printed: each one, with the secrets its
 * comments say come from the environment, loads without a problem.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { keyForEnv } from '../../src/config/keys.js';
import { loadConfig } from '../../src/config/load.js';

const DOC = readFileSync(join(import.meta.dirname, '../../docs/connecting.md'), 'utf8');
const BLOCKS = [...DOC.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);

describe('docs/connecting.md', () => {
  it('has config blocks', () => {
    expect(BLOCKS.length).toBeGreaterThanOrEqual(12);
  });

  it.each(BLOCKS.map((block, i) => [i + 1, block]))('block %i loads', (_n, block) => {
    const env: Record<string, string> = {};
    for (const [, name] of block.matchAll(/from (SEGMENT_MIXPANEL_[A-Z_]+)/g)) {
      expect(keyForEnv(name as string), `${name} is a setting`).toBeDefined();
      env[name as string] = 'from-the-environment';
    }
    const parsed = parse(block) as Record<string, unknown>;
    const config = parsed.mixpanel ? parsed : { ...parsed, mixpanel: { projectToken: 't' } };
    const file = join(mkdtempSync(join(tmpdir(), 'sm-doc-')), 'config.json');
    writeFileSync(file, JSON.stringify(config));
    expect(() => loadConfig({ file, env })).not.toThrow();
  });
});
