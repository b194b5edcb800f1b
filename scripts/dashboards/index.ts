/** The provisioned dashboards and where each is written (`npm run dashboards`). */
import { buildDashboard } from './grafana.js';
import { internals } from './internals.js';
import { overview } from './overview.js';

export const DASHBOARD_DIR = 'grafana/dashboards';

export interface RenderedDashboard {
  readonly file: string;
  readonly json: string;
}

export function renderDashboards(): RenderedDashboard[] {
  return [overview, internals].map((spec) => ({
    file: `${DASHBOARD_DIR}/${spec.uid}.json`,
    json: `${JSON.stringify(buildDashboard(spec), null, 2)}\n`,
  }));
}
