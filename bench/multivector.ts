/**
 * Multivector benchmark: the workload of test/e2e/multivector-recall.test.ts (test/support/multivector-glove.ts:
 * GloVe-100 rows grouped into token matrices of 2-6 rows, queries of 3 GloVe query rows, Cosine MaxSim) through
 * Strata's engine and Qdrant's (qdrant-edge-py, a MaxSim multivector shard) in one run, at the same m / ef_construct
 * and every hnsw_ef: recall@k against brute-force MaxSim, single-thread QPS, build time. It tells whether a recall
 * gap is Strata's graph or the data: both engines see the same documents, queries and truth.
 *
 * Strata is measured as a segment runs it: the graph from lib/index/multivector-build.ts (what the segment writer
 * calls), the walk over a MaxSimScorer with one float32 SIMD scorer per query row (lib/segment/space.ts), one graph
 * over every document. Qdrant builds one segment (one indexing thread) and searches with one thread.
 *
 * `--int8` adds both engines' scalar int8 modes (quantile 0.99, walk on codes, no rescoring): Qdrant's int8 shard, and
 * Strata's codes walked over two graphs: `strata i8` built on the codes' MaxSim estimates (what the segment writer
 * builds for an int8 multivector space, as Qdrant does), `strata i8/f32-graph` built on float32 (what it built
 * before), so the build time and recall of building on codes are measured against the same walk.
 *
 * `--build-links-only` adds `strata f32 no-rnn`: the same build without the reverse-nearest-neighbour links
 * (lib/index/multivector-refine.ts), so their recall, QPS and build time are compared in the same run.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { simdRows } from '../lib/distance/index.js';
import {
  DEFAULT_EF_CONSTRUCT,
  DEFAULT_M,
  floatScorer,
  type HnswGraph,
  InMemoryGraph,
  type QueryScorer,
  SearchContext,
  searchHnsw,
} from '../lib/index/index.js';
import { MaxSimScorer, queryRows } from '../lib/index/max-sim-scorer.js';
import { buildMultivectorHnsw } from '../lib/index/multivector-build.js';
import { Int8Scorer, type QuantizedSet, quantize } from '../lib/quantization/index.js';
import { loadGlove } from '../test/support/datasets.js';
import {
  gloveTokenMatrices,
  MULTIVECTOR_ROWS,
  MULTIVECTOR_SEED,
  maxSimTopK,
  QUERY_ROWS,
  queryMatrix,
} from '../test/support/multivector-glove.js';
import { benchArgs, numberList } from './support/args.js';
import { BENCH_PYTHON_REQUIREMENTS, qdrantEdgePython } from './support/python-bench.js';
import { type Cell, codeVersion, fixed, formatTable, machineInfo, writeResults } from './support/results.js';

export const description = "multivector MaxSim on GloVe token matrices: recall@10, QPS, build vs Qdrant's engine";

const DRIVER = fileURLToPath(new URL('./adapters/qdrant-edge-multivector-driver.py', import.meta.url));
/** the e2e test's query count: its figures are also reported over the first TEST_QUERIES queries */
const TEST_QUERIES = 60;
const QUANTILE = 0.99;

interface Pass {
  found: number[][];
  seconds: number;
}

/** Qdrant Edge in its own process (protocol in the driver's header); one request at a time. */
class QdrantMultivector {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: ((line: string) => void)[] = [];
  private stderr = '';
  readonly dir = mkdtempSync(join(tmpdir(), 'strata-bench-mv-'));

  constructor() {
    this.child = spawn(qdrantEdgePython(), [DRIVER], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.pending.shift()?.(line));
    this.child.on('exit', (code) => {
      for (const w of this.pending.splice(0)) w(JSON.stringify({ error: `driver exited (${code}): ${this.stderr}` }));
    });
  }

  request<T>(msg: Record<string, unknown>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push((line) => {
        const reply = JSON.parse(line) as T & { error?: string };
        if (reply.error) reject(new Error(`qdrant-edge driver: ${reply.error}`));
        else resolve(reply);
      });
      this.child.stdin.write(`${JSON.stringify(msg)}\n`);
    });
  }

  file(name: string, data: ArrayBufferView): string {
    const path = join(this.dir, name);
    writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return path;
  }

  close(): void {
    this.child.stdin.end();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function recall(found: readonly (readonly number[])[], truth: readonly number[][], k: number, upTo: number): number {
  let hits = 0;
  for (let q = 0; q < upTo; q++) {
    const want = new Set(truth[q]);
    hits += found[q].slice(0, k).filter((id) => want.has(id)).length;
  }
  return hits / (upTo * k);
}

export async function main(argv: string[]): Promise<void> {
  const opts = benchArgs(argv, {
    rows: MULTIVECTOR_ROWS,
    queries: 300,
    k: 10,
    m: DEFAULT_M,
    'ef-construct': DEFAULT_EF_CONSTRUCT,
    ef: '100,256,512',
    warmup: 30,
    engines: 'strata,qdrant',
    int8: false,
    'build-links-only': false,
  });
  const efs = numberList('ef', opts.ef);
  const engines = opts.engines.split(',');
  const { m, k } = opts;
  const efConstruct = opts['ef-construct'];
  const ds = await loadGlove();
  const set = gloveTokenMatrices(ds, opts.rows);
  const nq = Math.min(opts.queries, Math.floor(ds.nQueries / QUERY_ROWS));
  const config = {
    dataset: ds.name,
    rows: opts.rows,
    documents: set.docs,
    groupingSeed: MULTIVECTOR_SEED,
    queryRows: QUERY_ROWS,
    queries: nq,
    k,
    m,
    efConstruct,
    efs,
    engines,
    int8: opts.int8,
    buildLinksOnly: opts['build-links-only'],
    qdrant: BENCH_PYTHON_REQUIREMENTS.join(' '),
    load1: loadavg()[0],
  };
  console.log(JSON.stringify({ machine: machineInfo(), config }, null, 2));

  const queries = Array.from({ length: nq }, (_, q) => queryMatrix(ds, q));
  const t0 = performance.now();
  const truth = queries.map((q) => maxSimTopK(set, q, k));
  console.log(`brute-force MaxSim truth for ${nq} queries: ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const qdrant = engines.includes('qdrant') ? new QdrantMultivector() : null;
  try {
    // Qdrant builds in its own process while Strata builds here
    const qdrantBuild = qdrant
      ? (async () => {
          const flatQueries = Float32Array.from(queries.flat(2));
          await qdrant.request({
            cmd: 'load',
            rows: qdrant.file('rows.f32', set.base),
            starts: qdrant.file('starts.u32', set.starts),
            queries: qdrant.file('queries.f32', flatQueries),
            docs: set.docs,
            nq,
            query_rows: QUERY_ROWS,
            dim: set.dim,
          });
          const built: Record<string, { seconds: number; cpuSeconds: number }> = {};
          for (const shard of opts.int8 ? ['f32', 'i8'] : ['f32']) {
            built[shard] = await qdrant.request<{ seconds: number; cpuSeconds: number }>({
              cmd: 'build',
              name: shard,
              dir: join(qdrant.dir, shard),
              m,
              ef_construct: efConstruct,
              int8: shard === 'i8',
              quantile: QUANTILE,
            });
          }
          return built;
        })()
      : null;

    const rows = simdRows(set.unit, set.dim);
    const timed = <T>(what: string, build: () => T): { value: T; seconds: number; cpuSeconds: number } => {
      const c = process.cpuUsage();
      const t = performance.now();
      const value = build();
      const cpu = process.cpuUsage(c);
      const seconds = (performance.now() - t) / 1000;
      console.log(`${what}: ${seconds.toFixed(1)} s`);
      return { value, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
    };
    /** Strata's modes: a graph, how a query row is scored, and the build figures (codes training included) */
    const strata: {
      name: string;
      graph: HnswGraph;
      scorer: (row: Float32Array) => QueryScorer;
      seconds: number;
      cpuSeconds: number;
    }[] = [];
    if (engines.includes('strata')) {
      const f32 = timed('strata f32 build', () =>
        buildMultivectorHnsw(set.unit, set.starts, set.dim, 'Cosine', { m, efConstruct }),
      );
      strata.push({
        name: 'strata f32',
        graph: f32.value,
        scorer: (row) => floatScorer(rows, set.dim, 'Cosine', row),
        ...f32,
      });
      if (opts['build-links-only']) {
        const plain = timed('strata f32 build without reverse links', () =>
          buildMultivectorHnsw(set.unit, set.starts, set.dim, 'Cosine', { m, efConstruct, reverseLinks: false }),
        );
        strata.push({
          name: 'strata f32 no-rnn',
          graph: plain.value,
          scorer: (row) => floatScorer(rows, set.dim, 'Cosine', row),
          ...plain,
        });
      }
      if (opts.int8) {
        const codes = timed('strata int8 codes', () => quantize(set.unit, set.dim, 'Cosine', { quantile: QUANTILE }));
        const onCodes = timed('strata i8 build (graph on codes)', () =>
          buildMultivectorHnsw(set.unit, set.starts, set.dim, 'Cosine', { m, efConstruct, codes: codes.value }),
        );
        const scorer = (row: Float32Array) => new Int8Scorer(codes.value as QuantizedSet, row);
        strata.push({
          name: 'strata i8',
          graph: onCodes.value,
          scorer,
          seconds: codes.seconds + onCodes.seconds,
          cpuSeconds: codes.cpuSeconds + onCodes.cpuSeconds,
        });
        strata.push({
          name: 'strata i8/f32-graph',
          graph: f32.value,
          scorer,
          seconds: codes.seconds + f32.seconds,
          cpuSeconds: codes.cpuSeconds + f32.cpuSeconds,
        });
      }
    }
    const qBuild = qdrantBuild ? await qdrantBuild : null;
    if (qBuild) console.log(`qdrant build: ${JSON.stringify(qBuild)}`);

    const strataPass = (mode: (typeof strata)[number], ef: number, upTo: number): Pass => {
      const g = new InMemoryGraph(mode.graph);
      const ctx = new SearchContext(set.docs);
      const scorers = queries.map(
        (q) => new MaxSimScorer(queryRows(Float32Array.from(q.flat()), set.dim).map(mode.scorer), set.starts),
      );
      const found: number[][] = [];
      const t = performance.now();
      for (let q = 0; q < upTo; q++) found.push(Array.from(searchHnsw(g, scorers[q], { k, ef }, ctx).ids));
      return { found, seconds: (performance.now() - t) / 1000 };
    };

    const table: Cell[][] = [];
    const results: Record<string, unknown>[] = [];
    for (const ef of efs) {
      const passes: [string, Pass][] = [];
      for (const mode of strata) {
        strataPass(mode, ef, Math.min(opts.warmup, nq));
        passes.push([mode.name, strataPass(mode, ef, nq)]);
      }
      for (const shard of Object.keys(qBuild ?? {})) {
        const r = await (qdrant as QdrantMultivector).request<{ seconds: number; ids: number[][] }>({
          cmd: 'run',
          name: shard,
          ef,
          k,
          nq,
          warmup: Math.min(opts.warmup, nq),
          rescore: shard === 'i8' ? false : null,
        });
        passes.push([`qdrant ${shard}`, { found: r.ids, seconds: r.seconds }]);
      }
      for (const [engine, p] of passes) {
        const row = {
          engine,
          ef,
          recall: recall(p.found, truth, k, nq),
          recallTestQueries: recall(p.found, truth, k, Math.min(TEST_QUERIES, nq)),
          qps: nq / p.seconds,
        };
        results.push(row);
        table.push([engine, ef, fixed(row.recall, 4), fixed(row.recallTestQueries, 4), fixed(row.qps, 1)]);
      }
    }
    const builds: Cell[][] = [
      ...strata.map((s) => [s.name, fixed(s.seconds, 1), fixed(s.cpuSeconds, 1)]),
      ...Object.entries(qBuild ?? {}).map(([shard, b]) => [
        `qdrant ${shard}`,
        fixed(b.seconds, 1),
        fixed(b.cpuSeconds, 1),
      ]),
    ];
    console.log(formatTable(['engine', 'build s', 'build cpu-s'], builds));
    console.log(
      formatTable(['engine', 'hnsw_ef', `recall@${k}`, `recall (first ${TEST_QUERIES})`, 'QPS (1 thread)'], table),
    );
    const file = writeResults('multivector', {
      machine: machineInfo(),
      code: codeVersion(),
      config,
      builds: {
        strata: Object.fromEntries(strata.map((s) => [s.name, { seconds: s.seconds, cpuSeconds: s.cpuSeconds }])),
        qdrant: qBuild,
      },
      results,
    });
    console.log(`wrote ${file}; load ${loadavg()[0].toFixed(1)}`);
  } finally {
    qdrant?.close();
  }
}
