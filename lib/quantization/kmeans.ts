/**
 * Lloyd's k-means over short rows (product quantization's sub-vectors), as Qdrant's lib/quantization/src/kmeans.rs
 * runs it: the first k rows are the initial centroids (the rows are a random sample already), then assign → move
 * until the centroids move less than `accuracy` in total (Σ |c_old − c_new| over every coordinate) or `maxIterations`
 * pass, then one last assignment. An empty cluster takes a random row, from a seeded generator here so training is
 * reproducible (Qdrant uses the thread RNG).
 *
 * Invariants: rows.length = count × dim with count ≥ k; the result is k × dim float32, row-major; Euclidean
 * assignment whatever the collection's distance (PQ's rule: a sub-vector is replaced by its nearest centroid).
 */
import { xorshift32 } from './sample.js';

export interface KmeansOptions {
  maxIterations: number;
  accuracy: number;
  seed: number;
}

export function kmeans(rows: Float32Array, count: number, dim: number, k: number, o: KmeansOptions): Float32Array {
  const centroids = rows.slice(0, k * dim);
  const assigned = new Uint32Array(count);
  const sums = new Float64Array(k * dim);
  const counts = new Uint32Array(k);
  let rng = o.seed >>> 0 || 1;
  for (let iter = 0; iter < o.maxIterations; iter++) {
    assignAll(rows, count, dim, centroids, k, assigned);
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < count; i++) {
      const c = assigned[i];
      counts[c]++;
      const at = i * dim;
      const ct = c * dim;
      for (let d = 0; d < dim; d++) sums[ct + d] += rows[at + d];
    }
    let moved = 0;
    for (let c = 0; c < k; c++) {
      const ct = c * dim;
      if (counts[c] === 0) {
        rng = xorshift32(rng);
        const r = (rng % count) * dim;
        for (let d = 0; d < dim; d++) sums[ct + d] = rows[r + d];
      } else {
        for (let d = 0; d < dim; d++) sums[ct + d] /= counts[c];
      }
      for (let d = 0; d < dim; d++) {
        const next = Math.fround(sums[ct + d]);
        moved += Math.abs(centroids[ct + d] - next);
        centroids[ct + d] = next;
      }
    }
    if (moved < o.accuracy) break;
  }
  return centroids;
}

/** Index of the centroid nearest (squared Euclidean, first on ties) to rows[at, at + dim). */
export function nearestCentroid(
  rows: Float32Array,
  at: number,
  dim: number,
  centroids: Float32Array,
  cAt: number,
  k: number,
): number {
  let best = 0;
  let bestDist = Number.POSITIVE_INFINITY;
  for (let c = 0; c < k; c++) {
    const ct = cAt + c * dim;
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const t = rows[at + d] - centroids[ct + d];
      s += t * t;
    }
    if (s < bestDist) {
      bestDist = s;
      best = c;
    }
  }
  return best;
}

function assignAll(
  rows: Float32Array,
  count: number,
  dim: number,
  centroids: Float32Array,
  k: number,
  out: Uint32Array,
): void {
  for (let i = 0; i < count; i++) out[i] = nearestCentroid(rows, i * dim, dim, centroids, 0, k);
}
