/**
 * Scalar int8 quantization, Qdrant's scheme (its lib/quantization/src/encoded_vectors_u8.rs): one global range
 * [lo, hi] per segment, alpha = (hi − lo)/127, offset = lo, code(x) = clamp(round((x − offset)/alpha), 0, 127).
 * Codes use 7 bits, so two codes' products fit the build's i16 lanes (dot_u8, heur_u8) and a query's sums are bounded.
 *
 * Decoding is x ≈ alpha·c + offset. Substituting it into each similarity (larger = closer, the same scale as the
 * float32 similarity of lib/distance, so int8 estimates, rescored values and other segments' results compare):
 *
 *   Dot / Cosine:  x·y ≈ Σ (αc_x + o)(αc_y + o)
 *                      = α²·Σ c_x c_y  +  α·o·Σ c_x  +  α·o·Σ c_y  +  d·o²
 *                  per-vector correction  k_v = α·o·Σ c_v + d·o²    (the d·o² shift is folded into the vector term)
 *                  per-query correction   k_q = α·o·Σ c_q    (a query in codes; the finer query below)
 *                  estimate = α²·Σ c_q c_v + k_q + k_v
 *   Euclid:        −Σ(x − y)² ≈ −α²·Σ (c_x − c_y)²        (the offset cancels inside the difference)
 *                      = 2α²·Σ c_x c_y − α²·Σ c_x² − α²·Σ c_y²
 *                  k_v = −α²·Σ c_v²,  k_q = −α²·Σ c_q²,  estimate = 2α²·Σ c_q c_v + k_q + k_v
 *   Manhattan:     −Σ|x − y| ≈ −α·Σ |c_x − c_y|           (no corrections; k_v = 0)
 *
 * Error: within [lo, hi] each decoded value is off by at most α/2; values outside are clamped (that is what the
 * quantile trims: a few extreme values cost accuracy for them so the other 99% get a finer step).
 *
 * Rows are padded with code 0 to a stride that is a multiple of 4 (the kernels step 4 bytes at a time). A zero
 * code on both sides adds nothing to Σ c_q c_v, Σ c², or Σ|c_q − c_v|; the corrections use the true dim d.
 *
 * The query keeps finer steps than the codes (Dot / Cosine): only the stored side has to fit a byte. In code units,
 * t_i = (x_i − offset)/alpha, unrounded and unclamped, so x_i = α·t_i + o exactly and
 *   x·y ≈ Σ (α t_i + o)(α c_y + o) = α²·Σ t_i c_y + α·o·Σ t_i + k_v      (k_v the stored correction, unchanged)
 * t is held in fixed point, q_i = round(t_i·2^s) as i16, with the largest s ≤ 8 such that |q_i| ≤ 32767 and
 * Σ|q_i|·127 < 2^31, so Σ q_i c_y is an exact integer in every kernel: multiplier α²/2^s, k_q = α·o·Σ q_i / 2^s.
 * Why: a query rounded to codes (Qdrant's way) adds a second error of up to α/2 a dimension beside the stored
 * vector's. Measured on GloVe-100 (20k base, 300 queries, exact top-10 on the estimates, three quantile samples):
 * recall@10 0.968 / 0.971 / 0.966 with the query's codes, 0.976 / 0.976 / 0.972 with the finer query. Euclid keeps
 * the query's codes (s = 0: Qdrant's estimate exactly): on Fashion-MNIST (20k) the finer query measured 0.9937
 * against 0.9947, its pixel values already sitting on the code grid. Manhattan compares codes (|c_q − c_v|).
 *
 * Where WebAssembly SIMD is available the codes live in a SIMD arena (lib/distance/simd.ts) and Int8Scorer.scoreMany
 * scores a whole neighbour list in one wasm call (est_u8_wide: code rows zero-extended to i16, i32x4.dot_i16x8_s
 * against the i16 query, the correction added in the same double operations as score()): the same exact integer
 * sums as the JS loop, so the same scores. Without SIMD (or a set past a 32-bit memory) score() is a plain loop
 * over the i16 query. Manhattan keeps the JS kernel.
 */
import { allocateSimdArena, SIMD_BATCH, type SimdArena, simdArenaOf } from '../distance/index.js';
import type { Distance } from '../model/distance.js';
import { invalid } from '../model/errors.js';
import { trimmedRange } from './trimmed-range.js';

export const CODE_MAX = 127;

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error('scalar-int8: the kernels assume a little-endian platform');
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
  /** codes.byteOffset is 4-aligned */
  codes: Uint8Array;
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
 * Allocates the codes with a 4-aligned code area and the corrections. Where WebAssembly SIMD is available both live
 * in a SIMD arena (lib/distance/simd.ts), the corrections right after the codes (bytes is a multiple of 4), so
 * Int8Scorer scores whole neighbour lists in one wasm call that returns finished estimates (no per-neighbour
 * correction lookup in JS: one scattered cache miss each); the views, layout and values are the same either way.
 */
export function allocateSet(params: ScalarParams, n: number): QuantizedSet {
  const bytes = n * params.stride;
  // the query slot holds the i16 query (2·stride bytes), or a float32 row being encoded (encodeAll)
  const arena = params.distance === 'Manhattan' ? null : allocateSimdArena(bytes + 4 * n, 4 * params.stride);
  if (arena === null) return { params, n, codes: new Uint8Array(bytes), corrections: new Float32Array(n) };
  return {
    params,
    n,
    codes: new Uint8Array(arena.buffer, 0, bytes),
    corrections: new Float32Array(arena.buffer, bytes, n),
  };
}

/** Encodes every row of a flat n × dim matrix (Cosine rows already normalized) with trained params. */
export function encodeAll(params: ScalarParams, data: Float32Array): QuantizedSet {
  const { dim, stride } = params;
  const n = Math.floor(data.length / dim);
  const set = allocateSet(params, n);
  const arena = simdArenaOf(set.codes);
  if (arena === undefined) {
    for (let i = 0; i < n; i++) set.corrections[i] = encodeRow(params, data, i * dim, set.codes, i * stride);
    return set;
  }
  // each row staged in the arena's query slot and encoded in place by enc_u8 (encodeRow's codes and sums,
  // exactly: JS Math.round and double arithmetic): the JS loop's clamps branch unpredictably, ~13 ns a value
  const at = arena.queryOffset;
  const staged = new Float32Array(arena.buffer, at, dim);
  const k = arena.kernels;
  const rows = set.codes.byteOffset;
  for (let i = 0; i < n; i++) {
    staged.set(data.subarray(i * dim, (i + 1) * dim));
    const sumSq = k.enc_u8(at, dim, stride, params.offset, params.alpha, rows + i * stride, 0, arena.outOffset);
    set.corrections[i] = vectorCorrection(params, arena.outI32[0], sumSq);
  }
  arena.owner = null;
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

/**
 * A query encoded with a segment's params: its codes, the i16 query the sums use (see the header: Dot / Cosine in
 * code units with fractional bits, else the codes), and the factor and k_q that turn Σ q_i·c_i into the estimate.
 */
export interface QuantizedQuery {
  codes: Uint8Array;
  /** stride values, 0 past dim */
  wide: Int16Array;
  multiplier: number;
  correction: number;
}

export function encodeQuery(params: ScalarParams, query: Float32Array): QuantizedQuery {
  return encodeQueryOf(params, query, false);
}

/** Fractional bits of the i16 query at most: 1/256 of a code step, far below the stored codes' α/2. */
const MAX_SHIFT = 8;
const I16_MAX = 32767;
/** Σ|q_i|·CODE_MAX must stay below this for the kernels' i32 sums */
const I32_LIMIT = 2 ** 31;
/** |t| beyond this (a value ~10^6 ranges off the trained one, or not finite) is clamped: the bounds stay finite */
const T_LIMIT = 2 ** 20;

/**
 * encodeQuery of `query` rounded to float32 and, with `normalize`, L2-normalized first, with exactly the values
 * lib/distance's normalized() would give (Σ of squares in float64 over the float32 values, each value times 1/norm
 * rounded to float32; a zero vector unchanged) but without that copy. The codes and the i16 query share one buffer.
 * Why: a query's typed arrays are allocated off the JS heap (backing stores above 64 bytes), ~1-2 µs each plus GC
 * work; four of them were ~13 µs of a GloVe int8 query (~5% of its CPU at ef 128).
 */
function encodeQueryOf(params: ScalarParams, query: ArrayLike<number>, normalize: boolean): QuantizedQuery {
  const dim = params.dim;
  if (query.length !== dim) throw invalid(`query has ${query.length} dimensions, expected ${dim}`);
  if (params.distance !== 'Dot' && params.distance !== 'Cosine') return encodeCodesQuery(params, query);
  let inv = 1;
  if (normalize) {
    let s = 0;
    for (let i = 0; i < dim; i++) {
      const x = Math.fround(query[i]);
      s += x * x;
    }
    const norm = Math.sqrt(s);
    if (norm !== 0) inv = 1 / norm;
    else normalize = false;
  }
  const stride = params.stride;
  // stride is a multiple of 4, so the i16 view after the codes is aligned
  const buf = new ArrayBuffer(3 * stride);
  const codes = new Uint8Array(buf, 0, stride);
  const wide = new Int16Array(buf, stride, stride);
  if (units.length < dim) units = new Float64Array(dim);
  const t = units;
  const { offset, alpha } = params;
  let maxAbs = 0;
  let sumAbs = 0;
  for (let i = 0; i < dim; i++) {
    const x = Math.fround(query[i]);
    // t = (x − offset)/alpha in code units, unrounded; clamped to ±T_LIMIT (NaN as 0) so the bounds stay finite
    let u = ((normalize ? Math.fround(x * inv) : x) - offset) / alpha;
    if (u > T_LIMIT) u = T_LIMIT;
    else if (u < -T_LIMIT) u = -T_LIMIT;
    else if (Number.isNaN(u)) u = 0;
    t[i] = u;
    // encodeValue's clamp(round((x − offset)/alpha)) of the same quotient
    const c = Math.round(u);
    codes[i] = c <= 0 ? 0 : Math.min(c, CODE_MAX);
    const a = Math.abs(u);
    if (a > maxAbs) maxAbs = a;
    sumAbs += a;
  }
  let shift = MAX_SHIFT;
  while (maxAbs * 2 ** shift > I16_MAX || CODE_MAX * (sumAbs * 2 ** shift + dim / 2) >= I32_LIMIT) shift--;
  const scale = 2 ** shift;
  let sumQ = 0;
  for (let i = 0; i < dim; i++) {
    const q = Math.round(t[i] * scale);
    wide[i] = q;
    sumQ += q;
  }
  return {
    codes,
    wide,
    multiplier: (params.alpha * params.alpha) / scale,
    correction: (params.alpha * params.offset * sumQ) / scale,
  };
}

/**
 * A Euclid / Manhattan query: its codes, encodeValue's clamp(round((x − offset)/alpha)) of each value (NaN as 0), which
 * the i16 query repeats. Where WebAssembly SIMD runs, one kernel call (enc_u8: the same double operations and
 * rounding, so the same codes) in a small arena of this thread's; else the JS loop. Why: the JS loop's clamps branch
 * unpredictably on real values: ~13 µs of a 784-d query (~8% of a Fashion-MNIST int8 query at ef 128) vs ~1 µs.
 */
function encodeCodesQuery(params: ScalarParams, query: ArrayLike<number>): QuantizedQuery {
  const { dim, stride, offset, alpha } = params;
  const arena = encoderArena(stride);
  let buf: ArrayBuffer;
  let sumSq: number;
  if (arena !== null) {
    // the arena's query slot: [float32 query: 4·stride][codes: stride][i16 query: 2·stride]
    const at = arena.queryOffset;
    new Float32Array(arena.buffer, at, dim).set(query);
    sumSq = arena.kernels.enc_u8(at, dim, stride, offset, alpha, at + 4 * stride, at + 5 * stride, 0);
    buf = arena.buffer.slice(at + 4 * stride, at + 7 * stride);
  } else {
    buf = new ArrayBuffer(3 * stride);
    const codes = new Uint8Array(buf, 0, stride);
    const wide = new Int16Array(buf, stride, stride);
    sumSq = 0;
    for (let i = 0; i < dim; i++) {
      // a NaN value's code (NaN) is stored as 0, as a stored row's is
      const c = encodeValue(params, Math.fround(query[i])) || 0;
      codes[i] = c;
      wide[i] = c;
      sumSq += c * c;
    }
  }
  return {
    codes: new Uint8Array(buf, 0, stride),
    wide: new Int16Array(buf, stride, stride),
    multiplier: codeMultiplier(params),
    correction: queryCorrection(params, 0, sumSq),
  };
}

/** This thread's query-encoding arena (enc_u8's input and outputs), regrown for a larger stride; null: no SIMD */
let encoder: SimdArena | null = null;
let encoderStride = 0;

function encoderArena(stride: number): SimdArena | null {
  if (stride > encoderStride) {
    encoder = allocateSimdArena(0, 7 * stride);
    encoderStride = encoder === null ? Number.POSITIVE_INFINITY : stride;
  }
  return encoder;
}

/** encodeQueryOf's values in code units, reused (filled and read within one synchronous call) */
let units = new Float64Array(128);

/** Σ q_i·c_v over row `id` (exact integer: the kernels' bound). */
export function codeDot(set: QuantizedSet, q: QuantizedQuery, id: number): number {
  const codes = set.codes;
  const wide = q.wide;
  const stride = set.params.stride;
  const base = id * stride;
  let s = 0;
  for (let i = 0; i < stride; i++) s += wide[i] * codes[base + i];
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
  private readonly manhattan: boolean;
  /** the SIMD arena holding the set's codes and corrections, or null (JS kernels) */
  private readonly arena: SimdArena | null;
  /** the arena's id slot, read in place by scoreMany (see lib/index's QueryScorer.scratchIds) */
  readonly scratchIds: Uint32Array | undefined;
  /** the arena's result slot, where scoreMany's estimates land (see lib/index's QueryScorer.scratchScores) */
  readonly scratchScores: Float64Array | undefined;
  /** number of score() calls, for the engine's cost counters */
  computations = 0;

  /** `query` as given by the caller; a Cosine query is normalized here like the stored vectors were. */
  constructor(set: QuantizedSet, query: ArrayLike<number>) {
    this.set = set;
    this.query = encodeQueryOf(set.params, query, set.params.distance === 'Cosine');
    this.manhattan = set.params.distance === 'Manhattan';
    const arena = this.manhattan ? undefined : simdArenaOf(set.codes);
    this.arena = arena !== undefined && set.corrections.buffer === arena.buffer ? arena : null;
    this.scratchIds = this.arena?.ids;
    this.scratchScores = this.arena?.outF64;
  }

  /**
   * What the wasm layer-0 walk needs (lib/index's QueryScorer.walkSource): the arena and the est_u8_wide arguments
   * scoreMany passes, so the walk's scores are these. Undefined without an arena.
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
    if (this.arena === null) return undefined;
    const corrections = this.set.corrections;
    const wide = this.query.wide;
    return {
      arena: this.arena,
      dataBytes: corrections.byteOffset + corrections.byteLength,
      kind: 0,
      rows: this.set.codes.byteOffset,
      rowBytes: this.set.params.stride,
      corr: corrections.byteOffset,
      mult: this.query.multiplier,
      kq: this.query.correction,
      query: new Uint8Array(wide.buffer, wide.byteOffset, wide.byteLength),
    };
  }

  score(id: number): number {
    this.computations++;
    const q = this.query;
    if (this.manhattan) return q.multiplier * codeL1(this.set, q, id);
    return q.multiplier * codeDot(this.set, q, id) + q.correction + this.set.corrections[id];
  }

  /**
   * out[j] = score(ids[start + j]) for j < count. With a SIMD arena one wasm call per batch returns the estimates:
   * the same exact integer sums as codeDot's and the same float expression, so the results are identical.
   */
  scoreMany(ids: Uint32Array, start: number, count: number, out: Float64Array): void {
    const arena = this.arena;
    if (arena === null) {
      for (let j = 0; j < count; j++) out[j] = this.score(ids[start + j]);
      return;
    }
    this.computations += count;
    const q = this.query;
    if (arena.owner !== this) {
      new Int16Array(arena.buffer, arena.queryOffset, q.wide.length).set(q.wide);
      arena.owner = this;
    }
    const corrections = this.set.corrections;
    const batch = arena.ids;
    const rows = this.set.codes.byteOffset;
    const stride = this.set.params.stride;
    const est = arena.outF64;
    for (let done = 0; done < count; done += SIMD_BATCH) {
      const c = Math.min(SIMD_BATCH, count - done);
      if (ids !== batch || start !== 0) for (let j = 0; j < c; j++) batch[j] = ids[start + done + j];
      arena.kernels.est_u8_wide(
        rows,
        stride,
        stride,
        arena.queryOffset,
        arena.idsOffset,
        c,
        arena.outOffset,
        corrections.byteOffset,
        4,
        q.multiplier,
        q.correction,
      );
      if (out !== est) for (let j = 0; j < c; j++) out[done + j] = est[j];
    }
  }
}
