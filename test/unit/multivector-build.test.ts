import { describe, expect, it } from 'vitest';
import { maxSim, normalizeRows, similarityFn } from '../../lib/distance/index.js';
import { buildHnswWith } from '../../lib/index/build.js';
import {
  floatScorer,
  type HnswGraph,
  InMemoryGraph,
  mulberry32,
  type QueryScorer,
  SearchContext,
  searchHnsw,
} from '../../lib/index/index.js';
import { MaxSimScorer, queryRows } from '../../lib/index/max-sim-scorer.js';
import { buildMultivectorHnsw, multivectorBuildSimilarity } from '../../lib/index/multivector-build.js';
import { quantize } from '../../lib/quantization/index.js';

/** Node's layer-0 neighbours. */
function layer0Of(g: HnswGraph, node: number): number[] {
  const at = node * (1 + g.m0);
  return Array.from(g.layer0.subarray(at + 1, at + 1 + g.layer0[at]));
}

/** The first seed from 1 whose level draw puts every one of n nodes on layer 0 only (levels depend on seed and n). */
function flatSeed(n: number, m: number): number {
  for (let seed = 1; ; seed++) if (buildHnswWith(n, () => 0, { m, seed }).maxLevel === 0) return seed;
}

describe('pairwise HNSW build with an asymmetric similarity (MaxSim)', () => {
  it("re-prunes a full neighbour list by the list owner's side: sim(e, q), not the inserted q's sim(q, e)", () => {
    // m = 2: layer-0 lists hold 4. Nodes 1..4 are far from each other and all link to 0, filling its list; node 5
    // finds 0 close from its side (0.9) while 0 finds 5 far from its side (0.1), below its four (0.51..0.54).
    // Qdrant re-prunes 0's list with score_internal(0, ·) for every candidate, 5 included, so 5 is dropped.
    const sim = (a: number, b: number): number => {
      if (a === 5 && b === 0) return 0.9;
      if (a === 0 && b === 5) return 0.1;
      if (a === 0) return 0.5 + b / 100;
      if (b === 0) return 0.5;
      return -10;
    };
    const g = buildHnswWith(6, sim, { m: 2, seed: flatSeed(6, 2) });
    expect(g.maxLevel).toBe(0);
    expect(layer0Of(g, 5)).toEqual([0]);
    expect(layer0Of(g, 0).sort()).toEqual([1, 2, 3, 4]);
  });

  it('finds the brute-force MaxSim top 10 of random token matrices (recall floor) and is deterministic', () => {
    const { rows, starts } = tokenMatrices();
    const graph = buildMultivectorHnsw(rows, starts, DIM, 'Cosine', { m: 8, efConstruct: 64 });
    expect(buildMultivectorHnsw(rows, starts, DIM, 'Cosine', { m: 8, efConstruct: 64 })).toEqual(graph);
    // measured 0.978 (0.956 without the reverse-nearest-neighbour links; 0.948 with one-sided MaxSim decisions)
    expect(recallOf(graph, rows, starts, (row) => floatScorer(rows, DIM, 'Cosine', row))).toBeGreaterThanOrEqual(0.97);
  });

  it('builds a graph on int8 codes (MaxSim over code estimates) that finds the MaxSim top 10 as well as on float32', () => {
    const { rows, starts } = tokenMatrices();
    const codes = quantize(rows, DIM, 'Cosine', { quantile: 0.99 });
    const onCodes = buildMultivectorHnsw(rows, starts, DIM, 'Cosine', { m: 8, efConstruct: 64, codes });
    const onFloats = buildMultivectorHnsw(rows, starts, DIM, 'Cosine', { m: 8, efConstruct: 64 });
    expect(onCodes).not.toEqual(onFloats);
    const walk = (row: Float32Array) => floatScorer(rows, DIM, 'Cosine', row);
    // measured 0.978 on codes and on float32 (0.968, 0.956 without the reverse-nearest-neighbour links; one-sided
    // MaxSim decisions: 0.926, 0.948; and 0.910 on codes without taking the d·o² shift off each pair)
    const recall = recallOf(onCodes, rows, starts, walk);
    expect(recall).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(recallOf(onFloats, rows, starts, walk) - 0.03);
  });

  it('decides on mutual MaxSim, min(MaxSim(a, b) / |a|, MaxSim(b, a) / |b|): symmetric, one pair = a batch', () => {
    // one-sided MaxSim sums one term per row of a, so a many-row node out-scores a few-row one in the heuristic's
    // cross comparisons and becomes a hub (on GloVe token matrices 166 of 5,025 documents were left without an
    // in-link); the mutual form is comparable across sides. Each distance with and without a SIMD batch.
    const { rows, starts } = tokenMatrices();
    const codes = quantize(rows, DIM, 'Cosine', { quantile: 0.99 });
    const rowsOf = (d: number) => starts[d + 1] - starts[d];
    for (const [distance, withCodes] of [
      ['Cosine', false],
      ['Euclid', false],
      ['Manhattan', false],
      ['Cosine', true],
    ] as const) {
      const { similarity, batch } = multivectorBuildSimilarity(
        rows,
        starts,
        DIM,
        distance,
        withCodes ? codes : undefined,
      );
      expect(batch === null).toBe(distance === 'Manhattan');
      const sim = similarityFn(distance);
      const oneSided = (a: number, b: number) =>
        maxSim(sim, rows, starts[a] * DIM, rowsOf(a), rows, starts[b] * DIM, rowsOf(b), DIM);
      const random = mulberry32(7);
      for (let t = 0; t < 40; t++) {
        const a = Math.floor(random() * DOCS);
        const ids = Uint32Array.from({ length: 9 }, () => Math.floor(random() * DOCS));
        const out = new Float64Array(ids.length);
        batch?.(a, ids, ids.length, out);
        for (let j = 0; j < ids.length; j++) {
          const b = ids[j];
          const want = Math.min(oneSided(a, b) / rowsOf(a), oneSided(b, a) / rowsOf(b));
          // float32 SIMD sums, or code estimates (within the int8 error of one inner pair)
          expect(similarity(a, b)).toBeCloseTo(want, withCodes ? 1 : 5);
          expect(similarity(a, b)).toBeCloseTo(similarity(b, a), withCodes ? 6 : 12);
          if (batch !== null) expect(out[j]).toBe(similarity(a, b));
        }
      }
    }
  });

  it('refuses int8 codes that are not one per inner row', () => {
    const { rows, starts } = tokenMatrices();
    const codes = quantize(rows.subarray(0, 10 * DIM), DIM, 'Cosine');
    expect(() => buildMultivectorHnsw(rows, starts, DIM, 'Cosine', { codes })).toThrow(/int8 codes hold 10 × 16/);
  });
});

describe('reverse-nearest-neighbour links after a multivector build (multivector-refine.ts)', () => {
  const { rows, starts } = tokenMatrices();
  const options = { m: 8, efConstruct: 64 };
  const withLinks = buildMultivectorHnsw(rows, starts, DIM, 'Cosine', options);
  const buildOnly = buildMultivectorHnsw(rows, starts, DIM, 'Cosine', { ...options, reverseLinks: false });

  it('keeps every build link and adds in-links within the degree bound: no self loop, no duplicate, upper levels as built', () => {
    expect(withLinks.upper).toEqual(buildOnly.upper);
    expect(withLinks.entryPoint).toBe(buildOnly.entryPoint);
    const inDegree = new Uint32Array(DOCS);
    let added = 0;
    for (let node = 0; node < DOCS; node++) {
      const before = layer0Of(buildOnly, node);
      const after = layer0Of(withLinks, node);
      expect(after.slice(0, before.length)).toEqual(before);
      expect(after.length).toBeLessThanOrEqual(withLinks.m0);
      expect(new Set(after).size).toBe(after.length);
      expect(after).not.toContain(node);
      added += after.length - before.length;
      for (const nb of after) inDegree[nb]++;
    }
    // the build leaves room in most lists; afterwards every node is in some list
    expect(added).toBeGreaterThan(DOCS);
    expect(inDegree.filter((d) => d === 0).length).toBe(0);
  });

  it("links each node from the nodes it is nearest to: a node's offer reaches a list with room", () => {
    // a node q offers itself to its nearest; where such a list e had room after the build and kept fewer than m0 in
    // the end, q must be in it (only a full list may turn an offer away). At ef_construct 64, 1.5·m0 offers fill
    // every such list here; a beam of ef_construct 16 (= m0) offers to m0 and leaves some with room
    const narrow = buildMultivectorHnsw(rows, starts, DIM, 'Cosine', { m: 8, efConstruct: 16 });
    const { similarity } = multivectorBuildSimilarity(rows, starts, DIM, 'Cosine');
    let checked = 0;
    for (let q = 0; q < DOCS; q += 37) {
      const nearest = Array.from({ length: DOCS }, (_, d) => d)
        .filter((d) => d !== q)
        .sort((a, b) => similarity(q, b) - similarity(q, a) || a - b)
        .slice(0, 3);
      for (const e of nearest) {
        if (layer0Of(narrow, e).length >= narrow.m0) continue;
        expect(layer0Of(narrow, e)).toContain(q);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('raises recall against brute-force MaxSim at the same hnsw_ef, deterministically', () => {
    expect(buildMultivectorHnsw(rows, starts, DIM, 'Cosine', options)).toEqual(withLinks);
    const walk = (row: Float32Array) => floatScorer(rows, DIM, 'Cosine', row);
    // measured 0.978 against 0.956
    expect(recallOf(withLinks, rows, starts, walk)).toBeGreaterThanOrEqual(
      recallOf(buildOnly, rows, starts, walk) + 0.015,
    );
  });
});

const DIM = 16;
const DOCS = 800;

/** DOCS documents of 2-5 normalized rows, each document's rows around one of 40 random centres (near ties). */
function tokenMatrices(): { rows: Float32Array; starts: Uint32Array } {
  const random = mulberry32(11);
  const centres = Float32Array.from({ length: 40 * DIM }, () => random() * 2 - 1);
  const starts = new Uint32Array(DOCS + 1);
  for (let d = 0; d < DOCS; d++) starts[d + 1] = starts[d] + 2 + Math.floor(random() * 4);
  const rows = new Float32Array(starts[DOCS] * DIM);
  for (let d = 0; d < DOCS; d++) {
    const c = Math.floor(random() * 40);
    for (let r = starts[d]; r < starts[d + 1]; r++)
      for (let i = 0; i < DIM; i++) rows[r * DIM + i] = centres[c * DIM + i] + (random() - 0.5) * 0.8;
  }
  normalizeRows(rows, DIM);
  return { rows, starts };
}

/** recall@10 at ef 32 of 50 random 3-row queries against brute-force MaxSim. */
function recallOf(
  graph: HnswGraph,
  rows: Float32Array,
  starts: Uint32Array,
  scorer: (row: Float32Array) => QueryScorer,
): number {
  const random = mulberry32(12);
  const sim = similarityFn('Cosine');
  const g = new InMemoryGraph(graph);
  const ctx = new SearchContext(DOCS);
  let hits = 0;
  const queries = 50;
  for (let q = 0; q < queries; q++) {
    const query = Float32Array.from({ length: 3 * DIM }, () => random() * 2 - 1);
    normalizeRows(query, DIM);
    const truth = Array.from({ length: DOCS }, (_, d) => ({
      d,
      s: maxSim(sim, query, 0, 3, rows, starts[d] * DIM, starts[d + 1] - starts[d], DIM),
    }))
      .sort((a, b) => b.s - a.s || a.d - b.d)
      .slice(0, 10)
      .map((x) => x.d);
    const found = searchHnsw(g, new MaxSimScorer(queryRows(query, DIM).map(scorer), starts), { k: 10, ef: 32 }, ctx);
    hits += Array.from(found.ids).filter((d) => truth.includes(d)).length;
  }
  return hits / (queries * 10);
}
