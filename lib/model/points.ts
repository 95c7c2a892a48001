/** Points as written and read back, and the selectors and results of point operations (Qdrant's JSON shapes). */
import type { Filter } from './filter.js';
import type { Payload, WithPayload } from './payload.js';
import type { PointId } from './point-id.js';
import type { OrderBy } from './query.js';

export interface PointStruct {
  id: PointId;
  vector: number[];
  payload?: Payload | null;
}

export interface Record_ {
  id: PointId;
  payload?: Payload | null;
  vector?: number[] | null;
  /** the value a scroll with order_by sorted this record by */
  order_value?: number;
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
  with_vector: boolean;
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
