/**
 * Pictures of benchmark tables: a Vega-Lite spec compiled (vega-lite 5.23) and rendered to SVG headless by Vega 5.33
 * (no browser, no canvas: the SVG renderer measures text approximately, which only moves labels by a pixel or two).
 * Each picture is written beside its result JSON as `<result stem>[-<part>].svg`, so a run's numbers and pictures
 * share one name.
 */
import { writeFileSync } from 'node:fs';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type ChartSpec = TopLevelSpec;

export async function renderSvg(spec: ChartSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders `spec` and writes it beside `resultPath` (a .json from writeResults); returns the SVG's path. */
export async function writeChart(resultPath: string, spec: ChartSpec, part?: string): Promise<string> {
  const path = resultPath.replace(/\.json$/, `${part ? `-${part}` : ''}.svg`);
  writeFileSync(path, await renderSvg({ background: 'white', ...spec } as ChartSpec));
  return path;
}
