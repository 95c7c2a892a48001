/**
 * Redraws the picture of an earlier result: `npm run bench -- plot bench/results/<name>-<stamp>.json` writes the same
 * SVG(s) the benchmark writes at the end of a run, from the rows in the JSON (useful after a chart change, or for a
 * run that predates its picture).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { codesChart, costChart, engineChart, serverLatencyChart, serverQpsChart } from './support/charts.js';
import { type ChartSpec, writeChart } from './support/plot.js';

export const description = 'redraws the SVG picture(s) of a result JSON: plot <bench/results/…json>';

export async function main(argv: string[]): Promise<void> {
  const file = argv[0];
  if (!file) throw new Error('usage: npm run bench -- plot <bench/results/<name>-<stamp>.json>');
  const path = resolve(file);
  const result = JSON.parse(readFileSync(path, 'utf8')) as {
    benchmark: string;
    rows?: unknown[];
    config?: { k?: number };
    charts?: { part?: string; kind: string }[];
  } & Record<string, unknown>;
  const charts: [ChartSpec, string | undefined][] = [];
  if (result.benchmark === 'engine')
    charts.push([engineChart(result.rows as Parameters<typeof engineChart>[0], result.config?.k ?? 10), undefined]);
  else if (result.benchmark === 'server') {
    const rows = result.rows as Parameters<typeof serverQpsChart>[0];
    charts.push([serverQpsChart(rows), 'qps'], [serverLatencyChart(rows), 'latency']);
  } else if (result.benchmark === 'cost')
    charts.push([costChart(result.chartRows as Parameters<typeof costChart>[0], String(result.chartTitle)), undefined]);
  else if (result.benchmark === 'codes')
    charts.push([codesChart(result.rows as Parameters<typeof codesChart>[0], result.config?.k ?? 10), undefined]);
  else throw new Error(`no picture for benchmark "${result.benchmark}"`);
  for (const [spec, part] of charts) console.log(`picture: ${await writeChart(path, spec, part)}`);
}
