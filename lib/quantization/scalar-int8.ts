/**
 * Scalar int8 quantization, Qdrant's scheme (its lib/quantization/src/encoded_vectors_u8.rs): one global range
 * [lo, hi] per segment, alpha = (hi − lo)/127, offset = lo, code(x) = clamp(round((x − offset)/alpha), 0, 127).
 * Codes use 7 bits so every product of two codes is < 2^14, which the packed kernel below relies on.
 *
 * Decoding is x ≈ alpha·c + offset. Substituting it into each similarity (larger = closer, the same scale as the
 * float32 similarity of lib/distance, so int8 estimates, rescored values and other segments' results compare):
 *
 *   Dot / Cosine:  x·y ≈ Σ (αc_x + o)(αc_y + o)
 *                      = α²·Σ c_x c_y  +  α·o·Σ c_x  +  α·o·Σ c_y  +  d·o²
 *                  per-vector correction  k_v = α·o·Σ c_v + d·o²    (the d·o² shift is folded into the vector term)
 *                  per-query correction   k_q = α·o·Σ c_q
 *                  estimate = α²·Σ c_q c_v + k_q + k_v
 *   Euclid:        −Σ(x − y)² ≈ −α²·Σ (c_x − c_y)²        (the offset cancels inside the difference)
 *                      = 2α²·Σ c_x c_y − α²·Σ c_x² − α²·Σ c_y²
 *                  k_v = −α²·Σ c_v²,  k_q = −α²·Σ c_q²,  estimate = 2α²·Σ c_q c_v + k_q + k_v
 *   Manhattan:     −Σ|x − y| ≈ −α·Σ |c_x − c_y|           (no corrections; k_v = 0)
 *
 * Error: within [lo, hi] each decoded value is off by at most α/2; values outside are clamped (that is what the
 * quantile trims: a few extreme values cost accuracy for them so the other 99% get a finer step).
 *
 * Rows are padded with code 0 to a stride that is a multiple of 4, so a row is a whole number of u32 words. A zero
 * code on both sides adds nothing to Σ c_q c_v, Σ c², or Σ|c_q − c_v|; the corrections use the true dim d.
 *
 * Packed dot kernel (SWAR on 32-bit words, little-endian): a word holds codes c0..c3 (c0 in the low byte).
 *   even = w & 0x00FF00FF = c0 + c2·2^16,  odd = (w >>> 8) & 0x00FF00FF = c1 + c3·2^16.
 * The query is pre-packed crosswise: qe = q2 + q0·2^16, qo = q3 + q1·2^16. Then
 *   even·qe = c0q2 + (c0q0 + c2q2)·2^16 + c2q0·2^32;
 * modulo 2^32 (Math.imul) the 2^32 term vanishes, c0q2 < 2^14 cannot carry into bit 16, and c0q0 + c2q2 ≤ 2·127²
 * < 2^16 fits bits 16..31, so (imul(even, qe) >>> 16) = c0q0 + c2q2. Two imuls give four code products.
 * Measured (CPU time, V8, Node 20): 57 ns vs 125 ns per 100-d row and 527 ns vs 1828 ns per 784-d row against the
 * plain byte loop; a float32 100-d dot takes ~140 ns on the same machine.
 *
 * Where WebAssembly SIMD is available the codes live in a SIMD arena (lib/distance/simd.ts) and Int8Scorer.scoreMany
 * sums a whole neighbour list in one wasm call (i8x16 products widened to i16, pairwise into i32 lanes): the same
 * exact integers, so the same scores. Measured in a batch of 32 random rows (GloVe 100-d / Fashion 784-d): 49 vs
 * 131 ns and 213 vs 754 ns per row against the packed JS kernel. Manhattan keeps the JS kernel.
 */
import { allocateSimdArena, SIMD_BATCH, type SimdArena, simdArenaOf } from '../distance/index.js';
import type { Distance } from '../model/distance.js';
import { invalid } from '../model/errors.js';
import { trimmedRange } from './trimmed-range.js';

export const CODE_MAX = 127;

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error('scalar-int8: the packed kernels assume a little-endian platform');
}

export interface ScalarParams {
  distance: Distance;
  /** true dimension of the vectors */
  dim: number;
  /** bytes per stored code row: dim rounded up to a multiple of 4 */
  stride: number;
  alpha: number;
  offset: number;
  /** the quantile the range was trained with (1 = plain min/max) */
  quantile: number;
}

/** n quantized vectors: codes row-major with `stride` bytes per row, and one float32 correction per vector. */
export interface QuantizedSet {
  params: ScalarParams;
  n: number;
  codes: Uint8Array;
  /** the same bytes as u32 words (stride/4 per row); codes.byteOffset is 4-aligned */
  words: Uint32Array;
  corrections: Float32Array;
}

export interface TrainOptions {
  /** trims samples·(1 − quantile)/2 values at each end of the range (Qdrant's rule, see trainScalar). Default 0.99 */
  quantile?: number;
  /** at most this many vectors are sampled to estimate the range (Qdrant samples 5000). Default 5000 */
  sampleSize?: number;
  /** seed of the vector sample, so a segment build is reproducible. Default 1 */
  seed?: number;
}

export function strideFor(dim: number): number {
  return (dim + 3) & ~3;
}

/**
 * The global range of a segment, trimmed as Qdrant trims it (quantile.rs): from a seeded sample of up to 5000 vectors,
 * cut = samples·(1 − quantile)/2 VALUES are dropped at each end of the sorted sampled values. Qdrant counts vectors,
 * not values, so the trim is tiny (25 of 500,000 values for 5000 100-d vectors at 0.99). Measured on GloVe-100 (20k
 * slice, exact top-10 on codes): that trim gives recall 0.967, while trimming (1 − q)/2 of all values gives 0.895
 * (alpha 4.2e-3 vs 7.2e-3: cutting the heavy tails costs more than the finer step gains). So we match Qdrant.
 */
export function trainScalar(
  data: Float32Array,
  dim: number,
  distance: Distance,
  options: TrainOptions = {},
): ScalarParams {
  const quantile = options.quantile ?? 0.99;
  if (!(quantile > 0.5 && quantile <= 1)) throw invalid(`quantile must be in (0.5, 1], got ${quantile}`);
  if (!Number.isInteger(dim) || dim <= 0) throw invalid(`dim must be a positive integer, got ${dim}`);
  const n = Math.floor(data.length / dim);
  const sampleSize = Math.min(n, options.sampleSize ?? 5000);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  // Qdrant skips the quantile below 127 vectors; so do we
  if (n >= 127 && quantile < 1) {
    const values = new Float32Array(sampleSize * dim);
    // a seeded partial Fisher–Yates over vector ids keeps the sample (and so the segment) reproducible
    const ids = sampleIds(n, sampleSize, options.seed ?? 1);
    for (let s = 0; s < sampleSize; s++) values.set(data.subarray(ids[s] * dim, ids[s] * dim + dim), s * dim);
    const cut = Math.max(1, Math.min(Math.floor((sampleSize * (1 - quantile)) / 2), (values.length - 1) >> 1));
    // the values at ranks cut and length − 1 − cut of the sorted sample, found without sorting it
    [lo, hi] = trimmedRange(values, cut);
  } else {
    for (let i = 0; i < n * dim; i++) {
      const v = data[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(lo <= hi)) {
    lo = 0;
    hi = 0;
  }
  // A constant segment has no range; any alpha encodes it exactly as code 0 (value = offset).
  const alpha = hi > lo ? (hi - lo) / CODE_MAX : 1;
  // float32 like the stored header, so a deserialized set has identical params
  return {
    distance,
    dim,
    stride: strideFor(dim),
    alpha: Math.fround(alpha),
    offset: Math.fround(lo),
    quantile: Math.fround(quantile),
  };
}

function sampleIds(n: number, k: number, seed: number): Uint32Array {
  const ids = new Uint32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i;
  let s = seed >>> 0 || 1;
  for (let i = 0; i < k; i++) {
    // xorshift32: small, deterministic, good enough to pick a sample
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const j = i + (s % (n - i));
    const t = ids[i];
    ids[i] = ids[j];
    ids[j] = t;
  }
  return ids.subarray(0, k);
}

/** Code of one value: clamp(round((x − offset)/alpha), 0, 127). */
export function encodeValue(p: ScalarParams, x: number): number {
  const c = Math.round((x - p.offset) / p.alpha);
  return c <= 0 ? 0 : Math.min(c, CODE_MAX);
}

/**
 * Writes the codes of `src[srcOff, srcOff+dim)` into `codes[codeOff, codeOff+stride)` (padding with 0) and returns
 * the row's correction term (k_v for a stored vector; callers encoding a query use queryCorrection instead).
 */
function encodeRow(p: ScalarParams, src: Float32Array, srcOff: number, codes: Uint8Array, codeOff: number): number {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < p.dim; i++) {
    const c = encodeValue(p, src[srcOff + i]);
    codes[codeOff + i] = c;
    sum += c;
    sumSq += c * c;
  }
  for (let i = p.dim; i < p.stride; i++) codes[codeOff + i] = 0;
  return vectorCorrection(p, sum, sumSq);
}

function vectorCorrection(p: ScalarParams, sum: number, sumSq: number): number {
  switch (p.distance) {
    case 'Cosine':
    case 'Dot':
      return p.alpha * p.offset * sum + p.dim * p.offset * p.offset;
    case 'Euclid':
      return -p.alpha * p.alpha * sumSq;
    case 'Manhattan':
      return 0;
  }
}

function queryCorrection(p: ScalarParams, sum: number, sumSq: number): number {
  switch (p.distance) {
    case 'Cosine':
    case 'Dot':
      return p.alpha * p.offset * sum;
    case 'Euclid':
      return -p.alpha * p.alpha * sumSq;
    case 'Manhattan':
      return 0;
  }
}

/** The factor applied to the integer code sum (Σ c_q c_v, or Σ|c_q − c_v| for Manhattan). */
export function codeMultiplier(p: ScalarParams): number {
  switch (p.distance) {
    case 'Cosine':
    case 'Dot':
      return p.alpha * p.alpha;
    case 'Euclid':
      return 2 * p.alpha * p.alpha;
    case 'Manhattan':
      return -p.alpha;
  }
}

/**
 * Allocates codes + words views with a 4-aligned code area. Where WebAssembly SIMD is available the codes live in a
 * SIMD arena (lib/distance/simd.ts) so Int8Scorer scores whole neighbour lists in one wasm call; the views, layout
 * and values are the same either way.
 */
export function allocateSet(params: ScalarParams, n: number): QuantizedSet {
  const bytes = n * params.stride;
  // the corrections sit right after the codes in the arena (bytes is a multiple of 4), so the est_u8 kernel returns
  // finished estimates: no per-neighbour correction lookup in JS (one scattered cache miss each)
  const arena = params.distance === 'Manhattan' ? null : allocateSimdArena(bytes + 4 * n, params.stride);
  if (arena === null) {
    const buf = new ArrayBuffer(bytes);
    return {
      params,
      n,
      codes: new Uint8Array(buf),
      words: new Uint32Array(buf),
      corrections: new Float32Array(n),
    };
  }
  return {
    params,
    n,
    codes: new Uint8Array(arena.buffer, 0, bytes),
    words: new Uint32Array(arena.buffer, 0, bytes >> 2),
    corrections: new Float32Array(arena.buffer, bytes, n),
  };
}

/** Encodes every row of a flat n × dim matrix (Cosine rows already normalized) with trained params. */
export function encodeAll(params: ScalarParams, data: Float32Array): QuantizedSet {
  const n = Math.floor(data.length / params.dim);
  const set = allocateSet(params, n);
  for (let i = 0; i < n; i++) {
    set.corrections[i] = encodeRow(params, data, i * params.dim, set.codes, i * params.stride);
  }
  return set;
}

/** trainScalar + encodeAll. */
export function quantize(
  data: Float32Array,
  dim: number,
  distance: Distance,
  options: TrainOptions = {},
): QuantizedSet {
  return encodeAll(trainScalar(data, dim, distance, options), data);
}

/** A query encoded with a segment's params: codes, the crosswise-packed words for the SWAR kernel, and k_q. */
export interface QuantizedQuery {
  codes: Uint8Array;
  /** per word k of a row: qe = q2 + q0·2^16 */
  even: Uint32Array;
  /** per word k of a row: qo = q3 + q1·2^16 */
  odd: Uint32Array;
  correction: number;
}

export function encodeQuery(params: ScalarParams, query: Float32Array): QuantizedQuery {
  return encodeQueryOf(params, query, false);
}

/**
 * encodeQuery of `query` rounded to float32 and, with `normalize`, L2-normalized first, with exactly the values
 * lib/distance's normalized() would give (Σ of squares in float64 over the float32 values, each value times 1/norm
 * rounded to float32; a zero vector unchanged) but without that copy. The codes and the packed words share one
 * buffer. Why: a query's typed arrays are allocated off the JS heap (backing stores above 64 bytes), ~1-2 µs each
 * plus GC work; four of them were ~13 µs of a GloVe int8 query (~5% of its CPU at ef 128).
 */
function encodeQueryOf(params: ScalarParams, query: ArrayLike<number>, normalize: boolean): QuantizedQuery {
  if (query.length !== params.dim) throw invalid(`query has ${query.length} dimensions, expected ${params.dim}`);
  let inv = 1;
  if (normalize) {
    let s = 0;
    for (let i = 0; i < params.dim; i++) {
      const x = Math.fround(query[i]);
      s += x * x;
    }
    const norm = Math.sqrt(s);
    if (norm !== 0) inv = 1 / norm;
    else normalize = false;
  }
  const stride = params.stride;
  const words = stride >> 2;
  // stride is a multiple of 4, so the u32 views after the codes are aligned
  const buf = new ArrayBuffer(3 * stride);
  const codes = new Uint8Array(buf, 0, stride);
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < params.dim; i++) {
    const x = Math.fround(query[i]);
    const c = encodeValue(params, normalize ? Math.fround(x * inv) : x);
    codes[i] = c;
    sum += c;
    sumSq += c * c;
  }
  const even = new Uint32Array(buf, stride, words);
  const odd = new Uint32Array(buf, 2 * stride, words);
  for (let k = 0; k < words; k++) {
    const b = k << 2;
    even[k] = (codes[b + 2] | (codes[b] << 16)) >>> 0;
    odd[k] = (codes[b + 3] | (codes[b + 1] << 16)) >>> 0;
  }
  return { codes, even, odd, correction: queryCorrection(params, sum, sumSq) };
}

/** Σ c_q·c_v over row `id` with the packed kernel (exact integer). */
export function codeDot(set: QuantizedSet, q: QuantizedQuery, id: number): number {
  const words = set.words;
  const even = q.even;
  const odd = q.odd;
  const nw = set.params.stride >> 2;
  const base = id * nw;
  let s = 0;
  for (let k = 0; k < nw; k++) {
    const w = words[base + k];
    s += (Math.imul(w & 0x00ff00ff, even[k]) >>> 16) + (Math.imul((w >>> 8) & 0x00ff00ff, odd[k]) >>> 16);
  }
  return s;
}

/** Σ |c_q − c_v| over row `id`. */
export function codeL1(set: QuantizedSet, q: QuantizedQuery, id: number): number {
  const codes = set.codes;
  const qc = q.codes;
  const stride = set.params.stride;
  const base = id * stride;
  let s = 0;
  for (let i = 0; i < stride; i++) {
    const d = qc[i] - codes[base + i];
    s += d < 0 ? -d : d;
  }
  return s;
}

/**
 * Estimated similarity of a query to stored vector `id`, on the float32 similarity's scale (see the algebra above).
 * Holds the encoded query; implements lib/index's QueryScorer. Allocates nothing per call.
 */
export class Int8Scorer {
  readonly query: QuantizedQuery;
  private readonly set: QuantizedSet;
  private readonly multiplier: number;
  private readonly manhattan: boolean;
  /** the SIMD arena holding the set's codes, or null (JS kernel) */
  private readonly arena: SimdArena | null;
  /** the arena's id slot, read in place by scoreMany (see lib/index's QueryScorer.scratchIds) */
  readonly scratchIds: Uint32Array | undefined;
  /** the arena's result slot, where scoreMany's estimates land (see lib/index's QueryScorer.scratchScores) */
  readonly scratchScores: Float64Array | undefined;
  /** the corrections sit beside the codes in the arena: est_u8 returns finished estimates */
  private readonly estimates: boolean;
  /** number of score() calls, for the engine's cost counters */
  computations = 0;

  /** `query` as given by the caller; a Cosine query is normalized here like the stored vectors were. */
  constructor(set: QuantizedSet, query: ArrayLike<number>) {
    this.set = set;
    this.query = encodeQueryOf(set.params, query, set.params.distance === 'Cosine');
    this.multiplier = codeMultiplier(set.params);
    this.manhattan = set.params.distance === 'Manhattan';
    this.arena = this.manhattan ? null : (simdArenaOf(set.codes) ?? null);
    this.scratchIds = this.arena?.ids;
    this.estimates = this.arena !== null && set.corrections.buffer === this.arena.buffer;
    this.scratchScores = this.estimates ? this.arena?.outF64 : undefined;
  }

  /**
   * What the wasm layer-0 walk needs (lib/index's QueryScorer.walkSource): the arena and the est_u8 arguments
   * scoreMany passes, so the walk's scores are these. Undefined without an arena holding the corrections too.
   */
  walkSource():
    | {
        arena: SimdArena;
        dataBytes: number;
        kind: 0;
        rows: number;
        rowBytes: number;
        corr: number;
        mult: number;
        kq: number;
        query: Uint8Array;
      }
    | undefined {
    if (this.arena === null || !this.estimates) return undefined;
    const corrections = this.set.corrections;
    return {
      arena: this.arena,
      dataBytes: corrections.byteOffset + corrections.byteLength,
      kind: 0,
      rows: this.set.codes.byteOffset,
      rowBytes: this.set.params.stride,
      corr: corrections.byteOffset,
      mult: this.multiplier,
      kq: this.query.correction,
      query: this.query.codes,
    };
  }

  score(id: number): number {
    this.computations++;
    if (this.manhattan) return this.multiplier * codeL1(this.set, this.query, id);
    return this.multiplier * codeDot(this.set, this.query, id) + this.query.correction + this.set.corrections[id];
  }

  /**
   * out[j] = score(ids[start + j]) for j < count. With a SIMD arena the code sums come from one wasm call per batch;
   * they are exact integers equal to codeDot's, and the same float expression follows, so results are identical.
   */
  scoreMany(ids: Uint32Array, start: number, count: number, out: Float64Array): void {
    const arena = this.arena;
    if (arena === null) {
      for (let j = 0; j < count; j++) out[j] = this.score(ids[start + j]);
      return;
    }
    this.computations += count;
    if (arena.owner !== this) {
      new Uint8Array(arena.buffer, arena.queryOffset, this.query.codes.length).set(this.query.codes);
      arena.owner = this;
    }
    const corrections = this.set.corrections;
    const multiplier = this.multiplier;
    const kq = this.query.correction;
    const batch = arena.ids;
    const sums = arena.outI32;
    const rows = this.set.codes.byteOffset;
    const stride = this.set.params.stride;
    if (this.estimates) {
      const est = arena.outF64;
      for (let done = 0; done < count; done += SIMD_BATCH) {
        const c = Math.min(SIMD_BATCH, count - done);
        if (ids !== batch || start !== 0) for (let j = 0; j < c; j++) batch[j] = ids[start + done + j];
        arena.kernels.est_u8(
          rows,
          stride,
          arena.queryOffset,
          arena.idsOffset,
          c,
          arena.outOffset,
          corrections.byteOffset,
          multiplier,
          kq,
        );
        if (out !== est) for (let j = 0; j < c; j++) out[done + j] = est[j];
      }
      return;
    }
    for (let done = 0; done < count; done += SIMD_BATCH) {
      const c = Math.min(SIMD_BATCH, count - done);
      if (ids !== batch || start !== 0) for (let j = 0; j < c; j++) batch[j] = ids[start + done + j];
      arena.kernels.dot_u8(rows, stride, arena.queryOffset, arena.idsOffset, c, arena.outOffset);
      for (let j = 0; j < c; j++) out[done + j] = multiplier * sums[j] + kq + corrections[batch[j]];
    }
  }
}
