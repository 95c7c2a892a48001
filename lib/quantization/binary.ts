/**
 * Binary quantization, Qdrant's scheme (its lib/quantization/src/encoded_vectors_binary.rs): each dimension becomes
 * one or two bits, and the distance estimate counts disagreeing bits with XOR + popcount on 32-bit words.
 *
 * Encodings of a stored vector x (Cosine rows already normalized), over "extended" bit positions:
 *   one_bit            bit i = x_i > 0                                                        (dim bits)
 *   two_bits           z = (x_i − mean_i)/sd_i; (b1, b2) = 00 if z ≤ −2/3, 10 if −2/3 < z < 2/3, 11 if z ≥ 2/3;
 *                      b1 at position i, b2 at dim + i                                      (2·dim bits)
 *   one_and_half_bits  as two_bits, but b2 of dims 2j and 2j+1 are OR-ed into position dim + j (dim + ⌈dim/2⌉ bits)
 * mean_i and sd_i (sample standard deviation) are per-dimension statistics over the segment's rows; a dimension
 * with sd < f32::EPSILON falls back to (x_i > 0, 0), as Qdrant does.
 *
 * Query encodings: `default`/`binary` encode the query like a stored vector (symmetric). `scalar4bits`/`scalar8bits`
 * (asymmetric) quantize each extended query value to B bits over [−max|q|, max|q|] (two_bits repeats the query;
 * one_and_half_bits appends max(q_2j, q_2j+1)), stored TRANSPOSED: per 32-value word k, B bit planes, plane b
 * holding bit b of the 32 levels. XOR of a stored bit v with a level c then counts c when v = 0 and (2^B − 1 − c)
 * when v = 1, and Σ_b popcount(v_k ^ plane_{k,b}) << b sums it over a word without extracting a single bit.
 *
 * The estimate. Let X be the XOR count (scalar queries: divided by 2^B − 1, so one bit weighs 1 either way) and
 * δ = X / E the disagreeing fraction of the E extended bits. Qdrant ranks by X alone (dim − 2X). Strata returns a
 * similarity on the float32 scale so code estimates, rescored values and the WAL tail's exact scores merge:
 * sign agreement is read as an angle (the random-hyperplane identity, P[sign differs] = θ/π), cos θ ≈ cos(π·δ):
 *   Cosine      cos(π·δ)                                  (rows normalized: same order as Qdrant's X)
 *   Dot         ‖q‖·‖v‖·cos(π·δ)
 *   Euclid      −(‖q‖² + ‖v‖² − 2‖q‖‖v‖·cos(π·δ))
 *   Manhattan   −δ·(‖q‖₁ + ‖v‖₁)                          (a disagreeing sign costs |x| + |y|)
 * so every distance but Cosine keeps one f32 norm per stored vector (L2, or L1 for Manhattan). two_bits and
 * one_and_half_bits encode z-scores, so their bits describe x − mean: Euclid and Manhattan (translation-invariant)
 * then use the norms of x − mean, which the angle belongs to. Rescoring with the
 * originals fixes the final order, as for int8.
 *
 * Rows are whole u32 words (bits past E are 0 on both sides, so they add nothing to X). Little-endian only.
 *
 * Where WebAssembly SIMD is available the codes live in a SIMD arena (code-arena.ts) and BinaryScorer.scoreMany counts
 * a whole neighbour list's XORs in one wasm call (i8x16.popcnt, lib/distance/simd-kernels.wat): the same integers
 * as popcount32's, then the same float expression, so the same scores. X takes few values (0 … E·(2^B − 1)), so
 * cos(π·δ) is read from a per-set table of them (angleTable: the same double expression, computed once per value)
 * instead of calling Math.cos per scored row.
 */
import { normalized, SIMD_BATCH, type SimdArena, simdArenaOf } from '../distance/index.js';
import type { BinaryEncoding, BinaryQueryEncoding } from '../model/collection-config.js';
import type { Distance } from '../model/distance.js';
import { invalid } from '../model/errors.js';
import { codeRows } from './code-arena.js';

/** Stored encodings, in format code order. */
export const BINARY_ENCODING_CODES: readonly BinaryEncoding[] = ['one_bit', 'two_bits', 'one_and_half_bits'];
/** Query encodings as stored: `default` and `binary` both mean "same as storage" (Qdrant maps them so). */
export type QueryBits = 1 | 4 | 8;

export interface BinaryParams {
  distance: Distance;
  dim: number;
  encoding: BinaryEncoding;
  /** 1: the query is encoded like a stored vector; 4 / 8: scalar query levels */
  queryBits: QueryBits;
  /** extended bit positions E of a row (see the header) */
  bits: number;
  /** u32 words per row: ⌈E / 32⌉ */
  words: number;
  /** per-dimension mean and sample standard deviation (two_bits, one_and_half_bits, scalar queries), else null */
  mean: Float32Array | null;
  stddev: Float32Array | null;
}

/** n encoded vectors: `words` u32 per row, row-major, and (all distances but Cosine) one f32 norm per row. */
export interface BinarySet {
  params: BinaryParams;
  n: number;
  codes: Uint32Array;
  /** L2 norms (L1 for Manhattan) of the stored rows; empty for Cosine */
  norms: Float32Array;
}

const SIGMAS = 2 / 3;
/** The most query planes a scorer copies into an arena's query slot (scalar8bits). */
const MAX_PLANES = 8;
const F32_EPSILON = 1.1920929e-7;

export function queryBitsOf(q: BinaryQueryEncoding | undefined): QueryBits {
  return q === 'scalar4bits' ? 4 : q === 'scalar8bits' ? 8 : 1;
}

export function extendedBits(dim: number, encoding: BinaryEncoding): number {
  if (encoding === 'two_bits') return 2 * dim;
  if (encoding === 'one_and_half_bits') return dim + Math.ceil(dim / 2);
  return dim;
}

const needsStats = (encoding: BinaryEncoding, queryBits: QueryBits): boolean =>
  encoding !== 'one_bit' || queryBits !== 1;

/** Per-dimension mean and sample standard deviation (Welford in float64, as Qdrant's VectorStats). */
function vectorStats(data: Float32Array, dim: number): { mean: Float32Array; stddev: Float32Array } {
  const n = Math.floor(data.length / dim);
  const mean = new Float64Array(dim);
  const m2 = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    const base = r * dim;
    const count = r + 1;
    for (let i = 0; i < dim; i++) {
      const x = data[base + i];
      const delta = x - mean[i];
      mean[i] += delta / count;
      m2[i] += delta * (x - mean[i]);
    }
  }
  const sd = new Float32Array(dim);
  if (n > 1) for (let i = 0; i < dim; i++) sd[i] = Math.sqrt(m2[i] / (n - 1));
  return { mean: Float32Array.from(mean), stddev: sd };
}

/** The params of a segment's binary codes: statistics over its rows when the encodings need them. */
export function trainBinary(
  data: Float32Array,
  dim: number,
  distance: Distance,
  encoding: BinaryEncoding,
  queryBits: QueryBits,
): BinaryParams {
  if (!Number.isInteger(dim) || dim <= 0) throw invalid(`dim must be a positive integer, got ${dim}`);
  const bits = extendedBits(dim, encoding);
  const stats = needsStats(encoding, queryBits) ? vectorStats(data, dim) : null;
  return {
    distance,
    dim,
    encoding,
    queryBits,
    bits,
    words: Math.max(1, Math.ceil(bits / 32)),
    mean: stats?.mean ?? null,
    stddev: stats?.stddev ?? null,
  };
}

/** Writes the stored code of `src[off, off + dim)` into `out[at, at + words)` (zeroed first). */
function encodeRow(p: BinaryParams, src: Float32Array, off: number, out: Uint32Array, at: number): void {
  out.fill(0, at, at + p.words);
  const dim = p.dim;
  if (p.encoding === 'one_bit') {
    for (let i = 0; i < dim; i++) if (src[off + i] > 0) out[at + (i >>> 5)] |= 1 << (i & 31);
    return;
  }
  const half = p.encoding === 'one_and_half_bits';
  const mean = p.mean;
  const sd = p.stddev;
  for (let i = 0; i < dim; i++) {
    const x = src[off + i];
    let b1: boolean;
    let b2: boolean;
    if (mean === null || sd === null) {
      b1 = x > 0;
      b2 = b1;
    } else if (sd[i] < F32_EPSILON) {
      b1 = x > 0;
      b2 = false;
    } else {
      const z = (x - mean[i]) / sd[i];
      b1 = z > -SIGMAS;
      b2 = z >= SIGMAS;
    }
    if (b1) out[at + (i >>> 5)] |= 1 << (i & 31);
    if (b2) {
      const j = dim + (half ? i >>> 1 : i);
      out[at + (j >>> 5)] |= 1 << (j & 31);
    }
  }
}

/**
 * The norm a row's estimate uses: L1 for Manhattan, else L2; for Euclid and Manhattan over the row centered on the
 * segment's mean when the codes encode z-scores (the bits then describe x − mean, and distances are
 * translation-invariant), else over the row as is.
 */
function norm(p: BinaryParams, src: Float32Array, off: number): number {
  const centre = p.distance !== 'Dot' && p.distance !== 'Cosine' && p.encoding !== 'one_bit' ? p.mean : null;
  let s = 0;
  for (let i = 0; i < p.dim; i++) {
    const x = centre === null ? src[off + i] : src[off + i] - centre[i];
    s += p.distance === 'Manhattan' ? Math.abs(x) : x * x;
  }
  return p.distance === 'Manhattan' ? s : Math.sqrt(s);
}

/** Zeroed room for n rows of `words` u32, in a SIMD arena where there is one (see the header). */
export function allocateBinaryCodes(n: number, words: number): Uint32Array {
  const bytes = codeRows(4 * n * words, 4 * words * MAX_PLANES);
  return new Uint32Array(bytes.buffer, bytes.byteOffset, n * words);
}

/** Encodes every row of a flat n × dim matrix (Cosine rows already normalized) with trained params. */
export function encodeBinary(params: BinaryParams, data: Float32Array): BinarySet {
  const n = Math.floor(data.length / params.dim);
  const codes = allocateBinaryCodes(n, params.words);
  const withNorms = params.distance !== 'Cosine';
  const norms = new Float32Array(withNorms ? n : 0);
  for (let r = 0; r < n; r++) {
    encodeRow(params, data, r * params.dim, codes, r * params.words);
    if (withNorms) norms[r] = norm(params, data, r * params.dim);
  }
  return { params, n, codes, norms };
}

/** The extended query values a scalar query encodes (see the header). */
function extendedQuery(p: BinaryParams, q: Float32Array): Float32Array {
  if (p.encoding === 'one_bit') return q;
  const out = new Float32Array(p.bits);
  out.set(q);
  if (p.encoding === 'two_bits') out.set(q, p.dim);
  else
    for (let j = 0; 2 * j < p.dim; j++)
      out[p.dim + j] = 2 * j + 1 < p.dim ? Math.max(q[2 * j], q[2 * j + 1]) : q[2 * j];
  return out;
}

/** Transposed scalar query: `queryBits` planes per row word (plane b = bit b of each of the word's 32 levels). */
function encodeScalarQuery(p: BinaryParams, q: Float32Array): Uint32Array {
  const values = extendedQuery(p, q);
  const bitsCount = p.queryBits;
  const planes = new Uint32Array(p.words * bitsCount);
  let maxAbs = 0;
  for (let i = 0; i < values.length; i++) maxAbs = Math.max(maxAbs, Math.abs(values[i]));
  const ranges = (1 << bitsCount) - 1;
  const delta = (2 * maxAbs) / ranges;
  for (let i = 0; i < values.length; i++) {
    const level = delta > F32_EPSILON ? Math.round((values[i] + maxAbs) / delta) & ranges : 0;
    const word = i >>> 5;
    const bit = 1 << (i & 31);
    for (let b = 0; b < bitsCount; b++) if ((level >>> b) & 1) planes[word * bitsCount + b] |= bit;
  }
  return planes;
}

/** Largest XOR count whose cosines are tabled (a 512 KiB table); 8-bit scalar queries past ~257 dims compute cos. */
const ANGLE_TABLE_MAX = 65_535;
const angleTables = new WeakMap<BinaryParams, Float64Array | null>();

/**
 * cos(π · x · deltaScale) for every XOR count x a query can give (0 … E·(2^B − 1)), per set: the estimate's one
 * transcendental, computed once per count instead of once per scored row. The same double expression as the
 * per-row one, so the scores do not change.
 */
function angleTable(p: BinaryParams, deltaScale: number): Float64Array | null {
  const cached = angleTables.get(p);
  if (cached !== undefined) return cached;
  const max = p.bits * ((1 << p.queryBits) - 1);
  let table: Float64Array | null = null;
  if (max <= ANGLE_TABLE_MAX) {
    table = new Float64Array(max + 1);
    for (let x = 0; x <= max; x++) table[x] = Math.cos(Math.PI * (x * deltaScale));
  }
  angleTables.set(p, table);
  return table;
}

/** Set bits of a 32-bit word (SWAR: pair, nibble and byte sums, then one multiply adds the four bytes). */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * The estimate between two stored rows a and b: the header's formulas with b's code and norm in place of the
 * query's. A graph built on it compares what a binary walk compares (Qdrant builds a binary segment's graph on its
 * codes); the stored codes are symmetric, so this holds whatever the query encoding.
 */
export function binaryPairSimilarity(set: BinarySet): (a: number, b: number) => number {
  const p = set.params;
  const nw = p.words;
  const codes = set.codes;
  const norms = set.norms;
  const scale = 1 / p.bits;
  return (a, b) => {
    const ba = a * nw;
    const bb = b * nw;
    let x = 0;
    for (let k = 0; k < nw; k++) x += popcount32(codes[ba + k] ^ codes[bb + k]);
    const c = Math.cos(Math.PI * x * scale);
    switch (p.distance) {
      case 'Cosine':
        return c;
      case 'Dot':
        return norms[a] * norms[b] * c;
      case 'Euclid':
        return -(norms[a] * norms[a] + norms[b] * norms[b] - 2 * norms[a] * norms[b] * c);
      case 'Manhattan':
        return -x * scale * (norms[a] + norms[b]);
    }
  };
}

/**
 * Estimated similarity of one query to stored rows (see the header); implements lib/index's QueryScorer. The query
 * is encoded once; score() allocates nothing.
 */
export class BinaryScorer {
  private readonly set: BinarySet;
  /** symmetric: the query's code (words); scalar: its planes (words × queryBits) */
  private readonly query: Uint32Array;
  private readonly queryBits: number;
  private readonly words: number;
  /** 1 / (E · (2^B − 1)): turns the raw XOR sum into δ */
  private readonly deltaScale: number;
  private readonly distance: Distance;
  private readonly queryNorm: number;
  /** the SIMD arena holding the set's codes, or null (JS kernel) */
  private readonly arena: SimdArena | null;
  /** the arena's id slot, read in place by scoreMany (see lib/index's QueryScorer.scratchIds) */
  readonly scratchIds: Uint32Array | undefined;
  /** cos(π·δ) per XOR count (angleTable), or null past its size limit */
  private readonly cosines: Float64Array | null;
  computations = 0;

  /** `query` as given by the caller; a Cosine query is normalized here like the stored vectors were. */
  constructor(set: BinarySet, query: ArrayLike<number>) {
    const p = set.params;
    if (query.length !== p.dim) throw invalid(`query has ${query.length} dimensions, expected ${p.dim}`);
    this.set = set;
    const q = p.distance === 'Cosine' ? normalized(query) : Float32Array.from(query);
    this.queryBits = p.queryBits;
    this.words = p.words;
    if (p.queryBits === 1) {
      this.query = new Uint32Array(p.words);
      encodeRow(p, q, 0, this.query, 0);
    } else {
      this.query = encodeScalarQuery(p, q);
    }
    this.deltaScale = 1 / (p.bits * ((1 << p.queryBits) - 1));
    this.distance = p.distance;
    this.queryNorm = p.distance === 'Cosine' ? 1 : norm(p, q, 0);
    this.arena = 4 * p.words < 65_536 ? (simdArenaOf(set.codes) ?? null) : null;
    this.scratchIds = this.arena?.ids;
    this.cosines = p.distance === 'Manhattan' ? null : angleTable(p, this.deltaScale);
  }

  /** The raw XOR count against row `id` (scalar queries: weighted by level, not yet divided by 2^B − 1). */
  xor(id: number): number {
    const codes = this.set.codes;
    const q = this.query;
    const nw = this.words;
    const base = id * nw;
    let s = 0;
    if (this.queryBits === 1) {
      for (let k = 0; k < nw; k++) s += popcount32(codes[base + k] ^ q[k]);
      return s;
    }
    const planes = this.queryBits;
    for (let k = 0; k < nw; k++) {
      const v = codes[base + k];
      const at = k * planes;
      for (let b = 0; b < planes; b++) s += popcount32(v ^ q[at + b]) << b;
    }
    return s;
  }

  score(id: number): number {
    this.computations++;
    return this.estimate(this.xor(id), id);
  }

  /** The similarity estimate of row `id` from its raw XOR count (see the header). */
  private estimate(xor: number, id: number): number {
    const delta = xor * this.deltaScale;
    switch (this.distance) {
      case 'Cosine':
        return this.cosines === null ? Math.cos(Math.PI * delta) : this.cosines[xor];
      case 'Dot':
        return (
          this.queryNorm * this.set.norms[id] * (this.cosines === null ? Math.cos(Math.PI * delta) : this.cosines[xor])
        );
      case 'Euclid': {
        const a = this.queryNorm;
        const b = this.set.norms[id];
        return -(a * a + b * b - 2 * a * b * (this.cosines === null ? Math.cos(Math.PI * delta) : this.cosines[xor]));
      }
      case 'Manhattan':
        return -delta * (this.queryNorm + this.set.norms[id]);
    }
  }

  /**
   * out[j] = score(ids[start + j]) for j < count. With a SIMD arena the XOR counts come from one wasm call per batch
   * (the query copied into the arena's query slot, plane-major, when another scorer wrote it last).
   */
  scoreMany(ids: Uint32Array, start: number, count: number, out: Float64Array): void {
    const arena = this.arena;
    if (arena === null) {
      for (let j = 0; j < count; j++) out[j] = this.score(ids[start + j]);
      return;
    }
    this.computations += count;
    const nw = this.words;
    const planes = this.queryBits;
    if (arena.owner !== this) {
      const slot = new Uint32Array(arena.buffer, arena.queryOffset, nw * planes);
      // the scorer keeps planes word-major (word k's B planes together); the kernel reads each plane as one row
      for (let k = 0; k < nw; k++) for (let b = 0; b < planes; b++) slot[b * nw + k] = this.query[k * planes + b];
      arena.owner = this;
    }
    const batch = arena.ids;
    const xors = arena.outI32;
    const rows = this.set.codes.byteOffset;
    for (let done = 0; done < count; done += SIMD_BATCH) {
      const c = Math.min(SIMD_BATCH, count - done);
      if (ids !== batch || start !== 0) for (let j = 0; j < c; j++) batch[j] = ids[start + done + j];
      arena.kernels.xor_popcnt(rows, 4 * nw, arena.queryOffset, arena.idsOffset, c, arena.outOffset, planes);
      const cosines = this.cosines;
      if (cosines !== null && this.distance === 'Cosine') {
        // the common case without a call or a branch per row: the estimate is the tabled cosine
        for (let j = 0; j < c; j++) out[done + j] = cosines[xors[j]];
      } else {
        for (let j = 0; j < c; j++) out[done + j] = this.estimate(xors[j], batch[j]);
      }
    }
  }
}
