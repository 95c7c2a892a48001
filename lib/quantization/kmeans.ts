/**
 * Lloyd's k-means over short rows (product quantization's sub-vectors), as Qdrant's lib/quantization/src/kmeans.rs
 * runs it: the first k rows are the initial centroids (the rows are a random sample already), then assign → move
 * until the centroids move less than `accuracy` in total or `maxIterations` pass. The total is Qdrant's: Σ |c_old −
 * c_new| over every coordinate in centroid order, each term and the running sum in float32, so a run stops at the
 * iteration Qdrant's would (no reassignment at all moves nothing: 0 < accuracy). Qdrant's one last assignment after
 * the loop only labels its sample rows, which it discards, so it is not run here. An empty cluster takes a random row,
 * from a seeded generator here so training is reproducible (Qdrant uses the thread RNG).
 *
 * The assignment step is Hamerly's: the same nearest centroid as the full scan (up to ties), without scanning every
 * centroid for a row that cannot have changed. Per row it keeps u ≥ distance to its centroid and l ≤ distance to every
 * other one; per centroid s = half the distance to its nearest other centroid. If u ≤ max(s, l) no other centroid can be
 * closer (triangle inequality), so the row is skipped. After the centroids move by p_c, u grows by p of its own and l
 * shrinks by the largest p of the others. The rows that need the full scan are then scanned in batches by
 * NearestCentroids (kmeans-nearest.ts: one WebAssembly SIMD call per batch, the JS loop's values exactly), and s comes
 * from the same kernel run over the centroids themselves. Qdrant scans all 256 centroids on every thread; on one
 * thread, skipping the rows that cannot move and scanning the rest with SIMD is what makes Qdrant's budget (10,000
 * rows × up to 100 iterations per chunk) affordable.
 *
 * Invariants: rows.length = count × dim with count ≥ k; the result is k × dim float32, row-major; Euclidean
 * assignment whatever the collection's distance (PQ's rule: a sub-vector is replaced by its nearest centroid).
 */
import { NearestCentroids, sqDist } from './kmeans-nearest.js';
import { xorshift32 } from './sample.js';

export interface KmeansOptions {
  maxIterations: number;
  accuracy: number;
  seed: number;
  /** where the assignment step runs, reusable across runs (room for ≥ count rows of ≥ dim values, k centroids) */
  space?: NearestCentroids;
}

export function kmeans(rows: Float32Array, count: number, dim: number, k: number, o: KmeansOptions): Float32Array {
  const centroids = rows.slice(0, k * dim);
  const state = new Hamerly(rows, count, dim, k, o.space ?? new NearestCentroids(count, dim, k));
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
        // Qdrant sums the f32 |c_old − c_new| in f32, in this order; the same sum stops at the same iteration
        total = Math.fround(total + Math.fround(Math.abs(delta)));
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
  /** the rows of one assignment step that need the full scan */
  private readonly scan: Uint32Array;
  private first = true;

  constructor(
    private readonly rows: Float32Array,
    private readonly count: number,
    private readonly dim: number,
    private readonly k: number,
    private readonly space: NearestCentroids,
  ) {
    this.assigned = new Uint32Array(count);
    this.upper = new Float64Array(count);
    this.lower = new Float64Array(count);
    this.half = new Float64Array(k);
    this.scan = new Uint32Array(count);
    space.rows.set(rows.subarray(0, count * dim));
  }

  assign(centroids: Float32Array): void {
    const { rows, dim, half, upper, lower, scan } = this;
    this.space.setCentroids(centroids, dim);
    this.space.halfGaps(half);
    // rows are independent within a step (the centroids are fixed), so the full scans are batched
    let pending = 0;
    for (let i = 0; i < this.count; i++) {
      if (!this.first) {
        const a = this.assigned[i];
        const bound = Math.max(half[a], lower[i]);
        if (upper[i] <= bound) continue;
        upper[i] = Math.sqrt(sqDist(rows, i * dim, centroids, a * dim, dim));
        if (upper[i] <= bound) continue;
      }
      scan[pending++] = i;
    }
    // the scan leaves squared distances in upper/lower
    this.space.nearest(scan, 0, pending, this.assigned, upper, lower);
    for (let j = 0; j < pending; j++) {
      const i = scan[j];
      upper[i] = Math.sqrt(upper[i]);
      lower[i] = Math.sqrt(lower[i]);
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
