/**
 * Applying PATCH /collections/{name}'s vector parameters to a stored `vectors` config: the unnamed vector's
 * `on_disk` / `memory`, or each named vector's `on_disk`, `memory`, `hnsw_config` (merged into its own overrides; `{}` unsets them, as
 * Qdrant's VectorParamsDiff says) and `quantization_config` (null: this vector falls back to the collection's).
 * A name the collection does not have is Qdrant's 400 "Not existing vector name error", and nothing is changed.
 */
import type { CollectionConfig, CollectionUpdate, VectorsConfig } from '../model/collection-config.js';
import { invalid } from '../model/errors.js';
import { isNamedVectors } from '../model/vector-spaces.js';

export function updatedVectors(config: CollectionConfig, update: CollectionUpdate): VectorsConfig {
  const v = config.vectors;
  if (!isNamedVectors(v)) {
    const named = Object.keys(update.named_vectors ?? {});
    if (named.length > 0) throw invalid(`Not existing vector name error: ${named[0]}`);
    return { ...v, ...(update.vectors ?? {}) };
  }
  if (update.vectors?.on_disk !== undefined || update.vectors?.memory !== undefined) {
    throw invalid('Not existing vector name error: ');
  }
  const out = { ...v };
  for (const [name, diff] of Object.entries(update.named_vectors ?? {})) {
    if (!Object.hasOwn(v, name)) throw invalid(`Not existing vector name error: ${name}`);
    const p = { ...v[name] };
    if (diff.on_disk !== undefined) p.on_disk = diff.on_disk;
    if (diff.memory !== undefined) p.memory = diff.memory;
    if (diff.hnsw_config !== undefined) {
      if (Object.keys(diff.hnsw_config).length === 0) delete p.hnsw_config;
      else p.hnsw_config = { ...p.hnsw_config, ...diff.hnsw_config };
    }
    if (diff.quantization_config !== undefined) {
      if (diff.quantization_config === null) delete p.quantization_config;
      else p.quantization_config = diff.quantization_config;
    }
    out[name] = p;
  }
  return out;
}
