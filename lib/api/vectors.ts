/**
 * Vector-dimension check made before anything is written or searched. It asks the service for the collection's
 * config (collectionConfig: a cached manifest, revalidated only on a mismatch), which also turns an
 * unknown collection into 404 before any write, and compares every vector's length with
 * `vectors.size`, refusing the first mismatch (errors.ts words it as Qdrant does:
 *   400 "Wrong input: Vector dimension error: expected dim: 4, got 3")
 * The collection layer re-checks (a concurrent re-create could change the size between the two reads).
 */
import type { CollectionService } from '../collection/types.js';
import { dimensionMismatch } from '../model/errors.js';

export async function checkDimensions(
  service: CollectionService,
  name: string,
  vectors: readonly number[][],
): Promise<void> {
  // a cached config answers a warm request with no round trip; only a mismatch or an unknown collection pays for a
  // revalidated read, so a collection re-created elsewhere with another size is never wrongly refused
  try {
    return checkAgainst((await service.collectionConfig(name, false)).vectors.size, vectors);
  } catch {
    return checkAgainst((await service.collectionConfig(name, true)).vectors.size, vectors);
  }
}

function checkAgainst(expected: number, vectors: readonly number[][]): void {
  for (const v of vectors) {
    if (v.length !== expected) throw dimensionMismatch(expected, v.length);
  }
}
