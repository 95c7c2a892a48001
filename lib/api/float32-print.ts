/**
 * Vectors are stored as float32, so a stored 0.15 reads back as the double 0.15000000596046448. Qdrant prints the
 * float32 itself (Rust's shortest round-trip repr of an f32): `0.15`. This module turns each such double into the
 * double of the shortest decimal that still rounds to the same float32, which JSON.stringify then prints short.
 *
 * Invariant: Math.fround(shortestFloat32(x)) === Math.fround(x) for every finite x (nothing is lost).
 */

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

type Row = number[] | { indices: number[]; values: number[] };

/** A dense list re-printed, or a sparse vector with its weights re-printed (indices are integers already). */
const shortRow = (row: Row): Row =>
  Array.isArray(row) ? row.map(shortestFloat32) : { indices: row.indices, values: row.values.map(shortestFloat32) };

/** Points (scored or records) with their vectors (a list, or named lists/sparse) re-printed by shortestFloat32. */
export function withShortVectors<T extends { vector?: number[] | Record<string, Row> | null }>(
  points: readonly T[],
): T[] {
  return points.map((p) => {
    const v = p.vector;
    if (Array.isArray(v)) return { ...p, vector: v.map(shortestFloat32) };
    if (v === null || v === undefined) return p;
    const named: Record<string, Row> = {};
    for (const [name, row] of Object.entries(v)) {
      Object.defineProperty(named, name, {
        value: shortRow(row),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return { ...p, vector: named };
  });
}
