/**
 * The universal query (Qdrant's `points/query` with prefetch and every query form), the groups request and the
 * distance-matrix request, as values with the API layer's defaults applied. The plain nearest-vector query keeps
 * its own shape (search.ts `QueryRequest`); everything else is a `UniversalQuery`.
 *
 * Invariants: `limit` ≥ 1 on every node (the API refuses 0 as Qdrant's validator does); a vector input is either a
 * dense vector or a point id whose stored vector the collection layer looks up; vector names are resolved by the
 * collection layer (`using`, `lookup_from.vector`), the API only carries them.
 */
import type { Filter } from './filter.js';
import type { WithPayload } from './payload.js';
import type { PointId } from './point-id.js';
import type { VectorValue, WithVector } from './points.js';
import type { SearchParams } from './search.js';

/**
 * A dense vector or a multivector (rows of one size), a sparse vector (checked against its sparse name by the
 * collection layer), or the stored vector of a point.
 */
export type VectorInput = { vector: VectorValue } | { id: PointId } | { sparse: unknown };

/** One judged example of a relevance feedback query: its vector (or point id) and the score a judge gave it. */
export interface FeedbackInput {
  example: VectorInput;
  score: number;
}

/** Qdrant's naive feedback strategy: a·sim(target) + Σ over pairs (Δscore)^b·c·(sim(better) − sim(worse)). */
export interface NaiveFeedback {
  a: number;
  b: number;
  c: number;
}

export interface ContextPairInput {
  positive: VectorInput;
  negative: VectorInput;
}

export type RecommendStrategy = 'average_vector' | 'best_score' | 'sum_scores';

export interface Mmr {
  /** 0 = relevance only, 1 = diversity only; default 0.5 */
  diversity?: number;
  /** candidates fetched before MMR re-ranks them; default: the node's limit */
  candidates_limit?: number;
}

export interface OrderBy {
  key: string;
  direction: 'asc' | 'desc';
  start_from?: number | string;
}

export type QueryForm =
  | { kind: 'nearest'; input: VectorInput; mmr?: Mmr }
  | { kind: 'recommend'; positive: VectorInput[]; negative: VectorInput[]; strategy: RecommendStrategy }
  | { kind: 'discover'; target: VectorInput; context: ContextPairInput[] }
  | { kind: 'context'; context: ContextPairInput[] }
  | { kind: 'relevance_feedback'; target: VectorInput; feedback: FeedbackInput[]; strategy: NaiveFeedback }
  | { kind: 'order_by'; order_by: OrderBy }
  | { kind: 'fusion'; method: 'rrf' | 'dbsf'; k?: number; weights?: number[] }
  | { kind: 'formula'; formula: unknown; defaults: Record<string, unknown> }
  | { kind: 'sample' };

export interface LookupLocation {
  collection: string;
  vector?: string;
}

/** One stage of a query: its own prefetches, form, vector name, filter, params, limit and threshold. */
export interface QueryNode {
  prefetch: QueryNode[];
  query?: QueryForm;
  /** vector name; '' is the unnamed vector */
  using: string;
  filter?: Filter;
  params: SearchParams;
  limit: number;
  score_threshold?: number;
  lookup_from?: LookupLocation;
}

export interface UniversalQuery extends QueryNode {
  offset: number;
  with_payload: WithPayload;
  with_vector: WithVector;
}

export interface GroupsRequest {
  query: UniversalQuery;
  group_by: string;
  group_size: number;
  /** number of groups */
  limit: number;
  with_lookup?: { collection: string; with_payload: WithPayload; with_vectors: WithVector };
}

export interface MatrixRequest {
  filter?: Filter;
  /** points sampled */
  sample: number;
  /** neighbours per sampled point */
  limit: number;
  using: string;
}
