/**
 * HNSW over multivectors (ColBERT-style token matrices) scored by MaxSim (lib/distance/max-sim.ts): node r is the
 * inner rows [starts[r], starts[r+1]) of `rows`, and the graph is built with build.ts's pairwise mode, then layer 0
 * gains reverse-nearest-neighbour links on the same similarity (multivector-refine.ts: recall@10 at the default
 * hnsw_ef 0.911 -> 0.956 on the GloVe token matrices, ~1.9× the build CPU).
 *
 * The build's similarity is MUTUAL MaxSim, min(MaxSim(a, b) / |a|, MaxSim(b, a) / |b|) (|x| = x's row count), not
 * Qdrant's one-sided MaxSim(a, b) (its score_internal(a, b)). The search still ranks by the query's MaxSim; only the
 * graph's neighbour choices change. Why, measured on the GloVe token matrices (bench/multivector.ts, m 16,
 * ef_construct 100, recall@10 at hnsw_ef 100): one-sided MaxSim 0.858; per-row mean MaxSim(a, b) / |a| 0.901;
 * mutual 0.911, with fewer documents scored per query. One-sided sums are not comparable across query sides, yet the
 * heuristic compares sim(c, kept) with sim(base, c) and a re-pruned list compares its owner's sums with the new
 * node's: a node with more rows wins every such comparison, so 6-row documents became hubs and 166 of 5,025
 * documents had no in-link at all (unreachable). The per-row mean makes the sides comparable (5 unreachable, but
 * 6-row documents still took 2.5× the in-links of 2-row ones: one side covering the other scores as high as a match);
 * the min of both directions asks each document to cover the other, which evens in-degrees across sizes (16-18).
 * Both directions come from one matrix of inner scores, so the mutual similarity costs no extra kernel work.
 *
 * Scoring: where the inner rows sit in a WebAssembly SIMD arena (lib/distance/simd.ts: Cosine, Dot and Euclid with
 * dim a multiple of 4), a whole neighbour list is scored in one kernel call per row of a and SIMD_BATCH gathered inner
 * rows of the listed nodes; each inner score updates its node's best for a's row and its own best over a's rows, and
 * both are summed in row order, so a pair scored alone and in a batch gives the same number. Otherwise the JS kernel
 * pair by pair, once each way.
 *
 * int8 (`codes`, the segment's codes of the inner rows): as Qdrant builds a quantized multivector segment's graph on
 * its quantized storage, each inner pair is the code estimate multiplier·Σ c_i c_j + k_i + k_j − shift, MaxSim taken
 * over those estimates (an estimate is symmetric in the pair, so one matrix serves both directions). The shift
 * matters here where the dense int8 build (build.ts) may ignore it: both corrections carry Dot/Cosine's constant d·o²,
 * and a MaxSim sums one such constant per query row, so without taking one off per pair a node with more rows would
 * look closer by ~d·o² a row (measured with one-sided MaxSim: recall@10 0.68 instead of 0.85 on GloVe). Manhattan,
 * or codes without an arena, stay on float32 rows.
 *
 * Invariants: `rows` are what the search scores (Cosine rows normalized); the same inputs and seed give the same
 * graph; a single pair and a batch agree exactly (the builder mixes both); sim(a, b) = sim(b, a) up to float
 * rounding.
 */
import { maxSim, SIMD_BATCH, type SimdArena, simdArenaOf, simdRows, similarityFn } from '../distance/index.js';
import type { Distance } from '../model/distance.js';
import { invalid } from '../model/errors.js';
import { codeMultiplier, type QuantizedSet } from '../quantization/index.js';
import { type BuildOptions, buildHnswWith, DEFAULT_EF_CONSTRUCT, type PairBatch } from './build.js';
import type { HnswGraph } from './graph.js';
import { refineLayer0 } from './multivector-refine.js';

export interface MultivectorBuildOptions extends BuildOptions {
  /** add reverse-nearest-neighbour links to layer 0 after the build (lib/index/multivector-refine.ts). Default true */
  reverseLinks?: boolean;
}

export function buildMultivectorHnsw(
  rows: Float32Array,
  starts: Uint32Array,
  dim: number,
  distance: Distance,
  options: MultivectorBuildOptions = {},
): HnswGraph {
  const { similarity, batch } = multivectorBuildSimilarity(rows, starts, dim, distance, options.codes);
  const graph = buildHnswWith(starts.length - 1, similarity, options, batch);
  if (options.reverseLinks === false) return graph;
  const pairs: PairBatch =
    batch ??
    ((a, ids, count, out) => {
      for (let j = 0; j < count; j++) out[j] = similarity(a, ids[j]);
    });
  refineLayer0(graph, pairs, Math.max(options.efConstruct ?? DEFAULT_EF_CONSTRUCT, 1));
  return graph;
}

/**
 * The similarity the build takes its decisions on (mutual MaxSim, see the header), pair by pair and, where the rows
 * or codes sit in a SIMD arena, over a neighbour list in one batch that gives the same numbers.
 */
export function multivectorBuildSimilarity(
  rows: Float32Array,
  starts: Uint32Array,
  dim: number,
  distance: Distance,
  codes?: QuantizedSet,
): { similarity: (a: number, b: number) => number; batch: PairBatch | null } {
  const n = starts.length - 1;
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
    return { similarity, batch };
  }
  const sim = similarityFn(distance);
  const oneSided = (a: number, b: number): number =>
    maxSim(
      sim,
      rows,
      starts[a] * dim,
      starts[a + 1] - starts[a],
      rows,
      starts[b] * dim,
      starts[b + 1] - starts[b],
      dim,
    );
  return { similarity: (a, b) => mutual(oneSided(a, b), oneSided(b, a), a, b, starts), batch: null };
}

/** The build's similarity (see the header) from MaxSim(a, b) and MaxSim(b, a). */
function mutual(ab: number, ba: number, a: number, b: number, starts: Uint32Array): number {
  return Math.min(ab / (starts[a + 1] - starts[a]), ba / (starts[b + 1] - starts[b]));
}

/**
 * A PairBatch over an arena's inner rows: `kernel(qRow, count)` scores inner row qRow against the arena's id batch
 * [0, count) into `scores`. The listed nodes' inner rows are gathered once, then sent SIMD_BATCH at a time per row
 * of a; MaxSim(a, b) sums b's best per row of a, MaxSim(b, a) sums each of b's rows' best over a's rows.
 */
function maxSimBatch(
  arena: SimdArena,
  starts: Uint32Array,
  kernel: (qRow: number, count: number, scores: Float64Array) => void,
): PairBatch {
  const scores = new Float64Array(SIMD_BATCH);
  /** the gathered inner rows, which entry of the caller's ids each belongs to, and its best over a's rows */
  let inner = new Uint32Array(256);
  let owner = new Uint32Array(256);
  let colBest = new Float64Array(256);
  /** per entry: its best for the current row of a, and Σ over its rows of colBest */
  let best = new Float64Array(64);
  let back = new Float64Array(64);
  return (a, ids, count, out) => {
    if (best.length < count) {
      best = new Float64Array(count * 2);
      back = new Float64Array(count * 2);
    }
    let total = 0;
    for (let j = 0; j < count; j++) total += starts[ids[j] + 1] - starts[ids[j]];
    if (inner.length < total) {
      inner = new Uint32Array(total * 2);
      owner = new Uint32Array(total * 2);
      colBest = new Float64Array(total * 2);
    }
    let t = 0;
    for (let j = 0; j < count; j++) {
      for (let r = starts[ids[j]]; r < starts[ids[j] + 1]; r++) {
        inner[t] = r;
        owner[t++] = j;
      }
    }
    colBest.fill(Number.NEGATIVE_INFINITY, 0, total);
    out.fill(0, 0, count);
    const batch = arena.ids;
    for (let qRow = starts[a]; qRow < starts[a + 1]; qRow++) {
      best.fill(Number.NEGATIVE_INFINITY, 0, count);
      for (let from = 0; from < total; from += SIMD_BATCH) {
        const size = Math.min(SIMD_BATCH, total - from);
        for (let e = 0; e < size; e++) batch[e] = inner[from + e];
        kernel(qRow, size, scores);
        for (let e = 0; e < size; e++) {
          const s = scores[e];
          if (s > best[owner[from + e]]) best[owner[from + e]] = s;
          if (s > colBest[from + e]) colBest[from + e] = s;
        }
      }
      for (let j = 0; j < count; j++) out[j] += best[j];
    }
    back.fill(0, 0, count);
    for (let e = 0; e < total; e++) back[owner[e]] += colBest[e];
    for (let j = 0; j < count; j++) out[j] = mutual(out[j], back[j], a, ids[j], starts);
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
