/** Points as written and read back, and the selectors and results of point operations (Qdrant's JSON shapes). */
import type { Filter } from './filter.js';
import type { Payload, WithPayload } from './payload.js';
import type { PointId } from './point-id.js';

export interface PointStruct {
  id: PointId;
  vector: number[];
  payload?: Payload | null;
}

export interface Record_ {
  id: PointId;
  payload?: Payload | null;
  vector?: number[] | null;
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
}

export interface ScrollResult {
  points: Record_[];
  next_page_offset: PointId | null;
}
