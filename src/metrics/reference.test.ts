import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOG } from './catalog.js';
import { METRICS_DOC, renderMetricsDoc } from './reference.js';

describe('docs/metrics.md', () => {
  it('is current with the catalogue (run `npm run docs` after changing src/metrics/catalog.ts)', () => {
    expect(readFileSync(METRICS_DOC, 'utf8')).toBe(renderMetricsDoc());
  });

  it('lists every catalogued metric', () => {
    const doc = renderMetricsDoc();
    for (const definition of Object.values(CATALOG))
      expect(doc).toContain(`\`${definition.name}\``);
  });
});
