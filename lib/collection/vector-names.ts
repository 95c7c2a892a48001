/**
 * Adding and deleting a vector name on an existing collection (Qdrant 1.16's `PUT` / `DELETE
 * /collections/{c}/vectors/{name}`, lib/collection/src/collection/vector_name_schema.rs there): pure changes of the
 * config, committed through the manifest's compare-and-swap like every config change, so a crash leaves either the
 * old config or the new one.
 *
 * Invariants:
 * - Creating gives the name a fresh generation (lib/model/vector-generations.ts): no point holds the new name,
 *   whatever a sealed segment or an unsealed WAL object holds under an earlier creation of it.
 * - Creating a name that exists with the same schema (dense: size, distance, multivector, datatype; sparse: modifier,
 *   datatype) changes nothing, as in Qdrant; another schema or the other kind is Qdrant's 400.
 * - Deleting removes the name from the config (its per-name tuning with it); a name the collection does not have is
 *   a no-op, as Qdrant's idempotent delete. The rows stay where they are, stale, until the optimizer rewrites them.
 * - A dense name added to a collection whose vector is unnamed turns the config into a map whose first name is ''
 *   (Qdrant's VectorsConfig::insert): the unnamed vector keeps its params, rows and meaning ('' or no `using`, a
 *   list as a point's vector); a sparse name leaves the unnamed shape as it is, as in Qdrant.
 * - The name '' is a name like any other here, as in Qdrant (validate_vector_name takes it; only REST's path cannot
 *   spell it, gRPC's CreateVectorName / DeleteVectorName can): on an unnamed config it IS the unnamed vector (the same
 *   schema is a no-op, another is refused; deleting it leaves no dense vector, Qdrant's VectorsConfig::remove); on a
 *   map it is added first. A sparse '' is refused with Qdrant's create-time wording: Qdrant's CreateVectorName would
 *   take one beside dense names, but '' is the vector a list or no `using` means, which a sparse vector cannot be.
 */
import type { CollectionConfig, SparseVectorParams, VectorDatatype, VectorParams } from '../model/collection-config.js';
import type { Distance } from '../model/distance.js';
import { invalid } from '../model/errors.js';
import { isNamedVectors } from '../model/vector-spaces.js';

/** Qdrant's DenseVectorConfig: the immutable part of a dense vector's params. */
export interface DenseVectorNameConfig {
  size: number;
  distance: Distance;
  multivector_config?: { comparator: 'max_sim' };
  datatype?: VectorDatatype;
}

/** Qdrant's SparseVectorConfig. */
export interface SparseVectorNameConfig {
  modifier?: 'none' | 'idf';
  datatype?: VectorDatatype;
}

/** Qdrant's VectorNameConfig: `{dense: {...}}` or `{sparse: {...}}`. */
export type VectorNameConfig = { dense: DenseVectorNameConfig } | { sparse: SparseVectorNameConfig };

/** Qdrant's validate_vector_name: at most 200 bytes ('' included), no character a file name cannot hold. */
const INVALID_NAME_CHARS = ['<', '>', ':', '"', '/', '\\', '|', '?', '*', '\0', '\u001f'];
const MAX_NAME_BYTES = 200;

export function checkVectorName(name: string): void {
  const why = (detail: string) => invalid(`Invalid vector name \`${name}\`: ${detail}`);
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) {
    throw why(`vector name must be at most ${MAX_NAME_BYTES} bytes long`);
  }
  const bad = INVALID_NAME_CHARS.find((c) => name.includes(c));
  if (bad !== undefined) throw why(`vector name cannot contain "${bad}" char`);
}

function denseMatches(p: VectorParams, d: DenseVectorNameConfig): boolean {
  return (
    p.size === d.size &&
    p.distance === d.distance &&
    (p.multivector_config?.comparator ?? null) === (d.multivector_config?.comparator ?? null) &&
    // Qdrant compares the stored Option: float32 given is not the same as none given
    (p.datatype ?? null) === (d.datatype ?? null)
  );
}

function sparseMatches(p: SparseVectorParams, s: SparseVectorNameConfig): boolean {
  return (p.modifier ?? null) === (s.modifier ?? null) && (p.index?.datatype ?? null) === (s.datatype ?? null);
}

/** The config with a new generation for `name` (the high mark grows; generations are never given twice). */
function withGeneration(c: CollectionConfig, name: string): CollectionConfig {
  const high = (c.vector_generation_high ?? 0) + 1;
  return { ...c, vector_generations: { ...c.vector_generations, [name]: high }, vector_generation_high: high };
}

/** The config with vector `name` added (the same object when it exists with the same schema). */
export function withVectorName(c: CollectionConfig, name: string, config: VectorNameConfig): CollectionConfig {
  checkVectorName(name);
  const dense = isNamedVectors(c.vectors) ? c.vectors : null;
  const sparse = c.sparse_vectors ?? {};
  // the unnamed shape holds one dense vector, the name '' (Qdrant's VectorsConfig::get_params)
  const existing = dense !== null ? (Object.hasOwn(dense, name) ? dense[name] : null) : name === '' ? c.vectors : null;
  const hasDense = existing !== null;
  const hasSparse = Object.hasOwn(sparse, name);
  if ('dense' in config) {
    const d = config.dense;
    if (existing !== null) {
      if (!denseMatches(existing as VectorParams, d)) {
        throw invalid(`Vector \`${name}\` already exists with a different configuration`);
      }
      return c;
    }
    if (hasSparse) throw invalid(`Vector \`${name}\` already exists as a sparse vector`);
    const params: VectorParams = {
      size: d.size,
      distance: d.distance,
      // Qdrant leaves on_disk, hnsw_config and quantization_config unset: the collection's apply
      on_disk: false,
      ...(d.datatype !== undefined ? { datatype: d.datatype } : {}),
      ...(d.multivector_config !== undefined
        ? { multivector_config: { comparator: d.multivector_config.comparator } }
        : {}),
    };
    // the unnamed vector becomes the name '' of the map, first (Qdrant's Single -> Multi); '' added to a map goes
    // first too, where readers of old unnamed segments look for it (rebuild.ts)
    const map = dense ?? { '': c.vectors as VectorParams };
    const vectors = name === '' ? { '': params, ...map } : { ...map, [name]: params };
    return withGeneration({ ...c, vectors }, name);
  }
  const s = config.sparse;
  if (hasSparse) {
    if (!sparseMatches(sparse[name], s)) {
      throw invalid(`Sparse vector \`${name}\` already exists with a different configuration`);
    }
    return c;
  }
  if (hasDense) throw invalid(`Vector \`${name}\` already exists as a dense vector`);
  if (name === '') throw invalid('Sparse vector name cannot be empty');
  const params: SparseVectorParams = {
    ...(s.datatype !== undefined ? { index: { datatype: s.datatype } } : {}),
    ...(s.modifier !== undefined ? { modifier: s.modifier } : {}),
  };
  // Qdrant keeps sparse names in name order (a BTreeMap); so does create (schemas/collections.ts)
  const merged = Object.fromEntries(
    Object.entries({ ...sparse, [name]: params }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return withGeneration({ ...c, sparse_vectors: merged }, name);
}

/** The config without vector `name`, dense or sparse (the same object when it has no such name). */
export function withoutVectorName(c: CollectionConfig, name: string): CollectionConfig {
  checkVectorName(name);
  // the unnamed vector is the name '': deleting it leaves an empty map, no dense vector (Qdrant's VectorsConfig::remove)
  const dense = isNamedVectors(c.vectors)
    ? Object.hasOwn(c.vectors, name)
      ? c.vectors
      : null
    : name === ''
      ? {}
      : null;
  const hasSparse = c.sparse_vectors !== undefined && Object.hasOwn(c.sparse_vectors, name);
  if (dense === null && !hasSparse) return c;
  const out: CollectionConfig = { ...c };
  if (dense !== null) {
    const { [name]: _gone, ...rest } = dense;
    out.vectors = rest;
  }
  if (hasSparse) {
    const { [name]: _gone, ...rest } = c.sparse_vectors as Record<string, SparseVectorParams>;
    if (Object.keys(rest).length > 0) out.sparse_vectors = rest;
    else delete out.sparse_vectors;
  }
  if (c.vector_generations !== undefined && Object.hasOwn(c.vector_generations, name)) {
    const { [name]: _gone, ...rest } = c.vector_generations;
    out.vector_generations = rest;
  }
  // the high mark stays: a later creation of the name gets a generation none of its stale data has
  return out;
}
