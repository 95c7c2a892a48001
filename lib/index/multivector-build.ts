/**
 * HNSW over multivectors (ColBERT-style token matrices) scored by MaxSim (lib/distance/max-sim.ts): node r is the
 * inner rows [starts[r], starts[r+1]) of `rows`, and the graph is built with build.ts's pairwise mode, every
 * decision on MaxSim(a, b) with a as the query side, as Qdrant's multi-dense scorer scores `score_internal(a, b)`.
 *
 * Invariants: `rows` are what the search scores (Cosine rows normalized); the same inputs and seed give the same
 * graph.
 */
import { maxSim, similarityFn } from '../distance/index.js';
import type { Distance } from '../model/distance.js';
import { type BuildOptions, buildHnswWith } from './build.js';
import type { HnswGraph } from './graph.js';

export function buildMultivectorHnsw(
  rows: Float32Array,
  starts: Uint32Array,
  dim: number,
  distance: Distance,
  options: BuildOptions = {},
): HnswGraph {
  const sim = similarityFn(distance);
  const n = starts.length - 1;
  return buildHnswWith(
    n,
    (a, b) =>
      maxSim(
        sim,
        rows,
        starts[a] * dim,
        starts[a + 1] - starts[a],
        rows,
        starts[b] * dim,
        starts[b + 1] - starts[b],
        dim,
      ),
    options,
  );
}
