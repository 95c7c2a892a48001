/**
 * The layer-0 walk in wasm (lib/index/wasm-walk.ts) against the JS walk of lib/index/search.ts: the same ids, the
 * same scores (bit for bit, in the same order, ties included) and the same hop and distance counters, for int8 and
 * float32 rows, with and without a reject bitmap (tombstones), at ef below k, on tiny graphs and on real data. The
 * JS walk is forced by hiding the scorer's walkSource behind a wrapper that forwards everything else.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeRows, simdAvailable, simdRows } from '../../lib/distance/index.js';
import type { Distance } from '../../lib/model/distance.js';
import {
  buildHnsw,
  floatScorer,
  InMemoryGraph,
  mulberry32,
  type QueryScorer,
  SearchContext,
  searchHnsw,
  searchHnswAsync,
} from '../../lib/index/index.js';
import {
  DEFAULT_WALK_ARENA_BUDGET,
  setWalkArenaBudget,
  walkArenaBytesHeld,
  walkArenaFor,
} from '../../lib/index/wasm-walk.js';
import { Int8Scorer, quantize, type QuantizedSet } from '../../lib/quantization/index.js';
import { datasetsAvailable, loadFashionMnist, loadGlove, slice } from '../support/datasets.js';

/** The scorer without walkSource: searchHnsw then takes the JS walk, scoring through the same kernels. */
function jsOnly(s: QueryScorer): QueryScorer {
  return {
    score: (id) => s.score(id),
    scoreMany: s.scoreMany && ((ids, start, count, out) => s.scoreMany!(ids, start, count, out)),
    scratchIds: s.scratchIds,
    scratchScores: s.scratchScores,
  };
}

function matrix(seed: number, n: number, dim: number, distance: Distance): Float32Array {
  const rnd = mulberry32(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i++) out[i] = rnd() * 2 - 1;
  if (distance === 'Cosine') normalizeRows(out, dim);
  return out;
}

/** A reject bitmap with about `share` of the ids set, and the accept function it stands for. */
function tombstones(seed: number, n: number, share: number): { bits: Uint8Array; accept: (id: number) => boolean } {
  const rnd = mulberry32(seed);
  const bits = new Uint8Array(((n + 7) >> 3) + 5);
  for (let i = 0; i < n; i++) if (rnd() < share) bits[i >> 3] |= 1 << (i & 7);
  return { bits, accept: (id) => (bits[id >> 3] & (1 << (id & 7))) === 0 };
}

interface Walked {
  ids: number[];
  scores: number[];
  hops: number;
  distances: number;
}

function walk(
  graph: InMemoryGraph,
  scorer: QueryScorer,
  k: number,
  ef: number,
  reject: { bits: Uint8Array; accept: (id: number) => boolean } | null,
): Walked {
  const ctx = new SearchContext(graph.meta.n);
  const r = searchHnsw(graph, scorer, { k, ef, accept: reject?.accept ?? null, rejected: reject?.bits ?? null }, ctx);
  return { ids: [...r.ids], scores: [...r.scores], hops: ctx.hops, distances: ctx.distances };
}

/** Both walks over the same queries; the wasm one must be eligible (else this would compare JS with JS). */
function expectSameWalks(
  graph: InMemoryGraph,
  scorers: QueryScorer[],
  k: number,
  ef: number,
  reject: { bits: Uint8Array; accept: (id: number) => boolean } | null,
): void {
  for (const s of scorers) {
    expect(walkArenaFor(graph, s.walkSource?.())).not.toBeNull();
    const wasm = walk(graph, s, k, ef, reject);
    const js = walk(graph, jsOnly(s), k, ef, reject);
    expect(wasm).toEqual(js);
    expect(wasm.ids.length).toBe(Math.min(k, js.ids.length));
  }
}

describe.skipIf(!simdAvailable())('wasm layer-0 walk = JS walk', () => {
  const N = 1500;
  const DIM = 24;

  describe.each(['Cosine', 'Dot', 'Euclid'] as Distance[])('%s, random data', (distance) => {
    let data: Float32Array;
    let graph: InMemoryGraph;
    let set: QuantizedSet;
    let queries: Float32Array;

    beforeAll(() => {
      data = matrix(1, N, DIM, distance);
      set = quantize(data, DIM, distance);
      graph = new InMemoryGraph(buildHnsw(data, DIM, distance, { m: 8, efConstruct: 40, seed: 3 }));
      queries = matrix(2, 20, DIM, distance);
    });
    const query = (q: number): Float32Array => queries.subarray(q * DIM, (q + 1) * DIM);
    const int8 = (): QueryScorer[] => Array.from({ length: 20 }, (_, q) => new Int8Scorer(set, query(q)));
    const float = (): QueryScorer[] => {
      const rows = simdRows(data, DIM);
      return Array.from({ length: 20 }, (_, q) => floatScorer(rows, DIM, distance, query(q)));
    };

    it.each([
      [10, 64],
      [10, 200],
      [10, 3],
      [1, 1],
      [50, 16],
    ])('int8: same ids, scores and counters at k %i, ef %i', (k, ef) => {
      expectSameWalks(graph, int8(), k, ef, null);
    });

    it.each([
      [10, 64],
      [10, 4],
    ])('float32: same ids, scores and counters at k %i, ef %i', (k, ef) => {
      expectSameWalks(graph, float(), k, ef, null);
    });

    it.each([0.05, 0.5, 0.97])('with a reject bitmap of %f of the ids (int8 and float32)', (share) => {
      const reject = tombstones(7, N, share);
      expectSameWalks(graph, int8(), 10, 64, reject);
      expectSameWalks(graph, float(), 10, 32, reject);
    });

    it('every id rejected: no results, the same walk', () => {
      const bits = new Uint8Array((N + 7) >> 3).fill(0xff);
      expectSameWalks(graph, int8(), 10, 32, { bits, accept: () => false });
    });

    it('the async walk over an in-memory graph answers as the sync one', async () => {
      const s = new Int8Scorer(set, query(0));
      const ctx = new SearchContext(N);
      const sync = walk(graph, jsOnly(s), 10, 64, null);
      const r = await searchHnswAsync(graph, s, { k: 10, ef: 64 }, ctx);
      expect({ ids: [...r.ids], scores: [...r.scores], hops: ctx.hops, distances: ctx.distances }).toEqual(sync);
    });
  });

  it('an accept function without a bitmap keeps the JS walk (the arena is not consulted)', () => {
    const data = matrix(5, 300, 8, 'Dot');
    const set = quantize(data, 8, 'Dot');
    const graph = new InMemoryGraph(buildHnsw(data, 8, 'Dot', { m: 4, efConstruct: 20 }));
    const s = new Int8Scorer(set, data.subarray(0, 8));
    let calls = 0;
    const accept = (id: number): boolean => {
      calls++;
      return id % 2 === 0;
    };
    const r = searchHnsw(graph, s, { k: 5, ef: 20, accept }, new SearchContext(300));
    expect(calls).toBeGreaterThan(0);
    expect([...r.ids].every((id) => id % 2 === 0)).toBe(true);
  });

  it.each([1, 2, 3])('tiny graphs (n = %i): the entry alone or a few nodes', (n) => {
    const data = matrix(9, n, 8, 'Euclid');
    const set = quantize(data, 8, 'Euclid');
    const graph = new InMemoryGraph(buildHnsw(data, 8, 'Euclid', { m: 4, efConstruct: 10 }));
    const scorers = [new Int8Scorer(set, matrix(10, 1, 8, 'Euclid'))];
    expectSameWalks(graph, scorers, 10, 10, null);
    expectSameWalks(graph, scorers, 1, 1, tombstones(3, n, 0.5));
    const r = walk(graph, scorers[0], 10, 10, null);
    expect(r.ids.length).toBe(n);
    expect(r.hops).toBeGreaterThanOrEqual(1);
  });

  it.each(['Dot', 'Euclid'] as Distance[])(
    '%s with many tied scores (duplicate rows): the same tie order',
    (distance) => {
      // rows of 4 values in {0, 1}: 16 distinct rows among 600, so nearly every score is shared by ~40 nodes
      const rnd = mulberry32(21);
      const data = Float32Array.from({ length: 600 * 4 }, () => (rnd() < 0.5 ? 0 : 1));
      const set = quantize(data, 4, distance);
      const graph = new InMemoryGraph(buildHnsw(data, 4, distance, { m: 6, efConstruct: 30 }));
      const queries = Float32Array.from({ length: 10 * 4 }, () => rnd());
      const query = (q: number): Float32Array => queries.subarray(q * 4, q * 4 + 4);
      const rows = simdRows(data, 4);
      const int8 = Array.from({ length: 10 }, (_, q) => new Int8Scorer(set, query(q)));
      const float = Array.from({ length: 10 }, (_, q) => floatScorer(rows, 4, distance, query(q)));
      for (const [k, ef] of [
        [10, 10],
        [5, 40],
        [60, 80],
      ]) {
        expectSameWalks(graph, int8, k, ef, null);
        expectSameWalks(graph, float, k, ef, tombstones(4, 600, 0.3));
      }
    },
  );

  it('builds no arena past the thread budget: that graph walks in JS with the same answers', () => {
    const data = matrix(5, 400, DIM, 'Euclid');
    const set = quantize(data, DIM, 'Euclid');
    const g = new InMemoryGraph(buildHnsw(data, DIM, 'Euclid', { m: 8, efConstruct: 40, seed: 5 }));
    const q = matrix(6, 1, DIM, 'Euclid');
    const before = walkArenaBytesHeld();
    try {
      setWalkArenaBudget(before);
      const refused = new Int8Scorer(set, q);
      expect(walkArenaFor(g, refused.walkSource?.())).toBeNull();
      expect(walkArenaBytesHeld()).toBe(before);
      expect(walk(g, refused, 10, 64, null)).toEqual(walk(g, jsOnly(new Int8Scorer(set, q)), 10, 64, null));
      // another graph over the same rows, with room: built, and its bytes held
      setWalkArenaBudget(DEFAULT_WALK_ARENA_BUDGET);
      const g2 = new InMemoryGraph(buildHnsw(data, DIM, 'Euclid', { m: 8, efConstruct: 40, seed: 6 }));
      expect(walkArenaFor(g2, new Int8Scorer(set, q).walkSource?.())).not.toBeNull();
      expect(walkArenaBytesHeld()).toBeGreaterThan(before + 400 * (DIM + 4));
    } finally {
      setWalkArenaBudget(DEFAULT_WALK_ARENA_BUDGET);
    }
  });

  it('many queries on one arena (the visited tag wraps past 255)', () => {
    const data = matrix(11, 400, 8, 'Cosine');
    const set = quantize(data, 8, 'Cosine');
    const graph = new InMemoryGraph(buildHnsw(data, 8, 'Cosine', { m: 4, efConstruct: 20 }));
    const queries = matrix(12, 300, 8, 'Cosine');
    const scorers = Array.from({ length: 300 }, (_, q) => new Int8Scorer(set, queries.subarray(q * 8, q * 8 + 8)));
    expectSameWalks(graph, scorers, 10, 40, null);
  });
});

describe.skipIf(!simdAvailable() || !datasetsAvailable())('wasm layer-0 walk = JS walk on real data', () => {
  it.each(['glove', 'fashion'])(
    '%s int8 and float32, with 10% tombstones',
    async (name) => {
      const full = name === 'glove' ? await loadGlove() : await loadFashionMnist();
      const n = name === 'glove' ? 4000 : 2000;
      const ds = slice(full, n, 30, 10);
      const distance: Distance = name === 'glove' ? 'Cosine' : 'Euclid';
      const base = Float32Array.from(ds.base);
      if (distance === 'Cosine') normalizeRows(base, ds.dim);
      const set = quantize(base, ds.dim, distance);
      const graph = new InMemoryGraph(buildHnsw(base, ds.dim, distance, { m: 16, efConstruct: 64, codes: set }));
      const rows = simdRows(base, ds.dim);
      const query = (q: number): Float32Array => ds.queries.subarray(q * ds.dim, (q + 1) * ds.dim);
      const int8 = Array.from({ length: 30 }, (_, q) => new Int8Scorer(set, query(q)));
      const float = Array.from({ length: 30 }, (_, q) => floatScorer(rows, ds.dim, distance, query(q)));
      for (const ef of [16, 128]) {
        expectSameWalks(graph, int8, 10, ef, null);
        expectSameWalks(graph, float, 10, ef, null);
      }
      const reject = tombstones(13, n, 0.1);
      expectSameWalks(graph, int8, 10, 64, reject);
      expectSameWalks(graph, float, 10, 64, reject);
    },
    120_000,
  );
});
