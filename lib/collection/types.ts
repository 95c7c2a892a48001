/**
 * Domain types shared by the API layer and the collection service. They follow Qdrant's JSON shapes (snake_case)
 * so the API layer validates and passes them through without renaming; defaults are already applied when a value
 * reaches the collection service.
 */
import type { Distance } from '../distance/index.js';

/** Qdrant point id: an unsigned integer (up to Number.MAX_SAFE_INTEGER here: JSON numbers are doubles) or a UUID. */
export type PointId = number | string;

export type Payload = Record<string, unknown>;

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
}

export interface PointStruct {
  id: PointId;
  vector: number[];
  payload?: Payload | null;
}

export type MatchCondition =
  | { value: string | number | boolean }
  | { any: (string | number)[] }
  | { except: (string | number)[] }
  /** substring match (Qdrant without a full-text index) */
  | { text: string }
  /** any whitespace-separated word of the query is a substring */
  | { text_any: string }
  | { phrase: string };

/** Numeric bounds, or RFC 3339 datetime strings compared with datetime payload values (all bounds one kind). */
export interface RangeCondition {
  lt?: number | string | null;
  gt?: number | string | null;
  gte?: number | string | null;
  lte?: number | string | null;
}

export type Condition =
  | { key: string; match: MatchCondition }
  | { key: string; range: RangeCondition }
  | { key: string; values_count: RangeCondition }
  | { is_empty: { key: string } }
  | { is_null: { key: string } }
  | { has_id: PointId[] }
  | { nested: { key: string; filter: Filter } }
  | Filter;

export interface Filter {
  must?: Condition[] | null;
  should?: Condition[] | null;
  must_not?: Condition[] | null;
  min_should?: { conditions: Condition[]; min_count: number } | null;
}

export interface QuantizationSearchParams {
  ignore: boolean;
  /** undefined: the engine decides (see README) */
  rescore?: boolean;
  oversampling: number;
}

export interface SearchParams {
  hnsw_ef?: number;
  exact: boolean;
  quantization?: QuantizationSearchParams;
}

/** with_payload: true/false, a list of keys to include, or {include}/{exclude} */
export type WithPayload = boolean | string[] | { include?: string[]; exclude?: string[] };

export interface QueryRequest {
  vector: number[];
  limit: number;
  offset: number;
  filter?: Filter;
  params: SearchParams;
  with_payload: WithPayload;
  with_vector: boolean;
  score_threshold?: number;
}

export interface ScoredPoint {
  id: PointId;
  version: number;
  /** Qdrant's score: similarity for Cosine/Dot, distance for Euclid/Manhattan */
  score: number;
  payload?: Payload | null;
  vector?: number[] | null;
}

export interface Record_ {
  id: PointId;
  payload?: Payload | null;
  vector?: number[] | null;
}

export interface ScrollRequest {
  filter?: Filter;
  limit: number;
  offset?: PointId;
  with_payload: WithPayload;
  with_vector: boolean;
}

export interface ScrollResult {
  points: Record_[];
  next_page_offset: PointId | null;
}

export type PointsSelector = { points: PointId[] } | { filter: Filter };

export interface UpdateResult {
  operation_id: number;
  status: 'acknowledged' | 'completed';
}

export interface CollectionInfo {
  status: 'green' | 'yellow';
  optimizer_status: 'ok';
  points_count: number;
  indexed_vectors_count: number;
  segments_count: number;
  config: CollectionConfig;
}

/** Partial config accepted by PATCH /collections/{name} (parameters that do not require rewriting data). */
export interface CollectionUpdate {
  hnsw_config?: Partial<HnswConfig>;
  optimizers_config?: Partial<OptimizersConfig>;
  quantization_config?: { scalar: ScalarQuantizationConfig } | null;
  vectors?: { on_disk?: boolean };
}

/**
 * What the API layer needs from the collection layer. One implementation: lib/collection over an ObjectStore.
 * Every method throws StrataError (lib/errors.ts) on failure.
 */
export interface CollectionService {
  createCollection(name: string, config: CollectionConfig): Promise<void>;
  deleteCollection(name: string): Promise<boolean>;
  listCollections(): Promise<string[]>;
  collectionExists(name: string): Promise<boolean>;
  getCollection(name: string): Promise<CollectionInfo>;
  /**
   * The collection's config alone, from the (cached) manifest: no point counting, no segment reads. The API calls it
   * on every upsert and search to check vector dimensions before anything is written or searched. Throws not_found
   * like getCollection. `fresh: false` may answer from a cached manifest without revalidating it; `fresh: true`
   * revalidates.
   */
  collectionConfig(name: string, fresh?: boolean): Promise<CollectionConfig>;
  updateCollection(name: string, update: CollectionUpdate): Promise<void>;

  upsertPoints(name: string, points: PointStruct[], wait: boolean): Promise<UpdateResult>;
  deletePoints(name: string, selector: PointsSelector, wait: boolean): Promise<UpdateResult>;
  setPayload(
    name: string,
    payload: Payload,
    selector: PointsSelector,
    wait: boolean,
    key?: string,
  ): Promise<UpdateResult>;
  overwritePayload(name: string, payload: Payload, selector: PointsSelector, wait: boolean): Promise<UpdateResult>;
  deletePayload(name: string, keys: string[], selector: PointsSelector, wait: boolean): Promise<UpdateResult>;
  clearPayload(name: string, selector: PointsSelector, wait: boolean): Promise<UpdateResult>;

  getPoints(name: string, ids: PointId[], withPayload: WithPayload, withVector: boolean): Promise<Record_[]>;
  scroll(name: string, request: ScrollRequest): Promise<ScrollResult>;
  count(name: string, filter: Filter | undefined, exact: boolean): Promise<number>;
  query(name: string, request: QueryRequest): Promise<ScoredPoint[]>;
  /** Several queries over ONE snapshot (one manifest check, one WAL listing), so every search sees one state. */
  queryBatch(name: string, requests: QueryRequest[]): Promise<ScoredPoint[][]>;
}
