/**
 * Filtered search benchmark on a real dataset: GloVe-100 (angular) with generated payloads, through the whole local
 * runtime (coordinator → LocalInvoker's worker threads → merge), the payload indexes built at seal. Per filter,
 * side by side in the same run and the same query loop:
 * - the filtered query (HNSW / exact-filtered by Qdrant's full_scan_threshold rule, int8 then rescored, default ef);
 * - the unfiltered query (the baseline: QPS ratio filtered ÷ unfiltered);
 * - brute force over the matching points: `exact: true` through the engine (QPS), and the truth both recalls are
 *   measured against (computed here in float64 over the normalized originals, not by the engine);
 * - one cold filtered query (a fresh in-process service, registries and page cache: nothing resident) with the
 *   store's I/O counters: GETs and bytes in, and how many of them were whole payload objects.
 *
 * Payloads (seeded): `tenant` keyword (is_tenant) whose values hold 1%, 10% and 50% of the points (the rest
 * `other`), `n` integer uniform in [0, 1000), `txt` text of two words from small vocabularies (one word at ~10%).
 *
 *   npm run bench -- filter [--points 100000] [--queries 100] [--segments 2] [--workers 2] [--k 10]
 *
 * `--payload-m M` runs instead the payload_m comparison (Qdrant's extra HNSW links per tenant): three collections of
 * the same points in the same run, one with `payload_m: 0` (no block links; unset means m, as in Qdrant), one with
 * `payload_m: M`, and Qdrant's multitenancy layout `m: 0, payload_m: M` (per-tenant graphs, no main graph), and the
 * 1% tenant query on each, interleaved (recall@k against brute force over the tenant, QPS, points scored per query,
 * hnsw_ef `--ef`, default 32). Their
 * full_scan_threshold is `--full-scan-kb` (default 100 KB: Qdrant's default 10000 KB scores a 1% tenant of 100k
 * points exactly, where links change nothing).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { emptyQueryStats } from '../lib/collection/query.js';
import type { CollectionConfig } from '../lib/model/collection-config.js';
import type { Filter } from '../lib/model/filter.js';
import type { QueryRequest } from '../lib/model/search.js';
import { mulberry32 } from '../lib/index/rng.js';
import { loadConfig } from '../lib/runtime/config.js';
import { createCoordinator } from '../lib/runtime/coordinator.js';
import { createLogger } from '../lib/runtime/logger.js';
import { parseFilter } from '../lib/segment/filter-parse.js';
import { IoScope } from '../lib/storage/io-stats.js';
import type { ObjectStore } from '../lib/storage/object-store.js';
import { directInvoker, service } from '../test/support/collection-harness.js';
import { loadGlove } from '../test/support/datasets.js';
import { formatTable, machineInfo, writeResults } from './support/results.js';

export const description = 'GloVe + payloads: filtered vs unfiltered vs brute force QPS and recall, cold I/O';

interface Options {
  points: number;
  queries: number;
  segments: number;
  workers: number;
  k: number;
  payloadM: number;
  fullScanKb: number;
  ef: number;
}

function parse(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      points: { type: 'string', default: '100000' },
      queries: { type: 'string', default: '100' },
      segments: { type: 'string', default: '2' },
      workers: { type: 'string', default: '2' },
      k: { type: 'string', default: '10' },
      'payload-m': { type: 'string', default: '0' },
      'full-scan-kb': { type: 'string', default: '100' },
      ef: { type: 'string', default: '32' },
    },
  });
  return {
    points: Number(values.points),
    queries: Number(values.queries),
    segments: Number(values.segments),
    workers: Number(values.workers),
    k: Number(values.k),
    payloadM: Number(values['payload-m']),
    fullScanKb: Number(values['full-scan-kb']),
    ef: Number(values.ef),
  };
}

const COLORS = ['red', 'green', 'blue', 'black', 'white', 'brown', 'grey', 'pink', 'gold', 'teal'];
const ANIMALS = ['fox', 'dog', 'cat', 'owl', 'elk', 'yak', 'eel', 'bee', 'ant', 'emu'];

/** Seeded payload of point i: tenant shares 1% / 10% / 50% / rest, n uniform, txt two words. */
function payloads(n: number): Record<string, unknown>[] {
  const r = mulberry32(20261201);
  return Array.from({ length: n }, () => {
    const u = r();
    const tenant = u < 0.01 ? 't1' : u < 0.11 ? 't10' : u < 0.61 ? 't50' : 'other';
    const pick = (words: string[]) => words[Math.floor(r() * words.length)];
    return { tenant, n: Math.floor(r() * 1000), txt: `${pick(COLORS)} ${pick(ANIMALS)}` };
  });
}

const ROWS: { name: string; filter: Filter; test: (p: Record<string, unknown>) => boolean }[] = [
  { name: 'tenant 1%', filter: { must: [{ key: 'tenant', match: { value: 't1' } }] }, test: (p) => p.tenant === 't1' },
  {
    name: 'tenant 10%',
    filter: { must: [{ key: 'tenant', match: { value: 't10' } }] },
    test: (p) => p.tenant === 't10',
  },
  {
    name: 'tenant 50%',
    filter: { must: [{ key: 'tenant', match: { value: 't50' } }] },
    test: (p) => p.tenant === 't50',
  },
  {
    name: 'n in [100, 150)',
    filter: { must: [{ key: 'n', range: { gte: 100, lt: 150 } }] },
    test: (p) => (p.n as number) >= 100 && (p.n as number) < 150,
  },
  {
    name: 'txt "red"',
    filter: { must: [{ key: 'txt', match: { text: 'red' } }] },
    test: (p) => (p.txt as string).split(' ')[0] === 'red',
  },
  {
    name: 'tenant 10% + n < 500',
    filter: {
      must: [
        { key: 'tenant', match: { value: 't10' } },
        { key: 'n', range: { lt: 500 } },
      ],
    },
    test: (p) => p.tenant === 't10' && (p.n as number) < 500,
  },
];

/** Unit rows in float64 (cosine = dot of normalized vectors). */
function normalizedRows(data: Float32Array, n: number, dim: number): Float64Array {
  const out = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += data[i * dim + d] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < dim; d++) out[i * dim + d] = data[i * dim + d] * inv;
  }
  return out;
}

/** Ids of the k most similar points among those `keep` accepts (ties by id). */
function topK(sims: Float64Array, keep: Uint8Array | null, k: number): number[] {
  const ids: number[] = [];
  for (let i = 0; i < sims.length; i++) if (keep === null || keep[i] === 1) ids.push(i);
  ids.sort((a, b) => sims[b] - sims[a] || a - b);
  return ids.slice(0, k);
}

const recall = (got: number[], truth: number[]) =>
  truth.length === 0 ? 1 : got.filter((id) => truth.includes(id)).length / truth.length;

/** Whole-object and ranged GETs of a store, by key suffix. */
function counting(store: ObjectStore): { store: ObjectStore; wholePayloadGets: () => number; reset: () => void } {
  let whole = 0;
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop !== 'get' || typeof v !== 'function') return typeof v === 'function' ? v.bind(target) : v;
      return (key: string, options?: { range?: unknown }) => {
        if (key.endsWith('/payload') && options?.range === undefined) whole++;
        return v.call(target, key, options);
      };
    },
  });
  return {
    store: proxy,
    wholePayloadGets: () => whole,
    reset: () => {
      whole = 0;
    },
  };
}

export async function main(argv: string[]): Promise<void> {
  const o = parse(argv);
  if (o.payloadM > 0) return payloadMComparison(o);
  const glove = await loadGlove();
  const n = Math.min(o.points, glove.nBase);
  const dim = glove.dim;
  const nq = Math.min(o.queries, glove.nQueries);
  console.log(`filter benchmark — ${JSON.stringify(machineInfo())}`);
  console.log(
    `GloVe-100 angular, first ${n} base points, ${nq} queries, Cosine, ${o.segments} segments, ${o.workers} worker ` +
      `threads, HNSW m=16 ef_construct=100 (query ef = ef_construct, the default), full_scan_threshold 10000 KB ` +
      `(Qdrant's default), int8 (quantile 0.99, always_ram) rescored with originals on disk, filesystem store, k=${o.k}; ` +
      'indexes: tenant keyword (is_tenant), n integer, txt text; warm = one untimed pass first; baseline: unfiltered',
  );
  const meta = payloads(n);
  const { rt, svc, close } = await benchRuntime(o.workers);
  try {
    const config: CollectionConfig = {
      vectors: { size: dim, distance: 'Cosine', on_disk: true },
      hnsw_config: { m: 16, ef_construct: 100, on_disk: false, full_scan_threshold: 10_000 },
      quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
      optimizers_config: { default_segment_number: o.segments, indexing_threshold: 1 },
    };
    await svc.createCollection('bench', config);
    await svc.createFieldIndex('bench', 'tenant', { type: 'keyword', is_tenant: true });
    await svc.createFieldIndex('bench', 'n', 'integer');
    await svc.createFieldIndex('bench', 'txt', 'text');
    const t0 = performance.now();
    for (let i = 0; i < n; i += 5000) {
      const points = [];
      for (let j = i; j < Math.min(n, i + 5000); j++) {
        points.push({ id: j, vector: Array.from(glove.base.subarray(j * dim, (j + 1) * dim)), payload: meta[j] });
      }
      await svc.upsertPoints('bench', points, true);
    }
    const { optimizeCollection } = await import('../lib/collection/optimizer.js');
    await optimizeCollection(rt.store, '', 'bench');
    const buildS = (performance.now() - t0) / 1000;
    const info = await svc.getCollection('bench');
    console.log(`built ${info.segments_count} segments in ${buildS.toFixed(0)} s (upserts + seal + HNSW + indexes)`);

    const base = normalizedRows(glove.base, n, dim);
    const queries = normalizedRows(glove.queries, nq, dim);
    const sims = Array.from({ length: nq }, (_, q) => {
      const s = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let dot = 0;
        for (let d = 0; d < dim; d++) dot += base[i * dim + d] * queries[q * dim + d];
        s[i] = dot;
      }
      return s;
    });
    const queryVectors = Array.from({ length: nq }, (_, q) =>
      Array.from(glove.queries.subarray(q * dim, (q + 1) * dim)),
    );
    const request = (v: number[], filter: Filter | undefined, exact: boolean): QueryRequest => ({
      vector: v,
      limit: o.k,
      offset: 0,
      ...(filter ? { filter: parseFilter(filter) } : {}),
      params: { exact },
      with_payload: false,
      with_vector: false,
    });
    const ids = (hits: { id: unknown }[]) => hits.map((h) => h.id as number);
    const unfilteredTruth = sims.map((s) => topK(s, null, o.k));

    const table: (string | number)[][] = [];
    const json: Record<string, unknown>[] = [];
    for (const row of ROWS) {
      const keep = new Uint8Array(n);
      let matching = 0;
      for (let i = 0; i < n; i++) if (row.test(meta[i])) keep[i] = (matching++, 1);
      const truth = sims.map((s) => topK(s, keep, o.k));
      const filter = row.filter;
      // warm-up: every segment and index resident in the workers
      for (let q = 0; q < Math.min(nq, 10); q++) {
        await svc.query('bench', request(queryVectors[q], filter, false));
        await svc.query('bench', request(queryVectors[q], undefined, false));
      }
      const ms = { filtered: 0, unfiltered: 0, exact: 0 };
      const rec = { filtered: 0, unfiltered: 0, exact: 0 };
      // interleaved per query, so a load change on the shared machine hits all three alike
      for (let q = 0; q < nq; q++) {
        let t = performance.now();
        const f = await svc.query('bench', request(queryVectors[q], filter, false));
        ms.filtered += performance.now() - t;
        t = performance.now();
        const u = await svc.query('bench', request(queryVectors[q], undefined, false));
        ms.unfiltered += performance.now() - t;
        t = performance.now();
        const e = await svc.query('bench', request(queryVectors[q], filter, true));
        ms.exact += performance.now() - t;
        rec.filtered += recall(ids(f), truth[q]);
        rec.unfiltered += recall(ids(u), unfilteredTruth[q]);
        rec.exact += recall(ids(e), truth[q]);
      }
      // cold: a fresh in-process service over the same store (no registry, page cache or manifest cache)
      const spy = counting(rt.store);
      const cold = service(spy.store, directInvoker(spy.store, o.workers));
      const stats = emptyQueryStats();
      const io = new IoScope();
      await cold.query('bench', request(queryVectors[0], filter, false), { stats, io });
      const coldGets = stats.gets + io.counts.gets + io.counts.rangedGets + io.counts.conditionalGets;
      const coldBytes = stats.bytes + io.counts.bytesIn;
      const qps = (total: number) => (nq * 1000) / total;
      // Qdrant's rule (lib/segment/search.ts): a segment whose matching vectors weigh less than full_scan_threshold
      // KB scores them exactly; above it, the filtered HNSW walk
      const perSegmentKb = ((matching / o.segments) * dim * 4) / 1024;
      const r = {
        filter: row.name,
        selectivity: matching / n,
        plan: perSegmentKb < 10_000 ? 'exact-filtered' : 'hnsw-filtered',
        recallFiltered: rec.filtered / nq,
        recallUnfiltered: rec.unfiltered / nq,
        recallExact: rec.exact / nq,
        qpsFiltered: qps(ms.filtered),
        qpsUnfiltered: qps(ms.unfiltered),
        qpsExact: qps(ms.exact),
        coldGets,
        coldBytes,
        coldWholePayloadGets: spy.wholePayloadGets(),
        coldRounds: stats.rounds + io.rounds,
      };
      json.push(r);
      table.push([
        r.filter,
        `${(100 * r.selectivity).toFixed(1)}%`,
        r.plan,
        r.recallFiltered.toFixed(3),
        r.recallUnfiltered.toFixed(3),
        r.recallExact.toFixed(3),
        r.qpsFiltered.toFixed(0),
        r.qpsUnfiltered.toFixed(0),
        `${(r.qpsFiltered / r.qpsUnfiltered).toFixed(2)}x`,
        r.qpsExact.toFixed(0),
        r.coldGets,
        `${(r.coldBytes / 1024).toFixed(0)} KiB`,
        r.coldWholePayloadGets,
      ]);
      console.log(table.at(-1)?.join('  '));
    }
    console.log(
      formatTable(
        [
          'filter',
          'matching',
          'segment plan',
          'recall filtered',
          'recall unfiltered',
          'recall exact',
          'QPS filtered',
          'QPS unfiltered',
          'filtered/unfiltered',
          'QPS exact',
          'cold GETs',
          'cold bytes',
          'cold payload objects',
        ],
        table,
      ),
    );
    console.log(
      'recall@k: filtered and exact against brute force over the matching points, unfiltered against brute force over ' +
        'all; cold: one query, fresh service (manifest, ids, int8 set, field index, originals pages), whole payload ' +
        'objects read counted apart',
    );
    const path = writeResults('filter', { options: o, machine: machineInfo(), buildSeconds: buildS, rows: json });
    console.log(`results: ${path}`);
  } finally {
    await close();
  }
}

/** The 1% tenant query over a collection without and one with payload_m, same points, same run (see header). */
async function payloadMComparison(o: Options): Promise<void> {
  const glove = await loadGlove();
  const n = Math.min(o.points, glove.nBase);
  const dim = glove.dim;
  const nq = Math.min(o.queries, glove.nQueries);
  console.log(`filter benchmark, payload_m — ${JSON.stringify(machineInfo())}`);
  console.log(
    `GloVe-100 angular, first ${n} base points, ${nq} queries, ${o.segments} segments, HNSW m=16 ef_construct=100, ` +
      `query hnsw_ef ${o.ef}, full_scan_threshold ${o.fullScanKb} KB, int8 rescored; tenant keyword (is_tenant) ` +
      `index; baseline: the same collection with payload_m 0 (no block links)`,
  );
  const meta = payloads(n);
  const { rt, svc, close } = await benchRuntime(o.workers);
  const { optimizeCollection } = await import('../lib/collection/optimizer.js');
  try {
    const variants = [
      { name: 'payload_m 0', m: 16, payloadM: 0 },
      { name: `payload_m ${o.payloadM}`, m: 16, payloadM: o.payloadM },
      { name: `m 0 + payload_m ${o.payloadM}`, m: 0, payloadM: o.payloadM },
    ];
    const buildS: number[] = [];
    for (const [i, v] of variants.entries()) {
      const t0 = performance.now();
      await svc.createCollection(`pm${i}`, {
        vectors: { size: dim, distance: 'Cosine', on_disk: true },
        hnsw_config: {
          m: v.m,
          ef_construct: 100,
          on_disk: false,
          full_scan_threshold: o.fullScanKb,
          payload_m: v.payloadM,
        },
        quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
        optimizers_config: { default_segment_number: o.segments, indexing_threshold: 1 },
      });
      await svc.createFieldIndex(`pm${i}`, 'tenant', { type: 'keyword', is_tenant: true });
      for (let at = 0; at < n; at += 5000) {
        const points = [];
        for (let j = at; j < Math.min(n, at + 5000); j++) {
          points.push({ id: j, vector: Array.from(glove.base.subarray(j * dim, (j + 1) * dim)), payload: meta[j] });
        }
        await svc.upsertPoints(`pm${i}`, points, true);
      }
      await optimizeCollection(rt.store, '', `pm${i}`);
      buildS.push((performance.now() - t0) / 1000);
      console.log(`${v.name}: built in ${buildS[i].toFixed(0)} s`);
    }
    const base = normalizedRows(glove.base, n, dim);
    const queries = normalizedRows(glove.queries, nq, dim);
    const row = ROWS[0];
    const keep = Uint8Array.from(meta, (p) => (row.test(p) ? 1 : 0));
    const truth = Array.from({ length: nq }, (_, q) => {
      const s = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        if (keep[i] === 0) continue;
        let dot = 0;
        for (let d = 0; d < dim; d++) dot += base[i * dim + d] * queries[q * dim + d];
        s[i] = dot;
      }
      return topK(s, keep, o.k);
    });
    const request = (q: number): QueryRequest => ({
      vector: Array.from(glove.queries.subarray(q * dim, (q + 1) * dim)),
      limit: o.k,
      offset: 0,
      filter: parseFilter(row.filter),
      params: { exact: false, hnsw_ef: o.ef },
      with_payload: false,
      with_vector: false,
    });
    const which = [...variants.keys()];
    for (let q = 0; q < Math.min(nq, 10); q++) for (const i of which) await svc.query(`pm${i}`, request(q));
    const ms = which.map(() => 0);
    const rec = which.map(() => 0);
    const scored = which.map(() => 0);
    for (let q = 0; q < nq; q++) {
      for (const i of which) {
        const t = performance.now();
        const hits = await svc.query(`pm${i}`, request(q));
        ms[i] += performance.now() - t;
        rec[i] += recall(
          hits.map((h) => h.id as number),
          truth[q],
        );
      }
    }
    // the workers' distance counts, in a pass of their own (the timed pass carries no trace)
    for (let q = 0; q < nq; q++) {
      for (const i of which) {
        const stats = emptyQueryStats();
        await svc.query(`pm${i}`, request(q), { stats });
        scored[i] += stats.distances;
      }
    }
    const rows = variants.map((v, i) => ({
      variant: v.name,
      recall: rec[i] / nq,
      qps: (nq * 1000) / ms[i],
      scoredPerQuery: scored[i] / nq,
      buildSeconds: buildS[i],
    }));
    console.log(
      formatTable(
        ['collection', `recall@${o.k} tenant 1%`, 'QPS', 'scored/query', 'build s'],
        rows.map((r) => [
          r.variant,
          r.recall.toFixed(3),
          r.qps.toFixed(0),
          r.scoredPerQuery.toFixed(0),
          r.buildSeconds.toFixed(0),
        ]),
      ),
    );
    const path = writeResults('filter-payload-m', { options: o, machine: machineInfo(), rows });
    console.log(`results: ${path}`);
  } finally {
    await close();
  }
}

/**
 * The local composition over a temporary folder, with worker threads and no automatic seal (the bench seals when
 * it chooses); `close` stops it and removes the folder.
 */
async function benchRuntime(workers: number) {
  const root = mkdtempSync(join(tmpdir(), 'strata-bench-filter-'));
  const cfg = loadConfig({
    ...process.env,
    STRATA_DATA_DIR: root,
    STRATA_WORKERS: String(workers),
    STRATA_LOG_LEVEL: 'warn',
    STRATA_OPTIMIZE_AFTER_POINTS: String(Number.MAX_SAFE_INTEGER),
  });
  const rt = await createCoordinator(cfg, { logger: createLogger(cfg, 'bench'), fallback: 'threads' });
  const { StrataCollectionService } = await import('../lib/collection/service.js');
  const svc = new StrataCollectionService({ store: rt.store, invoker: rt.invoker, queryDeadlineMs: 120_000 });
  return {
    rt,
    svc,
    async close() {
      await rt.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
