/**
 * Shape check for Qdrant payload filters arriving as untrusted JSON. Returns a normalized Filter (single conditions
 * wrapped in arrays, UUID ids lower-cased with hyphens) or throws StrataError('invalid', code `format`) with the offending path and what is wrong there.
 * Accepts exactly the grammar compileFilter (filter.ts) understands, so a filter that passes here always compiles.
 *
 * Grammar (Qdrant's REST shapes):
 *   Filter     = { must?, should?, must_not?: Condition | Condition[] | null, min_should?: {conditions, min_count} }
 *   Condition  = { key, match: {value} | {any} | {except} | {text} | {text_any} | {phrase} }
 *              | { key, range: {lt, gt, lte, gte} }            numbers, or RFC 3339 datetimes (all bounds one kind)
 *              | { key, values_count: {lt, gt, lte, gte} }     non-negative integers
 *              | { key, geo_radius: {center, radius} } | { key, geo_bounding_box: {top_left, bottom_right} }
 *              | { key, geo_polygon: {exterior: {points}, interiors?: [{points}]} }   closed rings of >= 4 points
 *              | { key, is_empty: bool } | { key, is_null: bool }  field forms; false negates
 *              | { is_empty: {key} } | { is_null: {key} } | { has_id: PointId[] } | { has_vector: string }
 *              | { nested: {key, filter} } | Filter
 */
import { malformed } from '../model/errors.js';
import type {
  Condition,
  Filter,
  GeoPoint,
  GeoPolygon,
  GeoRadius,
  MatchCondition,
  RangeCondition,
} from '../model/filter.js';
import { canonicalPointId, pointIdError } from '../model/point-id.js';
import { parsePayloadPath } from './payload-path.js';

/** Qdrant's answer to an object that is no condition form it knows (its Condition's `expecting`) */
const NO_CONDITION_FORM =
  'Expected some form of condition, which can be a field condition (like {"key": ..., "match": ... }), or some ' +
  'other mentioned in the documentation: https://qdrant.tech/documentation/concepts/filtering/#filtering-conditions';

/** Nesting deeper than this is refused: compiled predicates recurse per level, and no real filter comes close. */
export const MAX_FILTER_DEPTH = 32;

export function parseFilter(value: unknown, path = 'filter', depth = 0): Filter {
  if (depth > MAX_FILTER_DEPTH) fail(path, `filter nesting deeper than ${MAX_FILTER_DEPTH} levels`);
  const obj = asObject(value, path);
  const out: Filter = {};
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    if (k === 'must' || k === 'should' || k === 'must_not') {
      if (v === null || v === undefined) continue;
      const list = Array.isArray(v) ? v : [v];
      out[k] = list.map((c, i) => parseCondition(c, `${path}.${k}[${i}]`, depth));
    } else if (k === 'min_should') {
      if (v === null || v === undefined) continue;
      const ms = asObject(v, `${path}.min_should`);
      const conds = ms.conditions;
      if (!Array.isArray(conds)) fail(`${path}.min_should.conditions`, 'expected an array of conditions');
      const minCount = ms.min_count;
      if (typeof minCount !== 'number' || !Number.isSafeInteger(minCount) || minCount < 0) {
        fail(`${path}.min_should.min_count`, 'expected a non-negative integer');
      }
      out.min_should = {
        conditions: conds.map((c, i) => parseCondition(c, `${path}.min_should.conditions[${i}]`, depth)),
        min_count: minCount,
      };
    } else {
      fail(`${path}.${k}`, 'unknown field, expected one of must, should, must_not, min_should');
    }
  }
  return out;
}

function parseCondition(value: unknown, path: string, depth: number): Condition {
  const obj = asObject(value, path);
  if ('key' in obj) return parseFieldCondition(obj, path);
  if ('is_empty' in obj)
    return { is_empty: { key: keyOf(asObject(obj.is_empty, `${path}.is_empty`), `${path}.is_empty`) } };
  if ('is_null' in obj) return { is_null: { key: keyOf(asObject(obj.is_null, `${path}.is_null`), `${path}.is_null`) } };
  if ('has_id' in obj) {
    if (!Array.isArray(obj.has_id)) fail(`${path}.has_id`, 'expected an array of point ids');
    return {
      has_id: obj.has_id.map((id, i) => {
        const c = canonicalPointId(id);
        if (c === null) fail(`${path}.has_id[${i}]`, pointIdError(id));
        return c;
      }),
    };
  }
  if ('nested' in obj) {
    const n = asObject(obj.nested, `${path}.nested`);
    return {
      nested: { key: keyOf(n, `${path}.nested`), filter: parseFilter(n.filter, `${path}.nested.filter`, depth + 1) },
    };
  }
  if ('has_vector' in obj) {
    // any string: a name the collection does not have is no error, it matches no point (as in Qdrant); anything
    // else fails every condition form, and Qdrant says so in these words
    if (typeof obj.has_vector !== 'string') fail(path, NO_CONDITION_FORM);
    return { has_vector: obj.has_vector };
  }
  const keys = Object.keys(obj);
  if (keys.every((k) => k === 'must' || k === 'should' || k === 'must_not' || k === 'min_should')) {
    return parseFilter(obj, path, depth + 1);
  }
  fail(
    path,
    'expected a condition: {key, match|range|values_count}, is_empty, is_null, has_id, has_vector, nested or a filter',
  );
}

function parseFieldCondition(obj: Record<string, unknown>, path: string): Condition {
  const key = keyOf(obj, path);
  const kinds = [
    'match',
    'range',
    'values_count',
    'is_empty',
    'is_null',
    'geo_radius',
    'geo_bounding_box',
    'geo_polygon',
  ].filter((k) => obj[k] !== undefined && obj[k] !== null);
  if (kinds.length !== 1) {
    fail(
      path,
      'a field condition needs exactly one of match, range, values_count, is_empty, is_null, geo_radius, ' +
        'geo_bounding_box, geo_polygon',
    );
  }
  if (kinds[0] === 'geo_radius') return { key, geo_radius: parseGeoRadius(obj.geo_radius, `${path}.geo_radius`) };
  if (kinds[0] === 'geo_bounding_box') {
    const b = asObject(obj.geo_bounding_box, `${path}.geo_bounding_box`);
    return {
      key,
      geo_bounding_box: {
        top_left: parseGeoPoint(b.top_left, `${path}.geo_bounding_box.top_left`),
        bottom_right: parseGeoPoint(b.bottom_right, `${path}.geo_bounding_box.bottom_right`),
      },
    };
  }
  if (kinds[0] === 'geo_polygon') return { key, geo_polygon: parseGeoPolygon(obj.geo_polygon, `${path}.geo_polygon`) };
  if (kinds[0] === 'is_empty' || kinds[0] === 'is_null') {
    // Qdrant's FieldCondition `{key, is_empty: bool}` / `{key, is_null: bool}`: the field form of the
    // `{is_empty: {key}}` condition, `false` being its negation
    const flag = obj[kinds[0]];
    if (typeof flag !== 'boolean') fail(`${path}.${kinds[0]}`, 'expected a boolean');
    const condition = (kinds[0] === 'is_empty' ? { is_empty: { key } } : { is_null: { key } }) as Condition;
    return flag ? condition : { must_not: [condition] };
  }
  if (kinds[0] === 'match') return { key, match: parseMatch(obj.match, `${path}.match`) };
  if (kinds[0] === 'range') return { key, range: parseRange(obj.range, `${path}.range`, false) };
  return { key, values_count: parseRange(obj.values_count, `${path}.values_count`, true) };
}

/** Qdrant's GeoPoint: `{lon, lat}` numbers, validated on deserialization with its wording. */
function parseGeoPoint(value: unknown, path: string): GeoPoint {
  const o = asObject(value, path);
  if (typeof o.lon !== 'number' || !Number.isFinite(o.lon)) fail(`${path}.lon`, 'expected a number');
  if (typeof o.lat !== 'number' || !Number.isFinite(o.lat)) fail(`${path}.lat`, 'expected a number');
  if (o.lon < -180 || o.lon > 180 || o.lat < -90 || o.lat > 90) {
    fail(
      path,
      `Wrong format of GeoPoint payload: expected \`lat\` = ${o.lat} within [-90;90] and \`lon\` = ${o.lon} within [-180;180]`,
    );
  }
  return { lon: o.lon, lat: o.lat };
}

function parseGeoRadius(value: unknown, path: string): GeoRadius {
  const o = asObject(value, path);
  if (typeof o.radius !== 'number' || !Number.isFinite(o.radius)) fail(`${path}.radius`, 'expected a number');
  return { center: parseGeoPoint(o.center, `${path}.center`), radius: o.radius };
}

/** A closed line of at least 4 points (Qdrant's GeoPolygon::validate_line_string, same messages). */
function parseLineString(value: unknown, path: string): { points: GeoPoint[] } {
  const o = asObject(value, path);
  if (!Array.isArray(o.points)) fail(`${path}.points`, 'expected an array of geo points');
  const points = o.points.map((p, i) => parseGeoPoint(p, `${path}.points[${i}]`));
  if (points.length <= 3) fail(path, `polygon invalid, the size must be at least 4, got ${points.length}`);
  const first = points[0];
  const last = points[points.length - 1];
  if (Math.abs(first.lat - last.lat) > Number.EPSILON || Math.abs(first.lon - last.lon) > Number.EPSILON) {
    fail(path, 'polygon invalid, the first and the last points should be the same to form a closed line');
  }
  return { points };
}

function parseGeoPolygon(value: unknown, path: string): GeoPolygon {
  const o = asObject(value, path);
  const exterior = parseLineString(o.exterior, `${path}.exterior`);
  if (o.interiors === undefined || o.interiors === null) return { exterior };
  if (!Array.isArray(o.interiors)) fail(`${path}.interiors`, 'expected an array of line strings');
  return { exterior, interiors: o.interiors.map((r, i) => parseLineString(r, `${path}.interiors[${i}]`)) };
}

function parseMatch(value: unknown, path: string): MatchCondition {
  const m = asObject(value, path);
  if ('value' in m) {
    const v = m.value;
    if (typeof v === 'string' || typeof v === 'boolean') return { value: v };
    if (typeof v === 'number' && Number.isSafeInteger(v)) return { value: v };
    fail(`${path}.value`, 'expected a string, an integer or a boolean');
  }
  if ('any' in m || 'except' in m) {
    const which = 'any' in m ? 'any' : 'except';
    const list = m[which];
    if (!Array.isArray(list)) fail(`${path}.${which}`, 'expected an array of strings or of integers');
    const allStrings = list.every((x) => typeof x === 'string');
    const allInts = list.every((x) => typeof x === 'number' && Number.isSafeInteger(x));
    if (!allStrings && !allInts) fail(`${path}.${which}`, 'expected an array of strings or of integers (not mixed)');
    return which === 'any' ? { any: list as (string | number)[] } : { except: list as (string | number)[] };
  }
  for (const textKind of ['text', 'text_any', 'phrase'] as const) {
    if (textKind in m) {
      const t = m[textKind];
      if (typeof t !== 'string') fail(`${path}.${textKind}`, 'expected a string');
      return { [textKind]: t } as MatchCondition;
    }
  }
  fail(path, 'expected one of value, any, except, text, text_any, phrase');
}

function parseRange(value: unknown, path: string, counts: boolean): RangeCondition {
  const r = asObject(value, path);
  const out: RangeCondition = {};
  let kind: 'number' | 'string' | null = null;
  for (const k of Object.keys(r)) {
    if (k !== 'lt' && k !== 'gt' && k !== 'lte' && k !== 'gte')
      fail(`${path}.${k}`, 'unknown field, expected lt, gt, lte, gte');
    const v = r[k];
    if (v === null || v === undefined) continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail(`${path}.${k}`, 'expected a finite number');
      if (counts && (!Number.isSafeInteger(v) || v < 0)) fail(`${path}.${k}`, 'expected a non-negative integer');
      if (kind === 'string') fail(path, 'bounds must be all numbers or all datetimes');
      kind = 'number';
    } else if (typeof v === 'string' && !counts) {
      if (Number.isNaN(parseDateTime(v))) fail(`${path}.${k}`, `\`${v}\` is not an RFC 3339 datetime`);
      if (kind === 'number') fail(path, 'bounds must be all numbers or all datetimes');
      kind = 'string';
    } else {
      fail(`${path}.${k}`, counts ? 'expected a non-negative integer' : 'expected a number or an RFC 3339 datetime');
    }
    out[k] = v;
  }
  return out;
}

/** Milliseconds since the epoch for an RFC 3339 / ISO 8601 datetime (UTC when no offset is given), NaN otherwise. */
export function parseDateTime(s: string): number {
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(s)) return NaN;
  const normalized = s.replace(' ', 'T');
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(normalized) && normalized.includes('T');
  return Date.parse(hasZone || !normalized.includes('T') ? normalized : `${normalized}Z`);
}

function keyOf(obj: Record<string, unknown>, path: string): string {
  const key = obj.key;
  if (typeof key !== 'string') fail(`${path}.key`, 'expected a string');
  try {
    parsePayloadPath(key);
  } catch (e) {
    fail(`${path}.key`, (e as Error).message);
  }
  return key;
}

function asObject(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(path, 'expected an object');
  return value as Record<string, unknown>;
}

function fail(path: string, message: string): never {
  throw malformed(path, message);
}
