/**
 * Sparse vectors (Qdrant's SparseVector): parallel lists of dimension ids (u32) and weights (f32).
 *
 * Invariants: a stored or searched SparseVector has its indices strictly ascending (so unique) and both arrays the
 * same length. The input may be unsorted (Qdrant sorts it); duplicates, a length mismatch, an index outside u32
 * or a weight that is not a finite float32 are refused with Qdrant's wording, before anything is written.
 * A point's stored vector is either dense (a Float32Array) or sparse; `isSparse` tells them apart.
 */
import { invalid, malformed, outOfRange } from './errors.js';

export interface SparseVector {
  /** dimension ids, strictly ascending */
  readonly indices: Uint32Array;
  /** weight of indices[i] */
  readonly values: Float32Array;
}

/** A sparse vector as JSON carries it. */
export interface SparseVectorJson {
  indices: number[];
  values: number[];
}

/** One vector of a point: a dense row, a multivector (its rows flat, lib/model/multivector.ts) or a sparse vector. */
export type StoredVector = Float32Array | SparseVector;

export const isSparse = (v: StoredVector): v is SparseVector => !(v instanceof Float32Array);

/** True when a JSON value has a sparse vector's shape (an object with `indices`), dense lists being arrays. */
export function looksSparse(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && ('indices' in v || 'values' in v);
}

/** Qdrant's answer when a sparse vector meets a dense name or the reverse. */
export const wrongSparse = () => invalid('Conversion between sparse and regular vectors failed');

const U32_MAX = 0xffff_ffff;

/**
 * Validates and sorts a JSON sparse vector (`path` names it in errors). Format problems (not lists, an index that
 * is not a u32, a weight that is not a number) are 400s; a length mismatch or duplicate indices are Qdrant's
 * validator 422s.
 */
export function parseSparseVector(raw: unknown, path: string): SparseVector {
  if (!looksSparse(raw)) throw malformed(path, 'expected a sparse vector: {"indices": [...], "values": [...]}');
  const { indices, values } = raw as { indices?: unknown; values?: unknown };
  if (!Array.isArray(indices)) throw malformed(`${path}.indices`, 'expected an array of u32 indices');
  if (!Array.isArray(values)) throw malformed(`${path}.values`, 'expected an array of numbers');
  for (let j = 0; j < indices.length; j++) {
    const x = indices[j];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > U32_MAX) {
      throw malformed(
        `${path}.indices[${j}]`,
        typeof x === 'number' && Number.isInteger(x)
          ? `invalid value: integer \`${x}\`, expected u32`
          : `invalid type: ${JSON.stringify(x)}, expected u32`,
      );
    }
  }
  for (let j = 0; j < values.length; j++) {
    const x = values[j];
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw malformed(`${path}.values[${j}]`, 'expected a finite number');
    if (!Number.isFinite(Math.fround(x)))
      throw invalid({ path: `${path}.values[${j}]`, detail: `${x} overflows float32` });
  }
  if (indices.length !== values.length) throw outOfRange(`${path}.values`, 'must be the same length as indices');
  const order = Array.from(indices, (_, i) => i).sort((a, b) => (indices[a] as number) - (indices[b] as number));
  const out = { indices: new Uint32Array(order.length), values: new Float32Array(order.length) };
  for (let k = 0; k < order.length; k++) {
    out.indices[k] = indices[order[k]] as number;
    out.values[k] = values[order[k]] as number;
    if (k > 0 && out.indices[k] === out.indices[k - 1]) throw outOfRange(`${path}.indices`, 'must be unique');
  }
  return out;
}

/** The JSON form of a stored sparse vector (what retrieve and scroll answer). */
export function sparseToJson(v: SparseVector): SparseVectorJson {
  return { indices: Array.from(v.indices), values: Array.from(v.values) };
}

/** Dot product of two sorted sparse vectors (a merge join); 0 when they share no dimension. */
export function sparseDot(a: SparseVector, b: SparseVector): number {
  let i = 0;
  let j = 0;
  let s = 0;
  const ai = a.indices;
  const bi = b.indices;
  while (i < ai.length && j < bi.length) {
    const x = ai[i];
    const y = bi[j];
    if (x === y) s += a.values[i++] * b.values[j++];
    else if (x < y) i++;
    else j++;
  }
  return s;
}

/** True when two sorted sparse vectors share at least one dimension (Qdrant scores only such points). */
export function sparseOverlaps(a: SparseVector, b: SparseVector): boolean {
  let i = 0;
  let j = 0;
  while (i < a.indices.length && j < b.indices.length) {
    const x = a.indices[i];
    const y = b.indices[j];
    if (x === y) return true;
    if (x < y) i++;
    else j++;
  }
  return false;
}

/**
 * Qdrant's inverse document frequency (lib/segment query_context.rs `fancy_idf`): ln((n − df + 0.5)/(df + 0.5) + 1)
 * over the n points holding the vector, df of them holding the dimension; stays positive for every df ≤ n.
 */
export function idf(n: number, df: number): number {
  return Math.fround(Math.log(Math.fround(Math.fround(n - df + 0.5) / Math.fround(df + 0.5)) + 1));
}

/** The query with each weight multiplied by its dimension's IDF (`df(dim)`, `n` points holding the vector). */
export function idfWeighted(q: SparseVector, n: number, df: (dim: number) => number): SparseVector {
  const values = new Float32Array(q.values.length);
  for (let i = 0; i < values.length; i++) values[i] = q.values[i] * idf(n, df(q.indices[i]));
  return { indices: q.indices, values };
}
