/** Writes grafana/dashboards/*.json from scripts/dashboards/. Run with `npm run dashboards`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { DASHBOARD_DIR, renderDashboards } from './dashboards/index.js';

mkdirSync(DASHBOARD_DIR, { recursive: true });
for (const { file, json } of renderDashboards()) {
  writeFileSync(file, json);
  console.log(`wrote ${file}`);
}
