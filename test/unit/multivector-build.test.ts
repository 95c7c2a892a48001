import { describe, expect, it } from 'vitest';
import { maxSim, normalizeRows, similarityFn } from '../../lib/distance/index.js';
import { buildHnswWith } from '../../lib/index/build.js';
import {
  floatScorer,
  type HnswGraph,
  InMemoryGraph,
  mulberry32,
  SearchContext,
  searchHnsw,
} from '../../lib/index/index.js';
import { MaxSimScorer, queryRows } from '../../lib/index/max-sim-scorer.js';
import { buildMultivectorHnsw } from '../../lib/index/multivector-build.js';

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
    const dim = 16;
    const docs = 800;
    const random = mulberry32(11);
    // clustered rows: each document draws its rows around one of 40 centres, so MaxSim has near ties to separate
    const centres = Float32Array.from({ length: 40 * dim }, () => random() * 2 - 1);
    const starts = new Uint32Array(docs + 1);
    for (let d = 0; d < docs; d++) starts[d + 1] = starts[d] + 2 + Math.floor(random() * 4);
    const rows = new Float32Array(starts[docs] * dim);
    for (let d = 0; d < docs; d++) {
      const c = Math.floor(random() * 40);
      for (let r = starts[d]; r < starts[d + 1]; r++)
        for (let i = 0; i < dim; i++) rows[r * dim + i] = centres[c * dim + i] + (random() - 0.5) * 0.8;
    }
    normalizeRows(rows, dim);
    const graph = buildMultivectorHnsw(rows, starts, dim, 'Cosine', { m: 8, efConstruct: 64 });
    expect(buildMultivectorHnsw(rows, starts, dim, 'Cosine', { m: 8, efConstruct: 64 })).toEqual(graph);
    const sim = similarityFn('Cosine');
    const g = new InMemoryGraph(graph);
    const ctx = new SearchContext(docs);
    let hits = 0;
    const queries = 50;
    for (let q = 0; q < queries; q++) {
      const query = Float32Array.from({ length: 3 * dim }, () => random() * 2 - 1);
      normalizeRows(query, dim);
      const truth = Array.from({ length: docs }, (_, d) => ({
        d,
        s: maxSim(sim, query, 0, 3, rows, starts[d] * dim, starts[d + 1] - starts[d], dim),
      }))
        .sort((a, b) => b.s - a.s || a.d - b.d)
        .slice(0, 10)
        .map((x) => x.d);
      const scorer = new MaxSimScorer(
        queryRows(query, dim).map((row) => floatScorer(rows, dim, 'Cosine', row)),
        starts,
      );
      const found = Array.from(searchHnsw(g, scorer, { k: 10, ef: 32 }, ctx).ids);
      hits += found.filter((d) => truth.includes(d)).length;
    }
    // measured 0.942
    expect(hits / (queries * 10)).toBeGreaterThanOrEqual(0.92);
  });
});
