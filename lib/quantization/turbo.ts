/**
 * TurboQuant, Qdrant's scheme in its TQ+ mode, the one its segments use (lib/quantization/src/encoded_vectors_tq.rs,
 * turboquant/quantization.rs, encoding.rs, lloyd_max.rs): rotate, rescale, shift/scale per coordinate, then one fixed
 * Lloyd–Max scalar codebook for N(0, 1) per coordinate, 1, 2 or 4 bits each.
 *
 * Encoding a vector x (dim d, padded with zeros to D = padded dim, see paddedDimFor):
 *   1. r = R·x (turbo-rotation.ts), ℓ = ‖r‖ (Cosine: ℓ := 1, the rows are unit vectors), r ← r · √D / ℓ, so every
 *      vector has length √D and each coordinate is roughly N(0, 1);
 *   2. TQ+ error correction, fitted at training: per coordinate i, (lo_i, hi_i) = the empirical quantiles at
 *      1 − Φ(c_out) and Φ(c_out) of the rotated, rescaled sample (c_out = the outermost centroid), then
 *      shift_i = −(lo_i + hi_i)/2 and scale_i = 2·c_out / (hi_i − lo_i) (1 when the width is ≤ 1e-3), and
 *      x⁺_i = (r_i + shift_i) · scale_i pins each coordinate's spread onto the codebook's;
 *   3. code_i = the centroid bucket of x⁺_i (boundaries are midpoints of consecutive centroids), packed LSB-first;
 *   4. per vector: xm = ⟨r, M⟩ with M = −shift, the centroid norm cn = ‖c/scale − shift‖ (the codes decoded back
 *      into the rescaled space), and the scaling factor sf = ℓ / cn (Manhattan: sf = ℓ); Euclid also keeps ℓ.
 *
 * Scoring a query q (asymmetric: the query is never reduced to the codebook): rotate q (no rescale), Q = R·q, then
 *   ⟨Q, r⟩ = ⟨Q ⊙ D', x⁺⟩ + ⟨Q, M⟩   with D'_i = 1/scale_i   (since r_i = x⁺_i·D'_i + M_i)
 * and x⁺ ≈ c(code), so raw = Σ_i (Q_i / scale_i) · c(code_i) and dot = raw + qm, qm = ⟨Q, M⟩ per query. Then
 *   Dot / Cosine:  similarity ≈ dot · sf                                      (⟨q, x⟩: r carries √D/ℓ, sf undoes it
 *                                                                              with the codes' own norm, "renorm")
 *   Euclid:        similarity ≈ −(‖Q‖² + ℓ² − 2 · dot · sf)                  (−‖q − x‖²)
 *   Manhattan:     similarity = −Σ |q_i − x̂_i|, x̂ = R⁻¹ of the decoded codes (no shortcut: L1 is not rotation-
 *                  invariant; Qdrant decodes per score too)
 * all on lib/distance's similarity scale (larger = closer). Qdrant computes raw in integers: the query coordinates
 * Q_i/scale_i are rounded to integers (±8127 for 2 and 4 bits, ±32767 for 1 bit in TQ+) and the codebook to its
 * 8-bit form (x86's table); we do the same, so estimates match Qdrant's up to float rounding. A per-query table over
 * the 256 values of each code byte (lut[j·256 + byte]) sums all the codes of a byte in one lookup.
 *
 * Invariants: a trained TurboParams is all a reader needs besides the codes (the rotation is a pure function of D);
 * estimates are deterministic; bits1_5 is 1 bit per coordinate over D = 1.5·d (the rotation spreads the vector over
 * the padding, so more coordinates carry it: Qdrant's definition).
 *
 * Where WebAssembly SIMD is available the codes live in a SIMD arena (code-arena.ts) and TurboScorer.scoreMany takes
 * raw for a whole neighbour list in one wasm call (tq_dot, lib/distance/simd-kernels.wat): no byte table, the codes
 * are unpacked 16 at a time, mapped to the integer codebook by one i8x16.swizzle and multiplied with the integer query
 * (i32x4.dot_i16x8_s). raw is the same exact integer the table sums, so the scores are identical; Manhattan (decodes
 * per row) and queries whose Σ|qInt|·max|codebook| could pass 2^31 keep the JS table.
 */
import { normalized, SIMD_BATCH, type SimdArena, simdArenaOf } from '../distance/index.js';
import type { Distance } from '../model/distance.js';
import { invalid } from '../model/errors.js';
import { codeRows } from './code-arena.js';
import { sampleIdsSorted } from './sample.js';
import { HadamardRotation } from './turbo-rotation.js';

export type TurboBits = 'bits1' | 'bits1_5' | 'bits2' | 'bits4';
export const TURBO_BITS: readonly TurboBits[] = ['bits1', 'bits1_5', 'bits2', 'bits4'];

interface BitsSpec {
  /** bits per stored coordinate */
  bitSize: number;
  /** Lloyd–Max centroids for N(0, 1), ascending (float32) */
  centroids: Float32Array;
  /** midpoints of consecutive centroids (float32) */
  boundaries: Float32Array;
  /** vectors sampled for the TQ+ quantile fit (Qdrant's sample_size) */
  sampleSize: number;
  /** the query's integer range ±queryMax */
  queryMax: number;
  /** the codebook as the integers the query is multiplied with */
  codebookInt: Int32Array;
  /** codebookInt[k] ≈ centroids[k] · codebookScale */
  codebookScale: number;
}

function spec(
  bitSize: number,
  centroids: number[],
  sampleSize: number,
  queryMax: number,
  codebookInt: number[],
  codebookScale: number,
): BitsSpec {
  const c = Float32Array.from(centroids);
  const boundaries = new Float32Array(c.length - 1);
  for (let i = 0; i < boundaries.length; i++) boundaries[i] = Math.fround(c[i] + c[i + 1]) / 2;
  return {
    bitSize,
    centroids: c,
    boundaries,
    sampleSize,
    queryMax,
    codebookInt: Int32Array.from(codebookInt),
    codebookScale: Math.fround(codebookScale),
  };
}

const CENTROID_1BIT = 0.7978846;
// Qdrant's x86 codebooks are u8 values shifted by 128 (encoding +128 for maddubs); here already signed.
const CODEBOOK_4BIT_U8 = [0, 31, 52, 69, 84, 97, 110, 122, 134, 146, 159, 172, 187, 204, 225, 255];
const CODEBOOK_2BIT_U8 = [0, 90, 166, 255];
const ONE_BIT = spec(1, [-CENTROID_1BIT, CENTROID_1BIT], 2048, 32767, [-1, 1], 1 / Math.fround(CENTROID_1BIT));
const SPECS: Record<TurboBits, BitsSpec> = {
  bits1: ONE_BIT,
  bits1_5: { ...ONE_BIT },
  bits2: spec(
    2,
    [-1.51, -0.4528, 0.4528, 1.51],
    4096,
    8127,
    CODEBOOK_2BIT_U8.map((v) => v - 128),
    128 / Math.fround(1.51),
  ),
  bits4: spec(
    4,
    [
      -2.733, -2.069, -1.618, -1.256, -0.9424, -0.6568, -0.3881, -0.1284, 0.1284, 0.3881, 0.6568, 0.9424, 1.256, 1.618,
      2.069, 2.733,
    ],
    8192,
    8127,
    CODEBOOK_4BIT_U8.map((v) => v - 128),
    128 / Math.fround(2.733),
  ),
};

export function turboBitSize(bits: TurboBits): number {
  return SPECS[bits].bitSize;
}

/** D: bits1 → d rounded up to 8; bits1_5 → ⌊1.5·d⌋ rounded up to 8; bits2 → to 4; bits4 → to 2 (Qdrant's padded_dim). */
export function paddedDimFor(dim: number, bits: TurboBits): number {
  const up = (x: number, m: number) => Math.ceil(x / m) * m;
  switch (bits) {
    case 'bits1':
      return up(dim, 8);
    case 'bits1_5':
      return up(Math.floor((dim * 3) / 2), 8);
    case 'bits2':
      return up(dim, 4);
    case 'bits4':
      return up(dim, 2);
  }
}

/** Per-vector floats kept beside the codes: sf and xm, plus ℓ for Euclid (Qdrant's extras). */
export function turboExtrasPerVector(distance: Distance): number {
  return distance === 'Euclid' ? 3 : 2;
}

/** Bytes per stored vector, codes plus extras: what a vector costs in memory, as Qdrant counts it. */
export function turboBytesPerVector(dim: number, bits: TurboBits, distance: Distance): number {
  return (paddedDimFor(dim, bits) * SPECS[bits].bitSize) / 8 + 4 * turboExtrasPerVector(distance);
}

export interface TurboParams {
  distance: Distance;
  dim: number;
  bits: TurboBits;
  /** D, see paddedDimFor */
  paddedDim: number;
  /** bytes of codes per vector: D · bitSize / 8 */
  codeBytes: number;
  /** TQ+ per-coordinate shift and scale (length D) */
  shift: Float32Array;
  scale: Float32Array;
}

export interface TurboSet {
  params: TurboParams;
  n: number;
  /** n × codeBytes packed codes */
  codes: Uint8Array;
  /** sf per vector (see the header) */
  scaling: Float32Array;
  /** xm = ⟨r, M⟩ per vector (used by symmetric scoring; kept as Qdrant keeps it) */
  xm: Float32Array;
  /** ℓ per vector for Euclid; empty otherwise */
  lengths: Float32Array;
}

export interface TurboTrainOptions {
  bits: TurboBits;
  /** vectors sampled for the quantile fit; default Qdrant's per bit width (2048 / 4096 / 8192) */
  sampleSize?: number;
  seed?: number;
}

const rotations = new Map<number, HadamardRotation>();

/** The rotation over D coordinates, built once per process per D (a pure function of D). */
export function rotationFor(paddedDim: number): HadamardRotation {
  let r = rotations.get(paddedDim);
  if (r === undefined) {
    r = new HadamardRotation(paddedDim);
    rotations.set(paddedDim, r);
  }
  return r;
}

/** Φ via Abramowitz–Stegun 7.1.26, as Qdrant's math.rs (so c_out maps to the same quantile). */
function normalCdf(x: number): number {
  const z = x / Math.SQRT2;
  const a = Math.abs(z);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-a * a);
  return 0.5 * (1 + (z >= 0 ? erf : -erf));
}

/** Step 1 of the header into buf (length D): zero-pad, rotate, rescale to length √D. Returns ℓ (Cosine: 1). */
function preprocess(
  p: TurboParams,
  rotation: HadamardRotation,
  src: Float32Array,
  off: number,
  buf: Float64Array,
): number {
  buf.fill(0);
  for (let i = 0; i < p.dim; i++) buf[i] = src[off + i];
  rotation.apply(buf);
  let length = 1;
  if (p.distance !== 'Cosine') {
    let sq = 0;
    for (let i = 0; i < p.paddedDim; i++) sq += buf[i] * buf[i];
    length = Math.fround(Math.sqrt(sq));
  }
  if (length > 0) {
    const k = Math.sqrt(p.paddedDim) / length;
    for (let i = 0; i < p.paddedDim; i++) buf[i] *= k;
  }
  return length;
}

/** Fits the TQ+ shift/scale on a seeded sample (rows of a Cosine segment already normalized). */
export function trainTurbo(
  data: Float32Array,
  dim: number,
  distance: Distance,
  options: TurboTrainOptions,
): TurboParams {
  if (!Number.isInteger(dim) || dim <= 0) throw invalid(`dim must be a positive integer, got ${dim}`);
  const s = SPECS[options.bits];
  if (s === undefined) throw invalid(`unknown TurboQuant bits '${options.bits}'`);
  const paddedDim = paddedDimFor(dim, options.bits);
  const params: TurboParams = {
    distance,
    dim,
    bits: options.bits,
    paddedDim,
    codeBytes: (paddedDim * s.bitSize) / 8,
    shift: new Float32Array(paddedDim),
    scale: new Float32Array(paddedDim).fill(1),
  };
  const n = Math.floor(data.length / dim);
  if (n === 0) return params;
  const ids = sampleIdsSorted(n, options.sampleSize ?? s.sampleSize, options.seed ?? 1);
  const r = ids.length;
  const rotation = rotationFor(paddedDim);
  const buf = new Float64Array(paddedDim);
  // column-major, so each coordinate's sample is one contiguous run to sort
  const columns = new Float32Array(paddedDim * r);
  for (let k = 0; k < r; k++) {
    preprocess(params, rotation, data, ids[k] * dim, buf);
    for (let i = 0; i < paddedDim; i++) columns[i * r + k] = buf[i];
  }
  let cOut = 0;
  for (const c of s.centroids) cOut = Math.max(cOut, Math.abs(c));
  const q = Math.min(Math.max(Math.fround(2 * normalCdf(cOut) - 1), 0), 0.99999);
  const pLo = (1 - q) / 2;
  const pHi = 1 - pLo;
  for (let i = 0; i < paddedDim; i++) {
    const col = columns.subarray(i * r, (i + 1) * r).sort();
    const lo = Math.fround(quantileOfSorted(col, pLo));
    const hi = Math.fround(quantileOfSorted(col, pHi));
    params.shift[i] = -(lo + hi) / 2;
    const width = Math.fround(hi - lo);
    // a near-constant coordinate would get a huge scale that amplifies noise (Qdrant's MIN_QUANTILE_WIDTH)
    if (width > 1e-3) params.scale[i] = (2 * cOut) / width;
  }
  return params;
}

/**
 * The p-quantile of sorted values, interpolated between order statistics. Qdrant estimates the same quantile with a
 * streaming P² estimator to bound memory; a segment's sample fits in memory here, so we take it exactly.
 */
function quantileOfSorted(sorted: Float32Array, p: number): number {
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Bucket of a value: the number of boundaries it exceeds (compared as float32, as Qdrant does). */
function bucket(boundaries: Float32Array, value: number): number {
  const v = Math.fround(value);
  let idx = 0;
  while (idx < boundaries.length && v > boundaries[idx]) idx++;
  return idx;
}

/** Bytes of tq_dot's query slot: 16 codebook bytes, then 16 i16 per (16-byte block, lane group), see kernelQuery. */
function kernelQueryBytes(p: TurboParams): number {
  return 16 + Math.ceil(p.codeBytes / 16) * (8 / SPECS[p.bits].bitSize) * 32;
}

/** Zeroed room for n rows of packed codes, in a SIMD arena (query slot sized for tq_dot) where there is one. */
export function allocateTurboCodes(n: number, params: TurboParams): Uint8Array {
  return codeRows(n * params.codeBytes, kernelQueryBytes(params));
}

/** Encodes every row of a flat n × dim matrix (Cosine rows already normalized) with trained params. */
export function encodeTurbo(params: TurboParams, data: Float32Array): TurboSet {
  const { dim, paddedDim, codeBytes, shift, scale, distance } = params;
  const s = SPECS[params.bits];
  const n = Math.floor(data.length / dim);
  const set: TurboSet = {
    params,
    n,
    codes: allocateTurboCodes(n, params),
    scaling: new Float32Array(n),
    xm: new Float32Array(n),
    lengths: new Float32Array(distance === 'Euclid' ? n : 0),
  };
  const rotation = rotationFor(paddedDim);
  const buf = new Float64Array(paddedDim);
  for (let row = 0; row < n; row++) {
    const length = preprocess(params, rotation, data, row * dim, buf);
    let sq = 0;
    for (let i = 0; i < paddedDim; i++) sq += buf[i] * buf[i];
    // a zero vector stays zero: shifting it would only add quantization noise (Qdrant skips it too)
    const zero = sq < 1e-12;
    if (!zero) {
      let xm = 0;
      for (let i = 0; i < paddedDim; i++) {
        xm -= buf[i] * shift[i];
        buf[i] = (buf[i] + shift[i]) * scale[i];
      }
      set.xm[row] = xm;
    }
    const codeAt = row * codeBytes;
    let cnSq = 0;
    for (let i = 0; i < paddedDim; i++) {
      const b = bucket(s.boundaries, buf[i]);
      const bit = i * s.bitSize;
      set.codes[codeAt + (bit >> 3)] |= b << (bit & 7);
      const back = s.centroids[b] / scale[i] - shift[i];
      cnSq += back * back;
    }
    const cn = distance === 'Cosine' && zero ? Math.sqrt(paddedDim) : Math.fround(Math.sqrt(cnSq));
    set.scaling[row] = distance === 'Manhattan' ? length : length / cn;
    if (distance === 'Euclid') set.lengths[row] = length;
  }
  return set;
}

/** trainTurbo + encodeTurbo. */
export function quantizeTurbo(
  data: Float32Array,
  dim: number,
  distance: Distance,
  options: TurboTrainOptions,
): TurboSet {
  return encodeTurbo(trainTurbo(data, dim, distance, options), data);
}

/** The code of coordinate i of row `id`. */
function codeAt(set: TurboSet, id: number, i: number): number {
  const bitSize = SPECS[set.params.bits].bitSize;
  const bit = i * bitSize;
  return (set.codes[id * set.params.codeBytes + (bit >> 3)] >> (bit & 7)) & ((1 << bitSize) - 1);
}

/**
 * Row `id` decoded back into rotated (unrotated: false) or original coordinates, length D (the original vector is
 * the first dim entries): centroids, EC reverted, times ℓ/√D, where ℓ is recovered as sf·cn for Dot/Cosine (Qdrant's
 * dequantize).
 */
export function decodeTurboInto(set: TurboSet, id: number, out: Float64Array, rotated = false): void {
  const { paddedDim, shift, scale, distance } = set.params;
  const centroids = SPECS[set.params.bits].centroids;
  let cnSq = 0;
  for (let i = 0; i < paddedDim; i++) {
    const v = centroids[codeAt(set, id, i)] / scale[i] - shift[i];
    out[i] = v;
    cnSq += v * v;
  }
  const sf = set.scaling[id];
  const length = distance === 'Euclid' ? set.lengths[id] : distance === 'Manhattan' ? sf : sf * Math.sqrt(cnSq);
  const k = length / Math.sqrt(paddedDim);
  for (let i = 0; i < paddedDim; i++) out[i] *= k;
  if (!rotated) rotationFor(paddedDim).applyInverse(out);
}

export function decodeTurbo(set: TurboSet, id: number): Float32Array {
  const out = new Float64Array(set.params.paddedDim);
  decodeTurboInto(set, id, out);
  return Float32Array.from(out.subarray(0, set.params.dim));
}

/** A query prepared for asymmetric scoring against one set's params (see the header). */
export interface TurboQuery {
  /** integer dot → float: 1 / (query scale · codebook scale) */
  post: number;
  /** qm = ⟨Q, M⟩ */
  qm: number;
  /** ‖Q‖² (Euclid) */
  normSq: number;
  /** the query itself (Manhattan scores against decoded rows) */
  original: Float32Array;
  /** the integer query coordinates qInt (length D) raw is summed with */
  ints: Int32Array;
}

/** Rust's f32::round: halves away from zero. */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/**
 * The per-query byte table of the JS path: lut[j·256 + byte] = Σ over the codes of byte j of qInt · codebookInt
 * (exact integers). Built only where the JS loop scores (the SIMD kernel needs no table: for 784-d 4-bit codes the
 * table is 100k entries, more work per query than a walk's worth of kernel calls).
 */
export function turboQueryTable(params: TurboParams, ints: Int32Array): Int32Array {
  const s = SPECS[params.bits];
  const lanes = 8 / s.bitSize;
  const mask = (1 << s.bitSize) - 1;
  const lut = new Int32Array(params.codeBytes * 256);
  for (let j = 0; j < params.codeBytes; j++) {
    for (let byte = 0; byte < 256; byte++) {
      let sum = 0;
      for (let lane = 0; lane < lanes; lane++) {
        sum += ints[j * lanes + lane] * s.codebookInt[(byte >> (lane * s.bitSize)) & mask];
      }
      lut[j * 256 + byte] = sum;
    }
  }
  return lut;
}

export function encodeTurboQuery(params: TurboParams, query: Float32Array): TurboQuery {
  const { dim, paddedDim, shift, scale } = params;
  if (query.length !== dim) throw invalid(`query has ${query.length} dimensions, expected ${dim}`);
  const s = SPECS[params.bits];
  const rotated = new Float64Array(paddedDim);
  for (let i = 0; i < dim; i++) rotated[i] = query[i];
  rotationFor(paddedDim).apply(rotated);
  let normSq = 0;
  let qm = 0;
  let absMax = 0;
  const q32 = new Float32Array(paddedDim);
  for (let i = 0; i < paddedDim; i++) {
    normSq += rotated[i] * rotated[i];
    qm -= rotated[i] * shift[i];
    q32[i] = rotated[i] / scale[i];
    absMax = Math.max(absMax, Math.abs(q32[i]));
  }
  const qScale = Math.fround(s.queryMax / Math.max(absMax, 1.1920929e-7));
  const qInt = new Int32Array(paddedDim);
  for (let i = 0; i < paddedDim; i++) {
    const v = roundHalfAway(Math.fround(q32[i] * qScale));
    qInt[i] = Math.min(Math.max(v, -s.queryMax), s.queryMax);
  }
  const rn = Math.fround(Math.sqrt(normSq));
  return {
    post: 1 / (qScale * s.codebookScale),
    qm: Math.fround(qm),
    normSq: rn * rn,
    original: query,
    ints: qInt,
  };
}

/**
 * The query slot tq_dot reads (see kernelQueryBytes): the codebook as 16 i8, then per 16-byte code block j and lane
 * group g < 8/bits the 16 values qInt[(16·j + t)·(8/bits) + g], t < 16 (zero past D), or null when the kernel's i32
 * sum could overflow for this query.
 */
function kernelQuery(params: TurboParams, q: TurboQuery): Uint8Array | null {
  const s = SPECS[params.bits];
  let bound = 0;
  let book = 0;
  for (const v of s.codebookInt) book = Math.max(book, Math.abs(v));
  for (let i = 0; i < q.ints.length; i++) bound += Math.abs(q.ints[i]);
  if (bound * book >= 2 ** 31) return null;
  const bytes = new Uint8Array(kernelQueryBytes(params));
  new Int8Array(bytes.buffer, 0, s.codebookInt.length).set(s.codebookInt);
  const values = new Int16Array(bytes.buffer, 16);
  const lanes = 8 / s.bitSize;
  const blocks = Math.ceil(params.codeBytes / 16);
  for (let j = 0; j < blocks; j++) {
    for (let g = 0; g < lanes; g++) {
      for (let t = 0; t < 16; t++) {
        const i = (16 * j + t) * lanes + g;
        if (i < q.ints.length) values[(j * lanes + g) * 16 + t] = q.ints[i];
      }
    }
  }
  return bytes;
}

/**
 * Estimated similarity of a query to stored vector `id` (the header's formulas); implements lib/index's QueryScorer.
 * Allocates nothing per call.
 */
export class TurboScorer {
  readonly query: TurboQuery;
  private readonly set: TurboSet;
  private readonly codeBytes: number;
  private readonly distance: Distance;
  private readonly decoded: Float64Array;
  /** the SIMD arena holding the set's codes and this query's slot content, or null (JS table) */
  private readonly arena: SimdArena | null;
  private readonly slot: Uint8Array | null;
  /** the arena's id slot, read in place by scoreMany (see lib/index's QueryScorer.scratchIds) */
  readonly scratchIds: Uint32Array | undefined;
  /** the JS path's byte table (turboQueryTable), built on first use */
  private lut: Int32Array | null = null;
  /** score() through the kernel: a batch of one */
  private readonly oneId = new Uint32Array(1);
  private readonly one = new Float64Array(1);
  /** number of scored rows, for the engine's cost counters */
  computations = 0;

  /** `query` as given by the caller; a Cosine query is normalized here like the stored vectors were. */
  constructor(set: TurboSet, query: ArrayLike<number>) {
    const q = set.params.distance === 'Cosine' ? normalized(query) : Float32Array.from(query);
    this.set = set;
    this.query = encodeTurboQuery(set.params, q);
    this.codeBytes = set.params.codeBytes;
    this.distance = set.params.distance;
    this.decoded = new Float64Array(this.distance === 'Manhattan' ? set.params.paddedDim : 0);
    const arena = this.distance === 'Manhattan' ? undefined : simdArenaOf(set.codes);
    this.slot = arena === undefined ? null : kernelQuery(set.params, this.query);
    this.arena = this.slot === null ? null : (arena ?? null);
    this.scratchIds = this.arena?.ids;
  }

  /** raw of row id: the integer dot Σ qInt_i · codebookInt[code_i], summed from the byte table (see the header). */
  private dot(id: number): number {
    const codes = this.set.codes;
    this.lut ??= turboQueryTable(this.set.params, this.query.ints);
    const lut = this.lut;
    const m = this.codeBytes;
    const base = id * m;
    let raw = 0;
    for (let j = 0; j < m; j++) raw += lut[(j << 8) | codes[base + j]];
    return raw;
  }

  /** The similarity of row id from its integer dot raw (Cosine, Dot, Euclid; the header's formulas). */
  private fromRaw(raw: number, id: number): number {
    const dot = raw * this.query.post + this.query.qm;
    if (this.distance === 'Euclid') {
      const l = this.set.lengths[id];
      return -(this.query.normSq + l * l - 2 * dot * this.set.scaling[id]);
    }
    return dot * this.set.scaling[id];
  }

  score(id: number): number {
    if (this.arena !== null) {
      // one id through the kernel (writes the arena's id slot, as every scoreMany batch does)
      this.oneId[0] = id;
      this.scoreMany(this.oneId, 0, 1, this.one);
      return this.one[0];
    }
    this.computations++;
    switch (this.distance) {
      case 'Cosine':
      case 'Dot':
      case 'Euclid':
        return this.fromRaw(this.dot(id), id);
      case 'Manhattan': {
        const v = this.decoded;
        decodeTurboInto(this.set, id, v);
        const q = this.query.original;
        let s = 0;
        for (let i = 0; i < q.length; i++) s += Math.abs(q[i] - v[i]);
        return -s;
      }
    }
  }

  /** out[j] = score(ids[start + j]) for j < count; one wasm call per batch with a SIMD arena (see the header). */
  scoreMany(ids: Uint32Array, start: number, count: number, out: Float64Array): void {
    const arena = this.arena;
    const slot = this.slot;
    if (arena === null || slot === null) {
      for (let j = 0; j < count; j++) out[j] = this.score(ids[start + j]);
      return;
    }
    this.computations += count;
    if (arena.owner !== this) {
      new Uint8Array(arena.buffer, arena.queryOffset, slot.length).set(slot);
      arena.owner = this;
    }
    const batch = arena.ids;
    const raws = arena.outI32;
    const rows = this.set.codes.byteOffset;
    const bits = SPECS[this.set.params.bits].bitSize;
    for (let done = 0; done < count; done += SIMD_BATCH) {
      const c = Math.min(SIMD_BATCH, count - done);
      if (ids !== batch || start !== 0) for (let j = 0; j < c; j++) batch[j] = ids[start + done + j];
      const q = arena.queryOffset;
      arena.kernels.tq_dot(rows, this.codeBytes, q + 16, arena.idsOffset, c, arena.outOffset, bits, q);
      this.finish(raws, batch, c, out, done);
    }
  }

  /** out[at + j] = fromRaw(raws[j], ids[j]) for j < c: fromRaw's expressions, with the query's terms in locals. */
  private finish(raws: Int32Array, ids: Uint32Array, c: number, out: Float64Array, at: number): void {
    const { post, qm, normSq } = this.query;
    const scaling = this.set.scaling;
    if (this.distance === 'Euclid') {
      const lengths = this.set.lengths;
      for (let j = 0; j < c; j++) {
        const id = ids[j];
        const l = lengths[id];
        out[at + j] = -(normSq + l * l - 2 * (raws[j] * post + qm) * scaling[id]);
      }
      return;
    }
    for (let j = 0; j < c; j++) out[at + j] = (raws[j] * post + qm) * scaling[ids[j]];
  }
}
