/**
 * Storage benchmark: what a query costs through the whole collection path (coordinator → segment workers → merge →
 * payload fetch) per tier combination (vectors.on_disk × hnsw_config.on_disk), cold and warm: GETs, bytes and
 * sequential rounds, and the latency they imply under a stated S3 model, next to the same queries on the in-memory
 * engine (lib/index over one in-memory graph, bench/adapters/strata.ts) in the same process run.
 *
 * S3 latency model (stated, not measured): every sequential round costs 15 ms to first byte, and the query's bytes
 * stream at 80 MB/s on ONE stream (pessimistic: parallel GETs of a round really overlap). Modelled latency =
 * measured compute (the same query over the filesystem store, where I/O is ~free) + rounds × 15 ms + bytes / 80 MB/s.
 *
 * Cold = a fresh coordinator and fresh workers (empty caches, as a new Lambda container): every query pays the
 * segment opens. Warm = the same process after one pass over the queries.
 *
 *   npm run bench -- storage [--base 20000] [--queries 50] [--segments 4] [--workers 4] [--k 10] [--ef 64]
 *                            [--oversampling 2] [--cold 5] [--dataset glove|fashion|synthetic]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { collectionPrefix } from '../lib/collection/keys.js';
import { optimize } from '../lib/collection/optimizer.js';
import { emptyQueryStats } from '../lib/collection/query.js';
import type { QueryStats } from '../lib/collection/query.js';
import { StrataCollectionService } from '../lib/collection/service.js';
import type { CollectionConfig } from '../lib/model/collection-config.js';
import type { QueryRequest } from '../lib/model/search.js';
import { DirectInvoker } from '../lib/runtime/direct-invoker.js';
import { SegmentRegistry } from '../lib/segment/registry.js';
import type { Segment } from '../lib/segment/segment.js';
import { runSegmentTask } from '../lib/segment/task.js';
import { FileSystemStore } from '../lib/storage/fs-store.js';
import { IoScope } from '../lib/storage/io-stats.js';
import { PageCache } from '../lib/storage/page-cache.js';
import {
  type Dataset,
  datasetsAvailable,
  loadFashionMnist,
  loadGlove,
  recallAtK,
  slice,
} from '../test/support/datasets.js';
import { strataFactories } from './adapters/strata.js';
import { formatTable, machineInfo, writeResults } from './support/results.js';

export const description =
  'collection path per tier: GETs, bytes, rounds per query, cold/warm, modelled S3 latency vs in-memory';

const FIRST_BYTE_MS = 15;
const STREAM_MB_PER_S = 80;

interface Options {
  base: number;
  queries: number;
  segments: number;
  workers: number;
  k: number;
  ef: number;
  oversampling: number;
  cold: number;
  dataset: string;
}

function parse(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      base: { type: 'string', default: '20000' },
      queries: { type: 'string', default: '50' },
      segments: { type: 'string', default: '4' },
      workers: { type: 'string', default: '4' },
      k: { type: 'string', default: '10' },
      ef: { type: 'string', default: '64' },
      oversampling: { type: 'string', default: '2' },
      cold: { type: 'string', default: '5' },
      dataset: { type: 'string', default: 'glove' },
    },
  });
  return {
    base: Number(values.base),
    queries: Number(values.queries),
    segments: Number(values.segments),
    workers: Number(values.workers),
    k: Number(values.k),
    ef: Number(values.ef),
    oversampling: Number(values.oversampling),
    cold: Number(values.cold),
    dataset: values.dataset as string,
  };
}

function synthetic(n: number, nq: number, dim: number): Dataset {
  let a = 12345;
  const r = () => {
    a = (a * 1103515245 + 12345) >>> 0;
    return a / 2 ** 32 - 0.5;
  };
  const base = Float32Array.from({ length: n * dim }, r);
  const queries = Float32Array.from({ length: nq * dim }, r);
  return {
    name: 'synthetic',
    distance: 'Cosine',
    dim,
    nBase: n,
    base,
    nQueries: nq,
    queries,
    groundTruth: new Int32Array(0),
    gtK: 0,
  };
}

async function loadDataset(o: Options): Promise<Dataset> {
  if (o.dataset === 'synthetic' || !datasetsAvailable()) {
    return slice(synthetic(o.base, o.queries, 100), o.base, o.queries, o.k);
  }
  const full = o.dataset === 'fashion' ? await loadFashionMnist() : await loadGlove();
  return slice(full, Math.min(o.base, full.nBase), Math.min(o.queries, full.nQueries), o.k);
}

interface Tier {
  vectorsOnDisk: boolean;
  graphOnDisk: boolean;
}

const TIERS: Tier[] = [
  { vectorsOnDisk: false, graphOnDisk: false },
  { vectorsOnDisk: true, graphOnDisk: false },
  { vectorsOnDisk: false, graphOnDisk: true },
  { vectorsOnDisk: true, graphOnDisk: true },
];
const tierName = (t: Tier) => `vec:${t.vectorsOnDisk ? 'disk' : 'ram'} graph:${t.graphOnDisk ? 'disk' : 'ram'}`;

function configFor(ds: Dataset, t: Tier, o: Options): CollectionConfig {
  return {
    vectors: { size: ds.dim, distance: ds.distance, on_disk: t.vectorsOnDisk },
    hnsw_config: { m: 16, ef_construct: 100, on_disk: t.graphOnDisk, full_scan_threshold: 10 },
    quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
    optimizers_config: { default_segment_number: o.segments, indexing_threshold: 1 },
  };
}

/** A coordinator + K in-process workers with their own registries and page caches (fresh = cold). */
function coordinator(store: FileSystemStore, workers: number): StrataCollectionService {
  const registries = Array.from({ length: workers }, () => new SegmentRegistry<Segment>());
  const caches = Array.from({ length: workers }, () => new PageCache(store));
  const invoker = new DirectInvoker({
    workers,
    run: (task, w) => runSegmentTask(task, { store, cache: caches[w], registry: registries[w] }),
  });
  return new StrataCollectionService({ store, invoker });
}

interface Sample {
  gets: number;
  bytes: number;
  rounds: number;
  computeMs: number;
  modelMs: number;
  ids: number[];
}

async function measure(svc: StrataCollectionService, req: QueryRequest): Promise<Sample> {
  const io = new IoScope();
  const stats: QueryStats = emptyQueryStats();
  const t0 = performance.now();
  const res = await svc.query('bench', req, { io, stats });
  const computeMs = performance.now() - t0;
  const c = io.snapshot();
  const coordGets = c.gets + c.rangedGets + c.conditionalGets + c.lists;
  const gets = coordGets + stats.gets;
  const bytes = c.bytesIn + stats.bytes;
  // the coordinator's rounds bracket the fan-out (manifest+list before, payload fetch after); workers run between
  const rounds = c.rounds + stats.rounds;
  const modelMs = computeMs + rounds * FIRST_BYTE_MS + (bytes / (STREAM_MB_PER_S * 1e6)) * 1000;
  return { gets, bytes, rounds, computeMs, modelMs, ids: res.map((p) => p.id as number) };
}

const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const p50 = (xs: number[]) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const fmt = (x: number, d = 1) => x.toFixed(d);

export async function main(argv: string[]): Promise<void> {
  const o = parse(argv);
  const ds = await loadDataset(o);
  console.log(`storage benchmark — ${JSON.stringify(machineInfo())}`);
  console.log(
    `dataset ${ds.name} (${ds.distance}, dim ${ds.dim}), ${o.segments} segments, ${o.workers} workers, k=${o.k}, hnsw_ef=${o.ef}, ` +
      `int8 quantile 0.99 always_ram, oversampling ${o.oversampling}; with_payload=true; filesystem store, S3 model: ` +
      `${FIRST_BYTE_MS} ms first byte per round + bytes at ${STREAM_MB_PER_S} MB/s on one stream`,
  );
  const queries: QueryRequest[] = Array.from({ length: ds.nQueries }, (_, q) => ({
    vector: Array.from(ds.queries.subarray(q * ds.dim, (q + 1) * ds.dim)),
    limit: o.k,
    offset: 0,
    params: {
      hnsw_ef: o.ef,
      exact: false,
      quantization: { ignore: false, rescore: true, oversampling: o.oversampling },
    },
    with_payload: true,
    with_vector: false,
  }));
  const modes = [
    { name: 'i8+rescore', rescore: true },
    { name: 'i8', rescore: false },
  ];

  // baseline: the in-memory engine over one graph of all points, same queries, same process run
  const baselines: Record<string, { meanMs: number; recall: number }> = {};
  for (const f of strataFactories(o.oversampling).filter((_, i) => i > 0)) {
    const engine = f(ds, { m: 16, efConstruct: 100 });
    engine.build();
    engine.setEf(o.ef);
    const prepared = Array.from({ length: ds.nQueries }, (_, q) =>
      engine.prepare(ds.queries.subarray(q * ds.dim, (q + 1) * ds.dim)),
    );
    for (const p of prepared) engine.search(p, o.k);
    const found: ArrayLike<number>[] = [];
    const t0 = performance.now();
    for (const p of prepared) found.push(engine.search(p, o.k));
    const ms = (performance.now() - t0) / prepared.length;
    baselines[engine.name] = { meanMs: ms, recall: recallAtK(found, ds.groundTruth, ds.gtK, o.k) };
    engine.close?.();
  }

  const rows: (string | number)[][] = [];
  const json: unknown[] = [];
  /** warm p50 (modelled S3 latency, and measured compute alone) per tier × mode, for the scenario comparison */
  const warmP50 = new Map<string, { modelMs: number; computeMs: number }>();
  for (const tier of TIERS) {
    const root = mkdtempSync(join(tmpdir(), 'strata-bench-storage-'));
    try {
      const store = new FileSystemStore({ root, fsync: false });
      const writer = coordinator(store, o.workers);
      await writer.createCollection('bench', configFor(ds, tier, o));
      for (let i = 0; i < ds.nBase; i += 1000) {
        const n = Math.min(1000, ds.nBase - i);
        await writer.upsertPoints(
          'bench',
          Array.from({ length: n }, (_, j) => ({
            id: i + j,
            vector: Array.from(ds.base.subarray((i + j) * ds.dim, (i + j + 1) * ds.dim)),
            payload: { i: i + j },
          })),
          true,
        );
      }
      const t0 = performance.now();
      await optimize(store, collectionPrefix('', 'bench'));
      const sealSeconds = (performance.now() - t0) / 1000;
      for (const mode of modes) {
        const reqs = queries.map((r) => ({
          ...r,
          params: { ...r.params, quantization: { ...r.params.quantization!, rescore: mode.rescore } },
        }));
        const cold: Sample[] = [];
        for (let q = 0; q < Math.min(o.cold, reqs.length); q++)
          cold.push(await measure(coordinator(store, o.workers), reqs[q]));
        const svc = coordinator(store, o.workers);
        for (const r of reqs) await svc.query('bench', r);
        const warm: Sample[] = [];
        for (const r of reqs) warm.push(await measure(svc, r));
        const recall = recallAtK(
          warm.map((s) => s.ids),
          ds.groundTruth,
          ds.gtK,
          o.k,
        );
        const base = baselines[`strata ${mode.name}`];
        for (const [label, samples] of [
          ['cold', cold],
          ['warm', warm],
        ] as const) {
          const modelMs = mean(samples.map((s) => s.modelMs));
          const modelP50 = p50(samples.map((s) => s.modelMs));
          if (label === 'warm') {
            const computeMs = p50(samples.map((s) => s.computeMs));
            warmP50.set(`${tierName(tier)} ${mode.name}`, { modelMs: modelP50, computeMs });
          }
          rows.push([
            tierName(tier),
            mode.name,
            label,
            fmt(mean(samples.map((s) => s.gets))),
            fmt(mean(samples.map((s) => s.bytes)) / 1024),
            fmt(mean(samples.map((s) => s.rounds))),
            fmt(mean(samples.map((s) => s.computeMs)), 2),
            fmt(modelMs),
            fmt(modelP50),
            fmt(recall, 3),
            fmt(base.meanMs, 3),
            `${fmt(modelMs / base.meanMs, 0)}x`,
          ]);
          json.push({
            tier: tierName(tier),
            mode: mode.name,
            state: label,
            queries: samples.length,
            gets: mean(samples.map((s) => s.gets)),
            bytes: mean(samples.map((s) => s.bytes)),
            rounds: mean(samples.map((s) => s.rounds)),
            computeMs: mean(samples.map((s) => s.computeMs)),
            modelledS3Ms: modelMs,
            modelledS3P50Ms: modelP50,
            recall,
            inMemoryMs: base.meanMs,
            inMemoryRecall: base.recall,
            sealSeconds,
          });
        }
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  console.log(
    formatTable(
      [
        'tier',
        'mode',
        'state',
        'GETs/q',
        'KB/q',
        'rounds/q',
        'compute ms',
        'S3-model ms',
        'p50 ms',
        'recall@k',
        'in-mem ms',
        'ratio',
      ],
      rows,
    ),
  );
  console.log(`in-memory engine (one graph, all points): ${JSON.stringify(baselines)}`);
  // Qdrant's optimize guide: scenario 2 (precision + low memory: originals and graph on disk) against scenario 3
  // (precision + speed: everything in RAM), both int8 + rescore, warm
  const none = { modelMs: Number.NaN, computeMs: Number.NaN };
  const s2 = warmP50.get(`${tierName(TIERS[3])} i8+rescore`) ?? none;
  const s3 = warmP50.get(`${tierName(TIERS[0])} i8+rescore`) ?? none;
  const scenarios = {
    scenario2WarmP50Ms: s2.modelMs,
    scenario3WarmP50Ms: s3.modelMs,
    ratio: s2.modelMs / s3.modelMs,
    scenario2WarmComputeP50Ms: s2.computeMs,
    scenario3WarmComputeP50Ms: s3.computeMs,
    computeRatio: s2.computeMs / s3.computeMs,
  };
  for (const [what, key] of [
    ['S3-model', 'modelMs'],
    ['compute', 'computeMs'],
  ] as const) {
    console.log(
      `warm p50 ${what}, i8+rescore: scenario 2 (vec:disk graph:disk) ${fmt(s2[key], 2)} ms vs scenario 3 ` +
        `(vec:ram graph:ram) ${fmt(s3[key], 2)} ms = ${fmt(s2[key] / s3[key], 2)}x`,
    );
  }
  const path = writeResults('storage', {
    scenarios,
    options: o,
    model: { firstByteMs: FIRST_BYTE_MS, streamMBps: STREAM_MB_PER_S },
    machine: machineInfo(),
    baselines,
    rows: json,
  });
  console.log(`results: ${path}`);
}
