/**
 * Multivectors (Qdrant's multi-dense vectors): a vector name configured with `multivector_config` holds, per point,
 * a non-empty list of rows of the name's `size`. Internally a multivector is one flat Float32Array (rows × size,
 * row-major), so every layer that moves vectors by name moves it like a dense vector; only the layers that score or
 * store rows ask how many rows it has (length / size).
 *
 * Qdrant's rules kept here: a dense vector given for a multivector name is a multivector of one row (its
 * TryFrom<VectorInternal> for MultiDenseVectorInternal); a multivector given for a dense name is refused with
 * "Conversion between multi and regular vectors failed" (OperationError::WrongMulti, a 400).
 */
import { invalid, type StrataError } from './errors.js';
import type { VectorValue } from './points.js';

/** True when a caller's vector value is a list of rows (a multivector), not a dense list. */
export function isMultiValue(v: VectorValue | unknown): v is number[][] {
  return Array.isArray(v) && v.length > 0 && Array.isArray(v[0]);
}

/** The rows of a caller's value: a dense list is one row. */
export function valueRows(v: VectorValue): number[][] {
  return isMultiValue(v) ? v : [v as number[]];
}

/** Qdrant's OperationError::WrongMulti, as its REST API words it (after "Wrong input: "). */
export const wrongMulti = (): StrataError => invalid('Conversion between multi and regular vectors failed');

/** A stored multivector (flat rows × dim) as the caller's list of rows. */
export function multiRows(flat: ArrayLike<number>, dim: number): number[][] {
  const out: number[][] = [];
  for (let at = 0; at < flat.length; at += dim) out.push(Array.from({ length: dim }, (_, j) => flat[at + j]));
  return out;
}
