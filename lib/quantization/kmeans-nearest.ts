/**
 * The nearest and second-nearest of k centroids to each of many short rows, by squared Euclidean distance: the
 * assignment step of k-means (kmeans.ts) and product quantization's encoding (product.ts), where training and encoding
 * spend nearly all their time (per row 256 centroids × the chunk's dimensions).
 *
 * Where WebAssembly SIMD is available the rows, the centroids (row-major, and transposed for the kernel) and the
 * result batch live in one arena, and each batch of rows costs one `km_nearest` call (lib/distance/simd-kernels.wat);
 * otherwise, and when k is not a multiple of 8, the JS loop runs.
 *
 * Invariants: both paths give the same values: each squared distance is Σ_d (x_d − c_d)² summed in float64 in the
 * order d = 0, 1, … (bit-identical), the best is the first index on ties, the second best is the smallest distance of
 * the other centroids (equal to the best when two tie). The arena is sized once for `capacity` rows of up to `maxDim`
 * values and never grows, so the `rows` view stays valid; callers write their rows there, `dim` values each, packed.
 */
import { allocateSimdArena, type SimdArena } from '../distance/index.js';

/** Rows per kernel call: large enough to amortise the call, small enough for a modest result area. */
const BATCH = 1024;

export class NearestCentroids {
  /** room for capacity × maxDim values: the caller's rows, `dim` values each, packed */
  readonly rows: Float32Array;
  private readonly arena: SimdArena | null;
  private readonly k: number;
  private dim = 0;
  /** centroids row-major (k × dim), and transposed (dim × k) in float64 for the kernel */
  private readonly centroids: Float32Array;
  private readonly transposed: Float64Array;
  private readonly ids: Uint32Array;
  private readonly out: Float64Array;
  /** halfGaps' scratch: the ids 0..k-1, and per centroid its nearest's index and the second smallest distance */
  private readonly self: Uint32Array;
  private readonly selfBest: Uint32Array;
  private readonly selfSecond: Float64Array;
  private readonly rowsAt: number;
  private readonly centroidsAt: number;
  private readonly transposedAt: number;
  private readonly idsAt: number;
  private readonly outAt: number;

  /** `simd: false` forces the JS loop (the tests compare the two paths). */
  constructor(capacity: number, maxDim: number, k: number, simd = true) {
    this.k = k;
    const align = (x: number): number => (x + 15) & ~15;
    this.rowsAt = 0;
    this.centroidsAt = align(capacity * maxDim * 4);
    this.transposedAt = align(this.centroidsAt + k * maxDim * 4);
    this.idsAt = align(this.transposedAt + k * maxDim * 8);
    this.outAt = align(this.idsAt + BATCH * 4);
    const bytes = this.outAt + BATCH * 24;
    this.arena = simd && k % 8 === 0 ? allocateSimdArena(bytes, 0) : null;
    const buffer = this.arena?.buffer ?? new ArrayBuffer(bytes);
    this.rows = new Float32Array(buffer, this.rowsAt, capacity * maxDim);
    this.centroids = new Float32Array(buffer, this.centroidsAt, k * maxDim);
    this.transposed = new Float64Array(buffer, this.transposedAt, k * maxDim);
    this.ids = new Uint32Array(buffer, this.idsAt, BATCH);
    this.out = new Float64Array(buffer, this.outAt, BATCH * 3);
    this.self = new Uint32Array(k);
    for (let c = 0; c < k; c++) this.self[c] = c;
    this.selfBest = new Uint32Array(k);
    this.selfSecond = new Float64Array(k);
  }

  /** Takes k × dim centroids (row-major) for the following calls; `rows` are then read `dim` values each. */
  setCentroids(centroids: Float32Array, dim: number): void {
    const k = this.k;
    this.dim = dim;
    this.centroids.set(centroids.subarray(0, k * dim));
    if (this.arena === null) return;
    const t = this.transposed;
    for (let c = 0; c < k; c++) for (let d = 0; d < dim; d++) t[d * k + c] = centroids[c * dim + d];
  }

  /**
   * For j < n, row r = ids[start + j]: best[r] = its nearest centroid, bestSq[r] and secondSq[r] the squared distances
   * to its nearest and second-nearest (outputs indexed by row id, as the caller's per-row state is).
   */
  nearest(
    ids: Uint32Array,
    start: number,
    n: number,
    best: Uint32Array | Uint8Array,
    bestSq: Float64Array | null,
    secondSq: Float64Array | null,
  ): void {
    if (this.arena === null) {
      this.nearestJs(this.rows, ids, start, n, best, bestSq, secondSq);
      return;
    }
    this.nearestSimd(this.rowsAt, ids, start, n, best, bestSq, secondSq);
  }

  /** half[c] = half the distance from centroid c to its nearest other centroid (Hamerly's s). */
  halfGaps(half: Float64Array): void {
    const k = this.k;
    if (this.arena === null) {
      half.fill(Number.POSITIVE_INFINITY);
      const c = this.centroids;
      const dim = this.dim;
      for (let a = 0; a < k; a++) {
        for (let b = a + 1; b < k; b++) {
          const d = Math.sqrt(sqDist(c, a * dim, c, b * dim, dim)) / 2;
          if (d < half[a]) half[a] = d;
          if (d < half[b]) half[b] = d;
        }
      }
      return;
    }
    // each centroid against all k: it is its own nearest at 0, so the second best is its nearest other (the same
    // squares as the pairwise loop: (a − b)² = (b − a)² exactly, and √ of the smallest = the smallest √)
    const second = this.selfSecond;
    this.nearestSimd(this.centroidsAt, this.self, 0, k, this.selfBest, null, second);
    for (let c = 0; c < k; c++) half[c] = Math.sqrt(second[c]) / 2;
  }

  private nearestSimd(
    rowsAt: number,
    ids: Uint32Array,
    start: number,
    n: number,
    best: Uint32Array | Uint8Array,
    bestSq: Float64Array | null,
    secondSq: Float64Array | null,
  ): void {
    const arena = this.arena as SimdArena;
    const batch = this.ids;
    const out = this.out;
    for (let done = 0; done < n; done += BATCH) {
      const c = Math.min(BATCH, n - done);
      batch.set(ids.subarray(start + done, start + done + c));
      arena.kernels.km_nearest(rowsAt, this.dim * 4, this.transposedAt, this.idsAt, c, this.outAt, this.k);
      for (let j = 0; j < c; j++) {
        const r = batch[j];
        best[r] = out[3 * j + 2];
        if (bestSq !== null) bestSq[r] = out[3 * j];
        if (secondSq !== null) secondSq[r] = out[3 * j + 1];
      }
    }
  }

  private nearestJs(
    rows: Float32Array,
    ids: Uint32Array,
    start: number,
    n: number,
    best: Uint32Array | Uint8Array,
    bestSq: Float64Array | null,
    secondSq: Float64Array | null,
  ): void {
    const { k, dim, centroids } = this;
    for (let j = 0; j < n; j++) {
      const r = ids[start + j];
      const at = r * dim;
      let b = 0;
      let b1 = Number.POSITIVE_INFINITY;
      let b2 = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const s = sqDist(rows, at, centroids, c * dim, dim);
        if (s < b1) {
          b2 = b1;
          b1 = s;
          b = c;
        } else if (s < b2) {
          b2 = s;
        }
      }
      best[r] = b;
      if (bestSq !== null) bestSq[r] = b1;
      if (secondSq !== null) secondSq[r] = b2;
    }
  }
}

/** Σ (a_d − b_d)², float64, in order d = 0, 1, … (the kernel's order). */
export function sqDist(a: Float32Array, aAt: number, b: Float32Array, bAt: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const t = a[aAt + d] - b[bAt + d];
    s += t * t;
  }
  return s;
}
