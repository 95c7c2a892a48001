/**
 * Lloyd's k-means over short rows (product quantization's sub-vectors), as Qdrant's lib/quantization/src/kmeans.rs
 * runs it: the first k rows are the initial centroids (the rows are a random sample already), then assign → move
 * until the centroids move less than `accuracy` in total (Σ |c_old − c_new| over every coordinate) or `maxIterations`
 * pass, then one last assignment. An empty cluster takes a random row, from a seeded generator here so training is
 * reproducible (Qdrant uses the thread RNG).
 *
 * The assignment step is Hamerly's: the same nearest centroid as the full scan (up to ties), without scanning every
 * centroid for a row that cannot have changed. Per row it keeps u ≥ distance to its centroid and l ≤ distance to every
 * other one; per centroid s = half the distance to its nearest other centroid. If u ≤ max(s, l) no other centroid can be
 * closer (triangle inequality), so the row is skipped. After the centroids move by p_c, u grows by p of its own and l
 * shrinks by the largest p of the others. Qdrant scans all 256 centroids with SIMD on every thread; in JS on one thread
 * the full scan made a 10k-sample training of 784-d rows take minutes, most rows keep their centroid after a few
 * iterations, and this skips them.
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
  const state = new Hamerly(rows, count, dim, k);
  const sums = new Float64Array(k * dim);
  const counts = new Uint32Array(k);
  const moved = new Float64Array(k);
  let rng = o.seed >>> 0 || 1;
  for (let iter = 0; iter < o.maxIterations; iter++) {
    state.assign(centroids);
    sums.fill(0);
    counts.fill(0);
    const assigned = state.assigned;
    for (let i = 0; i < count; i++) {
      const c = assigned[i];
      counts[c]++;
      const at = i * dim;
      const ct = c * dim;
      for (let d = 0; d < dim; d++) sums[ct + d] += rows[at + d];
    }
    let total = 0;
    for (let c = 0; c < k; c++) {
      const ct = c * dim;
      if (counts[c] === 0) {
        rng = xorshift32(rng);
        const r = (rng % count) * dim;
        for (let d = 0; d < dim; d++) sums[ct + d] = rows[r + d];
      } else {
        for (let d = 0; d < dim; d++) sums[ct + d] /= counts[c];
      }
      let sq = 0;
      for (let d = 0; d < dim; d++) {
        const next = Math.fround(sums[ct + d]);
        const delta = centroids[ct + d] - next;
        total += Math.abs(delta);
        sq += delta * delta;
        centroids[ct + d] = next;
      }
      moved[c] = Math.sqrt(sq);
    }
    state.moved(moved);
    if (total < o.accuracy) break;
  }
  return centroids;
}

/** Hamerly's bounds over one k-means run (see the header). Distances here are Euclidean, not squared. */
class Hamerly {
  readonly assigned: Uint32Array;
  private readonly upper: Float64Array;
  private readonly lower: Float64Array;
  private readonly half: Float64Array;
  private first = true;

  constructor(
    private readonly rows: Float32Array,
    private readonly count: number,
    private readonly dim: number,
    private readonly k: number,
  ) {
    this.assigned = new Uint32Array(count);
    this.upper = new Float64Array(count);
    this.lower = new Float64Array(count);
    this.half = new Float64Array(k);
  }

  assign(centroids: Float32Array): void {
    const { rows, dim, k } = this;
    const half = this.half;
    half.fill(Number.POSITIVE_INFINITY);
    for (let a = 0; a < k; a++) {
      for (let b = a + 1; b < k; b++) {
        const d = Math.sqrt(sqDist(centroids, a * dim, centroids, b * dim, dim)) / 2;
        if (d < half[a]) half[a] = d;
        if (d < half[b]) half[b] = d;
      }
    }
    for (let i = 0; i < this.count; i++) {
      const at = i * dim;
      if (!this.first) {
        const a = this.assigned[i];
        const bound = Math.max(half[a], this.lower[i]);
        if (this.upper[i] <= bound) continue;
        this.upper[i] = Math.sqrt(sqDist(rows, at, centroids, a * dim, dim));
        if (this.upper[i] <= bound) continue;
      }
      let best = 0;
      let bestSq = Number.POSITIVE_INFINITY;
      let secondSq = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const s = sqDist(rows, at, centroids, c * dim, dim);
        if (s < bestSq) {
          secondSq = bestSq;
          bestSq = s;
          best = c;
        } else if (s < secondSq) {
          secondSq = s;
        }
      }
      this.assigned[i] = best;
      this.upper[i] = Math.sqrt(bestSq);
      this.lower[i] = Math.sqrt(secondSq);
    }
    this.first = false;
  }

  /** Loosens the bounds after centroid c moved by moved[c]. */
  moved(moved: Float64Array): void {
    let top = 0;
    let topAt = -1;
    let next = 0;
    for (let c = 0; c < this.k; c++) {
      if (moved[c] > top) {
        next = top;
        top = moved[c];
        topAt = c;
      } else if (moved[c] > next) {
        next = moved[c];
      }
    }
    for (let i = 0; i < this.count; i++) {
      const a = this.assigned[i];
      this.upper[i] += moved[a];
      this.lower[i] -= a === topAt ? next : top;
    }
  }
}

function sqDist(a: Float32Array, aAt: number, b: Float32Array, bAt: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const t = a[aAt + d] - b[bAt + d];
    s += t * t;
  }
  return s;
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
    const s = sqDist(rows, at, centroids, cAt + c * dim, dim);
    if (s < bestDist) {
      bestDist = s;
      best = c;
    }
  }
  return best;
}
