/**
 * Quantization codes benchmark: every code Strata encodes (float32, int8, TurboQuant 4/2/1.5/1 bits, binary 2/1.5/1
 * bits, product x8..x64), in ONE run, on a GloVe-100 (Cosine) and a Fashion-MNIST-784 (Euclid) slice: bytes per
 * vector held hot, recall@k without rescoring and rescored with the originals at each oversampling, single-thread
 * QPS, side by side with Qdrant's own engine (qdrant-edge-py, bench/adapters/qdrant-edge.ts) for the same code,
 * m / ef_construct and hnsw_ef.
 *
 * Strata's graphs are built as the segment writer builds them: int8 on its codes, every other code on float32. Two
 * more measurements ride along, each from the same run:
 *   - "JS QPS": the code walk with the codes in a plain array, so the scorers take their JS loops instead of the
 *     WebAssembly SIMD kernels (xor_popcnt, tq_dot, lut_f32): before/after of the kernels on the same graph;
 *   - "graph on codes" (binary and TurboQuant): the graph built on the codes' own estimates, as Qdrant builds a
 *     quantized segment's (binary: pairwise XOR estimates; TurboQuant: the decoded vectors), its build time and
 *     recall against the float32-built graph's.
 * Qdrant's shards are built in their own process while Strata builds; passes are timed back to back per code.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { normalizeRows, simdRows } from '../lib/distance/index.js';
import { buildHnswWith } from '../lib/index/build.js';
import {
  buildHnsw,
  floatScorer,
  InMemoryGraph,
  oversampledCount,
  type QueryScorer,
  SearchContext,
  searchPipelineSync,
} from '../lib/index/index.js';
import type { BinaryEncoding } from '../lib/model/collection-config.js';
import {
  BinaryScorer,
  binaryPairSimilarity,
  decodeTurbo,
  encodeBinary,
  Int8Scorer,
  PQ_KMEANS_ITERATIONS,
  PQ_KMEANS_SAMPLE,
  type ProductCompression,
  ProductScorer,
  quantize,
  quantizeProduct,
  quantizeTurbo,
  type TurboBits,
  TurboScorer,
  trainBinary,
} from '../lib/quantization/index.js';
import { type Dataset, loadFashionMnist, loadGlove, recallAtK, slice } from '../test/support/datasets.js';
import { Driver } from './adapters/qdrant-edge.js';
import type { BuildResult } from './adapters/types.js';
import { codesChart } from './support/charts.js';
import { writeChart } from './support/plot.js';
import { type Cell, codeVersion, fixed, formatTable, machineInfo, writeResults } from './support/results.js';

export const description =
  "every quantization code on GloVe/Fashion slices: bytes/vector, recall@10 (none, rescore x2/x4), QPS, vs Qdrant's engine";

const SEED = 42;
const QUANTILE = 0.99;

type CodeSpec =
  | { name: string; kind: 'float32' }
  | { name: string; kind: 'int8' }
  | { name: string; kind: 'turbo'; bits: TurboBits }
  | { name: string; kind: 'binary'; encoding: BinaryEncoding }
  | { name: string; kind: 'product'; compression: ProductCompression };

const CODES: readonly CodeSpec[] = [
  { name: 'float32', kind: 'float32' },
  { name: 'int8', kind: 'int8' },
  { name: 'turbo 4-bit', kind: 'turbo', bits: 'bits4' },
  { name: 'turbo 2-bit', kind: 'turbo', bits: 'bits2' },
  { name: 'turbo 1.5-bit', kind: 'turbo', bits: 'bits1_5' },
  { name: 'turbo 1-bit', kind: 'turbo', bits: 'bits1' },
  { name: 'binary 2-bit', kind: 'binary', encoding: 'two_bits' },
  { name: 'binary 1.5-bit', kind: 'binary', encoding: 'one_and_half_bits' },
  { name: 'binary 1-bit', kind: 'binary', encoding: 'one_bit' },
  { name: 'PQ x8', kind: 'product', compression: 'x8' },
  { name: 'PQ x16', kind: 'product', compression: 'x16' },
  { name: 'PQ x32', kind: 'product', compression: 'x32' },
  { name: 'PQ x64', kind: 'product', compression: 'x64' },
];

const DATASETS: Record<string, () => Promise<Dataset>> = { glove: loadGlove, fashion: loadFashionMnist };

interface Options {
  datasets: string[];
  base: Record<string, number>;
  queries: number;
  ef: number;
  k: number;
  m: number;
  efConstruct: number;
  oversamplings: number[];
  codes: string[] | undefined;
  qdrant: boolean;
  codesGraph: boolean;
  ceiling: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      datasets: { type: 'string', default: 'glove,fashion' },
      'glove-base': { type: 'string', default: '20000' },
      'fashion-base': { type: 'string', default: '10000' },
      queries: { type: 'string', default: '500' },
      ef: { type: 'string', default: '128' },
      k: { type: 'string', default: '10' },
      m: { type: 'string', default: '16' },
      'ef-construct': { type: 'string', default: '100' },
      oversampling: { type: 'string', default: '2,4' },
      codes: { type: 'string' },
      'no-qdrant': { type: 'boolean', default: false },
      'no-codes-graph': { type: 'boolean', default: false },
      'no-ceiling': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const int = (name: string, v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got "${v}"`);
    return n;
  };
  const datasets = values.datasets.split(',').filter(Boolean);
  for (const d of datasets) if (!DATASETS[d]) throw new Error(`unknown dataset "${d}"`);
  return {
    datasets,
    base: { glove: int('glove-base', values['glove-base']), fashion: int('fashion-base', values['fashion-base']) },
    queries: int('queries', values.queries),
    ef: int('ef', values.ef),
    k: int('k', values.k),
    m: int('m', values.m),
    efConstruct: int('ef-construct', values['ef-construct']),
    oversamplings: values.oversampling.split(',').map((v) => int('oversampling', v)),
    codes: values.codes?.split(',').map((c) => c.trim()),
    qdrant: !values['no-qdrant'],
    codesGraph: !values['no-codes-graph'],
    ceiling: !values['no-ceiling'],
  };
}

/** A code as Strata holds it for the run: its scorer over the arena codes and over a plain copy (JS loops). */
interface StrataCode {
  /** bytes per vector held hot: codes plus per-vector extras (norms, corrections, TQ scaling) */
  bytesPerVector: number;
  /** bytes per set independent of n (PQ centroids, binary statistics, TQ shift/scale), kept hot too */
  setBytes: number;
  encodeSeconds: number;
  scorer: ((q: Float32Array) => QueryScorer) | null;
  jsScorer: ((q: Float32Array) => QueryScorer) | null;
  graph: InMemoryGraph;
  /** the graph built on the codes' own estimates (binary, TurboQuant), with its build seconds */
  codesGraph?: { graph: InMemoryGraph; seconds: number };
}

export interface CodesRow {
  dataset: string;
  code: string;
  engine: 'strata' | 'qdrant';
  /** 'float32 graph' (as the segment writer builds), 'graph on codes' (item of the run), or Qdrant's */
  graph: string;
  /** 0 = no rescore */
  oversampling: number;
  recall: number;
  qps: number;
  bytesPerVector: number | null;
}

interface BuildRow {
  dataset: string;
  code: string;
  strataEncodeSeconds: number;
  strataGraphSeconds: number;
  codesGraphSeconds: number | null;
  qdrantSeconds: number | null;
  qdrantCpuSeconds: number | null;
  bytesPerVector: number;
  setBytes: number;
  jsQps: number | null;
}

const time = <T>(f: () => T): [T, number] => {
  const t = performance.now();
  const v = f();
  return [v, (performance.now() - t) / 1000];
};

/** Plain copies of a set's codes: its scorer then takes the JS loops (no arena), for the before/after figure. */
const plain = <S extends { codes: Uint8Array | Uint32Array }>(set: S): S => ({ ...set, codes: set.codes.slice() });

function decodedRows(set: Parameters<typeof decodeTurbo>[0], dim: number, cosine: boolean): Float32Array {
  const out = new Float32Array(set.n * dim);
  for (let i = 0; i < set.n; i++) out.set(decodeTurbo(set, i), i * dim);
  if (cosine) normalizeRows(out, dim);
  return out;
}

function buildStrata(
  spec: CodeSpec,
  ds: Dataset,
  data: Float32Array,
  floatGraph: InMemoryGraph,
  opts: Options,
): StrataCode {
  const { dim, distance } = ds;
  const n = ds.nBase;
  const hnsw = { m: opts.m, efConstruct: opts.efConstruct, seed: SEED };
  switch (spec.kind) {
    case 'float32':
      return {
        bytesPerVector: 4 * dim,
        setBytes: 0,
        encodeSeconds: 0,
        scorer: null,
        jsScorer: null,
        graph: floatGraph,
      };
    case 'int8': {
      const [set, seconds] = time(() => quantize(data, dim, distance, { quantile: QUANTILE }));
      const [graph, graphSeconds] = time(
        () => new InMemoryGraph(buildHnsw(data, dim, distance, { ...hnsw, codes: set })),
      );
      return {
        bytesPerVector: set.params.stride + 4,
        setBytes: 0,
        encodeSeconds: seconds + graphSeconds,
        scorer: (q) => new Int8Scorer(set, q),
        jsScorer: null,
        graph,
      };
    }
    case 'binary': {
      const [set, seconds] = time(() => encodeBinary(trainBinary(data, dim, distance, spec.encoding, 1), data));
      const js = plain(set);
      const out: StrataCode = {
        bytesPerVector: (set.codes.byteLength + set.norms.byteLength) / n,
        setBytes: set.params.mean === null ? 0 : 8 * dim,
        encodeSeconds: seconds,
        scorer: (q) => new BinaryScorer(set, q),
        jsScorer: (q) => new BinaryScorer(js, q),
        graph: floatGraph,
      };
      if (opts.codesGraph) {
        const [graph, s] = time(() => new InMemoryGraph(buildHnswWith(n, binaryPairSimilarity(set), hnsw)));
        out.codesGraph = { graph, seconds: s };
      }
      return out;
    }
    case 'turbo': {
      const [set, seconds] = time(() => quantizeTurbo(data, dim, distance, { bits: spec.bits, seed: SEED }));
      const js = plain(set);
      const out: StrataCode = {
        bytesPerVector:
          (set.codes.byteLength + set.scaling.byteLength + set.xm.byteLength + set.lengths.byteLength) / n,
        setBytes: set.params.shift.byteLength + set.params.scale.byteLength,
        encodeSeconds: seconds,
        scorer: (q) => new TurboScorer(set, q),
        jsScorer: (q) => new TurboScorer(js, q),
        graph: floatGraph,
      };
      if (opts.codesGraph) {
        const [graph, s] = time(() => {
          const rows = simdRows(decodedRows(set, dim, distance === 'Cosine'), dim);
          return new InMemoryGraph(buildHnsw(rows, dim, distance, hnsw));
        });
        out.codesGraph = { graph, seconds: s };
      }
      return out;
    }
    case 'product': {
      // the product's k-means budget (Qdrant's), not a bench-sized one: what a segment build trains
      const [set, seconds] = time(() =>
        quantizeProduct(data, dim, distance, { compression: spec.compression, seed: SEED }),
      );
      const js = plain(set);
      return {
        bytesPerVector: set.params.chunks,
        setBytes: set.params.centroids.byteLength,
        encodeSeconds: seconds,
        scorer: (q) => new ProductScorer(set, q),
        jsScorer: (q) => new ProductScorer(js, q),
        graph: floatGraph,
      };
    }
  }
}

/** One pass over the queries (an untimed warm-up pass first when asked); recall@k and wall QPS. */
function strataPass(
  ds: Dataset,
  data: Float32Array,
  graph: InMemoryGraph,
  scorer: ((q: Float32Array) => QueryScorer) | null,
  oversampling: number,
  nq: number,
  opts: Options,
  ctx: SearchContext,
  warmup: boolean,
): { recall: number; qps: number } {
  const run = (): ArrayLike<number>[] => {
    const found: ArrayLike<number>[] = new Array(nq);
    for (let q = 0; q < nq; q++) {
      const query = ds.queries.subarray(q * ds.dim, (q + 1) * ds.dim);
      const codes = scorer === null ? floatScorer(data, ds.dim, ds.distance, query) : scorer(query);
      const rescorer = scorer !== null && oversampling > 0 ? floatScorer(data, ds.dim, ds.distance, query) : null;
      const candidates = rescorer === null ? opts.k : oversampledCount(opts.k, oversampling);
      found[q] = searchPipelineSync(
        { n: ds.nBase, graph },
        codes,
        rescorer,
        { k: opts.k, candidates, ef: opts.ef },
        ctx,
      ).ids;
    }
    return found;
  };
  if (warmup) run();
  const t = performance.now();
  const found = run();
  const seconds = (performance.now() - t) / 1000;
  return { recall: recallAtK(found, ds.groundTruth, ds.gtK, opts.k), qps: nq / seconds };
}

/**
 * The code's ceiling: no graph, every base vector scored by the code's estimate, its top ceil(k·x) re-ranked with
 * float32 (x = 0: the top k as estimated). A graph walk only approximates this candidate list, so its recall at that
 * oversampling is bounded by this figure (to within the chance of a walk's misses landing on true neighbours): a floor
 * above it cannot be met by any ef for that code.
 */
function exactCodesPass(
  ds: Dataset,
  data: Float32Array,
  scorer: (q: Float32Array) => QueryScorer,
  oversamplings: readonly number[],
  nq: number,
  k: number,
): Map<number, number> {
  const found = new Map(oversamplings.map((x) => [x, new Array<ArrayLike<number>>(nq)]));
  const estimates = new Float64Array(ds.nBase);
  const order = Array.from({ length: ds.nBase }, (_, i) => i);
  for (let q = 0; q < nq; q++) {
    const query = ds.queries.subarray(q * ds.dim, (q + 1) * ds.dim);
    const codes = scorer(query);
    for (let i = 0; i < ds.nBase; i++) estimates[i] = codes.score(i);
    order.sort((a, b) => estimates[b] - estimates[a] || a - b);
    const exact = floatScorer(data, ds.dim, ds.distance, query);
    for (const x of oversamplings) {
      const top = order.slice(0, x === 0 ? k : oversampledCount(k, x));
      if (x > 0) top.sort((a, b) => exact.score(b) - exact.score(a) || a - b);
      found.get(x)![q] = top.slice(0, k);
    }
  }
  return new Map([...found].map(([x, ids]) => [x, recallAtK(ids, ds.groundTruth, ds.gtK, k)]));
}

/** Qdrant's shard name and build message for a code. */
function qdrantBuild(spec: CodeSpec): Record<string, unknown> {
  return {
    int8: spec.kind === 'int8',
    quantile: QUANTILE,
    binary: spec.kind === 'binary' ? { encoding: spec.encoding } : null,
    turbo: spec.kind === 'turbo' ? spec.bits : null,
    product: spec.kind === 'product' ? spec.compression : null,
  };
}

async function measureDataset(
  ds: Dataset,
  specs: readonly CodeSpec[],
  opts: Options,
  log: (s: string) => void,
): Promise<{ rows: CodesRow[]; builds: BuildRow[]; floatGraphSeconds: number }> {
  const nq = ds.nQueries;
  const driver = opts.qdrant ? new Driver(ds) : null;
  const qdrantBuilds = new Map<string, Promise<BuildResult>>();
  try {
    // Qdrant's shards build in their own process, one after another, while this process builds Strata's
    if (driver !== null) {
      await driver.load();
      for (const spec of specs) {
        qdrantBuilds.set(
          spec.name,
          driver.request<BuildResult>({
            cmd: 'build',
            name: spec.name,
            dir: `${driver.dir}/${spec.name.replace(/[^a-z0-9]+/gi, '-')}`,
            distance: ds.distance,
            m: opts.m,
            ef_construct: opts.efConstruct,
            ...qdrantBuild(spec),
          }),
        );
        // a failed build is reported where it is awaited; keep the rejection handled meanwhile
        qdrantBuilds.get(spec.name)!.catch(() => {});
      }
    }
    const data = ds.base.slice();
    if (ds.distance === 'Cosine') normalizeRows(data, ds.dim);
    const rows = simdRows(data, ds.dim);
    const [floatGraph, floatGraphSeconds] = time(
      () =>
        new InMemoryGraph(
          buildHnsw(rows, ds.dim, ds.distance, { m: opts.m, efConstruct: opts.efConstruct, seed: SEED }),
        ),
    );
    log(`  float32 graph: ${floatGraphSeconds.toFixed(1)} s`);
    const ctx = new SearchContext(ds.nBase);
    const out: CodesRow[] = [];
    const builds: BuildRow[] = [];
    // every Strata code is built before any pass, while Qdrant's driver builds its shards (it answers in order, so a
    // pass request would wait behind every queued build)
    const built = specs.map((spec) => {
      const code = buildStrata(spec, ds, rows, floatGraph, opts);
      log(
        `  ${spec.name}: ${code.bytesPerVector.toFixed(1)} B/vector, encoded in ${code.encodeSeconds.toFixed(1)} s` +
          (code.codesGraph ? `, graph on codes ${code.codesGraph.seconds.toFixed(1)} s` : ''),
      );
      return code;
    });
    for (const [c, spec] of specs.entries()) {
      const code = built[c];
      log(`  ${spec.name}:`);
      const modes = spec.kind === 'float32' ? [0] : [0, ...opts.oversamplings];
      const add = (
        engine: CodesRow['engine'],
        graph: string,
        oversampling: number,
        r: { recall: number; qps: number },
      ) => {
        out.push({
          dataset: ds.name,
          code: spec.name,
          engine,
          graph,
          oversampling,
          recall: r.recall,
          qps: r.qps,
          bytesPerVector: engine === 'strata' ? code.bytesPerVector : null,
        });
        log(
          `    ${engine.padEnd(6)} ${graph.padEnd(14)} ${oversampling === 0 ? 'no rescore' : `rescore x${oversampling}`}: recall@${opts.k} ${r.recall.toFixed(4)}${Number.isNaN(r.qps) ? '' : `  QPS ${r.qps.toFixed(0)}`}`,
        );
      };
      modes.forEach((x, i) => {
        add('strata', 'float32 graph', x, strataPass(ds, rows, code.graph, code.scorer, x, nq, opts, ctx, i === 0));
      });
      let jsQps: number | null = null;
      if (code.jsScorer !== null) {
        const js = strataPass(ds, rows, code.graph, code.jsScorer, 0, nq, opts, ctx, true);
        jsQps = js.qps;
        log(
          `    strata JS loops (no SIMD kernels), no rescore: recall ${js.recall.toFixed(4)}  QPS ${js.qps.toFixed(0)}`,
        );
      }
      if (code.scorer !== null && opts.ceiling) {
        for (const [x, recall] of exactCodesPass(ds, rows, code.scorer, modes, nq, opts.k)) {
          add('strata', 'exact codes', x, { recall, qps: Number.NaN });
        }
      }
      if (code.codesGraph) {
        for (const [i, x] of modes.entries()) {
          add(
            'strata',
            'graph on codes',
            x,
            strataPass(ds, rows, code.codesGraph.graph, code.scorer, x, nq, opts, ctx, i === 0),
          );
        }
      }
      let qBuild: BuildResult | null = null;
      if (driver !== null) {
        qBuild = await qdrantBuilds.get(spec.name)!;
        for (const x of modes) {
          const reply = await driver.request<{ seconds: number; ids: number[][] }>({
            cmd: 'run',
            name: spec.name,
            ef: opts.ef,
            k: opts.k,
            nq,
            warmup: x === 0 ? nq : 0,
            rescore: spec.kind === 'float32' ? null : x > 0,
            oversampling: x > 0 ? x : null,
          });
          add('qdrant', 'qdrant', x, {
            recall: recallAtK(reply.ids, ds.groundTruth, ds.gtK, opts.k),
            qps: nq / reply.seconds,
          });
        }
      }
      builds.push({
        dataset: ds.name,
        code: spec.name,
        strataEncodeSeconds: code.encodeSeconds,
        strataGraphSeconds: spec.kind === 'int8' ? 0 : floatGraphSeconds,
        codesGraphSeconds: code.codesGraph?.seconds ?? null,
        qdrantSeconds: qBuild?.seconds ?? null,
        qdrantCpuSeconds: qBuild?.cpuSeconds ?? null,
        bytesPerVector: code.bytesPerVector,
        setBytes: code.setBytes,
        jsQps,
      });
    }
    return { rows: out, builds, floatGraphSeconds };
  } finally {
    driver?.close();
  }
}

function renderTables(rows: CodesRow[], builds: BuildRow[], opts: Options): string {
  const out: string[] = [];
  const xs = [0, ...opts.oversamplings];
  const modeNames = xs.map((x) => (x === 0 ? 'none' : `x${x}`)).join(' / ');
  const triple = (r: CodesRow[], f: (x: CodesRow) => string | null): string =>
    xs
      .map((x) => r.find((v) => v.oversampling === x))
      .filter((v): v is CodesRow => v !== undefined)
      .map((v) => f(v) ?? '')
      .join(' / ');
  for (const dataset of [...new Set(rows.map((r) => r.dataset))]) {
    out.push(`\n## ${dataset}\n`);
    const dsRows = rows.filter((r) => r.dataset === dataset);
    const body = builds
      .filter((b) => b.dataset === dataset)
      .map((b): Cell[] => {
        const ours = dsRows.filter((r) => r.code === b.code && r.engine === 'strata' && r.graph === 'float32 graph');
        const theirs = dsRows.filter((r) => r.code === b.code && r.engine === 'qdrant');
        const ceiling = dsRows.filter((r) => r.code === b.code && r.graph === 'exact codes');
        const none = ours.find((r) => r.oversampling === 0);
        return [
          b.code,
          fixed(b.bytesPerVector, 1),
          triple(ours, (r) => fixed(r.recall, 3)),
          triple(theirs, (r) => fixed(r.recall, 3)),
          triple(ceiling, (r) => fixed(r.recall, 3)),
          triple(ours, (r) => fixed(r.qps, 0)),
          triple(theirs, (r) => fixed(r.qps, 0)),
          b.jsQps === null || none === undefined ? null : `${fixed(b.jsQps, 0)} → ${fixed(none.qps, 0)}`,
          `${fixed(b.strataEncodeSeconds, 1)} + ${fixed(b.strataGraphSeconds, 1)}`,
          fixed(b.qdrantSeconds, 1),
        ];
      });
    out.push(
      formatTable(
        [
          'code',
          'B/vec hot',
          `Strata recall@${opts.k} ${modeNames}`,
          `Qdrant recall@${opts.k} ${modeNames}`,
          `ceiling: exact codes ${modeNames}`,
          `Strata QPS ${modeNames}`,
          `Qdrant QPS ${modeNames}`,
          'Strata QPS none: JS → SIMD',
          'Strata build s (codes + graph)',
          'Qdrant build s',
        ],
        body,
      ),
    );
    const onCodes = builds.filter((b) => b.dataset === dataset && b.codesGraphSeconds !== null);
    if (onCodes.length > 0) {
      out.push(`\nGraph built on float32 (as the segment writer does) vs on the codes (as Qdrant does), ${dataset}:\n`);
      out.push(
        formatTable(
          [
            'code',
            'build s float32 graph',
            'build s graph on codes',
            `recall float32 graph ${modeNames}`,
            `recall graph on codes ${modeNames}`,
            `QPS float32 graph ${modeNames}`,
            `QPS graph on codes ${modeNames}`,
          ],
          onCodes.map((b): Cell[] => {
            const f = dsRows.filter((r) => r.code === b.code && r.engine === 'strata' && r.graph === 'float32 graph');
            const c = dsRows.filter((r) => r.code === b.code && r.engine === 'strata' && r.graph === 'graph on codes');
            return [
              b.code,
              fixed(b.strataGraphSeconds, 1),
              fixed(b.codesGraphSeconds, 1),
              triple(f, (r) => fixed(r.recall, 3)),
              triple(c, (r) => fixed(r.recall, 3)),
              triple(f, (r) => fixed(r.qps, 0)),
              triple(c, (r) => fixed(r.qps, 0)),
            ];
          }),
        ),
      );
    }
  }
  out.push(
    `\nB/vec hot: bytes per vector a warm worker holds (codes + per-vector norms/corrections/scales; float32: the originals);` +
      ' per-set constants (PQ centroids, binary statistics, TQ shift/scale) are in the JSON (setBytes).' +
      ` Recall@${opts.k} against exact top-${opts.k} of the slice; rescore xN = ceil(k·N) candidates re-ranked with float32.` +
      ' Ceiling: no graph, every vector scored by the code, its top k (none) or ceil(k·N) re-ranked: what a walk at any ef' +
      ' approaches from below (--no-ceiling skips it).' +
      ` QPS: single thread, one query at a time, hnsw_ef ${opts.ef}, after an untimed warm-up pass; Qdrant: timed in its own process.` +
      ' JS → SIMD: the same walk with the codes in a plain array (JS loops) and in a SIMD arena (wasm kernels).' +
      ` PQ training: the product's budget, Qdrant's (${PQ_KMEANS_SAMPLE} sampled rows × up to ${PQ_KMEANS_ITERATIONS} k-means iterations per chunk).`,
  );
  return out.join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  const started = performance.now();
  const machine = machineInfo();
  const code = codeVersion();
  const specs = CODES.filter((c) => !opts.codes || opts.codes.includes(c.name));
  const log = (s: string): void => console.log(s);
  log('# codes benchmark');
  log(`machine: ${machine.cpus} cpus (${machine.cpuModel}), ${machine.memoryGiB} GiB, node ${machine.node}`);
  log(`code: commit ${code.commit}${code.libDirty ? ' + uncommitted changes in lib/' : ''}`);
  log(
    `config: base glove ${opts.base.glove} / fashion ${opts.base.fashion}, ${opts.queries} queries, m=${opts.m} ef_construct=${opts.efConstruct} ` +
      `hnsw_ef=${opts.ef} k=${opts.k} oversampling ${opts.oversamplings.join(', ')}, PQ k-means ${PQ_KMEANS_SAMPLE}×${PQ_KMEANS_ITERATIONS}, ` +
      `codes: ${specs.map((s) => s.name).join(', ')}; Qdrant ${opts.qdrant ? 'on' : 'off'}; graph on codes ${opts.codesGraph ? 'on' : 'off'}`,
  );
  const loads: { at: string; loadAverage1m: number }[] = [{ at: 'start', loadAverage1m: loadavg()[0] }];
  log(`load average (1 min) at start: ${loads[0].loadAverage1m.toFixed(1)}`);
  const rows: CodesRow[] = [];
  const builds: BuildRow[] = [];
  const datasets: unknown[] = [];
  for (const key of opts.datasets) {
    const full = await DATASETS[key]();
    const ds = slice(full, Math.min(opts.base[key], full.nBase), Math.min(opts.queries, full.nQueries), opts.k);
    log(`\ndataset ${ds.name}: ${ds.nBase} × ${ds.dim}d ${ds.distance}, ${ds.nQueries} queries`);
    datasets.push({ name: ds.name, distance: ds.distance, dim: ds.dim, nBase: ds.nBase, nQueries: ds.nQueries });
    const measured = await measureDataset(ds, specs, opts, log);
    rows.push(...measured.rows);
    builds.push(...measured.builds);
    loads.push({ at: `after ${ds.name}`, loadAverage1m: loadavg()[0] });
  }
  const table =
    renderTables(rows, builds, opts) +
    `\nload average (1 min): ${loads.map((l) => `${l.at} ${l.loadAverage1m.toFixed(1)}`).join(', ')} on ${machine.cpus} cpus`;
  const totalSeconds = (performance.now() - started) / 1000;
  log(table);
  log(`\ntotal run time ${totalSeconds.toFixed(0)} s`);
  const path = writeResults('codes', {
    benchmark: 'codes',
    startedAt: new Date(Date.now() - totalSeconds * 1000).toISOString(),
    totalSeconds,
    machine,
    code,
    config: opts,
    datasets,
    loadAverages: loads,
    builds,
    rows,
    table,
  });
  log(`results: ${path}`);
  log(`picture: ${await writeChart(path, codesChart(rows, opts.k))}`);
}
