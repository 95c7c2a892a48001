/**
 * The one place a vector name (`using`, `lookup_from.vector`, the matrix's `using`) is resolved against a
 * collection's config: '' or an absent name is the unnamed vector, any other name must be one of the collection's
 * named vectors (lib/model/vector-spaces.ts); otherwise Qdrant's 400 "Wrong input: Not existing vector name error:
 * <name>".
 */
import type { CollectionConfig } from '../../model/collection-config.js';
import { type VectorSpace, vectorSpace } from '../../model/vector-spaces.js';

export function resolveVectorName(config: CollectionConfig, name: string | undefined): VectorSpace & { dim: number } {
  const space = vectorSpace(config, name);
  return { ...space, dim: space.size };
}
