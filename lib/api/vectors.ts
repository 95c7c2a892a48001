/**
 * Vector-name and dimension check made before anything is written or searched. It asks the service for the collection's
 * config (collectionConfig: a cached manifest, revalidated only on a mismatch), which also turns an
 * unknown collection into 404 before any write, and compares every vector's length with
 * `vectors.size`, refusing the first mismatch (errors.ts words it as Qdrant does:
 *   400 "Wrong input: Vector dimension error: expected dim: 4, got 3")
 * The collection layer re-checks (a concurrent re-create could change the size between the two reads).
 */
import type { CollectionService } from '../collection/types.js';
import { dimensionMismatch, invalid } from '../model/errors.js';
import type { CollectionConfig } from '../model/collection-config.js';
import { isMultiValue, valueRows, wrongMulti } from '../model/multivector.js';
import type { VectorStruct, VectorValue, WithVector } from '../model/points.js';
import { findVectorSpace as vectorSpaceFor, vectorSpace, vectorSpaces } from '../model/vector-spaces.js';
import { isSparseName } from '../model/sparse-spaces.js';
import { looksSparse, wrongSparse } from '../model/sparse-vector.js';

/**
 * Checks every query vector's length against the vector space it searches (`using[i]`, '' = unnamed) and every
 * with_vector list's names against the config, and answers the collection's vector width (the sum of every vector's size: what one returned point's vectors may hold).
 */
export async function checkDimensions(
  service: CollectionService,
  name: string,
  vectors: readonly VectorValue[],
  using: readonly (string | undefined)[] = [],
  withVectors: readonly WithVector[] = [],
): Promise<number> {
  // a cached config answers a warm request with no round trip; only a mismatch or an unknown collection pays for a
  // revalidated read, so a collection re-created elsewhere with another size is never wrongly refused
  try {
    return checkAgainst(await service.collectionConfig(name, false), vectors, using, withVectors);
  } catch {
    return checkAgainst(await service.collectionConfig(name, true), vectors, using, withVectors);
  }
}

/** The vectors of points to write, checked by name and size before anything else (wal.ts checks again). */
export async function checkPointVectors(
  service: CollectionService,
  name: string,
  structs: readonly VectorStruct[],
): Promise<void> {
  const vectors: VectorValue[] = [];
  const using: string[] = [];
  const sparse: string[] = [];
  for (const s of structs) {
    if (Array.isArray(s)) {
      vectors.push(s);
      using.push('');
    } else {
      for (const [n, v] of Object.entries(s)) {
        // a sparse vector is checked whole (shape, u32 indices, lengths) by wal.ts; here only its kind and name
        if (looksSparse(v)) sparse.push(n);
        else {
          vectors.push(v as VectorValue);
          using.push(n);
        }
      }
    }
  }
  // one cached config read answers both checks, as for dense vectors alone (revalidated only on a mismatch)
  const check = (config: CollectionConfig): void => {
    for (const n of sparse) if (!isSparseName(config, n)) throw vectorSpaceFor(config, n) ? wrongSparse() : missing(n);
    checkAgainst(config, vectors, using, []);
  };
  try {
    check(await service.collectionConfig(name, false));
  } catch {
    check(await service.collectionConfig(name, true));
  }
}

const missing = (n: string) => invalid(`Not existing vector name error: ${n}`);

/** Sum of the sizes of every vector of the config (response bounds per returned point). */
export function vectorWidth(config: CollectionConfig): number {
  return vectorSpaces(config).reduce((n, s) => n + s.size, 0);
}

function checkAgainst(
  config: CollectionConfig,
  vectors: readonly VectorValue[],
  using: readonly (string | undefined)[],
  withVectors: readonly WithVector[],
): number {
  vectors.forEach((v, i) => {
    // Qdrant: a dense vector or a multivector for a sparse name is WrongSparse
    if (isSparseName(config, using[i])) throw wrongSparse();
    const { size, multivector } = vectorSpace(config, using[i]);
    // Qdrant: a multivector for a dense name is WrongMulti; a dense vector for a multivector name is one row
    if (isMultiValue(v) && !multivector) throw wrongMulti();
    for (const row of valueRows(v)) if (row.length !== size) throw dimensionMismatch(size, row.length);
  });
  // Qdrant refuses a with_vector list naming a vector the collection does not have (its check_vector_name)
  for (const w of withVectors)
    if (Array.isArray(w)) for (const n of w) if (!isSparseName(config, n)) vectorSpace(config, n);
  return vectorWidth(config);
}

/**
 * Query vectors hold float32 values, as stored vectors do: a value beyond float32's range is refused here with the
 * upsert's wording (lib/collection/wal.ts), instead of reaching a worker as an infinity. `at(i, j)` names the value.
 */
export function checkFloat32(vectors: readonly VectorValue[], at: (i: number, j: number) => string): void {
  for (let i = 0; i < vectors.length; i++) {
    // a multivector's values are numbered across its rows
    const v = valueRows(vectors[i]).flat();
    for (let j = 0; j < v.length; j++) {
      // values that round to FLOAT32_MAX still fit; only those that would become an infinity are refused
      if (!Number.isFinite(Math.fround(v[j]))) throw invalid({ path: at(i, j), detail: `${v[j]} overflows float32` });
    }
  }
}
