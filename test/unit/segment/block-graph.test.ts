/**
 * Qdrant's multitenancy layout (`hnsw_config: {m: 0, payload_m: 16}` + an `is_tenant` keyword index) on real data:
 * GloVe-100, 9,000 points in three tenants of 4,500 / 3,000 / 1,500. The seal builds only the tenants' graphs, merged
 * with an entry point per tenant (graph format v2); a tenant-filtered query walks its tenant's graph from that entry
 * point. Pinned down: tenant recall@10 at the default ef against brute force over the tenant, within 0.01 of the
 * same segment built with m 16; the walk scores far fewer points than the tenant holds; an unfiltered query, and a
 * filter no single tenant serves, are exact; `exact`, `hnsw_ef`, int8 + rescore and the paged tiers apply.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeRows } from '../../../lib/distance/index.js';
import { findBlockEntry } from '../../../lib/index/block-entry.js';
import { blockGraph } from '../../../lib/index/block-graph.js';
import { InMemoryGraph } from '../../../lib/index/graph.js';
import { searchPipelineSync } from '../../../lib/index/pipeline.js';
import { buildHnsw } from '../../../lib/index/build.js';
import { BLOCK_GRAPH_VERSION, deserializeGraph, serializeGraph } from '../../../lib/index/graph-format.js';
import { permuteGraph } from '../../../lib/index/graph-permute.js';
import { floatScorer } from '../../../lib/index/scorer.js';
import type { CollectionConfig } from '../../../lib/model/collection-config.js';
import type { Filter } from '../../../lib/model/filter.js';
import type { PayloadSchema } from '../../../lib/model/payload-schema.js';
import type { SearchParams } from '../../../lib/model/search.js';
import { blockServes } from '../../../lib/segment/block-walk.js';
import { GRAPH, META, segmentObjectKey } from '../../../lib/segment/keys.js';
import { parseMeta } from '../../../lib/segment/meta.js';
import { openSegment } from '../../../lib/segment/open.js';
import { DEFAULT_TUNING, type SegmentHits, searchSegment } from '../../../lib/segment/search.js';
import type { Segment } from '../../../lib/segment/segment.js';
import { writeSegment } from '../../../lib/segment/writer.js';
import { IoScope } from '../../../lib/storage/io-stats.js';
import { PageCache } from '../../../lib/storage/page-cache.js';
import { type Dataset, datasetsAvailable, loadGlove, slice } from '../../support/datasets.js';
import { MemoryStore } from '../../support/memory-store.js';
import { makeConfig, seededVectors } from '../../support/segment-fixtures.js';

const N = 9000;
const QUERIES = 30;
const K = 10;
const TENANTS = ['a', 'b', 'c'] as const;
/** i % 6: 0-2 tenant a (4,500), 3-4 b (3,000), 5 c (1,500) */
const tenantOf = (i: number): string => (i % 6 < 3 ? 'a' : i % 6 < 5 ? 'b' : 'c');
const SCHEMA: PayloadSchema = { tenant: { type: 'keyword', is_tenant: true } };
const byTenant = (t: string): Filter => ({ must: [{ key: 'tenant', match: { value: t } }] });

let ds: Dataset;
let base: Float32Array;

/** bytes read per object key (whole and ranged GETs) */
class CountingStore extends MemoryStore {
  readonly read = new Map<string, number>();
  override async get(...args: Parameters<MemoryStore['get']>): ReturnType<MemoryStore['get']> {
    const r = await super.get(...args);
    if (r !== null) this.read.set(args[0], (this.read.get(args[0]) ?? 0) + r.body.byteLength);
    return r;
  }
}
const store = new CountingStore();

/** full_scan_threshold 100 KB = 256 GloVe vectors: every tenant filter walks, every tenant gets its graph */
function config(m: number, over: Partial<Parameters<typeof makeConfig>[2]> = {}): CollectionConfig {
  const c = makeConfig(100, 'Cosine', { m, efConstruct: 100, fullScanThreshold: 100, quantized: false, ...over });
  return { ...c, hnsw_config: { ...c.hnsw_config, payload_m: 16 }, payload_schema: SCHEMA };
}

const PREFIX = {
  block: 'c/segments/0001-block',
  main: 'c/segments/0002-main',
  blockInt8: 'c/segments/0003-block-int8',
  blockPaged: 'c/segments/0004-block-paged',
};

function query(qi: number): Float32Array {
  const q = Float32Array.from(ds.queries.subarray(qi * ds.dim, (qi + 1) * ds.dim));
  normalizeRows(q, ds.dim);
  return q;
}

/** The best k point ids of the points `keep` selects, by brute force on the float originals. */
function truth(q: Float32Array, keep: (i: number) => boolean): number[] {
  const s = floatScorer(base, ds.dim, 'Cosine', q);
  const all: { i: number; s: number }[] = [];
  for (let i = 0; i < N; i++) if (keep(i)) all.push({ i, s: s.score(i) });
  return all
    .sort((x, y) => y.s - x.s || x.i - y.i)
    .slice(0, K)
    .map((x) => x.i);
}

async function search(seg: Segment, q: Float32Array, params: SearchParams, filter?: Filter, io?: IoScope) {
  const hits = await searchSegment(seg, { vector: q, limit: K, params, filter, deletedVersion: 0 }, io);
  return { hits, ids: Array.from(hits.offsets, (o) => seg.externalId(o) as number) };
}

const overlap = (a: number[], b: number[]): number => a.filter((x) => b.includes(x)).length;

beforeAll(async () => {
  if (!datasetsAvailable()) return;
  ds = slice(await loadGlove(), N, QUERIES, K);
  base = Float32Array.from(ds.base);
  normalizeRows(base, ds.dim);
  const ids = Array.from({ length: N }, (_, i) => i);
  const input = {
    ids,
    versions: ids.map(() => 1),
    vectors: base,
    payloads: ids.map((i) => ({ tenant: tenantOf(i) })),
    seed: 7,
  };
  await writeSegment(store, PREFIX.block, { ...input, config: config(0) });
  await writeSegment(store, PREFIX.main, { ...input, config: config(16) });
  await writeSegment(store, PREFIX.blockInt8, { ...input, config: config(0, { quantized: true }) });
  await writeSegment(store, PREFIX.blockPaged, {
    ...input,
    config: config(0, { vectorsOnDisk: true, graphOnDisk: true }),
  });
}, 600_000);

const open = (prefix: string) => openSegment(store, new PageCache(store), prefix);

describe.skipIf(!datasetsAvailable())('m 0 + payload_m: per-tenant graphs without a main graph (GloVe-100)', () => {
  it('seals a graph object holding the tenants’ graphs and an entry point per tenant', async () => {
    const meta = parseMeta((await store.get(segmentObjectKey(PREFIX.block, META)))?.body as Uint8Array).spaces[''];
    expect(meta.hnsw).not.toBeNull();
    // the m the seal was asked for (0: no main graph) and the payload_m it applied
    expect(meta.hnsw?.m).toBe(0);
    expect(meta.hnsw?.payloadM).toBe(16);
    const bytes = (await store.get(segmentObjectKey(PREFIX.block, GRAPH)))?.body as Uint8Array;
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true)).toBe(BLOCK_GRAPH_VERSION);
    const g = deserializeGraph(bytes);
    const entries = g.upper.blockEntries as Uint32Array;
    expect(entries.length).toBe(2 * TENANTS.length);
    const seg = await open(PREFIX.block);
    // each entry point is its tenant's, and every layer-0 link stays inside the tenant of its node
    const entryTenants = Array.from({ length: 3 }, (_, e) => tenantOf(seg.externalId(entries[2 * e]) as number));
    expect(entryTenants.sort()).toEqual(['a', 'b', 'c']);
    const rec = 1 + g.m0;
    let links = 0;
    for (let i = 0; i < N; i++) {
      const own = tenantOf(seg.externalId(i) as number);
      for (let k = 1; k <= g.layer0[i * rec]; k++, links++) {
        expect(tenantOf(seg.externalId(g.layer0[i * rec + k]) as number)).toBe(own);
      }
    }
    expect(links).toBeGreaterThan(N * 8);
  });

  it('a tenant filter walks its tenant’s graph: recall ≥ 0.95 at the default ef, within 0.01 of m 16', async () => {
    const block = await open(PREFIX.block);
    const main = await open(PREFIX.main);
    for (const t of TENANTS) {
      const size = Array.from({ length: N }, (_, i) => i).filter((i) => tenantOf(i) === t).length;
      const hits = { block: 0, main: 0 };
      let scored = 0;
      for (let qi = 0; qi < QUERIES; qi++) {
        const q = query(qi);
        const want = truth(q, (i) => tenantOf(i) === t);
        const b = await search(block, q, { exact: false }, byTenant(t));
        const m = await search(main, q, { exact: false }, byTenant(t));
        expect(b.hits.path).toBe('hnsw');
        expect(m.hits.path).toBe('hnsw');
        hits.block += overlap(b.ids, want);
        hits.main += overlap(m.ids, want);
        scored += b.hits.distances;
      }
      const recall = { block: hits.block / (QUERIES * K), main: hits.main / (QUERIES * K) };
      console.log(`tenant ${t} (${size} points): recall@10 m0 ${recall.block}, m16 ${recall.main}`);
      expect(recall.block).toBeGreaterThanOrEqual(0.95);
      expect(recall.block).toBeGreaterThanOrEqual(recall.main - 0.01);
      // a graph walk, not a scan: measured 22% / 31% / 53% of tenants a / b / c at ef 100 (a scan scores 100%)
      expect(scored / QUERIES).toBeLessThan({ a: 0.3, b: 0.4, c: 0.6 }[t] * size);
      console.log(`tenant ${t}: ${(scored / QUERIES).toFixed(0)} points scored per query of ${size}`);
    }
  });

  it('hnsw_ef sizes the walk; exact: true scans the tenant', async () => {
    const seg = await open(PREFIX.block);
    const q = query(0);
    const small = await search(seg, q, { exact: false, hnsw_ef: 16 }, byTenant('a'));
    const large = await search(seg, q, { exact: false, hnsw_ef: 256 }, byTenant('a'));
    expect(small.hits.path).toBe('hnsw');
    expect(small.hits.distances).toBeLessThan(large.hits.distances);
    const exact = await search(seg, q, { exact: true }, byTenant('a'));
    expect(exact.hits.path).toBe('exact');
    expect(exact.ids).toEqual(truth(q, (i) => tenantOf(i) === 'a'));
  });

  it('unfiltered, and filters no single tenant serves, are exact (= brute force)', async () => {
    const seg = await open(PREFIX.block);
    for (let qi = 0; qi < 5; qi++) {
      const q = query(qi);
      const all = await search(seg, q, { exact: false });
      expect(all.hits.path).toBe('exact');
      expect(all.ids).toEqual(truth(q, () => true));
      const two = await search(seg, q, { exact: false }, { must: [{ key: 'tenant', match: { any: ['a', 'c'] } }] });
      expect(two.hits.path).toBe('exact-filtered');
      expect(two.ids).toEqual(truth(q, (i) => tenantOf(i) !== 'b'));
      const not = await search(seg, q, { exact: false }, { must_not: [{ key: 'tenant', match: { value: 'a' } }] });
      expect(not.hits.path).toBe('exact-filtered');
      expect(not.ids).toEqual(truth(q, (i) => tenantOf(i) !== 'a'));
    }
  });

  it('a tenant whose entry point the filter excludes starts from another of its points', async () => {
    const seg = await open(PREFIX.block);
    const g = deserializeGraph((await store.get(segmentObjectKey(PREFIX.block, GRAPH)))?.body as Uint8Array);
    const entries = g.upper.blockEntries as Uint32Array;
    const entryOfB = [0, 2, 4].map((e) => seg.externalId(entries[e]) as number).find((id) => tenantOf(id) === 'b');
    if (entryOfB === undefined) throw new Error('tenant b has no entry point');
    const filter: Filter = { must: [{ key: 'tenant', match: { value: 'b' } }], must_not: [{ has_id: [entryOfB] }] };
    let hits = 0;
    for (let qi = 0; qi < QUERIES; qi++) {
      const q = query(qi);
      const r = await search(seg, q, { exact: false }, filter);
      expect(r.hits.path).toBe('hnsw');
      expect(r.ids).not.toContain(entryOfB);
      hits += overlap(
        r.ids,
        truth(q, (i) => tenantOf(i) === 'b' && i !== entryOfB),
      );
    }
    expect(hits / (QUERIES * K)).toBeGreaterThanOrEqual(0.95);
  });

  it('int8 + rescore and the paged tiers walk the same way', async () => {
    const int8 = await open(PREFIX.blockInt8);
    let hits = 0;
    for (let qi = 0; qi < QUERIES; qi++) {
      const q = query(qi);
      const r = await search(
        int8,
        q,
        { exact: false, quantization: { ignore: false, rescore: true, oversampling: 2 } },
        byTenant('c'),
      );
      expect(r.hits.path).toBe('hnsw');
      expect(r.hits.rescored).toBe(true);
      hits += overlap(
        r.ids,
        truth(q, (i) => tenantOf(i) === 'c'),
      );
    }
    expect(hits / (QUERIES * K)).toBeGreaterThanOrEqual(0.95);

    // graph and originals on disk: the same walk, answers identical to the in-memory segment's
    const pinned = await open(PREFIX.block);
    for (let qi = 0; qi < 5; qi++) {
      const paged = await openSegment(store, new PageCache(store), PREFIX.blockPaged);
      const io = new IoScope();
      const r = await search(paged, query(qi), { exact: false }, byTenant('c'), io);
      const m: { hits: SegmentHits; ids: number[] } = await search(pinned, query(qi), { exact: false }, byTenant('c'));
      expect(r.hits.path).toBe('hnsw');
      expect(r.ids).toEqual(m.ids);
      expect(io.counts.rangedGets).toBeGreaterThan(0);
    }
  });
});

describe.skipIf(!datasetsAvailable())('m 0 + payload_m: the is_tenant layout on paged tiers', () => {
  it('groups the points by tenant, and a cold tenant walk reads about its share of the graph and originals', async () => {
    const seg = await open(PREFIX.blockPaged);
    // three runs of offsets, one per tenant
    let runs = 1;
    for (let o = 1; o < N; o++)
      if (tenantOf(seg.externalId(o) as number) !== tenantOf(seg.externalId(o - 1) as number)) runs++;
    expect(runs).toBe(3);
    const meta = seg.meta.spaces[''];
    const graphKey = segmentObjectKey(PREFIX.blockPaged, GRAPH);
    const vectorsKey = segmentObjectKey(PREFIX.blockPaged, 'vectors');
    // pages only: no whole-graph or whole-originals read on first touch, and pages rather than records
    const tuning = { ...DEFAULT_TUNING, wholeGraphBytes: 0, wholeVectorsBytes: 0, coldReads: 'pages' as const };
    const share = { graph: 0, vectors: 0 };
    for (let qi = 0; qi < 5; qi++) {
      const cold = await openSegment(store, new PageCache(store), PREFIX.blockPaged);
      store.read.clear();
      const q = query(qi);
      const hits = await searchSegment(
        cold,
        { vector: q, limit: K, params: { exact: false }, filter: byTenant('c'), deletedVersion: 0 },
        new IoScope(),
        tuning,
      );
      expect(hits.path).toBe('hnsw');
      const ids = Array.from(hits.offsets, (o) => cold.externalId(o) as number);
      expect(
        overlap(
          ids,
          truth(q, (i) => tenantOf(i) === 'c'),
        ),
      ).toBeGreaterThanOrEqual(9);
      share.graph = Math.max(share.graph, (store.read.get(graphKey) ?? 0) / (meta.hnsw?.bytes ?? 1));
      share.vectors = Math.max(share.vectors, (store.read.get(vectorsKey) ?? 0) / meta.vectors.bytes);
    }
    console.log(
      `cold tenant c (1/6 of the points): read ${share.graph.toFixed(3)} of the graph, ${share.vectors.toFixed(3)} of the originals`,
    );
    // tenant c is 1/6 of the points: its pages, plus at most a page at each end of its run
    expect(share.graph).toBeGreaterThan(0);
    expect(share.graph).toBeLessThan(1 / 6 + 0.05);
    expect(share.vectors).toBeLessThan(1 / 6 + 0.05);
  });
});

describe('block graph format and filter rule', () => {
  const dim = 4;
  const rows = Float32Array.from({ length: 40 * dim }, (_, i) => Math.sin(i * 1.7));
  const blocks = [
    { rows: Uint32Array.from({ length: 20 }, (_, i) => 2 * i), tenant: true },
    { rows: Uint32Array.from({ length: 20 }, (_, i) => 2 * i + 1), tenant: true },
  ];
  const build = (block: Uint32Array) => {
    const sub = new Float32Array(block.length * dim);
    block.forEach((r, i) => sub.set(rows.subarray(r * dim, (r + 1) * dim), i * dim));
    return buildHnsw(sub, dim, 'Euclid', { m: 4, efConstruct: 16, seed: 3 });
  };

  it('round-trips the entry table; renumbering renames its nodes', () => {
    const g = blockGraph(40, 4, blocks, build);
    const entries = g.upper.blockEntries as Uint32Array;
    expect(entries.length).toBe(4);
    expect(entries[0] % 2).toBe(0);
    expect(entries[2] % 2).toBe(1);
    const back = deserializeGraph(serializeGraph(g, 256));
    expect(Array.from(back.upper.blockEntries as Uint32Array)).toEqual(Array.from(entries));
    expect(back.entryPoint).toBe(g.entryPoint);
    const order = Uint32Array.from({ length: 40 }, (_, i) => 39 - i);
    const renamed = permuteGraph(g, order);
    expect(Array.from(renamed.upper.blockEntries as Uint32Array)).toEqual([
      39 - entries[0],
      entries[1],
      39 - entries[2],
      entries[3],
    ]);
    // a graph with a main graph is written as before (version 1, no table)
    const plain = deserializeGraph(serializeGraph(buildHnsw(rows, dim, 'Euclid', { m: 4, seed: 3 }), 256));
    expect(plain.upper.blockEntries).toBeUndefined();
    // no block: an empty block graph, still a block graph
    const empty = deserializeGraph(serializeGraph(blockGraph(40, 4, [], build), 256));
    expect(empty.upper.blockEntries?.length).toBe(0);
    expect(empty.entryPoint).toBe(0xffffffff);
  });

  it('the in-memory walk starts from a given block entry and stays in its block', async () => {
    const g = new InMemoryGraph(blockGraph(40, 4, blocks, build));
    const q = Float32Array.of(0.3, -0.2, 0.9, 0.1);
    const scorer = floatScorer(rows, dim, 'Euclid', q);
    const odd = (id: number) => id % 2 === 1;
    const entry = await findBlockEntry(g, scorer, odd, []);
    expect(entry).not.toBeNull();
    expect(odd(entry?.id as number)).toBe(true);
    const found = searchPipelineSync({ n: 40, graph: g }, scorer, null, { k: 5, ef: 20, accept: odd, entry });
    const exact = searchPipelineSync({ n: 40, graph: null }, scorer, null, { k: 5, accept: odd });
    expect(Array.from(found.ids)).toEqual(Array.from(exact.ids));
    // no point passes: no entry (the caller scans)
    expect(await findBlockEntry(g, scorer, () => false, [1, 3])).toBeNull();
  });

  it('a multivector space gets block graphs on MaxSim, and a tenant query walks them', async () => {
    const mstore = new MemoryStore();
    const docs = 1200;
    const DIM = 16;
    const counts = Uint32Array.from({ length: docs }, (_, i) => 1 + (i % 3));
    const rowsData = seededVectors(
      counts.reduce((a, b) => a + b, 0),
      DIM,
      21,
    );
    const c = makeConfig(DIM, 'Cosine', { m: 0, efConstruct: 40, fullScanThreshold: 1, quantized: false });
    const cfg: CollectionConfig = {
      ...c,
      vectors: { size: DIM, distance: 'Cosine', on_disk: false, multivector_config: { comparator: 'max_sim' } },
      hnsw_config: { ...c.hnsw_config, payload_m: 8 },
      payload_schema: SCHEMA,
    };
    const ids = Array.from({ length: docs }, (_, i) => i);
    await writeSegment(mstore, 'c/segments/0001-multi', {
      config: cfg,
      ids,
      versions: ids.map(() => 1),
      spaces: [{ name: '', points: null, data: rowsData, counts }],
      payloads: ids.map((i) => ({ tenant: `t${i % 3}` })),
      seed: 3,
    });
    const seg = await openSegment(mstore, new PageCache(mstore), 'c/segments/0001-multi');
    expect(seg.meta.spaces[''].hnsw?.m).toBe(0);
    let hits = 0;
    for (let qi = 0; qi < 10; qi++) {
      const q = seededVectors(2, DIM, 500 + qi);
      const filter = byTenant(`t${qi % 3}`);
      const walk = await search(seg, q, { exact: false, hnsw_ef: 64 }, filter);
      const exact = await search(seg, q, { exact: true }, filter);
      expect(walk.hits.path).toBe('hnsw');
      expect(walk.ids.every((id) => id % 3 === qi % 3)).toBe(true);
      hits += overlap(walk.ids, exact.ids);
    }
    expect(hits / (10 * K)).toBeGreaterThanOrEqual(0.9);
  });

  it('a block serves a filter requiring one value of a block field', () => {
    const schema: PayloadSchema = { tenant: { type: 'keyword', is_tenant: true }, n: 'integer', t: 'text' };
    expect(blockServes(byTenant('a'), schema)).toBe(true);
    expect(blockServes({ must: [{ key: 'n', match: { value: 3 } }] }, schema)).toBe(true);
    expect(blockServes({ must: [{ must: [{ key: 'tenant', match: { any: ['a'] } }] }] }, schema)).toBe(true);
    expect(blockServes({ must: [{ key: 'tenant', match: { any: ['a', 'b'] } }] }, schema)).toBe(false);
    expect(blockServes({ should: [{ key: 'tenant', match: { value: 'a' } }] }, schema)).toBe(false);
    expect(blockServes({ must: [{ key: 't', match: { value: 'a' } }] }, schema)).toBe(false);
    expect(blockServes({ must: [{ key: 'tenant', match: { value: 3 } }] }, schema)).toBe(false);
    expect(blockServes(byTenant('a'), { tenant: { type: 'keyword', enable_hnsw: false } })).toBe(false);
    expect(blockServes(undefined, schema)).toBe(false);
  });
});
