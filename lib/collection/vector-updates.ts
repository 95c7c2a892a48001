/**
 * A point's vectors after Qdrant's vector operations: update_vectors replaces the names it gives and keeps the
 * others; delete_vectors drops the names it lists. Pure: the rows are the stored ones (validated, Cosine normalized),
 * shared, never copied or changed in place.
 */
import type { VectorRows } from '../model/points.js';

/** `current` with every name of `updates` set to its new row. */
export function withVectors(current: VectorRows | null, updates: VectorRows): VectorRows {
  return new Map([...(current ?? []), ...updates]);
}

/** `current` without the listed names (a name the point lacks is no error). */
export function withoutVectors(current: VectorRows | null, names: readonly string[]): VectorRows {
  const drop = new Set(names);
  return new Map([...(current ?? [])].filter(([n]) => !drop.has(n)));
}
