/** Writes the generated reference docs (configuration, metrics). Run with `npm run docs`. */
import { writeFileSync } from 'node:fs';
import { CONFIGURATION_DOC, renderConfigurationDoc } from '../src/config/reference.js';
import { METRICS_DOC, renderMetricsDoc } from '../src/metrics/reference.js';

for (const [path, text] of [
  [CONFIGURATION_DOC, renderConfigurationDoc()],
  [METRICS_DOC, renderMetricsDoc()],
] as const) {
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
