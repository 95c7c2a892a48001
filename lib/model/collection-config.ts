/**
 * A collection's configuration in Qdrant's JSON shapes (snake_case), with every default applied: the API layer fills
 * defaults before a config reaches the collection service, and the manifest stores it as is.
 */
import type { Distance } from './distance.js';
import type { PayloadSchema } from './payload-schema.js';

export interface VectorParams {
  size: number;
  distance: Distance;
  /** originals as pages in the object store (true) or in memory (false) */
  on_disk: boolean;
}

export interface HnswConfig {
  m: number;
  ef_construct: number;
  /** layer-0 adjacency as pages in the object store (true) or in memory (false) */
  on_disk: boolean;
  /** below this many KB of vectors a segment is searched exactly, without building a graph (Qdrant's default 10000) */
  full_scan_threshold: number;
}

export interface ScalarQuantizationConfig {
  type: 'int8';
  quantile: number;
  always_ram: boolean;
}

export interface OptimizersConfig {
  default_segment_number: number;
  /**
   * Qdrant's knob, in KB of vectors: a segment smaller than this is searched exactly and gets no HNSW graph
   * (Qdrant's default 20000; 0 disables indexing).
   */
  indexing_threshold: number;
  /**
   * Qdrant's knob, in KB of vectors: the optimizer never creates a segment larger than this (it splits a seal and
   * skips merges that would exceed it). null or absent: no limit.
   */
  max_segment_size?: number | null;
}

export interface CollectionConfig {
  vectors: VectorParams;
  hnsw_config: HnswConfig;
  /** null: no quantization, searches run on float32 originals */
  quantization_config: { scalar: ScalarQuantizationConfig } | null;
  optimizers_config: OptimizersConfig;
  /**
   * Qdrant's knob, kept as configured and reported; absent = Qdrant's default (true). Strata always reads payloads
   * per query from the store (only the final top-k's), which is what `true` means.
   */
  on_disk_payload?: boolean;
  /** arbitrary JSON the client attached (Qdrant's collection metadata), echoed in collection info; absent = none */
  metadata?: Record<string, unknown>;
  /** payload field indexes by key (payload-schema.ts); absent or empty = none */
  payload_schema?: PayloadSchema;
}

/** Partial config accepted by PATCH /collections/{name} (parameters that do not require rewriting data). */
export interface CollectionUpdate {
  hnsw_config?: Partial<HnswConfig>;
  optimizers_config?: Partial<OptimizersConfig>;
  quantization_config?: { scalar: ScalarQuantizationConfig } | null;
  vectors?: { on_disk?: boolean };
  /** merged into the stored metadata key by key, as Qdrant does */
  metadata?: Record<string, unknown>;
}
