/**
 * Vectors are stored as float32, so a stored 0.15 reads back as the double 0.15000000596046448. Qdrant prints the
 * float32 itself (Rust's shortest round-trip repr of an f32): `0.15`. This module turns each such double into the
 * double of the shortest decimal that still rounds to the same float32, which JSON.stringify then prints short.
 *
 * Invariant: Math.fround(shortestFloat32(x)) === Math.fround(x) for every finite x (nothing is lost).
 */
import type { VectorValue } from '../model/points.js';

/** The double of the shortest decimal (1 to 9 significant digits) that rounds to the float32 `x`. */
export function shortestFloat32(x: number): number {
  const f = Math.fround(x);
  if (f === 0 || !Number.isFinite(f)) return f;
  // 9 significant digits always round-trip a float32, so the loop ends by p = 9
  for (let p = 1; p < 9; p++) {
    const d = Number(f.toPrecision(p));
    if (Math.fround(d) === f) return d;
  }
  return Number(f.toPrecision(9));
}

type Row = VectorValue | { indices: number[]; values: number[] };

/** A dense list or a multivector's rows re-printed, or a sparse vector with its weights re-printed. */
function shortValue(v: Row): Row {
  if (!Array.isArray(v)) return { indices: v.indices, values: v.values.map(shortestFloat32) };
  return v.length > 0 && Array.isArray(v[0])
    ? (v as number[][]).map((row) => row.map(shortestFloat32))
    : (v as number[]).map(shortestFloat32);
}

/** Points (scored or records) with their vectors (a value, or named values/sparse) re-printed by shortestFloat32. */
export function withShortVectors<T extends { vector?: VectorValue | Record<string, Row> | null }>(
  points: readonly T[],
): T[] {
  return points.map((p) => {
    const v = p.vector;
    if (Array.isArray(v)) return { ...p, vector: shortValue(v) };
    if (v === null || v === undefined) return p;
    const named: Record<string, Row> = {};
    for (const [name, row] of Object.entries(v)) {
      Object.defineProperty(named, name, {
        value: shortValue(row),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return { ...p, vector: named };
  });
}
