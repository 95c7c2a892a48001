/**
 * The one place a vector name (`using`, `lookup_from.vector`, the matrix's `using`) is resolved against a
 * collection's config. Strata collections hold one unnamed vector ("" or an absent name) until named vectors land;
 * any other name is Qdrant's 400 "Wrong input: Not existing vector name error: <name>".
 */
import { invalid } from '../../model/errors.js';
import type { CollectionConfig } from '../../model/collection-config.js';

export function resolveVectorName(config: CollectionConfig, name: string | undefined): { dim: number } {
  if (name === undefined || name === '') return { dim: config.vectors.size };
  throw invalid(`Not existing vector name error: ${name}`);
}
