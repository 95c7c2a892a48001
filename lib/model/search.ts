/**
 * A nearest-neighbour query and its hits, in Qdrant's JSON shapes (snake_case) with defaults already applied by the
 * API layer.
 *
 * Invariant: `ScoredPoint.score` is Qdrant's score (a distance for Euclid/Manhattan); engine layers below the
 * collection compare internal similarities instead (lib/distance/similarity.ts converts).
 */
import type { Filter } from './filter.js';
import type { Payload, WithPayload } from './payload.js';
import type { PointId } from './point-id.js';
import type { VectorStruct, VectorValue, WithVector } from './points.js';

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

export interface QueryRequest {
  /** a dense vector, or a multivector's rows for a multivector name */
  vector: VectorValue;
  /** vector name searched ('' or absent: the unnamed vector) */
  using?: string;
  limit: number;
  offset: number;
  filter?: Filter;
  params: SearchParams;
  with_payload: WithPayload;
  with_vector: WithVector;
  score_threshold?: number;
  /** a sparse query over the sparse name `using` (legacy search's NamedSparseVector); `vector` is then empty */
  sparse?: unknown;
}

export interface ScoredPoint {
  id: PointId;
  version: number;
  /** Qdrant's score: similarity for Cosine/Dot, distance for Euclid/Manhattan */
  score: number;
  payload?: Payload | null;
  vector?: VectorStruct | null;
}
