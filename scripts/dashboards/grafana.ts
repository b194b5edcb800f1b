/**
 * Builders for Grafana's classic dashboard JSON model (the model file provisioning loads; not the
 * v2 resource schema). Panels are declared as title + description + unit + queries and laid out
 * automatically on the 24-column grid, so every panel gets a datasource, a description and a unit
 * by construction. Output goes to grafana/dashboards/*.json via `npm run dashboards`; a unit test
 * fails when the committed JSON differs from what these builders produce.
 */

/** The uid of the provisioned Prometheus datasource (grafana/provisioning/datasources/). */
export const DATASOURCE_UID = 'segment-mixpanel-prometheus';
/** Schema version written; Grafana 12 migrates older classic versions on load. */
export const SCHEMA_VERSION = 39;
export const TAG = 'segment-mixpanel';

/** Every panel and query goes through the `datasource` variable, whose default is DATASOURCE_UID. */
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

export interface Query {
  readonly expr: string;
  readonly legend?: string;
  /** One value per series (tables) instead of a range. */
  readonly instant?: boolean;
}

export interface Threshold {
  readonly color: string;
  /** null is the base step. */
  readonly value: number | null;
}

interface PanelCommon {
  readonly title: string;
  readonly description: string;
  /** A Grafana unit id: ops, reqps, s, bytes, Bps, percentunit, short… */
  readonly unit: string;
  readonly queries: readonly Query[];
  readonly width?: number;
  readonly height?: number;
}

export type PanelSpec =
  | (PanelCommon & {
      readonly kind: 'timeseries';
      readonly stack?: boolean;
      readonly min?: number;
      readonly max?: number;
      /** Step lines for gauges that jump (0/1 flags, partition counts). */
      readonly steps?: boolean;
    })
  | (PanelCommon & {
      readonly kind: 'stat';
      readonly thresholds?: readonly Threshold[];
      readonly decimals?: number;
    })
  | (PanelCommon & { readonly kind: 'table' })
  | (PanelCommon & { readonly kind: 'heatmap' });

export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly rows: readonly RowSpec[];
  readonly annotations: readonly { name: string; expr: string; title: string; color: string }[];
}

type Json = Record<string, unknown>;

export const timeseries = (spec: Omit<Extract<PanelSpec, { kind: 'timeseries' }>, 'kind'>) =>
  ({ kind: 'timeseries', ...spec }) as const;
export const stat = (spec: Omit<Extract<PanelSpec, { kind: 'stat' }>, 'kind'>) =>
  ({ kind: 'stat', ...spec }) as const;
export const table = (spec: Omit<Extract<PanelSpec, { kind: 'table' }>, 'kind'>) =>
  ({ kind: 'table', ...spec }) as const;
export const heatmap = (spec: Omit<Extract<PanelSpec, { kind: 'heatmap' }>, 'kind'>) =>
  ({ kind: 'heatmap', ...spec }) as const;

function targets(panel: PanelSpec): Json[] {
  return panel.queries.map((q, i) => ({
    datasource: DATASOURCE,
    refId: String.fromCharCode(65 + i),
    expr: q.expr,
    legendFormat: q.legend ?? '__auto',
    range: !q.instant,
    instant: q.instant === true,
    ...(panel.kind === 'heatmap' ? { format: 'heatmap' } : {}),
    ...(panel.kind === 'table' ? { format: 'table' } : {}),
  }));
}

function thresholds(steps: readonly Threshold[] = [{ color: 'green', value: null }]): Json {
  return { mode: 'absolute', steps: steps.map((s) => ({ color: s.color, value: s.value })) };
}

function panelBody(panel: PanelSpec): Json {
  const defaults: Json = { unit: panel.unit, color: { mode: 'palette-classic' } };
  switch (panel.kind) {
    case 'timeseries':
      return {
        fieldConfig: {
          defaults: {
            ...defaults,
            ...(panel.min !== undefined ? { min: panel.min } : {}),
            ...(panel.max !== undefined ? { max: panel.max } : {}),
            custom: {
              drawStyle: 'line',
              lineInterpolation: panel.steps ? 'stepAfter' : 'linear',
              lineWidth: 1,
              fillOpacity: panel.stack ? 30 : 10,
              showPoints: 'never',
              spanNulls: false,
              stacking: { mode: panel.stack ? 'normal' : 'none', group: 'A' },
            },
          },
          overrides: [],
        },
        options: {
          legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] },
          tooltip: { mode: 'multi', sort: 'desc' },
        },
      };
    case 'stat':
      return {
        fieldConfig: {
          defaults: {
            ...defaults,
            color: { mode: 'thresholds' },
            thresholds: thresholds(panel.thresholds),
            ...(panel.decimals !== undefined ? { decimals: panel.decimals } : {}),
          },
          overrides: [],
        },
        options: {
          reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
          colorMode: 'value',
          graphMode: 'area',
          justifyMode: 'auto',
          orientation: 'auto',
          textMode: 'auto',
        },
      };
    case 'table':
      return {
        fieldConfig: { defaults: { ...defaults, custom: { align: 'auto' } }, overrides: [] },
        options: { showHeader: true, cellHeight: 'sm' },
        transformations: [
          { id: 'organize', options: { excludeByName: { Time: true, Value: true } } },
        ],
      };
    case 'heatmap':
      return {
        fieldConfig: { defaults: { ...defaults }, overrides: [] },
        options: {
          calculate: false,
          yAxis: { unit: panel.unit, axisPlacement: 'left' },
          cellGap: 1,
          color: { mode: 'scheme', scheme: 'Oranges', steps: 64 },
          tooltip: { mode: 'single', yHistogram: true },
          legend: { show: true },
        },
      };
  }
}

/** The dashboard's variables: datasource, then job → instance → topic, and the exporter's group. */
function templating(): Json {
  const query = (name: string, label: string, definition: string, all: boolean): Json => ({
    name,
    label,
    type: 'query',
    datasource: DATASOURCE,
    definition,
    // The plain-string form: every Grafana version parses label_values(...) from it, whereas the
    // object form of the newer editor needs its metric and label fields filled in separately.
    query: definition,
    refresh: 2,
    sort: 1,
    multi: all,
    includeAll: all,
    ...(all ? { allValue: '.*', current: { text: 'All', value: '$__all' } } : { current: {} }),
    options: [],
    hide: 0,
    regex: '',
  });
  return {
    list: [
      {
        name: 'datasource',
        label: 'Data source',
        type: 'datasource',
        query: 'prometheus',
        current: { text: 'Prometheus', value: DATASOURCE_UID },
        options: [],
        hide: 0,
        refresh: 1,
        regex: '',
      },
      query('job', 'Job', 'label_values(segment_mixpanel_build_info, job)', true),
      query(
        'instance',
        'Replica',
        'label_values(segment_mixpanel_build_info{job=~"$job"}, instance)',
        true,
      ),
      query(
        'topic',
        'Topic',
        'label_values(segment_mixpanel_kafka_messages_consumed_total{job=~"$job"}, topic)',
        true,
      ),
      query(
        'group',
        'Consumer group (kafka-exporter)',
        'label_values(kafka_consumergroup_members, consumergroup)',
        true,
      ),
    ],
  };
}

function annotations(spec: DashboardSpec): Json {
  return {
    list: [
      {
        builtIn: 1,
        datasource: { type: 'grafana', uid: '-- Grafana --' },
        enable: true,
        hide: true,
        iconColor: 'rgba(0, 211, 255, 1)',
        name: 'Annotations & Alerts',
        type: 'dashboard',
      },
      ...spec.annotations.map((a) => ({
        datasource: DATASOURCE,
        enable: true,
        expr: a.expr,
        iconColor: a.color,
        name: a.name,
        step: '30s',
        tagKeys: 'instance',
        titleFormat: a.title,
        useValueForTime: false,
      })),
    ],
  };
}

const GRID_WIDTH = 24;

export function buildDashboard(spec: DashboardSpec): Json {
  const panels: Json[] = [];
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: GRID_WIDTH, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    let lineHeight = 0;
    for (const panel of row.panels) {
      const w = panel.width ?? (panel.kind === 'stat' ? 3 : 8);
      const h = panel.height ?? (panel.kind === 'stat' ? 4 : 8);
      if (x + w > GRID_WIDTH) {
        x = 0;
        y += lineHeight;
        lineHeight = 0;
      }
      panels.push({
        id: id++,
        type: panel.kind,
        title: panel.title,
        description: panel.description,
        datasource: DATASOURCE,
        gridPos: { h, w, x, y },
        targets: targets(panel),
        ...panelBody(panel),
      });
      x += w;
      lineHeight = Math.max(lineHeight, h);
    }
    y += lineHeight;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: [TAG],
    editable: true,
    graphTooltip: 1,
    fiscalYearStartMonth: 0,
    liveNow: false,
    refresh: '10s',
    schemaVersion: SCHEMA_VERSION,
    time: { from: 'now-1h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    weekStart: '',
    version: 1,
    links: [
      {
        title: 'segment-mixpanel dashboards',
        type: 'dashboards',
        tags: [TAG],
        asDropdown: false,
        includeVars: true,
        keepTime: true,
        targetBlank: false,
        icon: 'external link',
        tooltip: '',
        url: '',
      },
    ],
    annotations: annotations(spec),
    templating: templating(),
    panels,
  };
}
