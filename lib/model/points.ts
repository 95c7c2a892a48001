/** Points as written and read back, and the selectors and results of point operations (Qdrant's JSON shapes). */
import type { Filter } from './filter.js';
import type { Payload, WithPayload } from './payload.js';
import type { PointId } from './point-id.js';
import type { OrderBy } from './query.js';
import type { SparseVectorJson, StoredVector } from './sparse-vector.js';

/** One vector value: a dense list, or a multivector (a non-empty list of dense lists of one size). */
export type VectorValue = number[] | number[][];

/**
 * A point's vectors as a caller writes them (Qdrant's VectorStruct): one value for the unnamed vector, or a map
 * name -> value (dense or multivector) or {indices, values} (sparse). A map may leave names of the collection out
 * (optional vectors).
 */
export type VectorStruct = VectorValue | Record<string, VectorValue | SparseVectorJson>;

/**
 * A point's stored vectors by name ('' = the unnamed vector): dense rows, multivectors and sorted sparse vectors
 * under sparse names; a point may lack some names (optional vectors). A multivector name holds its rows flat
 * (rows × size, row-major, a Float32Array like a dense row): its length is a multiple of the space's size.
 */
export type VectorRows = ReadonlyMap<string, StoredVector>;

/** with_vector: every vector (true), none (false), or the listed names */
export type WithVector = boolean | string[];

export interface PointStruct {
  id: PointId;
  vector: VectorStruct;
  payload?: Payload | null;
}

export interface Record_ {
  id: PointId;
  payload?: Payload | null;
  vector?: VectorStruct | null;
  /** the value a scroll with order_by sorted this record by */
  order_value?: number;
}

/** Qdrant's upsert `update_mode`: upsert (default), insert new points only, or update existing points only. */
export type UpdateMode = 'upsert' | 'insert_only' | 'update_only';

/** An upsert's conditions: existing points are changed only when they match `update_filter`. */
export interface UpsertOptions {
  update_mode?: UpdateMode;
  update_filter?: Filter;
}

export interface UpsertRequest extends UpsertOptions {
  points: PointStruct[];
}

/** One point's vectors to set (Qdrant's PointVectors): the names given replace the point's, the others stay. */
export interface PointVectors {
  id: PointId;
  vector: VectorStruct;
}

export type PointsSelector = { points: PointId[] } | { filter: Filter };

export interface UpdateResult {
  operation_id: number;
  status: 'acknowledged' | 'completed';
}

export interface ScrollRequest {
  filter?: Filter;
  limit: number;
  offset?: PointId;
  with_payload: WithPayload;
  with_vector: WithVector;
  /** sort by a payload key with a range index instead of by id (no offset then) */
  order_by?: OrderBy;
}

/** POST /collections/{c}/facet: the most frequent values of `key` among the points matching `filter`. */
export interface FacetRequest {
  key: string;
  limit: number;
  filter?: Filter;
  exact: boolean;
}

export interface FacetHit {
  value: string | number | boolean;
  count: number;
}

export interface ScrollResult {
  points: Record_[];
  next_page_offset: PointId | null;
}
