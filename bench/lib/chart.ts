/**
 * The sweep chart: a Vega-Lite specification rendered to SVG by Vega (headless, no browser) and
 * to PNG by resvg. One column per sweep dimension; CPU per event of the processor and the floor
 * on top, peak RSS below.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { SweepResult } from '../scenarios/sweep.js';

interface Datum {
  readonly dimension: string;
  readonly label: string;
  readonly order: number;
  readonly pipe: 'processor' | 'floor';
  readonly cpu: number;
  readonly rss: number;
}

export async function sweepChartPng(
  results: readonly SweepResult[],
  title: string,
): Promise<Buffer> {
  const data: Datum[] = results.flatMap((r, order) => [
    {
      dimension: r.dimension,
      label: r.label,
      order,
      pipe: 'processor' as const,
      cpu: r.processor.cpuMicrosPerEvent,
      rss: r.processor.peakRssBytes / 2 ** 20,
    },
    {
      dimension: r.dimension,
      label: r.label,
      order,
      pipe: 'floor' as const,
      cpu: r.floor.cpuMicrosPerEvent,
      rss: r.floor.peakRssBytes / 2 ** 20,
    },
  ]);
  const dimensions = [...new Set(results.map((r) => r.dimension))];
  const color = {
    field: 'pipe',
    type: 'nominal',
    title: null,
    scale: { domain: ['processor', 'floor'], range: ['#d1495b', '#00798c'] },
  } as const;
  const panel = (
    dimension: string,
    field: 'cpu' | 'rss',
    yTitle: string,
    xTitle: string | null,
  ) => ({
    width: 200,
    height: 170,
    transform: [{ filter: { field: 'dimension', equal: dimension } }],
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: {
        field: 'label',
        type: 'ordinal',
        sort: { field: 'order' },
        title: xTitle,
        axis: { labelAngle: 0 },
      },
      y: { field, type: 'quantitative', title: yTitle, scale: { zero: true } },
      color,
    },
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, fontSize: 12, anchor: 'start' },
    background: 'white',
    padding: 12,
    data: { values: data },
    vconcat: [
      {
        hconcat: dimensions.map((d, i) => panel(d, 'cpu', i === 0 ? 'CPU µs per event' : '', null)),
      },
      {
        hconcat: dimensions.map((d, i) => panel(d, 'rss', i === 0 ? 'peak RSS, MB' : '', d)),
      },
    ],
    config: { font: 'DejaVu Sans', legend: { orient: 'top' } },
  } as unknown as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG(2);
  view.finalize();
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } })
    .render()
    .asPng();
}
