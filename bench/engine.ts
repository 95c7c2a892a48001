/**
 * Engine benchmark: Strata's in-memory HNSW (float32; int8 without rescore; int8 + rescore) against hnswlib-node
 * (float32) and usearch (int8), built and queried in ONE process run on real data:
 *   GloVe-100 angular (100,000 base, Cosine) and Fashion-MNIST-784 (60,000 base, Euclid).
 * Every engine uses the same m / ef_construct and the same query ef list; QPS is single-threaded, one query at a
 * time, after a warm-up pass at each ef, the median of several timed passes that alternate between the engines;
 * recall@k is against the datasets' shipped exact ground truth.
 * Because the machine is shared and noisy, the figures to read are Strata/baseline ratios from the same run.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadFashionMnist, loadGlove, recallAtK, slice, type Dataset } from '../test/support/datasets.js';
import { createHnswlib } from './adapters/hnswlib.js';
import { qdrantFactories } from './adapters/qdrant-edge.js';
import { codeSetBytes, DEFAULT_SEED, strataFactories } from './adapters/strata.js';
import type { AnnEngine, EngineFactory, EngineKind, HnswParams, TimedPass } from './adapters/types.js';
import { createUsearch } from './adapters/usearch.js';
import { engineChart } from './support/charts.js';
import { writeChart } from './support/plot.js';
import { codeVersion, fixed, formatTable, machineInfo, writeResults, type Cell } from './support/results.js';
import { qpsAtRecall, type BaselineAtRecall } from './support/tradeoff.js';

export const description =
  "HNSW build time, single-thread QPS and recall@10: Strata vs Qdrant's engine (Qdrant Edge), hnswlib-node and usearch";

const DATASETS: Record<string, () => Promise<Dataset>> = { glove: loadGlove, fashion: loadFashionMnist };

interface Options {
  datasets: string[];
  engines: string[] | undefined;
  efs: number[];
  k: number;
  queries: number;
  /** 0 = the whole base; else the first `base` points with ground truth recomputed (quick runs) */
  base: number;
  warmup: number;
  /** timed passes per engine and ef; a cell is their median */
  passes: number;
  /** queries per turn inside a pass: engines take turns on slices of this many (0: a whole pass each) */
  chunk: number;
  params: HnswParams;
  oversampling: number;
  /** Strata's graph seed (level draws, locality order) */
  seed: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      datasets: { type: 'string', default: 'glove,fashion' },
      engines: { type: 'string' },
      ef: { type: 'string', default: '16,32,64,128,256' },
      k: { type: 'string', default: '10' },
      queries: { type: 'string', default: '1000' },
      base: { type: 'string', default: '0' },
      // default: a full untimed pass over the same queries at each ef (JIT tiers settle; short warm-ups skewed low efs)
      warmup: { type: 'string', default: 'all' },
      // one pass per cell swung by 2.5x between neighbouring efs (Qdrant's engine, GloVe i8); see bench/README.md
      passes: { type: 'string', default: '3' },
      // engines take turns on slices of this many queries inside a pass (0: a whole pass per engine); see measureEf
      chunk: { type: 'string', default: '100' },
      m: { type: 'string', default: '16' },
      'ef-construct': { type: 'string', default: '100' },
      oversampling: { type: 'string', default: '2' },
      // Strata's graph seed; recall at a saturated ef moves by a few results in 10,000 from one seed to another
      seed: { type: 'string', default: String(DEFAULT_SEED) },
    },
    strict: true,
  });
  const int = (name: string, v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got "${v}"`);
    return n;
  };
  const datasets = values.datasets.split(',').filter(Boolean);
  for (const d of datasets)
    if (!DATASETS[d]) throw new Error(`unknown dataset "${d}" (known: ${Object.keys(DATASETS).join(', ')})`);
  return {
    datasets,
    engines: values.engines?.split(',').filter(Boolean),
    efs: values.ef.split(',').map((v) => int('ef', v)),
    k: int('k', values.k),
    queries: int('queries', values.queries),
    base: int('base', values.base),
    warmup: values.warmup === 'all' ? Number.MAX_SAFE_INTEGER : int('warmup', values.warmup),
    passes: Math.max(1, int('passes', values.passes)),
    chunk: int('chunk', values.chunk),
    params: { m: int('m', values.m), efConstruct: int('ef-construct', values['ef-construct']) },
    oversampling: Number(values.oversampling),
    seed: int('seed', values.seed),
  };
}

interface RunRow {
  dataset: string;
  engine: string;
  kind: EngineKind;
  mode?: string;
  ef: number;
  queries: number;
  recall: number;
  /** queries ÷ wall seconds, the median of the timed passes */
  qps: number;
  /** queries ÷ process CPU seconds, the median of the timed passes: steadier when the machine is oversubscribed */
  qpsPerCpuSecond: number;
  /** wall QPS of every timed pass, in the order run (their spread says how noisy the cell is) */
  passQps: number[];
  meanLatencyMs: number;
  /** Strata rows only: Strata QPS / baseline QPS at the same ef. */
  qpsRatio?: Record<string, number>;
  /** Strata rows only: Strata QPS / baseline QPS interpolated at Strata's recall. */
  equalRecall?: Record<string, { ratio: number | null; bound: BaselineAtRecall['bound']; baselineQps: number | null }>;
}

interface BuildRow {
  dataset: string;
  engine: string;
  kind: EngineKind;
  mode?: string;
  config: string;
  /** Strata's quantized modes: bytes of the stored code set (`quantized` object); null otherwise */
  codeBytes?: number | null;
  buildSeconds: number;
  /** CPU seconds of the build where the engine measured them itself (out of process) */
  buildCpuSeconds?: number;
}

/** Builds one engine (timed, plus any shared work it reused) and converts the queries to its input form. */
async function buildEngine(
  engine: AnnEngine,
  ds: Dataset,
  nq: number,
  log: (s: string) => void,
): Promise<{ seconds: number; cpuSeconds?: number; prepared: unknown[] }> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const built = (await engine.build()) ?? {};
  const cpu = process.cpuUsage(cpu0);
  const reused = built.reusedSeconds ?? 0;
  // an out-of-process engine times its own build, so the pipe and its data loading stay off the clock
  const seconds = (built.seconds ?? (performance.now() - t0) / 1000) + reused;
  log(
    `  ${engine.name}: built in ${seconds.toFixed(1)} s${built.cpuSeconds !== undefined ? ` (${built.cpuSeconds.toFixed(1)} s CPU)` : ''}${reused > 0 ? ` (${reused.toFixed(1)} s of it shared work, measured once and reused)` : ''}`,
  );
  const prepared =
    'prepare' in engine
      ? Array.from({ length: nq }, (_, q) => engine.prepare(ds.queries.subarray(q * ds.dim, (q + 1) * ds.dim)))
      : [];
  // this process's CPU for an in-process build, plus that of the work it reused where measured (Strata's modes)
  const reusedCpu = reused === 0 ? 0 : built.reusedCpuSeconds;
  const cpuSeconds =
    built.cpuSeconds ??
    ('prepare' in engine && reusedCpu !== undefined ? (cpu.user + cpu.system) / 1e6 + reusedCpu : undefined);
  return { seconds, cpuSeconds, prepared };
}

/** One timed pass of one engine at one ef, one query at a time, after `warmup` untimed queries. */
async function timedPass(
  engine: AnnEngine,
  prepared: unknown[],
  ef: number,
  k: number,
  nq: number,
  warmup: number,
  from = 0,
): Promise<TimedPass> {
  if ('timedPass' in engine) return engine.timedPass(ef, k, nq, warmup, from);
  engine.setEf(ef);
  for (let q = 0; q < warmup; q++) engine.search(prepared[q], k);
  const found: ArrayLike<number>[] = new Array(nq);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let q = 0; q < nq; q++) found[q] = engine.search(prepared[from + q], k);
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { found, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A cell from an engine's timed passes at one ef: medians of wall and CPU QPS, recall of the first pass. */
function cellRow(engine: AnnEngine, ds: Dataset, ef: number, nq: number, k: number, passes: TimedPass[]): RunRow {
  const passQps = passes.map((p) => nq / p.seconds);
  const qps = median(passQps);
  return {
    dataset: ds.name,
    engine: engine.name,
    kind: engine.kind,
    mode: engine.mode,
    ef,
    queries: nq,
    recall: recallAtK(passes[0].found, ds.groundTruth, ds.gtK, k),
    qps,
    qpsPerCpuSecond: median(passes.map((p) => nq / p.cpuSeconds)),
    meanLatencyMs: 1000 / qps,
    passQps,
  };
}

/**
 * Every engine's passes at one ef, alternating: each engine's first pass is preceded by its warm-up. Inside a pass
 * the engines take turns on slices of `--chunk` queries (a pass of an engine is the sum of its slices' times), in
 * order on even turns and in reverse on odd ones, so a load change on the shared machine lands on every engine and
 * no engine always runs right after another's. The order groups engines by mode ("qdrant i8" beside "strata i8"),
 * so the slices a ratio divides run back to back. Why: with every mode's whole pass in turn, the two passes of a
 * ratio were up to ~16 passes (seconds) apart, and one cell's passes spread ±30% on a noisy machine.
 */
async function measureEf(
  engines: AnnEngine[],
  prepared: unknown[][],
  ds: Dataset,
  ef: number,
  opts: Options,
): Promise<RunRow[]> {
  const nq = Math.min(opts.queries, ds.nQueries);
  const passes: TimedPass[][] = engines.map(() => []);
  const order = byMode(engines);
  const chunk = opts.chunk > 0 ? opts.chunk : nq;
  for (let p = 0; p < opts.passes; p++) {
    const pass: TimedPass[] = engines.map(() => ({ found: [], seconds: 0, cpuSeconds: 0 }));
    for (let from = 0, turn = 0; from < nq; from += chunk, turn++) {
      const n = Math.min(chunk, nq - from);
      for (let i = 0; i < engines.length; i++) {
        const e = order[(p + turn) % 2 === 0 ? i : engines.length - 1 - i];
        const warmup = p === 0 && from === 0 ? Math.min(opts.warmup, nq) : 0;
        const slice = await timedPass(engines[e], prepared[e], ef, opts.k, n, warmup, from);
        pass[e].found.push(...slice.found);
        pass[e].seconds += slice.seconds;
        pass[e].cpuSeconds += slice.cpuSeconds;
      }
    }
    pass.forEach((t, e) => passes[e].push(t));
  }
  return engines.map((engine, e) => cellRow(engine, ds, ef, nq, opts.k, passes[e]));
}

/** Engine indexes grouped by mode (an engine without one by its name's last word), modes in first-seen order. */
function byMode(engines: AnnEngine[]): number[] {
  const modeOf = (e: AnnEngine): string => e.mode ?? e.name.split(' ').pop() ?? e.name;
  const first = new Map<string, number>();
  engines.forEach((e, i) => {
    if (!first.has(modeOf(e))) first.set(modeOf(e), i);
  });
  return engines
    .map((_, i) => i)
    .sort((a, b) => first.get(modeOf(engines[a]))! - first.get(modeOf(engines[b]))! || a - b);
}

/**
 * All engines are built first, then measured ef by ef, every engine back to back at each ef: on a shared machine
 * the load drifts over minutes, and interleaving keeps a Strata row and its baselines close in time.
 */
async function measureDataset(
  engines: AnnEngine[],
  ds: Dataset,
  opts: Options,
  log: (s: string) => void,
): Promise<{ builds: BuildRow[]; rows: RunRow[] }> {
  const nq = Math.min(opts.queries, ds.nQueries);
  const builds: BuildRow[] = [];
  const prepared: unknown[][] = [];
  for (const engine of engines) {
    log(`  ${engine.name}: ${engine.config}`);
    const b = await buildEngine(engine, ds, nq, log);
    const codeBytes = engine.kind === 'strata' && engine.mode !== undefined ? codeSetBytes(ds, engine.mode) : null;
    if (codeBytes !== null) {
      log(
        `    code set ${codeBytes} B (${(codeBytes / ds.nBase).toFixed(1)} B/vector; float32 ${4 * ds.dim} B/vector)`,
      );
    }
    builds.push({
      codeBytes,
      dataset: ds.name,
      engine: engine.name,
      kind: engine.kind,
      mode: engine.mode,
      config: engine.config,
      buildSeconds: b.seconds,
      buildCpuSeconds: b.cpuSeconds,
    });
    prepared.push(b.prepared);
  }
  const rows: RunRow[] = [];
  for (const ef of opts.efs) {
    for (const row of await measureEf(engines, prepared, ds, ef, opts)) {
      rows.push(row);
      const spread = row.passQps.length > 1 ? ` (passes ${row.passQps.map((q) => q.toFixed(0)).join(', ')})` : '';
      log(
        `    ef=${String(ef).padStart(3)}  ${row.engine.padEnd(18)} recall@${opts.k}=${row.recall.toFixed(4)}  QPS=${row.qps.toFixed(0)}${spread}`,
      );
    }
  }
  // table order: engine by engine, ef ascending
  rows.sort(
    (a, b) =>
      engines.findIndex((x) => x.name === a.engine) - engines.findIndex((x) => x.name === b.engine) || a.ef - b.ef,
  );
  return { builds, rows };
}

/** Qdrant's engine in the same mode is the baseline a Strata row is read against first; its column key. */
const QDRANT = 'qdrant';

/** The rows a Strata row is compared with under each key: every outside baseline, and Qdrant in the same mode. */
function comparisons(rows: RunRow[], row: { mode?: string }): Map<string, RunRow[]> {
  const out = new Map<string, RunRow[]>();
  const qdrant = rows.filter((r) => r.kind === 'qdrant' && r.mode === row.mode);
  if (qdrant.length > 0) out.set(QDRANT, qdrant);
  for (const r of rows.filter((x) => x.kind === 'baseline')) {
    const list = out.get(r.engine) ?? [];
    list.push(r);
    out.set(r.engine, list);
  }
  return out;
}

/** Fills the Strata rows' ratios against every baseline of the same dataset and Qdrant in the same mode. */
function addRatios(rows: RunRow[]): void {
  for (const row of rows.filter((r) => r.kind === 'strata')) {
    row.qpsRatio = {};
    row.equalRecall = {};
    for (const [b, points] of comparisons(rows, row)) {
      const same = points.find((p) => p.ef === row.ef);
      if (same) row.qpsRatio[b] = row.qps / same.qps;
      const at = qpsAtRecall(points, row.recall);
      row.equalRecall[b] = { ratio: at.qps === null ? null : row.qps / at.qps, bound: at.bound, baselineQps: at.qps };
    }
  }
}

function ratioCell(r: NonNullable<RunRow['equalRecall']>[string] | undefined): string | null {
  if (!r) return null;
  if (r.bound === 'above') return 'n/r';
  return `${r.bound === 'below' ? '≤' : ''}${r.ratio!.toFixed(2)}`;
}

function renderTables(builds: BuildRow[], rows: RunRow[], k: number): string {
  const baselines = [
    ...(rows.some((r) => r.kind === 'qdrant') ? [QDRANT] : []),
    ...new Set(rows.filter((r) => r.kind === 'baseline').map((r) => r.engine)),
  ];
  const out: string[] = [];
  for (const dataset of [...new Set(rows.map((r) => r.dataset))]) {
    out.push(`\n## ${dataset}\n`);
    const dsBuilds = builds.filter((b) => b.dataset === dataset);
    out.push(
      formatTable(
        ['engine', 'build s', 'CPU s', 'build ratio (Strata/baseline)'],
        dsBuilds.map((b): Cell[] => {
          const ratios =
            b.kind === 'strata'
              ? baselines
                  .map((n) => {
                    const base = dsBuilds.find((x) =>
                      n === QDRANT ? x.kind === 'qdrant' && x.mode === b.mode : x.engine === n,
                    );
                    return base ? `${base.engine}: ${(b.buildSeconds / base.buildSeconds).toFixed(2)}` : null;
                  })
                  .filter(Boolean)
                  .join(', ')
              : null;
          return [b.engine, fixed(b.buildSeconds, 1), fixed(b.buildCpuSeconds, 1), ratios];
        }),
      ),
    );
    out.push('');
    const headers = ['engine', 'ef', 'queries', `recall@${k}`, 'QPS', 'QPS/cpu-s', 'ms/query'];
    for (const b of baselines) {
      const short = b === QDRANT ? 'qdrant' : b.split(' ')[0];
      headers.push(`÷${short} same ef`, `÷${short} eq recall`);
    }
    out.push(
      formatTable(
        headers,
        rows
          .filter((r) => r.dataset === dataset)
          .map((r): Cell[] => {
            const cells: Cell[] = [
              r.engine,
              r.ef,
              r.queries,
              fixed(r.recall, 4),
              fixed(r.qps, 0),
              fixed(r.qpsPerCpuSecond, 0),
              fixed(r.meanLatencyMs, 3),
            ];
            for (const b of baselines) cells.push(fixed(r.qpsRatio?.[b], 2), ratioCell(r.equalRecall?.[b]));
            return cells;
          }),
      ),
    );
  }
  out.push(
    "\nStrata rows are read against Qdrant's engine in the same mode first (÷qdrant), then against hnswlib-node and usearch." +
      " CPU s: the build's CPU seconds (Qdrant: its own process; in-process engines: this process, plus the CPU of shared work a Strata mode reuses, as its build s adds its wall time)." +
      '\nQPS = queries ÷ wall seconds; QPS/cpu-s = queries ÷ process CPU seconds (steadier when the machine is oversubscribed); each the median of the timed passes.' +
      ' ÷baseline columns (wall QPS): Strata QPS ÷ baseline QPS; > 1 means Strata is faster. "same ef" compares at the same ef; "eq recall" = Strata QPS ÷ the baseline QPS interpolated (log-linear) at Strata\'s' +
      ' recall; "≤x" = the baseline\'s lowest ef already had higher recall (upper bound); "n/r" = the baseline never' +
      ' reached that recall at the efs measured.',
  );
  return out.join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  const started = performance.now();
  const startedCpu = process.cpuUsage();
  const machine = machineInfo();
  const code = codeVersion();
  const factories: EngineFactory[] = [
    createHnswlib,
    createUsearch,
    ...qdrantFactories(opts.oversampling),
    ...strataFactories(opts.oversampling, opts.seed),
  ];
  const log = (s: string): void => console.log(s);
  log('# engine benchmark');
  log(
    `machine: ${machine.cpus} cpus (${machine.cpuModel}), ${machine.memoryGiB} GiB, node ${machine.node}, ${machine.platform}/${machine.arch}`,
  );
  log(
    `code: commit ${code.commit}${code.libDirty ? ' + uncommitted changes in lib/' : code.libDirty === false ? ', lib/ clean' : ''}`,
  );
  log(
    `config: m=${opts.params.m} ef_construct=${opts.params.efConstruct} ef=[${opts.efs.join(', ')}] k=${opts.k} ` +
      `queries/ef ≤ ${opts.queries} (warm-up: ${opts.warmup >= opts.queries ? 'one full untimed pass' : `${opts.warmup} queries`} per ef; median of ${opts.passes} timed passes, engines taking turns every ${opts.chunk > 0 ? `${opts.chunk} queries` : 'pass'}) oversampling=${opts.oversampling} single-threaded`,
  );
  const builds: BuildRow[] = [];
  const rows: RunRow[] = [];
  const datasetsInfo: unknown[] = [];
  // the machine is shared: record how busy it was, so a surprising run can be explained
  const loads: { dataset: string; loadAverage1m: number }[] = [
    { dataset: '(start)', loadAverage1m: Number(loadavg()[0].toFixed(2)) },
  ];
  log(`load average (1 min) at start: ${loads[0].loadAverage1m} on ${machine.cpus} cpus`);
  for (const key of opts.datasets) {
    const t = performance.now();
    const full = await DATASETS[key]();
    const ds =
      opts.base > 0 && opts.base < full.nBase
        ? slice(full, opts.base, Math.min(opts.queries, full.nQueries), Math.max(opts.k, 10))
        : full;
    log(
      `\ndataset ${ds.name}: ${ds.nBase} base × ${ds.dim}d, ${ds.distance}, ${Math.min(opts.queries, ds.nQueries)} of ${ds.nQueries} queries, loaded in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    datasetsInfo.push({
      name: ds.name,
      distance: ds.distance,
      dim: ds.dim,
      nBase: ds.nBase,
      nQueries: ds.nQueries,
      queriesUsed: Math.min(opts.queries, ds.nQueries),
      gtK: ds.gtK,
    });
    const engines = factories
      .map((factory) => factory(ds, opts.params))
      .filter((engine) => !opts.engines || opts.engines.some((e) => engine.name.includes(e)));
    let measured: { builds: BuildRow[]; rows: RunRow[] };
    try {
      measured = await measureDataset(engines, ds, opts, log);
    } finally {
      for (const engine of engines) engine.close?.();
    }
    builds.push(...measured.builds);
    const dsRows = measured.rows;
    loads.push({ dataset: ds.name, loadAverage1m: Number(loadavg()[0].toFixed(2)) });
    log(`  load average (1 min) after ${ds.name}: ${loads[loads.length - 1].loadAverage1m}`);
    addRatios(dsRows);
    rows.push(...dsRows);
  }
  const table =
    renderTables(builds, rows, opts.k) +
    `\nload average (1 min): ${loads.map((l) => `${l.dataset === '(start)' ? 'at start' : `after ${l.dataset}`} ${l.loadAverage1m}`).join(', ')} on ${machine.cpus} cpus`;
  const totalSeconds = (performance.now() - started) / 1000;
  const totalCpu = process.cpuUsage(startedCpu);
  const totalCpuSeconds = (totalCpu.user + totalCpu.system) / 1e6;
  log(table);
  log(`\ntotal run time ${totalSeconds.toFixed(0)} s wall, ${totalCpuSeconds.toFixed(0)} s CPU (this process)`);
  const path = writeResults('engine', {
    benchmark: 'engine',
    startedAt: new Date(Date.now() - totalSeconds * 1000).toISOString(),
    totalSeconds,
    totalCpuSeconds,
    machine,
    code,
    config: { ...opts, threads: 1 },
    engines: builds.map((b) => ({ dataset: b.dataset, engine: b.engine, config: b.config })),
    datasets: datasetsInfo,
    loadAverages: loads,
    builds,
    rows,
    table,
  });
  log(`results: ${path}`);
  log(`picture: ${await writeChart(path, engineChart(rows, opts.k))}`);
}
