/**
 * Sparse spaces: the resolved view of a collection's `sparse_vectors`, as vector-spaces.ts is for dense vectors.
 * A sparse space is one name with its effective index tier, full-scan threshold and modifier (Qdrant's defaults
 * applied: in-memory index, threshold 5000 points, no modifier).
 *
 * Invariants: a sparse name is never '' and never also a dense name (the API refuses both at create); sparse
 * spaces are in the config's key order.
 */
import type { CollectionConfig, SparseVectorParams } from './collection-config.js';
import { invalid } from './errors.js';
import { MEMORY_PLACEMENTS, type Memory } from './memory.js';
import { findVectorSpace, isUnnamedConfig } from './vector-spaces.js';

/** Qdrant's DEFAULT_SPARSE_FULL_SCAN_THRESHOLD (points). */
export const DEFAULT_SPARSE_FULL_SCAN_THRESHOLD = 5000;

export interface SparseSpace {
  name: string;
  /** the inverted index as pages in the store (memory `cold`) */
  onDisk: boolean;
  /**
   * where a segment worker holds the index (Qdrant 1.19's `index.memory` over the deprecated `on_disk`; default
   * pinned, `on_disk: true` = cold): pinned = whole, held by the segment; cached = whole, in the page cache; cold =
   * the directory held, posting lists and rows paged per query
   */
  memory: Memory;
  fullScanThreshold: number;
  modifier: 'none' | 'idf';
}

/** Qdrant's resolution of the index placement: an explicit `memory` wins, else `on_disk` true = cold, else pinned. */
export function sparseIndexMemory(p: SparseVectorParams): Memory {
  const m = p.index?.memory;
  if (m !== undefined && MEMORY_PLACEMENTS.includes(m as Memory)) return m as Memory;
  return p.index?.on_disk === true ? 'cold' : 'pinned';
}

function resolve(name: string, p: SparseVectorParams): SparseSpace {
  const memory = sparseIndexMemory(p);
  return {
    name,
    onDisk: memory === 'cold',
    memory,
    fullScanThreshold: p.index?.full_scan_threshold ?? DEFAULT_SPARSE_FULL_SCAN_THRESHOLD,
    modifier: p.modifier ?? 'none',
  };
}

export function sparseSpaces(config: CollectionConfig): SparseSpace[] {
  return Object.entries(config.sparse_vectors ?? {}).map(([n, p]) => resolve(n, p));
}

export function findSparseSpace(config: CollectionConfig, name: string | undefined): SparseSpace | undefined {
  const s = config.sparse_vectors;
  if (s === undefined || name === undefined || !Object.hasOwn(s, name)) return undefined;
  return resolve(name, s[name]);
}

export function isSparseName(config: CollectionConfig, name: string | undefined): boolean {
  return findSparseSpace(config, name) !== undefined;
}

/** True when `name` is any vector of the config, dense or sparse. */
export function isVectorName(config: CollectionConfig, name: string | undefined): boolean {
  return findVectorSpace(config, name) !== undefined || isSparseName(config, name);
}

/** The sparse space `name`, or Qdrant's 400 "Not existing vector name error: <name>". */
export function sparseSpace(config: CollectionConfig, name: string): SparseSpace {
  const s = findSparseSpace(config, name);
  if (s === undefined) throw invalid(`Not existing vector name error: ${name}`);
  return s;
}

/**
 * Whether points are answered as a map name -> vector: a named config, or an unnamed vector beside sparse names
 * (Qdrant then answers `{"": [...], "<sparse>": {indices, values}}`).
 */
export function answersVectorMap(config: CollectionConfig): boolean {
  return !isUnnamedConfig(config) || sparseSpaces(config).length > 0;
}
