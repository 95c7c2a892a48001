/**
 * Vector-dimension check made before anything is written or searched. It asks the service for the collection's
 * config (collectionConfig: a cached manifest, revalidated only on a mismatch), which also turns an
 * unknown collection into 404 before any write, and compares every vector's length with
 * `vectors.size`, refusing the first mismatch (errors.ts words it as Qdrant does:
 *   400 "Wrong input: Vector dimension error: expected dim: 4, got 3")
 * The collection layer re-checks (a concurrent re-create could change the size between the two reads).
 */
import type { CollectionService } from '../collection/types.js';
import { dimensionMismatch, invalid } from '../model/errors.js';

/** Checks every vector's length against the collection's and answers that length (the collection's `dim`). */
export async function checkDimensions(
  service: CollectionService,
  name: string,
  vectors: readonly number[][],
): Promise<number> {
  // a cached config answers a warm request with no round trip; only a mismatch or an unknown collection pays for a
  // revalidated read, so a collection re-created elsewhere with another size is never wrongly refused
  try {
    return checkAgainst((await service.collectionConfig(name, false)).vectors.size, vectors);
  } catch {
    return checkAgainst((await service.collectionConfig(name, true)).vectors.size, vectors);
  }
}

function checkAgainst(expected: number, vectors: readonly number[][]): number {
  for (const v of vectors) {
    if (v.length !== expected) throw dimensionMismatch(expected, v.length);
  }
  return expected;
}

/**
 * Query vectors hold float32 values, as stored vectors do: a value beyond float32's range is refused here with the
 * upsert's wording (lib/collection/wal.ts), instead of reaching a worker as an infinity. `at(i, j)` names the value.
 */
export function checkFloat32(vectors: readonly number[][], at: (i: number, j: number) => string): void {
  for (let i = 0; i < vectors.length; i++) {
    const v = vectors[i];
    for (let j = 0; j < v.length; j++) {
      // values that round to FLOAT32_MAX still fit; only those that would become an infinity are refused
      if (!Number.isFinite(Math.fround(v[j]))) throw invalid({ path: at(i, j), detail: `${v[j]} overflows float32` });
    }
  }
}
