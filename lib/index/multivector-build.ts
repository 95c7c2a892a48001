/**
 * HNSW over multivectors (ColBERT-style token matrices) scored by MaxSim (lib/distance/max-sim.ts): node r is the
 * inner rows [starts[r], starts[r+1]) of `rows`, and the graph is built with build.ts's pairwise mode, every
 * decision on MaxSim(a, b) with a as the query side, as Qdrant's multi-dense scorer scores `score_internal(a, b)`.
 *
 * Scoring: where the inner rows sit in a WebAssembly SIMD arena (lib/distance/simd.ts: Cosine, Dot and Euclid with
 * dim a multiple of 4), a whole neighbour list is scored in one kernel call per row of a (the inner rows of every
 * listed node gathered into one id batch), then reduced to each node's best per row and summed in row order, so a
 * pair scored alone and in a batch gives the same number. Otherwise the JS kernel pair by pair.
 *
 * int8 (`codes`, the segment's codes of the inner rows): as Qdrant builds a quantized multivector segment's graph on
 * its quantized storage, each inner pair is the code estimate multiplier·Σ c_i c_j + k_i + k_j − shift, MaxSim taken
 * over those estimates. The shift matters here where the dense int8 build (build.ts) may ignore it: both corrections
 * carry Dot/Cosine's constant d·o², and a MaxSim sums one such constant per query row, so without taking one off per
 * pair a node with more rows would look closer by ~d·o² a row (measured: recall@10 0.68 instead of 0.85 on GloVe).
 * Manhattan, or codes without an arena, stay on float32 rows.
 *
 * Invariants: `rows` are what the search scores (Cosine rows normalized); the same inputs and seed give the same
 * graph; a single pair and a batch agree exactly (the builder mixes both).
 */
import { maxSim, SIMD_BATCH, type SimdArena, simdArenaOf, simdRows, similarityFn } from '../distance/index.js';
import type { Distance } from '../model/distance.js';
import { invalid } from '../model/errors.js';
import { codeMultiplier, type QuantizedSet } from '../quantization/index.js';
import { type BuildOptions, buildHnswWith, type PairBatch } from './build.js';
import type { HnswGraph } from './graph.js';

export function buildMultivectorHnsw(
  rows: Float32Array,
  starts: Uint32Array,
  dim: number,
  distance: Distance,
  options: BuildOptions = {},
): HnswGraph {
  const n = starts.length - 1;
  const codes = options.codes;
  if (codes !== undefined && (codes.n !== starts[n] || codes.params.dim !== dim)) {
    throw invalid(`int8 codes hold ${codes.n} × ${codes.params.dim}, the rows ${starts[n]} × ${dim}`);
  }
  const batch = distance === 'Manhattan' ? null : (codeBatch(codes, starts) ?? floatBatch(rows, starts, dim, distance));
  if (batch !== null) {
    const one = new Uint32Array(1);
    const out = new Float64Array(1);
    const similarity = (a: number, b: number): number => {
      one[0] = b;
      batch(a, one, 1, out);
      return out[0];
    };
    return buildHnswWith(n, similarity, options, batch);
  }
  const sim = similarityFn(distance);
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

/**
 * A PairBatch over an arena's inner rows: `kernel(qRow, count)` scores inner row qRow against the arena's id batch
 * [0, count) into `scores`. Nodes' inner rows are gathered into the id batch, SIMD_BATCH at a time.
 */
function maxSimBatch(
  arena: SimdArena,
  starts: Uint32Array,
  kernel: (qRow: number, count: number, scores: Float64Array) => void,
): PairBatch {
  const scores = new Float64Array(SIMD_BATCH);
  /** which entry of the caller's ids each gathered inner row belongs to */
  const owner = new Uint32Array(SIMD_BATCH);
  let best = new Float64Array(64);
  return (a, ids, count, out) => {
    if (best.length < count) best = new Float64Array(count * 2);
    out.fill(0, 0, count);
    const batch = arena.ids;
    for (let qRow = starts[a]; qRow < starts[a + 1]; qRow++) {
      best.fill(Number.NEGATIVE_INFINITY, 0, count);
      let filled = 0;
      const flush = () => {
        kernel(qRow, filled, scores);
        for (let e = 0; e < filled; e++) if (scores[e] > best[owner[e]]) best[owner[e]] = scores[e];
        filled = 0;
      };
      for (let j = 0; j < count; j++) {
        const b = ids[j];
        for (let r = starts[b]; r < starts[b + 1]; r++) {
          if (filled === SIMD_BATCH) flush();
          batch[filled] = r;
          owner[filled++] = j;
        }
      }
      if (filled > 0) flush();
      for (let j = 0; j < count; j++) out[j] += best[j];
    }
  };
}

/** float32 inner rows in an arena: dot (Cosine, Dot) or −squared L2 (Euclid), as the JS similarities rank them. */
function floatBatch(data: Float32Array, starts: Uint32Array, dim: number, distance: Distance): PairBatch | null {
  const rows = simdRows(data, dim);
  const arena = simdArenaOf(rows);
  if (arena === undefined) return null;
  const rowBytes = dim * 4;
  const base = rows.byteOffset;
  const dot = distance !== 'Euclid';
  const kernel = dot ? arena.kernels.dot_f32 : arena.kernels.l2_f32;
  const out = arena.outF32;
  return maxSimBatch(arena, starts, (qRow, count, scores) => {
    kernel(base, rowBytes, base + qRow * rowBytes, arena.idsOffset, count, arena.outOffset);
    if (dot) for (let e = 0; e < count; e++) scores[e] = out[e];
    else for (let e = 0; e < count; e++) scores[e] = -out[e];
  });
}

/** int8 codes of the inner rows in an arena: the code estimate of each inner pair (see the header), or null. */
function codeBatch(codes: QuantizedSet | undefined, starts: Uint32Array): PairBatch | null {
  if (codes === undefined) return null;
  const arena = simdArenaOf(codes.codes);
  if (arena === undefined) return null;
  const stride = codes.params.stride;
  const base = codes.codes.byteOffset;
  const mult = codeMultiplier(codes.params);
  const corr = codes.corrections;
  const { distance, dim, offset } = codes.params;
  // each stored correction carries the Dot/Cosine constant d·o² (scalar-int8.ts): the query side's is taken off, as
  // Qdrant's score_internal takes off its shift
  const shift = distance === 'Dot' || distance === 'Cosine' ? dim * offset * offset : 0;
  const sums = arena.outI32;
  const ids = arena.ids;
  return maxSimBatch(arena, starts, (qRow, count, scores) => {
    arena.kernels.dot_u8(base, stride, base + qRow * stride, arena.idsOffset, count, arena.outOffset);
    const kq = corr[qRow] - shift;
    for (let e = 0; e < count; e++) scores[e] = mult * sums[e] + kq + corr[ids[e]];
  });
}
