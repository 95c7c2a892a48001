/**
 * Locality order of a segment's points: internal offsets are ours to choose (external ids map through `ids`), so
 * the writer numbers points so that points close in space get close offsets. Layer-0 pages of the graph and pages
 * of the originals then hold spatial neighbourhoods: an HNSW walk near the query, and the rescoring of its
 * candidates, touch few distinct pages, and adjacent pages coalesce into one ranged GET.
 *
 * Order: a random-projection tree (seeded) — split the points at the median of their projections on the direction
 * between two sampled points, recurse on each half, emit leaves left to right. Deterministic for a given seed.
 * Cost O(n · dim · log(n / leaf)).
 */
import { mulberry32 } from '../index/rng.js';

const LEAF = 64;

/** A permutation: order[newOffset] = input row. */
export function localityOrder(vectors: Float32Array, dim: number, seed: number): Uint32Array {
  const n = Math.floor(vectors.length / dim);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n <= LEAF) return order;
  const rnd = mulberry32(seed ^ 0x5eed);
  const proj = new Float64Array(n);
  const dir = new Float64Array(dim);
  const stack: [number, number][] = [[0, n]];
  while (stack.length > 0) {
    const [lo, hi] = stack.pop()!;
    if (hi - lo <= LEAF) continue;
    const a = order[lo + Math.floor(rnd() * (hi - lo))];
    const b = order[lo + Math.floor(rnd() * (hi - lo))];
    for (let j = 0; j < dim; j++) dir[j] = vectors[a * dim + j] - vectors[b * dim + j];
    for (let i = lo; i < hi; i++) {
      const r = order[i] * dim;
      let s = 0;
      for (let j = 0; j < dim; j++) s += vectors[r + j] * dir[j];
      proj[order[i]] = s;
    }
    // ties (duplicates, a == b) keep input order, so the split stays deterministic
    const part = Array.from(order.subarray(lo, hi)).sort((x, y) => proj[x] - proj[y] || x - y);
    order.set(part, lo);
    const mid = lo + ((hi - lo) >> 1);
    // right half pushed first so the left half is emitted first (order is already in place; the stack only refines)
    stack.push([mid, hi], [lo, mid]);
  }
  return order;
}

/** Rows of a row-major matrix in `order`. */
export function permuteRows(vectors: Float32Array, dim: number, order: Uint32Array): Float32Array {
  const out = new Float32Array(order.length * dim);
  for (let i = 0; i < order.length; i++) out.set(vectors.subarray(order[i] * dim, order[i] * dim + dim), i * dim);
  return out;
}
