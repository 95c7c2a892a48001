/**
 * Values of a vector's `datatype` (Qdrant's Datatype), as Qdrant converts a request's float32 values into its
 * storage type (lib/segment/src/data_types/primitive.rs):
 * - float32: as given (rounded to float32);
 * - float16: `f16::from_f32`, round to nearest, ties to even, beyond ±65504 an infinity;
 * - uint8: Rust's `x as u8`: the fraction dropped (towards zero), then saturated into 0..=255 (no error).
 * Stored values and query values both go through the rule, so scores are those of the stored type's values.
 */
import type { VectorDatatype } from './collection-config.js';

/** The float16 nearest to float32(x) (ties to even), as a number; ±Infinity beyond float16's range. */
export function roundFloat16(x: number): number {
  const f = Math.fround(x);
  if (f === 0 || !Number.isFinite(f)) return f;
  const a = Math.abs(f);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  // subnormals share the smallest normal exponent; 10 fraction bits below it
  const ulp = 2 ** (Math.max(e, -14) - 10);
  const m = a / ulp;
  const lo = Math.floor(m);
  const rest = m - lo;
  const r = rest > 0.5 || (rest === 0.5 && lo % 2 === 1) ? lo + 1 : lo;
  const v = r * ulp;
  return Math.sign(f) * (v > 65504 ? Number.POSITIVE_INFINITY : v);
}

/** Rust's `f32 as u8`: truncated towards zero, saturated into 0..=255. */
export function toUint8(x: number): number {
  const t = Math.trunc(Math.fround(x));
  return Number.isNaN(t) ? 0 : Math.min(255, Math.max(0, t));
}

/** The value a datatype stores for x. */
export function storedValue(datatype: VectorDatatype, x: number): number {
  return datatype === 'float16' ? roundFloat16(x) : datatype === 'uint8' ? toUint8(x) : x;
}

/** Applies the datatype's rule to v[from, to) in place (float32 needs nothing). */
export function applyDatatype(datatype: VectorDatatype, v: Float32Array, from = 0, to = v.length): void {
  if (datatype === 'float32') return;
  for (let i = from; i < to; i++) v[i] = storedValue(datatype, v[i]);
}
