/**
 * Qdrant's payload filter, as a value. The grammar that accepts untrusted JSON into these types is
 * lib/segment/filter-parse.ts; the compiler that evaluates them is lib/segment/filter.ts.
 *
 * Invariant: a Filter that reaches the engine is normalized (condition lists are arrays, point ids canonical).
 */
import type { PointId } from './point-id.js';

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

export interface GeoPoint {
  lon: number;
  lat: number;
}
/** points within `radius` metres (haversine) of `center` */
export interface GeoRadius {
  center: GeoPoint;
  radius: number;
}
export interface GeoBoundingBox {
  top_left: GeoPoint;
  bottom_right: GeoPoint;
}
/** closed rings (first point = last, at least 4 points); interiors are holes */
export interface GeoPolygon {
  exterior: { points: GeoPoint[] };
  interiors?: { points: GeoPoint[] }[];
}

export type Condition =
  | { key: string; match: MatchCondition }
  | { key: string; geo_radius: GeoRadius }
  | { key: string; geo_bounding_box: GeoBoundingBox }
  | { key: string; geo_polygon: GeoPolygon }
  | { key: string; range: RangeCondition }
  | { key: string; values_count: RangeCondition }
  | { is_empty: { key: string } }
  | { is_null: { key: string } }
  | { has_id: PointId[] }
  /** the point holds the named vector ('' = the unnamed one): a property of the point, not of its payload */
  | { has_vector: string }
  | { nested: { key: string; filter: Filter } }
  | Filter;

export interface Filter {
  must?: Condition[] | null;
  should?: Condition[] | null;
  must_not?: Condition[] | null;
  min_should?: { conditions: Condition[]; min_count: number } | null;
}

/** Whether a condition is a group of clauses (a Filter in a clause) rather than a condition on one point or field. */
export function isClauseGroup(c: Condition): c is Filter {
  return (
    !('key' in c) &&
    !('is_empty' in c) &&
    !('is_null' in c) &&
    !('has_id' in c) &&
    !('has_vector' in c) &&
    !('nested' in c)
  );
}

/** Every condition of a filter's clauses (must, should, must_not, min_should), one level deep, in that order. */
export function clauseConditions(f: Filter): Condition[] {
  return [...(f.must ?? []), ...(f.should ?? []), ...(f.must_not ?? []), ...(f.min_should?.conditions ?? [])];
}
