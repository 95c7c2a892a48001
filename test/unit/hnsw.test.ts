import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeRows } from '../../lib/distance/index.js';
import type { Distance } from '../../lib/model/distance.js';
import { isStrataError } from '../../lib/model/errors.js';
import {
  buildHnsw,
  decodeGraphPage,
  decodeVectorsPage,
  deserializeGraph,
  deserializeVectors,
  exactSearch,
  floatScorer,
  GRAPH_FIXED_HEADER_BYTES,
  graphPageOf,
  INSERT_BLOCK,
  insertionOrder,
  graphPageRange,
  InMemoryGraph,
  mulberry32,
  oversampledCount,
  type PageReader,
  PagedFloatScorer,
  PagedGraph,
  PagedRows,
  parseGraphFixedHeader,
  parseGraphHeader,
  parseVectorsHeader,
  SearchContext,
  searchHnsw,
  searchHnswAsync,
  searchPipelineSync,
  serializeGraph,
  serializeVectors,
  vectorsPageOf,
  vectorsPageRange,
  type HnswGraph,
} from '../../lib/index/index.js';
import { Int8Scorer, quantize } from '../../lib/quantization/index.js';
import { openSegment } from '../../lib/segment/open.js';
import { directPages } from '../../lib/segment/page-io.js';
import { searchSegment } from '../../lib/segment/search.js';
import type { Segment } from '../../lib/segment/segment.js';
import { writeSegment } from '../../lib/segment/writer.js';
import { makeConfig, SEGMENT_PREFIX, tempStore } from '../support/segment-fixtures.js';

const DISTANCES: Distance[] = ['Cosine', 'Dot', 'Euclid', 'Manhattan'];

function randomMatrix(seed: number, n: number, dim: number): Float32Array {
  const rnd = mulberry32(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i++) out[i] = rnd() * 2 - 1;
  return out;
}

function dataset(distance: Distance, seed: number, n: number, dim: number): Float32Array {
  const data = randomMatrix(seed, n, dim);
  if (distance === 'Cosine') normalizeRows(data, dim);
  return data;
}

function recall(found: Uint32Array, truth: Uint32Array): number {
  const t = new Set(truth);
  let hits = 0;
  for (const id of found) if (t.has(id)) hits++;
  return hits / truth.length;
}

function checkInvariants(g: HnswGraph): void {
  const rec = 1 + g.m0;
  for (let id = 0; id < g.n; id++) {
    const count = g.layer0[id * rec];
    expect(count).toBeLessThanOrEqual(g.m0);
    const seen = new Set<number>();
    for (let j = 1; j <= count; j++) {
      const nb = g.layer0[id * rec + j];
      expect(nb).not.toBe(id);
      expect(nb).toBeLessThan(g.n);
      seen.add(nb);
    }
    expect(seen.size).toBe(count);
  }
  const { ids, levels, offsets, links } = g.upper;
  for (let j = 0; j < ids.length; j++) {
    if (j > 0) expect(ids[j]).toBeGreaterThan(ids[j - 1]);
    expect(levels[j]).toBeLessThanOrEqual(g.maxLevel);
    expect(offsets[j + 1] - offsets[j]).toBe(levels[j] * (1 + g.m));
    for (let l = 0; l < levels[j]; l++) {
      const off = offsets[j] + l * (1 + g.m);
      expect(links[off]).toBeLessThanOrEqual(g.m);
      for (let k = 1; k <= links[off]; k++) {
        expect(links[off + k]).not.toBe(ids[j]);
        expect(links[off + k]).toBeLessThan(g.n);
      }
    }
  }
  if (g.maxLevel > 0) expect(levels[Array.from(ids).indexOf(g.entryPoint)]).toBe(g.maxLevel);
}

describe('HNSW build', () => {
  it.each(DISTANCES)('keeps degrees ≤ m0 (layer 0) and ≤ m (upper), no self loops, ids in range (%s)', (distance) => {
    const g = buildHnsw(dataset(distance, 1, 1500, 12), 12, distance, { m: 6, efConstruct: 40 });
    expect(g.m0).toBe(12);
    checkInvariants(g);
  });

  it('property: invariants hold for any small size, m and seed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.constantFrom(...DISTANCES),
        (n, m, seed, distance) => {
          const g = buildHnsw(dataset(distance, seed, n, 5), 5, distance, { m, efConstruct: 10, seed });
          expect(g.n).toBe(n);
          checkInvariants(g);
        },
      ),
      { seed: 21, numRuns: 60 },
    );
  });

  it('is deterministic: the same seed and inputs give the same graph, another seed another one', () => {
    const data = dataset('Euclid', 2, 800, 8);
    const a = buildHnsw(data, 8, 'Euclid', { m: 8, seed: 7 });
    const b = buildHnsw(data, 8, 'Euclid', { m: 8, seed: 7 });
    const c = buildHnsw(data, 8, 'Euclid', { m: 8, seed: 8 });
    expect(serializeGraph(a)).toEqual(serializeGraph(b));
    expect(serializeGraph(a)).not.toEqual(serializeGraph(c));
  });

  it.each(['Cosine', 'Euclid', 'Dot'] as const)(
    'on int8 codes (%s): invariants hold, deterministic, another graph than the float build, and it finds neighbours',
    (distance) => {
      const dim = 16;
      const data = dataset(distance, 4, 1200, dim);
      const codes = quantize(data, dim, distance);
      const a = buildHnsw(data, dim, distance, { m: 8, efConstruct: 48, seed: 3, codes });
      checkInvariants(a);
      expect(serializeGraph(buildHnsw(data, dim, distance, { m: 8, efConstruct: 48, seed: 3, codes }))).toEqual(
        serializeGraph(a),
      );
      expect(serializeGraph(a)).not.toEqual(
        serializeGraph(buildHnsw(data, dim, distance, { m: 8, efConstruct: 48, seed: 3 })),
      );
      // the int8 walk over the int8-built graph finds what an exact int8 scan finds
      const rng = mulberry32(9);
      let hits = 0;
      for (let q = 0; q < 50; q++) {
        const query = Float32Array.from({ length: dim }, () => rng() * 2 - 1);
        const exact = exactSearch(1200, new Int8Scorer(codes, query), 10).ids;
        const found = new Set(searchHnsw(new InMemoryGraph(a), new Int8Scorer(codes, query), { k: 10, ef: 64 }).ids);
        for (const id of exact) if (found.has(id)) hits++;
      }
      expect(hits / 500).toBeGreaterThanOrEqual(0.97);
    },
  );

  it('inserts blocks of consecutive ids in a seeded order: a permutation, blocks whole, the same per seed', () => {
    const n = 10 * INSERT_BLOCK + 17;
    const order = insertionOrder(n, 5);
    expect(Array.from(order).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    // every block is inserted whole and in id order, the short last block too
    const starts: number[] = [];
    for (let i = 0; i < n; ) {
      const first = order[i];
      expect(first % INSERT_BLOCK).toBe(0);
      const size = Math.min(INSERT_BLOCK, n - first);
      for (let j = 0; j < size; j++) expect(order[i + j]).toBe(first + j);
      starts.push(first / INSERT_BLOCK);
      i += size;
    }
    expect(starts).not.toEqual(starts.slice().sort((a, b) => a - b));
    expect(insertionOrder(n, 5)).toEqual(order);
    expect(insertionOrder(n, 6)).not.toEqual(order);
    expect(Array.from(insertionOrder(INSERT_BLOCK, 5))).toEqual(Array.from({ length: INSERT_BLOCK }, (_, i) => i));
  });

  it('builds in the given insertion order, which decides the graph, and refuses one that is not a permutation', () => {
    const data = dataset('Euclid', 3, 300, 8);
    const sequential = Uint32Array.from({ length: 300 }, (_, i) => i);
    const byDefault = buildHnsw(data, 8, 'Euclid', { m: 6, seed: 7 });
    const given = buildHnsw(data, 8, 'Euclid', { m: 6, seed: 7, insertOrder: insertionOrder(300, 7) });
    expect(serializeGraph(given)).toEqual(serializeGraph(byDefault));
    const inSequence = buildHnsw(data, 8, 'Euclid', { m: 6, seed: 7, insertOrder: sequential });
    checkInvariants(inSequence);
    expect(serializeGraph(inSequence)).not.toEqual(serializeGraph(byDefault));
    const twice = sequential.slice();
    twice[5] = 4;
    expect(() => buildHnsw(data, 8, 'Euclid', { insertOrder: twice })).toThrow(/not a permutation of the 300/);
    expect(() => buildHnsw(data, 8, 'Euclid', { insertOrder: sequential.subarray(1) })).toThrow(/not a permutation/);
    expect(() => buildHnsw(data, 8, 'Euclid', { insertOrder: Uint32Array.of(...sequential.subarray(1), 300) })).toThrow(
      /not a permutation/,
    );
  });

  it('rejects int8 codes of other rows than the data', () => {
    const data = dataset('Euclid', 5, 100, 8);
    const codes = quantize(data.subarray(0, 80 * 8), 8, 'Euclid');
    expect(() => buildHnsw(data, 8, 'Euclid', { codes })).toThrow(/int8 codes hold 80/);
  });

  it('an empty graph searches to nothing; a one-point graph finds its point', () => {
    const empty = buildHnsw(new Float32Array(0), 4, 'Dot');
    expect(searchHnsw(new InMemoryGraph(empty), { score: () => 0 }, { k: 3, ef: 10 }).ids.length).toBe(0);
    const one = buildHnsw(Float32Array.from([1, 2, 3, 4]), 4, 'Dot');
    const r = searchHnsw(new InMemoryGraph(one), floatScorer(Float32Array.from([1, 2, 3, 4]), 4, 'Dot', [1, 0, 0, 0]), {
      k: 3,
      ef: 10,
    });
    expect(Array.from(r.ids)).toEqual([0]);
    expect(deserializeGraph(serializeGraph(empty))).toEqual(empty);
  });
});

describe('exact search', () => {
  it('equals a full sort of the similarities, ordered best first, with the accept filter', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(...DISTANCES),
        (n, k, distance) => {
          const data = dataset(distance, n * 31 + k, n + 1, 7);
          const stored = data.subarray(0, n * 7);
          const scorer = floatScorer(stored, 7, distance, data.subarray(n * 7));
          const accept = (id: number): boolean => id % 3 !== 0;
          const r = exactSearch(n, scorer, k, accept);
          const expected = Array.from({ length: n }, (_, id) => id)
            .filter(accept)
            .map((id) => ({ id, s: scorer.score(id) }))
            .sort((x, y) => y.s - x.s)
            .slice(0, k);
          expect(Array.from(r.scores)).toEqual(expected.map((e) => e.s));
          expect(new Set(r.ids)).toEqual(new Set(expected.map((e) => e.id)));
        },
      ),
      { seed: 22, numRuns: 100 },
    );
  });
});

describe('HNSW search', () => {
  const dim = 16;
  const n = 3000;
  const data = dataset('Euclid', 3, n + 50, dim);
  const stored = data.subarray(0, n * dim);
  const graph = buildHnsw(stored, dim, 'Euclid', { m: 8, efConstruct: 64 });
  const memory = new InMemoryGraph(graph);
  const query = (q: number): Float32Array => data.subarray((n + q) * dim, (n + q + 1) * dim);

  /**
   * Recall is measured on the search production runs: a segment written by the writer (graph m 8, ef_construct 64,
   * float originals, no quantization), opened, and searched by searchSegment, against its own exact scan.
   */
  let segment: Segment;
  let cleanup = () => {};
  beforeAll(async () => {
    const t = tempStore();
    cleanup = t.cleanup;
    const ids = Array.from({ length: n }, (_, i) => i);
    await writeSegment(t.store, SEGMENT_PREFIX, {
      config: makeConfig(dim, 'Euclid', { quantized: false, m: 8, efConstruct: 64, fullScanThreshold: 10 }),
      ids,
      versions: ids.map(() => 1),
      vectors: stored,
      payloads: ids.map((i) => ({ r: i % 4 })),
      seed: 3,
    });
    segment = await openSegment(t.store, directPages(t.store), SEGMENT_PREFIX);
  });
  afterAll(() => cleanup());
  const segmentSearch = async (q: number, params: { exact: boolean; hnsw_ef?: number }, filter?: object) =>
    searchSegment(segment, { vector: query(q), limit: 10, params, filter, deletedVersion: 0 }, undefined);
  const externalIds = (offsets: Uint32Array) => Uint32Array.from(offsets, (o) => segment.externalId(o) as number);

  it('segment search finds the exact top-10 with recall ≥ 0.98 at ef 64 on random 16-d data', async () => {
    let total = 0;
    for (let q = 0; q < 50; q++) {
      const r = await segmentSearch(q, { exact: false, hnsw_ef: 64 });
      expect(r.path).toBe('hnsw');
      expect(r.distances).toBeGreaterThan(0);
      total += recall(r.offsets, (await segmentSearch(q, { exact: true })).offsets);
      for (let i = 1; i < r.similarities.length; i++)
        expect(r.similarities[i]).toBeLessThanOrEqual(r.similarities[i - 1]);
    }
    expect(total / 50).toBeGreaterThanOrEqual(0.98);
  });

  it('segment exact search is the brute-force top-10 of the originals', async () => {
    for (let q = 0; q < 5; q++) {
      const r = await segmentSearch(q, { exact: true });
      expect(r.path).toBe('exact');
      const truth = exactSearch(n, floatScorer(stored, dim, 'Euclid', query(q)), 10);
      expect(Array.from(externalIds(r.offsets))).toEqual(Array.from(truth.ids));
    }
  });

  it('a filter applies during the walk: only accepted points come back, and they match filtered exact search', async () => {
    let total = 0;
    const filter = { must: [{ key: 'r', match: { value: 1 } }] };
    for (let q = 0; q < 30; q++) {
      const r = await segmentSearch(q, { exact: false, hnsw_ef: 64 }, filter);
      expect(r.path).toBe('hnsw');
      for (const id of externalIds(r.offsets)) expect(id % 4).toBe(1);
      total += recall(r.offsets, (await segmentSearch(q, { exact: true }, filter)).offsets);
    }
    expect(total / 30).toBeGreaterThanOrEqual(0.95);
  });

  it('the walk keeps its cost counters on the context', () => {
    const ctx = new SearchContext(n);
    searchHnsw(memory, floatScorer(stored, dim, 'Euclid', query(0)), { k: 10, ef: 64 }, ctx);
    expect(ctx.distances).toBeGreaterThan(0);
    expect(ctx.hops).toBeGreaterThan(0);
  });

  it('a context reused across many queries gives the same answers as fresh contexts (visited tags wrap)', () => {
    const ctx = new SearchContext(n);
    for (let i = 0; i < 70_000; i++) ctx.prepare(n);
    for (let q = 0; q < 5; q++) {
      const scorer = floatScorer(stored, dim, 'Euclid', query(q));
      expect(searchHnsw(memory, scorer, { k: 10, ef: 32 }, ctx)).toEqual(
        searchHnsw(memory, scorer, { k: 10, ef: 32 }, new SearchContext()),
      );
    }
  });

  it('consecutive real queries on one context match fresh contexts across several tag wraps', () => {
    // marks of a tag survive where no later query walked. Query 0 runs exactly when the tag is 1 (queries 0, 255,
    // 510 with u8 marks), the other queries elsewhere: a wrap that cleared nothing would make it skip its own walk
    const ctx = new SearchContext(n);
    for (let q = 0; q < 600; q++) {
      const scorer = floatScorer(stored, dim, 'Euclid', query(q % 255 === 0 ? 0 : 1 + (q % 4)));
      expect(searchHnsw(memory, scorer, { k: 10, ef: 32 }, ctx)).toEqual(
        searchHnsw(memory, scorer, { k: 10, ef: 32 }, new SearchContext()),
      );
    }
  });

  it('the pipeline: int8 candidates then rescoring returns float similarities of the originals, best first', () => {
    const set = quantize(stored, dim, 'Euclid');
    const scorer = floatScorer(stored, dim, 'Euclid', query(0));
    const options = { k: 5, candidates: oversampledCount(5, 2), ef: 32 };
    const r = searchPipelineSync({ n, graph: memory }, new Int8Scorer(set, query(0)), scorer, options);
    expect(r.ids.length).toBe(5);
    r.ids.forEach((id, i) => expect(r.scores[i]).toBe(scorer.score(id)));
    for (let i = 1; i < 5; i++) expect(r.scores[i]).toBeLessThanOrEqual(r.scores[i - 1]);
    expect(r.distances).toBeGreaterThan(oversampledCount(5, 2));
    const exact = searchPipelineSync({ n, graph: null }, new Int8Scorer(set, query(0)), scorer, {
      k: 5,
      candidates: oversampledCount(5, 3),
    });
    expect(Array.from(exact.ids)).toEqual(Array.from(exactSearch(n, scorer, 5).ids));
    expect(exact.distances).toBe(n + oversampledCount(5, 3));
  });
});

describe('paged graph and vectors', () => {
  const dim = 10;
  const n = 2000;
  const distance: Distance = 'Cosine';
  const data = dataset(distance, 4, n + 20, dim);
  const stored = data.subarray(0, n * dim);
  const graph = buildHnsw(stored, dim, distance, { m: 8, efConstruct: 48 });
  const pageSize = 4096;
  const graphBytes = serializeGraph(graph, pageSize);
  const vectorBytes = serializeVectors(stored, dim, 1024);

  /** Serves decoded pages asynchronously, like a page cache over S3 (nothing resident), and counts the reads. */
  function asyncRanges<T>(
    bytes: Uint8Array,
    range: (p: number) => { start: number; end: number },
    decode: (p: number, page: Uint8Array) => T,
  ) {
    const counter = { calls: 0, pages: 0 };
    const fetch: PageReader<T> = {
      resident: () => undefined,
      async load(pages) {
        counter.calls++;
        counter.pages += pages.length;
        await new Promise((r) => setTimeout(r, 0));
        return pages.map((p) => decode(p, bytes.slice(range(p).start, range(p).end)));
      },
    };
    return { fetch, counter };
  }

  it('serialize/deserialize round-trips the graph exactly, over many pages', () => {
    const meta = parseGraphFixedHeader(graphBytes.subarray(0, GRAPH_FIXED_HEADER_BYTES));
    expect(meta.pageCount).toBeGreaterThan(10);
    expect(meta.pageStride).toBeLessThanOrEqual(pageSize);
    expect(deserializeGraph(graphBytes)).toEqual(graph);
  });

  it('property: graph and vectors round-trip for any size, m and page size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 64, max: 5000 }),
        fc.integer({ min: 1, max: 40 }),
        (size, m, pages, d) => {
          const rows = randomMatrix(size + m, size, d);
          const g = buildHnsw(rows, d, 'Euclid', { m, efConstruct: 16 });
          const bytes = serializeGraph(g, pages);
          expect(deserializeGraph(bytes)).toEqual(g);
          const meta = parseGraphFixedHeader(bytes);
          for (let p = 0; p < meta.pageCount; p++) {
            expect(graphPageRange(meta, p).end - graphPageRange(meta, p).start).toBeLessThanOrEqual(
              Math.max(pages, 8 + 4 * (1 + 2 * m)),
            );
          }
          expect(deserializeVectors(serializeVectors(rows, d, pages)).data).toEqual(rows);
        },
      ),
      { seed: 23, numRuns: 60 },
    );
  });

  it('graphPageRange holds node id’s record, and no record straddles a page', () => {
    const { meta } = parseGraphHeader(graphBytes);
    for (const id of [0, 1, meta.nodesPerPage - 1, meta.nodesPerPage, n - 1]) {
      const p = graphPageOf(meta, id);
      const { start, end } = graphPageRange(meta, p);
      const records = decodeGraphPage(meta, p, graphBytes.subarray(start, end));
      const off = (id % meta.nodesPerPage) * (1 + graph.m0);
      expect(Array.from(records.subarray(off, off + 1 + graph.m0))).toEqual(
        Array.from(graph.layer0.subarray(id * (1 + graph.m0), (id + 1) * (1 + graph.m0))),
      );
    }
  });

  it('async search over pages fetched on demand returns exactly what the in-memory search returns', async () => {
    const header = parseGraphHeader(graphBytes.subarray(0, parseGraphFixedHeader(graphBytes).headerBytes));
    const g = asyncRanges(
      graphBytes,
      (p) => graphPageRange(header.meta, p),
      (p, b) => decodeGraphPage(header.meta, p, b),
    );
    const vmeta = parseVectorsHeader(vectorBytes);
    const v = asyncRanges(
      vectorBytes,
      (p) => vectorsPageRange(vmeta, p),
      (p, b) => decodeVectorsPage(vmeta, p, b),
    );
    const paged = new PagedGraph(header, g.fetch);
    const rows = new PagedRows(vmeta, v.fetch);
    const memory = new InMemoryGraph(graph);
    const ctx = new SearchContext(n);
    for (let q = 0; q < 20; q++) {
      const qv = data.subarray((n + q) * dim, (n + q + 1) * dim);
      const expected = searchHnsw(memory, floatScorer(stored, dim, distance, qv), { k: 10, ef: 40 });
      const hops = (searchHnsw(memory, floatScorer(stored, dim, distance, qv), { k: 10, ef: 40 }, ctx), ctx.hops);
      const before = g.counter.calls;
      const got = await searchHnswAsync(paged, new PagedFloatScorer(rows, distance, qv), { k: 10, ef: 40 });
      expect(got).toEqual(expected);
      // at most one graph fetch per hop
      expect(g.counter.calls - before).toBeLessThanOrEqual(hops);
    }
    expect(paged.pagesLoaded).toBeLessThanOrEqual(header.meta.pageCount);
    expect(v.counter.pages).toBeGreaterThan(0);
  });

  it('rejects a corrupted page and a corrupted header as internal errors', () => {
    const { meta } = parseGraphHeader(graphBytes);
    const { start, end } = graphPageRange(meta, 3);
    const page = graphBytes.slice(start, end);
    page[page.length - 1] ^= 0x10;
    const header = graphBytes.slice(0, meta.headerBytes);
    header[meta.headerBytes - 1] ^= 0x01;
    for (const f of [() => decodeGraphPage(meta, 3, page), () => parseGraphHeader(header)]) {
      let error: unknown;
      try {
        f();
      } catch (e) {
        error = e;
      }
      expect(isStrataError(error, 'internal')).toBe(true);
    }
  });

  it('vectors round-trip, and vectorsPageRange holds row id', () => {
    const back = deserializeVectors(vectorBytes);
    expect(back.data).toEqual(stored);
    const meta = back.meta;
    expect(meta.pageCount).toBeGreaterThan(10);
    const id = 777;
    const { start, end } = vectorsPageRange(meta, vectorsPageOf(meta, id));
    const view = new DataView(vectorBytes.buffer, start + 8 + (id % meta.rowsPerPage) * 4 * dim);
    expect(view.getFloat32(0, true)).toBe(stored[id * dim]);
    expect(end - start).toBeLessThanOrEqual(1024);
  });
});
