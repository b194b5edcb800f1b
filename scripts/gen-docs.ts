/** Writes the generated reference docs (configuration, metrics, sandbox settings). Run with `npm run docs`. */
import { readFileSync, writeFileSync } from 'node:fs';
import { CONFIGURATION_DOC, renderConfigurationDoc } from '../src/config/reference.js';
import { METRICS_DOC, renderMetricsDoc } from '../src/metrics/reference.js';
import { SANDBOX_DOC, updateSandboxDoc } from '../src/sandbox/reference.js';

for (const [path, text] of [
  [CONFIGURATION_DOC, renderConfigurationDoc()],
  [METRICS_DOC, renderMetricsDoc()],
  // Hand-written around its generated settings tables: only those are replaced.
  [SANDBOX_DOC, updateSandboxDoc(readFileSync(SANDBOX_DOC, 'utf8'))],
] as const) {
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
