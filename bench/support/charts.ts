/**
 * The Vega-Lite specs of each benchmark's picture, built from the rows its result JSON holds (so `npm run bench --
 * plot <result.json>` redraws any earlier run): engine → recall/QPS curves, server → QPS bars and latency
 * percentile curves, cost → dollar bars beside the published prices, codes → recall and QPS against bytes/vector.
 */
import type { ChartSpec } from './plot.js';

export interface EngineChartRow {
  dataset: string;
  engine: string;
  ef: number;
  recall: number;
  qps: number;
}

/** Recall@k against QPS (log scale), one line per engine through its efs, one panel per dataset. */
export function engineChart(rows: EngineChartRow[], k: number): ChartSpec {
  return {
    title: `Recall@${k} vs single-thread QPS (up and right is better)`,
    data: { values: rows.map((r) => ({ ...r, family: r.engine.split(' ')[0] })) },
    facet: { column: { field: 'dataset', type: 'nominal', title: null } },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: 360,
      height: 280,
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'recall', type: 'quantitative', scale: { zero: false }, title: `recall@${k}` },
            y: { field: 'qps', type: 'quantitative', scale: { type: 'log' }, title: 'QPS (1 thread)' },
            color: { field: 'engine', type: 'nominal' },
            strokeDash: { field: 'family', type: 'nominal', legend: null },
            order: { field: 'ef', type: 'quantitative' },
            tooltip: [{ field: 'engine' }, { field: 'ef' }, { field: 'recall' }, { field: 'qps' }],
          },
        },
      ],
    },
  } as ChartSpec;
}

export interface ServerChartRow {
  scenario: string;
  segments: string;
  writer: boolean;
  qps: number;
  /** [percentile, ms] pairs from the load generator */
  percentiles: [number, number][];
}

/** QPS per scenario and segment config, idle vs with a concurrent writer. */
export function serverQpsChart(rows: ServerChartRow[]): ChartSpec {
  return {
    title: 'Local server under HTTP load: QPS',
    data: {
      values: rows.map((r) => ({ ...r, load: r.writer ? 'with a writer' : 'queries only', config: r.segments })),
    },
    facet: { column: { field: 'scenario', type: 'nominal', title: null } },
    spec: {
      width: 200,
      height: 240,
      mark: 'bar',
      encoding: {
        x: { field: 'config', type: 'nominal', title: null },
        xOffset: { field: 'load' },
        y: { field: 'qps', type: 'quantitative', title: 'QPS' },
        color: { field: 'load', type: 'nominal' },
      },
    },
  } as ChartSpec;
}

/** Latency by percentile (log ms), one line per scenario/config/load. */
export function serverLatencyChart(rows: ServerChartRow[]): ChartSpec {
  const values = rows.flatMap((r) =>
    r.percentiles.map(([p, ms]) => ({
      series: `${r.scenario} · ${r.segments} · ${r.writer ? 'writer' : 'idle'}`,
      percentile: p,
      ms,
    })),
  );
  return {
    title: 'Local server under HTTP load: latency percentiles',
    width: 520,
    height: 320,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'percentile', type: 'quantitative', title: 'percentile', scale: { domain: [0, 100] } },
      y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'latency (ms)' },
      color: { field: 'series', type: 'nominal' },
    },
  } as ChartSpec;
}

export interface CostChartRow {
  system: string;
  scenario: string;
  dollarsPerMillionQueries: number;
}

/** Dollars per million queries per system and scenario. */
export function costChart(rows: CostChartRow[], title: string): ChartSpec {
  return {
    title,
    width: 520,
    height: 300,
    data: { values: rows },
    mark: 'bar',
    encoding: {
      y: { field: 'scenario', type: 'nominal', title: null },
      yOffset: { field: 'system' },
      x: { field: 'dollarsPerMillionQueries', type: 'quantitative', title: '$ per million queries' },
      color: { field: 'system', type: 'nominal' },
    },
  } as ChartSpec;
}

export interface StorageCounts {
  gets: number;
  bytes: number;
  rounds: number;
}

export interface StorageChartRow {
  scenario: string;
  delayMs: number;
  coldFirstMs: number;
  coldNext5Ms: number;
  warmP50Ms: number;
  warmP99Ms: number;
  recall: number;
  inMemoryMs: number;
  inMemoryRecall: number;
  cold: StorageCounts;
  coldNext5: StorageCounts;
  warm: StorageCounts;
}

/** Query latency (log ms) against S3's time to first byte, one panel per phase (cold first, cold next-5, warm p50). */
export function storageChart(rows: StorageChartRow[]): ChartSpec {
  const values = rows.flatMap((r) => [
    { scenario: r.scenario, delayMs: r.delayMs, phase: '1 cold first query', ms: r.coldFirstMs },
    { scenario: r.scenario, delayMs: r.delayMs, phase: '2 cold next 5 (mean)', ms: r.coldNext5Ms },
    { scenario: r.scenario, delayMs: r.delayMs, phase: '3 warm p50', ms: r.warmP50Ms },
    { scenario: r.scenario, delayMs: r.delayMs, phase: '4 warm p99', ms: r.warmP99Ms },
  ]);
  return {
    title: "Query latency over S3 (moto + latency proxy) for the guide's scenarios",
    data: { values },
    facet: { column: { field: 'phase', type: 'nominal', title: null } },
    spec: {
      width: 200,
      height: 240,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'delayMs', type: 'quantitative', title: 'S3 time to first byte D (ms)' },
        y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'latency (ms)' },
        color: { field: 'scenario', type: 'nominal' },
      },
    },
  } as ChartSpec;
}

export interface CodesChartRow {
  dataset: string;
  code: string;
  engine: string;
  graph: string;
  oversampling: number;
  recall: number;
  qps: number;
  bytesPerVector: number | null;
}

/**
 * Recall@k (top) and QPS (bottom, log) against bytes per vector held hot (log), one point per code, engine and rescore
 * mode, one column per dataset; Qdrant's points sit at the bytes of Strata's same code.
 */
export function codesChart(rows: CodesChartRow[], k: number): ChartSpec {
  const bytes = new Map(
    rows.filter((r) => r.bytesPerVector !== null).map((r) => [`${r.dataset}|${r.code}`, r.bytesPerVector]),
  );
  const values = rows
    .filter((r) => r.graph !== 'graph on codes' && r.graph !== 'exact codes')
    .map((r) => ({
      ...r,
      bytesPerVector: bytes.get(`${r.dataset}|${r.code}`),
      mode: r.oversampling === 0 ? 'no rescore' : `rescore x${r.oversampling}`,
    }));
  const panel = (field: string, title: string, log: boolean) => ({
    facet: { column: { field: 'dataset', type: 'nominal', title: null } },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: 360,
      height: 220,
      mark: { type: 'point', filled: true, size: 60 },
      encoding: {
        x: { field: 'bytesPerVector', type: 'quantitative', scale: { type: 'log' }, title: 'bytes per vector (hot)' },
        y: { field, type: 'quantitative', scale: log ? { type: 'log' } : { zero: false }, title },
        color: { field: 'mode', type: 'nominal', title: null },
        shape: { field: 'engine', type: 'nominal', title: null },
        tooltip: [{ field: 'code' }, { field: 'engine' }, { field: 'mode' }, { field: 'recall' }, { field: 'qps' }],
      },
    },
  });
  return {
    title: `Quantization codes: recall@${k} and single-thread QPS against bytes per vector`,
    data: { values },
    vconcat: [panel('recall', `recall@${k}`, false), panel('qps', 'QPS (1 thread)', true)],
  } as unknown as ChartSpec;
}
