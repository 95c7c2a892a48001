/**
 * Product quantization, Qdrant's scheme (its lib/quantization/src/encoded_vectors_pq.rs): a vector is cut into
 * m = ceil(dim / s) consecutive chunks of s dimensions (the last may be shorter), each chunk has its own codebook of
 * 256 centroids trained by k-means on a sample, and a stored vector keeps one byte per chunk: the index of the
 * centroid nearest (Euclidean) to its chunk. `compression` names the size ratio against float32 (4·s bytes → 1):
 * x4 → s = 1, x8 → 2, x16 → 4, x32 → 8, x64 → 16.
 *
 * Scoring is asymmetric: the query stays float. Every similarity of lib/distance is a sum over dimensions, so it is a
 * sum over chunks, and per query one lookup table holds the chunk term for each (chunk, centroid):
 *   lut[j][c] = Σ_{i ∈ chunk j} q_i·c_i        (Dot; Cosine: both sides unit vectors, as Qdrant treats it as Dot)
 *             = −Σ (q_i − c_i)²                 (Euclid)
 *             = −Σ |q_i − c_i|                   (Manhattan)
 *   estimate(v) = Σ_j lut[j][code_j(v)]
 * which is the float similarity of the query to the decoded vector, on lib/distance's scale (larger = closer), so PQ
 * estimates, rescored values and other segments' results compare. Qdrant computes the same table (`distance` per
 * chunk, negated when `invert` for Euclid/Manhattan).
 *
 * Invariants: params.centroids is 256 × dim float32, row c being "centroid c of every chunk" laid side by side (Qdrant's
 * flattened layout), so chunk j's centroid c is centroids[c·dim + start_j, … + len_j); codes are n × m bytes.
 * Training is deterministic for a given seed.
 *
 * Where WebAssembly SIMD is available the codes live in a SIMD arena (code-arena.ts) and ProductScorer.scoreMany sums
 * a whole neighbour list per wasm call (lut_f32, lib/distance/simd-kernels.wat: four rows side by side, each summed
 * in the JS loop's order in float64), so the scores are bit-identical to score()'s.
 */
import { normalized, SIMD_BATCH, type SimdArena, simdArenaOf } from '../distance/index.js';
import type { Distance } from '../model/distance.js';
import { invalid } from '../model/errors.js';
import { codeRows } from './code-arena.js';
import { kmeans } from './kmeans.js';
import { NearestCentroids } from './kmeans-nearest.js';
import { sampleIdsSorted } from './sample.js';

export const PQ_CENTROIDS = 256;
/** Qdrant's k-means budget (encoded_vectors_pq.rs): rows sampled, iterations at most, and the stopping total */
export const PQ_KMEANS_SAMPLE = 10_000;
export const PQ_KMEANS_ITERATIONS = 100;
export const PQ_KMEANS_ACCURACY = 1e-5;
export type ProductCompression = 'x4' | 'x8' | 'x16' | 'x32' | 'x64';
export const PRODUCT_COMPRESSIONS: readonly ProductCompression[] = ['x4', 'x8', 'x16', 'x32', 'x64'];

/** Dimensions per chunk for a compression ratio (Qdrant's get_bucket_size). */
export function chunkSizeFor(compression: ProductCompression): number {
  switch (compression) {
    case 'x4':
      return 1;
    case 'x8':
      return 2;
    case 'x16':
      return 4;
    case 'x32':
      return 8;
    case 'x64':
      return 16;
  }
}

export interface ProductParams {
  distance: Distance;
  dim: number;
  compression: ProductCompression;
  /** dimensions per chunk (the last chunk may be shorter) */
  chunkSize: number;
  /** chunks = bytes per stored vector */
  chunks: number;
  /** 256 × dim, see the header */
  centroids: Float32Array;
}

export interface ProductSet {
  params: ProductParams;
  n: number;
  /** n × chunks centroid indexes */
  codes: Uint8Array;
}

export interface ProductTrainOptions {
  compression: ProductCompression;
  /** vectors sampled for k-means (Qdrant: 10,000) */
  sampleSize?: number;
  /** k-means iterations at most (Qdrant: 100) */
  maxIterations?: number;
  /** k-means stops once the centroids move less than this in total (Qdrant: 1e-5) */
  accuracy?: number;
  seed?: number;
}

export function chunkCount(dim: number, chunkSize: number): number {
  return Math.ceil(dim / chunkSize);
}

/** Trains the 256 centroids of every chunk on a seeded sample (rows of a Cosine segment already normalized). */
export function trainProduct(
  data: Float32Array,
  dim: number,
  distance: Distance,
  options: ProductTrainOptions,
): ProductParams {
  if (!Number.isInteger(dim) || dim <= 0) throw invalid(`dim must be a positive integer, got ${dim}`);
  if (!PRODUCT_COMPRESSIONS.includes(options.compression)) {
    throw invalid(`unknown product quantization compression '${options.compression}'`);
  }
  const chunkSize = chunkSizeFor(options.compression);
  const chunks = chunkCount(dim, chunkSize);
  const n = Math.floor(data.length / dim);
  const centroids = new Float32Array(PQ_CENTROIDS * dim);
  const params = { distance, dim, compression: options.compression, chunkSize, chunks, centroids };
  // Qdrant: with no more vectors than centroids, the vectors are the centroids (the rest stay zero)
  if (n <= PQ_CENTROIDS) {
    centroids.set(data.subarray(0, n * dim));
    return params;
  }
  const seed = options.seed ?? 1;
  const ids = sampleIdsSorted(n, options.sampleSize ?? PQ_KMEANS_SAMPLE, seed);
  const sample = ids.length;
  const kmeansOptions = {
    maxIterations: options.maxIterations ?? PQ_KMEANS_ITERATIONS,
    accuracy: options.accuracy ?? PQ_KMEANS_ACCURACY,
    seed,
    // one arena for every chunk's assignment steps
    space: new NearestCentroids(sample, chunkSize, PQ_CENTROIDS),
  };
  for (let j = 0; j < chunks; j++) {
    const start = j * chunkSize;
    const len = Math.min(chunkSize, dim - start);
    const rows = new Float32Array(sample * len);
    for (let s = 0; s < sample; s++) {
      const at = ids[s] * dim + start;
      for (let d = 0; d < len; d++) rows[s * len + d] = data[at + d];
    }
    const found = kmeans(rows, sample, len, PQ_CENTROIDS, kmeansOptions);
    for (let c = 0; c < PQ_CENTROIDS; c++) {
      for (let d = 0; d < len; d++) centroids[c * dim + start + d] = found[c * len + d];
    }
  }
  return params;
}

/**
 * Where the kernels' query-side data sits in a product arena's query slot: the table (chunks × 256 f32, what lut_f32
 * reads), the query (dim f32) and the set's centroids transposed (256 × dim f32), which pq_lut turns into the table.
 */
function arenaSlot(chunks: number, dim: number): { qAt: number; tAt: number; bytes: number } {
  const lutBytes = chunks * PQ_CENTROIDS * 4;
  const tAt = lutBytes + ((dim * 4 + 15) & ~15);
  return { qAt: lutBytes, tAt, bytes: tAt + PQ_CENTROIDS * dim * 4 };
}

/** Zeroed room for n rows of `chunks` codes, in a SIMD arena (query slot: see arenaSlot) if any. */
export function allocateProductCodes(n: number, chunks: number, dim: number): Uint8Array {
  return codeRows(n * chunks, arenaSlot(chunks, dim).bytes);
}

/** Rows encoded per pass: each pass copies a block of rows' chunks into the nearest-centroid arena. */
const ENCODE_BLOCK = 4096;

/** Encodes every row of a flat n × dim matrix with trained params. */
export function encodeProduct(params: ProductParams, data: Float32Array): ProductSet {
  const { dim, chunks, chunkSize } = params;
  const n = Math.floor(data.length / dim);
  const codes = allocateProductCodes(n, chunks, dim);
  const block = Math.max(1, Math.min(n, ENCODE_BLOCK));
  const space = new NearestCentroids(block, chunkSize, PQ_CENTROIDS);
  const ids = new Uint32Array(block);
  for (let r = 0; r < block; r++) ids[r] = r;
  const best = new Uint8Array(block);
  const books = Array.from({ length: chunks }, (_, j) => chunkCodebook(params, j));
  // a block of rows at a time, every chunk of it: the rows are read once, while they are in cache
  for (let from = 0; from < n; from += block) {
    const count = Math.min(block, n - from);
    for (let j = 0; j < chunks; j++) {
      const start = j * chunkSize;
      const len = Math.min(chunkSize, dim - start);
      space.setCentroids(books[j], len);
      const rows = space.rows;
      for (let r = 0; r < count; r++) {
        const at = (from + r) * dim + start;
        for (let d = 0; d < len; d++) rows[r * len + d] = data[at + d];
      }
      space.nearest(ids, 0, count, best, null, null);
      for (let r = 0; r < count; r++) codes[(from + r) * chunks + j] = best[r];
    }
  }
  return { params, n, codes };
}

/** trainProduct + encodeProduct. */
export function quantizeProduct(
  data: Float32Array,
  dim: number,
  distance: Distance,
  options: ProductTrainOptions,
): ProductSet {
  return encodeProduct(trainProduct(data, dim, distance, options), data);
}

/** Chunk j's 256 centroids as one 256 × len block. */
function chunkCodebook(p: ProductParams, j: number): Float32Array {
  const start = j * p.chunkSize;
  const len = Math.min(p.chunkSize, p.dim - start);
  const book = new Float32Array(PQ_CENTROIDS * len);
  for (let c = 0; c < PQ_CENTROIDS; c++) {
    book.set(p.centroids.subarray(c * p.dim + start, c * p.dim + start + len), c * len);
  }
  return book;
}

/** The decoded vector of row `id` (each chunk replaced by its centroid). */
export function decodeProduct(set: ProductSet, id: number): Float32Array {
  const { dim, chunks, chunkSize, centroids } = set.params;
  const out = new Float32Array(dim);
  for (let j = 0; j < chunks; j++) {
    const start = j * chunkSize;
    const len = Math.min(chunkSize, dim - start);
    const c = set.codes[id * chunks + j];
    out.set(centroids.subarray(c * dim + start, c * dim + start + len), start);
  }
  return out;
}

/** Every set's centroids transposed (dimension-major: t[i·256 + c] = coordinate i of centroid c), built once. */
const transposedCentroids = new WeakMap<ProductParams, Float32Array>();

function transposed(params: ProductParams): Float32Array {
  let t = transposedCentroids.get(params);
  if (t === undefined) {
    const { dim, centroids } = params;
    t = new Float32Array(PQ_CENTROIDS * dim);
    for (let c = 0; c < PQ_CENTROIDS; c++)
      for (let i = 0; i < dim; i++) t[i * PQ_CENTROIDS + c] = centroids[c * dim + i];
    transposedCentroids.set(params, t);
  }
  return t;
}

/** Scratch sums of one chunk's table row (the table is built synchronously, one query at a time). */
const chunkSums = new Float64Array(PQ_CENTROIDS);

/**
 * The per-query table: lut[j·256 + c] = chunk j's similarity term against centroid c (see the header). Each entry is
 * summed over its chunk's dimensions in order, in float64 from 0, then stored as float32; the loops run dimension by
 * dimension over all 256 centroids at once (transposed centroids, one branch per dimension, not per term).
 */
export function productLookupTable(params: ProductParams, query: Float32Array): Float32Array {
  const { dim, chunks, chunkSize, distance } = params;
  if (query.length !== dim) throw invalid(`query has ${query.length} dimensions, expected ${dim}`);
  const t = transposed(params);
  const lut = new Float32Array(chunks * PQ_CENTROIDS);
  const sums = chunkSums;
  for (let j = 0; j < chunks; j++) {
    const start = j * chunkSize;
    const end = Math.min(start + chunkSize, dim);
    sums.fill(0);
    for (let i = start; i < end; i++) {
      const q = query[i];
      const at = i * PQ_CENTROIDS;
      if (distance === 'Euclid') {
        for (let c = 0; c < PQ_CENTROIDS; c++) {
          const d = q - t[at + c];
          sums[c] -= d * d;
        }
      } else if (distance === 'Manhattan') {
        for (let c = 0; c < PQ_CENTROIDS; c++) sums[c] -= Math.abs(q - t[at + c]);
      } else {
        for (let c = 0; c < PQ_CENTROIDS; c++) sums[c] += q * t[at + c];
      }
    }
    lut.set(sums, j * PQ_CENTROIDS);
  }
  return lut;
}

/** The params whose transposed centroids an arena's query slot holds (written by the first scorer of a set). */
const arenaCentroids = new WeakMap<SimdArena, ProductParams>();

const LUT_OP: Record<Distance, number> = { Cosine: 0, Dot: 0, Euclid: 1, Manhattan: 2 };

/**
 * Estimated similarity of a query to stored vector `id` by table sums; implements lib/index's QueryScorer. Holds the
 * query's table; allocates nothing per call. With a SIMD arena the table is built in the arena's query slot by one
 * pq_lut call (bit-identical to productLookupTable) and rebuilt there when another scorer of the set took the slot,
 * so the walk neither builds the table in JS nor copies it.
 */
export class ProductScorer {
  private readonly codes: Uint8Array;
  private readonly chunks: number;
  private readonly params: ProductParams;
  /** the query, normalized for Cosine */
  private readonly q: Float32Array;
  /** the JS path's table (no arena) */
  private readonly jsLut: Float32Array | null;
  /** the SIMD arena holding the set's codes, or null (JS loop) */
  private readonly arena: SimdArena | null;
  /** the table in the arena's query slot */
  private readonly slotLut: Float32Array | null;
  /** the arena's id slot, read in place by scoreMany (see lib/index's QueryScorer.scratchIds) */
  readonly scratchIds: Uint32Array | undefined;
  /** number of scored rows, for the engine's cost counters */
  computations = 0;

  /** `query` as given by the caller; a Cosine query is normalized here like the stored vectors were. */
  constructor(set: ProductSet, query: ArrayLike<number>) {
    const p = set.params;
    if (query.length !== p.dim) throw invalid(`query has ${query.length} dimensions, expected ${p.dim}`);
    this.q = p.distance === 'Cosine' ? normalized(query) : Float32Array.from(query);
    this.params = p;
    this.codes = set.codes;
    this.chunks = p.chunks;
    const arena = simdArenaOf(set.codes) ?? null;
    // an arena not sized by allocateProductCodes (no room for the slot's layout) takes the JS path
    const fits = arena !== null && arena.queryOffset + arenaSlot(p.chunks, p.dim).bytes <= arena.buffer.byteLength;
    this.arena = fits ? arena : null;
    this.scratchIds = this.arena?.ids;
    if (this.arena === null) {
      this.jsLut = productLookupTable(p, this.q);
      this.slotLut = null;
    } else {
      this.jsLut = null;
      this.slotLut = new Float32Array(this.arena.buffer, this.arena.queryOffset, p.chunks * PQ_CENTROIDS);
      this.fillSlot(this.arena);
    }
  }

  /** Builds this query's table in the arena's query slot (and the set's transposed centroids, once per arena). */
  private fillSlot(arena: SimdArena): void {
    const p = this.params;
    const slot = arenaSlot(p.chunks, p.dim);
    if (arenaCentroids.get(arena) !== p) {
      new Float32Array(arena.buffer, arena.queryOffset + slot.tAt, PQ_CENTROIDS * p.dim).set(transposed(p));
      arenaCentroids.set(arena, p);
    }
    new Float32Array(arena.buffer, arena.queryOffset + slot.qAt, p.dim).set(this.q);
    arena.kernels.pq_lut(
      arena.queryOffset + slot.tAt,
      arena.queryOffset + slot.qAt,
      p.dim,
      p.chunkSize,
      LUT_OP[p.distance],
      arena.queryOffset,
    );
    arena.owner = this;
  }

  /** This query's table: the JS one, or the arena slot's (rebuilt there if another scorer wrote it since). */
  private table(): Float32Array {
    const arena = this.arena;
    if (arena === null) return this.jsLut as Float32Array;
    if (arena.owner !== this) this.fillSlot(arena);
    return this.slotLut as Float32Array;
  }

  score(id: number): number {
    this.computations++;
    const codes = this.codes;
    const lut = this.table();
    const m = this.chunks;
    const base = id * m;
    let s = 0;
    for (let j = 0; j < m; j++) s += lut[(j << 8) | codes[base + j]];
    return s;
  }

  /** out[j] = score(ids[start + j]) for j < count; one wasm call per batch with a SIMD arena (see the header). */
  scoreMany(ids: Uint32Array, start: number, count: number, out: Float64Array): void {
    const arena = this.arena;
    if (arena === null) {
      for (let j = 0; j < count; j++) out[j] = this.score(ids[start + j]);
      return;
    }
    this.computations += count;
    if (arena.owner !== this) this.fillSlot(arena);
    const batch = arena.ids;
    const sums = arena.outF64;
    const rows = this.codes.byteOffset;
    for (let done = 0; done < count; done += SIMD_BATCH) {
      const c = Math.min(SIMD_BATCH, count - done);
      if (ids !== batch || start !== 0) for (let j = 0; j < c; j++) batch[j] = ids[start + done + j];
      arena.kernels.lut_f32(rows, this.chunks, arena.queryOffset, arena.idsOffset, c, arena.outOffset);
      for (let j = 0; j < c; j++) out[done + j] = sums[j];
    }
  }
}
