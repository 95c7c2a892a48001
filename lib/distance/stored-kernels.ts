/**
 * Kernels over originals stored in their datatype (Qdrant's `datatype`: float16 and uint8 rows, lib/model/datatype.ts
 * holds the value rules): a float32 query scored against a row of float16 bit patterns (Uint16Array) or bytes
 * (Uint8Array) without decoding the row first, plus the float16 <-> float32 conversions the format needs.
 *
 * Scores equal the float32 kernels' (kernels.ts) on the decoded rows BIT FOR BIT: the same four accumulators in
 * the same order, in float64, over the same float32 values (a float16 or a byte converts to float32 exactly). So a
 * segment answers the same whichever type holds its rows, and the coordinator's float32 copy of a row (WAL tail,
 * retrieve) scores exactly as the segment's stored one.
 *
 * uint8 Cosine is Qdrant's `cosine_similarity_bytes`: the rows are the bytes as given (not normalized, so retrieve
 * returns them) and the similarity is the full cosine dot / sqrt(|a|²·|b|²), 0 when either norm is 0. It is
 * scale-invariant in both arguments, so a normalized query, a raw one and a stored row all score alike.
 *
 * Why hand-written, one function per row type, bodies alike to kernels.ts's: these are the scan's and rescoring's
 * innermost loops; a generic kernel over `RowArray` makes every element access polymorphic (three typed-array kinds
 * at one site), which V8 does not optimise as it does a monomorphic loop, and the bit-for-bit equality above rests
 * on the exact same accumulation order.
 *
 * Invariant: callers guarantee aOff + dim ≤ a.length and bOff + dim ≤ b.length (no bounds checks here).
 */
import type { VectorDatatype } from '../model/collection-config.js';
import type { Distance } from '../model/distance.js';
import { type SimilarityFn, similarityFn } from './similarity.js';

/** Rows as a segment holds them: float32 values, float16 bit patterns, or bytes. */
export type RowArray = Float32Array | Uint16Array | Uint8Array;

/** Bytes one value of `datatype` takes. */
export function elementBytes(datatype: VectorDatatype): number {
  return datatype === 'float16' ? 2 : datatype === 'uint8' ? 1 : 4;
}

/** float32 value of every float16 bit pattern (IEEE 754 binary16; NaN patterns decode to NaN). */
export const FLOAT16_VALUES: Float32Array = (() => {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) t[h] = sign * mant * 2 ** -24;
    else if (exp === 31) t[h] = mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
    else t[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return t;
})();

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bit pattern nearest to float32(x), ties to even (what lib/model/datatype.ts roundFloat16 rounds to). */
export function float16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 255) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 112; // the float16 exponent field (bias 15 against float32's 127)
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // subnormal in float16: units of 2^-24; below 2^-25 everything rounds to zero
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let r = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && (r & 1) === 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // a carry out of the fraction bumps the exponent, up to infinity: the right rounding
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1) === 1)) r++;
  return sign | r;
}

/** Whether every value of `data` is stored exactly by `datatype` (a float16 value, or an integer byte 0..255). */
export function representableAs(datatype: VectorDatatype, data: Float32Array): boolean {
  if (datatype === 'uint8') {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!(v >= 0 && v <= 255 && Math.trunc(v) === v)) return false;
    }
    return true;
  }
  if (datatype === 'float16') {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (FLOAT16_VALUES[float16Bits(v)] !== v) return false;
    }
  }
  return true;
}

/** `data` converted to `datatype`'s row array (values must be representable: see representableAs). */
export function encodeRows(datatype: VectorDatatype, data: Float32Array): RowArray {
  if (datatype === 'float16') {
    const out = new Uint16Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = float16Bits(data[i]);
    return out;
  }
  return datatype === 'uint8' ? Uint8Array.from(data) : data;
}

/** Row [at, at + dim) of stored rows as float32 values into out[outAt, outAt + dim). */
export function decodeRowInto(rows: RowArray, at: number, dim: number, out: Float32Array, outAt = 0): void {
  if (rows instanceof Uint16Array) {
    for (let i = 0; i < dim; i++) out[outAt + i] = FLOAT16_VALUES[rows[at + i]];
  } else for (let i = 0; i < dim; i++) out[outAt + i] = rows[at + i];
}

/** Σ a[aOff+i]·f16(b[bOff+i]) for i < dim. */
export function dotF16(a: Float32Array, aOff: number, b: Uint16Array, bOff: number, dim: number): number {
  const t = FLOAT16_VALUES;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = aOff;
  let j = bOff;
  const end4 = aOff + (dim & ~3);
  const end = aOff + dim;
  for (; i < end4; i += 4, j += 4) {
    s0 += a[i] * t[b[j]];
    s1 += a[i + 1] * t[b[j + 1]];
    s2 += a[i + 2] * t[b[j + 2]];
    s3 += a[i + 3] * t[b[j + 3]];
  }
  for (; i < end; i++, j++) s0 += a[i] * t[b[j]];
  return s0 + s1 + s2 + s3;
}

/** Σ (a[aOff+i] − f16(b[bOff+i]))² for i < dim. */
export function l2sqF16(a: Float32Array, aOff: number, b: Uint16Array, bOff: number, dim: number): number {
  const t = FLOAT16_VALUES;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = aOff;
  let j = bOff;
  const end4 = aOff + (dim & ~3);
  const end = aOff + dim;
  for (; i < end4; i += 4, j += 4) {
    const d0 = a[i] - t[b[j]];
    const d1 = a[i + 1] - t[b[j + 1]];
    const d2 = a[i + 2] - t[b[j + 2]];
    const d3 = a[i + 3] - t[b[j + 3]];
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < end; i++, j++) {
    const d = a[i] - t[b[j]];
    s0 += d * d;
  }
  return s0 + s1 + s2 + s3;
}

/** Σ |a[aOff+i] − f16(b[bOff+i])| for i < dim. */
export function l1F16(a: Float32Array, aOff: number, b: Uint16Array, bOff: number, dim: number): number {
  const t = FLOAT16_VALUES;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = aOff;
  let j = bOff;
  const end4 = aOff + (dim & ~3);
  const end = aOff + dim;
  for (; i < end4; i += 4, j += 4) {
    s0 += Math.abs(a[i] - t[b[j]]);
    s1 += Math.abs(a[i + 1] - t[b[j + 1]]);
    s2 += Math.abs(a[i + 2] - t[b[j + 2]]);
    s3 += Math.abs(a[i + 3] - t[b[j + 3]]);
  }
  for (; i < end; i++, j++) s0 += Math.abs(a[i] - t[b[j]]);
  return s0 + s1 + s2 + s3;
}

/** Σ a[aOff+i]·b[bOff+i] for i < dim, over bytes b (also a float32 row b: the uint8 Cosine kernels share it). */
export function dotU8(a: Float32Array, aOff: number, b: Uint8Array | Float32Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = aOff;
  let j = bOff;
  const end4 = aOff + (dim & ~3);
  const end = aOff + dim;
  for (; i < end4; i += 4, j += 4) {
    s0 += a[i] * b[j];
    s1 += a[i + 1] * b[j + 1];
    s2 += a[i + 2] * b[j + 2];
    s3 += a[i + 3] * b[j + 3];
  }
  for (; i < end; i++, j++) s0 += a[i] * b[j];
  return s0 + s1 + s2 + s3;
}

/** Σ (a[aOff+i] − b[bOff+i])² for i < dim, over bytes b. */
export function l2sqU8(a: Float32Array, aOff: number, b: Uint8Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = aOff;
  let j = bOff;
  const end4 = aOff + (dim & ~3);
  const end = aOff + dim;
  for (; i < end4; i += 4, j += 4) {
    const d0 = a[i] - b[j];
    const d1 = a[i + 1] - b[j + 1];
    const d2 = a[i + 2] - b[j + 2];
    const d3 = a[i + 3] - b[j + 3];
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < end; i++, j++) {
    const d = a[i] - b[j];
    s0 += d * d;
  }
  return s0 + s1 + s2 + s3;
}

/** Σ |a[aOff+i] − b[bOff+i]| for i < dim, over bytes b. */
export function l1U8(a: Float32Array, aOff: number, b: Uint8Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = aOff;
  let j = bOff;
  const end4 = aOff + (dim & ~3);
  const end = aOff + dim;
  for (; i < end4; i += 4, j += 4) {
    s0 += Math.abs(a[i] - b[j]);
    s1 += Math.abs(a[i + 1] - b[j + 1]);
    s2 += Math.abs(a[i + 2] - b[j + 2]);
    s3 += Math.abs(a[i + 3] - b[j + 3]);
  }
  for (; i < end; i++, j++) s0 += Math.abs(a[i] - b[j]);
  return s0 + s1 + s2 + s3;
}

/** Σ b[bOff+i]² for i < dim (the order of dotU8, so a norm of a row equals its dot with itself). */
export function sumSquares(b: RowArray, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = bOff;
  const end4 = bOff + (dim & ~3);
  const end = bOff + dim;
  for (; j < end4; j += 4) {
    s0 += b[j] * b[j];
    s1 += b[j + 1] * b[j + 1];
    s2 += b[j + 2] * b[j + 2];
    s3 += b[j + 3] * b[j + 3];
  }
  for (; j < end; j++) s0 += b[j] * b[j];
  return s0 + s1 + s2 + s3;
}

/**
 * Qdrant's uint8 cosine of a (Σa² = aa, precomputed once per query) and stored bytes b: the dot and b's squared norm
 * in one pass (the accumulators of dotU8 and sumSquares), 0 when a norm is 0.
 */
export function cosineU8(
  a: Float32Array,
  aOff: number,
  aa: number,
  b: Uint8Array | Float32Array,
  bOff: number,
  dim: number,
): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let n0 = 0;
  let n1 = 0;
  let n2 = 0;
  let n3 = 0;
  let i = aOff;
  let j = bOff;
  const end4 = aOff + (dim & ~3);
  const end = aOff + dim;
  for (; i < end4; i += 4, j += 4) {
    const b0 = b[j];
    const b1 = b[j + 1];
    const b2 = b[j + 2];
    const b3 = b[j + 3];
    s0 += a[i] * b0;
    s1 += a[i + 1] * b1;
    s2 += a[i + 2] * b2;
    s3 += a[i + 3] * b3;
    n0 += b0 * b0;
    n1 += b1 * b1;
    n2 += b2 * b2;
    n3 += b3 * b3;
  }
  for (; i < end; i++, j++) {
    s0 += a[i] * b[j];
    n0 += b[j] * b[j];
  }
  const bb = n0 + n1 + n2 + n3;
  if (aa === 0 || bb === 0) return 0;
  return (s0 + s1 + s2 + s3) / Math.sqrt(aa * bb);
}

/** The uint8 cosine over two float32 rows (the WAL tail's and retrieve's copies of stored bytes). */
export function cosineOfBytes(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  return cosineU8(a, aOff, sumSquares(a, aOff, dim), b, bOff, dim);
}

/**
 * The similarity of a space over its stored values: uint8 Cosine rows are the bytes (full cosine); every other
 * space stores Cosine rows normalized, so similarity.ts's kernels apply.
 */
export function storedSimilarityFn(distance: Distance, datatype: VectorDatatype | undefined): SimilarityFn {
  return distance === 'Cosine' && datatype === 'uint8' ? cosineOfBytes : similarityFn(distance);
}
