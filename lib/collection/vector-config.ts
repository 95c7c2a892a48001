/**
 * Applying PATCH /collections/{name}'s vector parameters to a stored `vectors` config: the unnamed vector's
 * `on_disk` / `memory`, or each named vector's `on_disk`, `memory`, `hnsw_config` (merged into its own overrides; `{}` unsets them, as
 * Qdrant's VectorParamsDiff says) and `quantization_config` (null: this vector falls back to the collection's).
 * A name the collection does not have is Qdrant's 400 "Not existing vector name error", and nothing is changed.
 */
import type {
  CollectionConfig,
  CollectionUpdate,
  SparseVectorParams,
  VectorParamsDiff,
  VectorsConfig,
} from '../model/collection-config.js';
import { invalid } from '../model/errors.js';
import { isNamedVectors, vectorSpaces } from '../model/vector-spaces.js';

/** Qdrant's create-time checks of sparse names (collection_meta_ops.rs): not empty, none also a dense name. */
export function checkSparseNames(config: CollectionConfig): void {
  const sparse = config.sparse_vectors ?? {};
  if (Object.hasOwn(sparse, '')) throw invalid('Sparse vector name cannot be empty');
  const clash = vectorSpaces(config).find((s) => Object.hasOwn(sparse, s.name));
  if (clash !== undefined) {
    throw invalid(`Dense and sparse vector names must be unique - duplicate found with '${clash.name}'`);
  }
}

/**
 * PATCH's `sparse_vectors`: each name must exist (Qdrant's "Not existing vector name error"); its index params are
 * merged field by field and its modifier replaced when given, as Qdrant's update_from_other does.
 */
export function updatedSparseVectors(
  config: CollectionConfig,
  update: CollectionUpdate,
): Record<string, SparseVectorParams> {
  const current = config.sparse_vectors ?? {};
  const out = { ...current };
  for (const [name, diff] of Object.entries(update.sparse_vectors ?? {})) {
    if (!Object.hasOwn(current, name)) throw invalid(`Not existing vector name error: ${name}`);
    const p = { ...current[name] };
    if (diff.index !== undefined) p.index = { ...p.index, ...diff.index };
    if (diff.modifier !== undefined) p.modifier = diff.modifier;
    out[name] = p;
  }
  return out;
}

export function updatedVectors(config: CollectionConfig, update: CollectionUpdate): VectorsConfig {
  const v = config.vectors;
  if (!isNamedVectors(v)) {
    const named = Object.keys(update.named_vectors ?? {});
    if (named.length > 0) throw invalid(`Not existing vector name error: ${named[0]}`);
    return { ...v, ...(update.vectors ?? {}) };
  }
  const unnamed = update.vectors?.on_disk !== undefined || update.vectors?.memory !== undefined;
  // the unnamed vector's bare diff (or `{"": {...}}`) names '' of a map that holds it (Qdrant's VectorsConfigDiff)
  if (unnamed && !Object.hasOwn(v, '')) throw invalid('Not existing vector name error: ');
  const out = { ...v };
  const diffs = { ...(unnamed ? { '': update.vectors } : {}), ...(update.named_vectors ?? {}) };
  for (const [name, diff] of Object.entries(diffs) as [string, VectorParamsDiff][]) {
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
