/**
 * Compiles a Qdrant payload Filter into a predicate `(id, payload) => boolean`. Pure: no I/O, no clock.
 *
 * Semantics follow Qdrant's condition checker (lib/segment/src/payload_storage/query_checker.rs and
 * condition_checker.rs), not intuition:
 * - must: every condition holds; should: at least one holds (an empty `should: []` matches nothing); must_not: none
 *   holds; min_should: at least `min_count` of its conditions hold. Absent clauses are true.
 * - A key path may yield several values (`a[]`); a field condition holds when ANY value holds, and an array value holds
 *   when ANY element holds (arrays inside arrays are not flattened).
 * - A missing key (no values) fails match/range, and values_count sees a count of 0.
 * - match.value compares strings to strings, integers to integers, booleans to booleans (no coercion). match.except
 *   holds for any non-null value outside the list (a value of another type counts as outside); a missing key or null
 *   fails it. match.text / phrase are substring tests (Qdrant without a full-text index), an empty phrase matching
 *   nothing; text_any: any word is a substring.
 * - With a text index on the key (the collection's payload_schema), match.text / text_any / phrase compare tokens
 *   of Qdrant's tokenizer instead (text/text-match.ts).
 * - geo_radius / geo_bounding_box / geo_polygon hold when a `{lon, lat}` value (or an element of an array value)
 *   lies inside (geo.ts).
 * - range compares numbers (or RFC 3339 datetimes when the bounds are strings); values_count counts array elements
 *   (a scalar counts 1, null counts 0).
 * - is_empty: every value is null or [] (true for a missing key); is_null: some value is exactly null.
 * - has_id compares canonical ids (integers, lower-case hyphenated UUIDs); nested applies the inner filter to each
 *   object of the array at `key` and holds when one object satisfies all of it (has_id inside nested never holds).
 * - has_vector holds when the point holds the named vector (dense, multivector or sparse; '' = the unnamed one): a
 *   name the point lacks, was never given or had deleted, or that the collection does not have, does not hold. It
 *   reads the point's vector presence, never its payload, and never holds inside nested (as has_id).
 *
 * The input must already be normalized by parseFilter (filter-parse.ts); the API layer does that on every request.
 */
import {
  clauseConditions,
  isClauseGroup,
  type Condition,
  type Filter,
  type GeoPoint,
  type MatchCondition,
  type RangeCondition,
} from '../model/filter.js';
import { type PayloadSchema, textIndexOf } from '../model/payload-schema.js';
import type { PointId } from '../model/point-id.js';
import { canonicalPointId } from '../model/point-id.js';
import { internal } from '../model/errors.js';
import { parseDateTime } from './filter-parse.js';
import { inBoundingBox, inPolygon, inRadius } from './geo.js';
import { parsePayloadPath, valuesAt } from './payload-path.js';
import { compileTextMatch } from './text/text-match.js';

export type Payload = Record<string, unknown> | null | undefined;
/** Which vectors a point holds, by name: a point's VectorRows, or a segment's presence masks at its offset. */
export interface VectorPresence {
  has(name: string): boolean;
}
/**
 * `vectors`: the point's vector presence; null only where the filter has no has_vector outside nested
 * (`filterVectorNames` is empty), else evaluating one is a broken invariant of the caller.
 */
export type PointPredicate = (id: PointId, payload: Payload, vectors: VectorPresence | null) => boolean;

/**
 * One compiled filter; reuse it for every point of a search. `schema` is the collection's payload_schema: a text
 * index on a key turns that key's text conditions into token matches (text/text-match.ts).
 */
export function compileFilter(filter: Filter | null | undefined, schema?: PayloadSchema): PointPredicate {
  if (!filter) return () => true;
  const check = compileClauses(filter, true, { schema, prefix: '' });
  return (id, payload, vectors) => check(id, payload ?? {}, vectors);
}

/** Convenience for tests and one-off checks. */
export function matchesFilter(
  filter: Filter | null | undefined,
  id: PointId,
  payload: Payload,
  schema?: PayloadSchema,
  vectors: VectorPresence | null = null,
): boolean {
  return compileFilter(filter, schema)(id, payload, vectors);
}

/**
 * The vector names the filter's has_vector conditions ask about (outside nested, where they never hold): empty
 * when evaluating it needs no vector presence, so callers look presence up only for filters that use it.
 */
export function filterVectorNames(filter: Filter | null | undefined): Set<string> {
  const names = new Set<string>();
  const visit = (f: Filter): void => {
    for (const c of clauseConditions(f)) {
      if ('has_vector' in c) names.add(c.has_vector);
      else if (isClauseGroup(c)) visit(c);
    }
  };
  if (filter) visit(filter);
  return names;
}

/**
 * `filter` with every has_vector (outside nested) on a name `stale` says a segment holds no live data for (a space
 * of a vector name deleted or re-created since it was written) replaced by a condition no point meets (an empty
 * `should`); the same object when none is. A segment's presence masks then need no knowledge of generations.
 */
export function withStaleVectorsAbsent(filter: Filter, stale: (name: string) => boolean): Filter {
  if (![...filterVectorNames(filter)].some(stale)) return filter;
  const one = (c: Condition): Condition => {
    if ('has_vector' in c) return stale(c.has_vector) ? { should: [] } : c;
    return isClauseGroup(c) ? clauses(c) : c;
  };
  const clauses = (f: Filter): Filter => ({
    ...f,
    ...(f.must ? { must: f.must.map(one) } : {}),
    ...(f.should ? { should: f.should.map(one) } : {}),
    ...(f.must_not ? { must_not: f.must_not.map(one) } : {}),
    ...(f.min_should ? { min_should: { ...f.min_should, conditions: f.min_should.conditions.map(one) } } : {}),
  });
  return clauses(filter);
}

/** What a condition needs to know beyond itself: the schema, and the key path of the nested object it is in. */
interface Scope {
  schema: PayloadSchema | undefined;
  /** `a[].` inside `nested: {key: a}`, so `b` is looked up in the schema as `a[].b` */
  prefix: string;
}

type Check = (id: PointId | null, payload: unknown, vectors: VectorPresence | null) => boolean;

/** `atPoint`: false inside nested, where the conditions on the point itself (has_id, has_vector) never hold. */
function compileClauses(filter: Filter, atPoint: boolean, scope: Scope): Check {
  const parts: Check[] = [];
  const must = asList(filter.must);
  const should = asList(filter.should);
  const mustNot = asList(filter.must_not);
  if (should) {
    const cs = should.map((c) => compileCondition(c, atPoint, scope));
    parts.push((id, p, v) => cs.some((c) => c(id, p, v)));
  }
  if (filter.min_should) {
    const cs = filter.min_should.conditions.map((c) => compileCondition(c, atPoint, scope));
    const need = filter.min_should.min_count;
    parts.push((id, p, v) => {
      let hits = 0;
      for (const c of cs) if (c(id, p, v) && ++hits >= need) return true;
      return hits >= need;
    });
  }
  if (must) {
    const cs = must.map((c) => compileCondition(c, atPoint, scope));
    parts.push((id, p, v) => cs.every((c) => c(id, p, v)));
  }
  if (mustNot) {
    const cs = mustNot.map((c) => compileCondition(c, atPoint, scope));
    parts.push((id, p, v) => !cs.some((c) => c(id, p, v)));
  }
  if (parts.length === 0) return () => true;
  if (parts.length === 1) return parts[0];
  return (id, p, v) => parts.every((c) => c(id, p, v));
}

function asList(v: Condition[] | Condition | null | undefined): Condition[] | null {
  if (v === null || v === undefined) return null;
  return Array.isArray(v) ? v : [v];
}

function compileCondition(c: Condition, atPoint: boolean, scope: Scope): Check {
  if ('key' in c) {
    const steps = parsePayloadPath(c.key);
    if ('match' in c) {
      const text = textIndexOf(scope.schema, scope.prefix + c.key);
      const m = c.match;
      if (text !== null && ('text' in m || 'text_any' in m || 'phrase' in m)) {
        const kind = 'text' in m ? 'text' : 'text_any' in m ? 'text_any' : 'phrase';
        const test = compileTextMatch(kind, 'text' in m ? m.text : 'text_any' in m ? m.text_any : m.phrase, text);
        return (_id, p) => test(valuesAt(p, steps));
      }
      const test = compileMatch(m);
      return (_id, p) => {
        for (const v of valuesAt(p, steps)) if (anyElement(v, test)) return true;
        return false;
      };
    }
    if ('range' in c) {
      const test = compileRange(c.range);
      return (_id, p) => {
        for (const v of valuesAt(p, steps)) if (anyElement(v, test)) return true;
        return false;
      };
    }
    if ('geo_radius' in c || 'geo_bounding_box' in c || 'geo_polygon' in c) {
      const inside = compileGeo(c);
      return (_id, p) => {
        for (const v of valuesAt(p, steps)) {
          if (Array.isArray(v)) {
            for (const x of v) if (checkGeo(inside, x)) return true;
          } else if (checkGeo(inside, v)) return true;
        }
        return false;
      };
    }
    const inRange = numericRange(c.values_count);
    return (_id, p) => {
      const values = valuesAt(p, steps);
      if (values.length === 0) return inRange(0);
      return values.some((v) => inRange(v === null ? 0 : Array.isArray(v) ? v.length : 1));
    };
  }
  if ('is_empty' in c) {
    const steps = parsePayloadPath(c.is_empty.key);
    return (_id, p) => valuesAt(p, steps).every((v) => v === null || (Array.isArray(v) && v.length === 0));
  }
  if ('is_null' in c) {
    const steps = parsePayloadPath(c.is_null.key);
    return (_id, p) => valuesAt(p, steps).some((v) => v === null);
  }
  if ('has_id' in c) {
    if (!atPoint) return () => false;
    const ids = new Set<PointId>();
    for (const id of c.has_id) {
      const canon = canonicalPointId(id);
      if (canon !== null) ids.add(canon);
    }
    return (id) => {
      if (id === null) return false;
      const canon = typeof id === 'number' ? id : canonicalPointId(id);
      return canon !== null && ids.has(canon);
    };
  }
  if ('has_vector' in c) {
    if (!atPoint) return () => false;
    const name = c.has_vector;
    return (_id, _p, vectors) => {
      if (vectors === null) throw internal("has_vector evaluated without the point's vector presence");
      return vectors.has(name);
    };
  }
  if ('nested' in c) {
    const steps = parsePayloadPath(c.nested.key);
    const last = steps[steps.length - 1];
    if (!('all' in last)) steps.push({ all: true }); // Qdrant's array_key(): `diet` and `diet[]` mean the same
    const inner = compileClauses(c.nested.filter, false, {
      schema: scope.schema,
      prefix: `${scope.prefix}${c.nested.key.replace(/\[\]$/, '')}[].`,
    });
    return (_id, p) =>
      valuesAt(p, steps).some((v) => v !== null && typeof v === 'object' && !Array.isArray(v) && inner(null, v, null));
  }
  return compileClauses(c, atPoint, scope);
}

type GeoCondition = Extract<
  Condition,
  { geo_radius: unknown } | { geo_bounding_box: unknown } | { geo_polygon: unknown }
>;

function compileGeo(c: GeoCondition): (p: GeoPoint) => boolean {
  if ('geo_radius' in c) return (p) => inRadius(c.geo_radius, p);
  if ('geo_bounding_box' in c) return (p) => inBoundingBox(c.geo_bounding_box, p);
  return (p) => inPolygon(c.geo_polygon, p);
}

/** Qdrant reads `lon`/`lat` of an object value without range checks; anything else never matches. */
function checkGeo(inside: (p: GeoPoint) => boolean, v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.lon === 'number' && typeof o.lat === 'number' && inside({ lon: o.lon, lat: o.lat });
}

function anyElement(v: unknown, test: (x: unknown) => boolean): boolean {
  if (Array.isArray(v)) {
    for (const x of v) if (test(x)) return true;
    return false;
  }
  return test(v);
}

function compileMatch(m: MatchCondition): (x: unknown) => boolean {
  if ('value' in m) {
    const want = m.value;
    return (x) => x === want;
  }
  if ('any' in m) {
    const set = new Set<unknown>(m.any);
    return (x) => (typeof x === 'string' || typeof x === 'number') && set.has(x);
  }
  if ('except' in m) {
    const listIsStrings = m.except.every((x) => typeof x === 'string');
    const listIsInts = m.except.every((x) => typeof x === 'number');
    const set = new Set<unknown>(m.except);
    return (x) => {
      if (x === null || x === undefined) return false;
      if (typeof x === 'string' && listIsStrings) return !set.has(x);
      if (typeof x === 'number' && listIsInts) return !Number.isInteger(x) || !set.has(x);
      return true;
    };
  }
  if ('text' in m) {
    const t = m.text;
    return (x) => typeof x === 'string' && x.includes(t);
  }
  if ('phrase' in m) {
    const t = m.phrase;
    // a phrase with no word in it is no phrase: it selects nothing (as text_any with no word, and as Qdrant's
    // full-text index, which finds no document for an empty token sequence), never every string
    if (t.trim() === '') return () => false;
    return (x) => typeof x === 'string' && x.includes(t);
  }
  const words = m.text_any.split(/\s+/).filter((w) => w.length > 0);
  return (x) => typeof x === 'string' && words.some((w) => x.includes(w));
}

function compileRange(r: RangeCondition): (x: unknown) => boolean {
  const isDate = [r.lt, r.gt, r.lte, r.gte].some((b) => typeof b === 'string');
  if (!isDate) {
    const inRange = numericRange(r);
    return (x) => typeof x === 'number' && inRange(x);
  }
  const toMs = (b: number | string | null | undefined): number | null =>
    b === null || b === undefined ? null : typeof b === 'string' ? parseDateTime(b) : b;
  const inRange = numericRange({ lt: toMs(r.lt), gt: toMs(r.gt), lte: toMs(r.lte), gte: toMs(r.gte) });
  return (x) => {
    if (typeof x !== 'string') return false;
    const ms = parseDateTime(x);
    return !Number.isNaN(ms) && inRange(ms);
  };
}

function numericRange(r: RangeCondition): (x: number) => boolean {
  const lt = typeof r.lt === 'number' ? r.lt : null;
  const gt = typeof r.gt === 'number' ? r.gt : null;
  const lte = typeof r.lte === 'number' ? r.lte : null;
  const gte = typeof r.gte === 'number' ? r.gte : null;
  return (x) =>
    (lt === null || x < lt) && (gt === null || x > gt) && (lte === null || x <= lte) && (gte === null || x >= gte);
}
