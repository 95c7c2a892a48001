/**
 * L2 normalization for Cosine: vectors are normalized on the way in, so cosine similarity equals the dot product
 * everywhere below. A zero vector stays zero (its cosine with anything is then 0, as in Qdrant).
 */

/** Normalize row [off, off+dim) of `data` in place. Returns the original L2 norm. */
export function normalizeInPlace(data: Float32Array, off = 0, dim = data.length - off): number {
  let s = 0;
  for (let i = 0; i < dim; i++) s += data[off + i] * data[off + i];
  const norm = Math.sqrt(s);
  if (norm === 0) return 0;
  const inv = 1 / norm;
  for (let i = 0; i < dim; i++) data[off + i] *= inv;
  return norm;
}

/** A normalized copy of `v` (a query), leaving the input untouched. */
export function normalized(v: ArrayLike<number>): Float32Array {
  // the typed-array constructor copies an array-like directly (Float32Array.from goes through the iterator protocol)
  const out = new Float32Array(v);
  normalizeInPlace(out, 0, out.length);
  return out;
}

/** Normalize every row of a flat n × dim row-major matrix in place. */
export function normalizeRows(data: Float32Array, dim: number): void {
  const n = Math.floor(data.length / dim);
  for (let i = 0; i < n; i++) normalizeInPlace(data, i * dim, dim);
}
