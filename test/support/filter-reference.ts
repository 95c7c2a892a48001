/**
 * A small, deliberately naive reference model of Qdrant's filter rules, written from its filtering documentation
 * (qdrant.tech/documentation/concepts/filtering) and condition checker, independently of lib/segment/filter.ts and
 * of the field indexes: the property tests hold both engines' answers against it.
 *
 * Scope: the key paths the generators use (`a`, `a.b`, `a[].b`, no quoting or `[i]`), RFC 3339 datetimes of the
 * forms they generate. Rules:
 * - a key on an array yields nothing; `a[]` enters it; the values at a path are then flattened one level and a
 *   field condition holds when ANY flattened value satisfies it (a missing key satisfies nothing, except
 *   values_count with a count of 0);
 * - match value: same type and value; any: the value is one of the list; except: a non-null value not in the list
 *   (a value of another type is "not in the list");
 * - text / text_any / phrase: without a text index, substring tests (text_any: any whitespace-separated word; an
 *   empty phrase matches nothing); with one, tokens of its tokenizer (the one thing taken from lib/: re-deriving
 *   snowball stemmers here would test nothing): text = every query token among the point's tokens, text_any = one,
 *   phrase = consecutive within one value and only with phrase_matching; no query token = no match;
 * - range: numbers against number bounds, datetime strings (UTC when no offset) against datetime bounds;
 * - values_count: per value at the path, an array counts its length, null 0, anything else 1;
 * - geo: `{lon, lat}` objects; radius strictly below (haversine, mean Earth radius 6371008.8 m), bounding box and
 *   polygon strictly inside (the generators use axis-aligned rectangles, so "inside" is a comparison);
 * - is_empty: no value other than null and []; is_null: some value is exactly null;
 * - has_id: the point's id; has_vector: the point holds the named vector (the set of names it holds);
 * - nested: some object of the array at key satisfies the whole inner filter (no has_id, no has_vector there);
 * - must: all, should: at least one (an empty list: none), must_not: none, min_should: at least min_count.
 */
import type { Condition, Filter, GeoPoint, RangeCondition } from '../../lib/model/filter.js';
import { type PayloadSchema, type TextIndexParams, textIndexOf } from '../../lib/model/payload-schema.js';
import type { PointId } from '../../lib/model/point-id.js';
import { Tokenizer } from '../../lib/segment/text/tokenizer.js';

/** The text indexes in force (key -> params); every other key has substring text semantics. */
export type TextIndexes = Readonly<Record<string, TextIndexParams>>;

/** The text indexes a payload_schema declares. */
export function textIndexes(schema: PayloadSchema): TextIndexes {
  const out: Record<string, TextIndexParams> = {};
  for (const key of Object.keys(schema)) {
    const t = textIndexOf(schema, key);
    if (t !== null) out[key] = t;
  }
  return out;
}

export function referenceMatch(
  filter: Filter,
  id: PointId,
  payload: unknown,
  text: TextIndexes = {},
  vectors: ReadonlySet<string> = new Set(),
): boolean {
  return holds(filter, { id, vectors }, payload ?? {}, text, '');
}

/** The point itself, or null inside nested (where conditions on the point never hold). */
type PointRef = { id: PointId; vectors: ReadonlySet<string> } | null;

function holds(f: Filter, point: PointRef, p: unknown, text: TextIndexes, prefix: string): boolean {
  const one = (c: Condition) => condition(c, point, p, text, prefix);
  if (f.must && !f.must.every(one)) return false;
  if (f.should && !f.should.some(one)) return false;
  if (f.must_not?.some(one)) return false;
  if (f.min_should && f.min_should.conditions.filter(one).length < f.min_should.min_count) return false;
  return true;
}

/** Values at a dotted path; `[]` after a name enters its array. */
export function pathValues(root: unknown, key: string): unknown[] {
  let current: unknown[] = [root];
  for (const part of key.split('.')) {
    const all = part.endsWith('[]');
    const name = all ? part.slice(0, -2) : part;
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || !(name in v)) continue;
      const x = (v as Record<string, unknown>)[name];
      if (all) {
        if (Array.isArray(x)) next.push(...x);
      } else next.push(x);
    }
    current = next;
  }
  return current;
}

const flat = (values: unknown[]): unknown[] => values.flatMap((v) => (Array.isArray(v) ? v : [v]));

function condition(c: Condition, point: PointRef, p: unknown, text: TextIndexes, prefix: string): boolean {
  if ('has_id' in c) return point !== null && c.has_id.includes(point.id);
  if ('has_vector' in c) return point?.vectors.has(c.has_vector) === true;
  if ('is_empty' in c) return pathValues(p, c.is_empty.key).every((v) => v === null || (Array.isArray(v) && !v.length));
  if ('is_null' in c) return pathValues(p, c.is_null.key).includes(null);
  if ('nested' in c) {
    const key = c.nested.key.endsWith('[]') ? c.nested.key : `${c.nested.key}[]`;
    const inner = `${prefix}${key}.`;
    return pathValues(p, key).some(
      (o) => o !== null && typeof o === 'object' && !Array.isArray(o) && holds(c.nested.filter, null, o, text, inner),
    );
  }
  if (!('key' in c)) return holds(c, point, p, text, prefix);
  const raw = pathValues(p, c.key);
  const values = flat(raw);
  if ('values_count' in c) {
    const counts = raw.length === 0 ? [0] : raw.map((v) => (v === null ? 0 : Array.isArray(v) ? v.length : 1));
    return counts.some((n) => inNumbers(c.values_count, n));
  }
  if ('range' in c) {
    const dates = Object.values(c.range).some((b) => typeof b === 'string');
    return values.some((v) =>
      dates
        ? typeof v === 'string' && inNumbers(asMs(c.range), epochMs(v))
        : typeof v === 'number' && inNumbers(c.range, v),
    );
  }
  if ('geo_radius' in c) return geo(values).some((g) => haversine(c.geo_radius.center, g) < c.geo_radius.radius);
  if ('geo_bounding_box' in c) {
    const { top_left: tl, bottom_right: br } = c.geo_bounding_box;
    return geo(values).some((g) => tl.lon < g.lon && g.lon < br.lon && br.lat < g.lat && g.lat < tl.lat);
  }
  if ('geo_polygon' in c) {
    const outer = box(c.geo_polygon.exterior.points);
    const holes = (c.geo_polygon.interiors ?? []).map((r) => box(r.points));
    return geo(values).some((g) => strictlyIn(outer, g) && !holes.some((h) => closedIn(h, g)));
  }
  const m = c.match;
  if ('value' in m) return values.some((v) => v === m.value);
  if ('any' in m) return values.some((v) => (m.any as unknown[]).includes(v));
  if ('except' in m) return values.some((v) => v !== null && !(m.except as unknown[]).includes(v));
  const strings = values.filter((v): v is string => typeof v === 'string');
  const params = text[prefix + c.key];
  if (params === undefined) {
    if ('text' in m) return strings.some((s) => s.includes(m.text));
    if ('phrase' in m) return m.phrase.trim() !== '' && strings.some((s) => s.includes(m.phrase));
    const words = m.text_any.split(/\s+/).filter(Boolean);
    return strings.some((s) => words.some((w) => s.includes(w)));
  }
  const tk = new Tokenizer(params);
  if ('phrase' in m) {
    const want = tk.document(m.phrase);
    if (!params.phrase_matching || want.length === 0) return false;
    return strings.some((s) => {
      const doc = tk.document(s).join('\u0000');
      return `\u0000${doc}\u0000`.includes(`\u0000${want.join('\u0000')}\u0000`);
    });
  }
  const query = tk.query('text' in m ? m.text : m.text_any);
  if (query.length === 0) return false;
  const doc = new Set(strings.flatMap((s) => tk.document(s)));
  return 'text' in m ? query.every((t) => doc.has(t)) : query.some((t) => doc.has(t));
}

function inNumbers(r: RangeCondition, x: number): boolean {
  const n = (b: unknown) => (typeof b === 'number' ? b : null);
  const [lt, gt, lte, gte] = [n(r.lt), n(r.gt), n(r.lte), n(r.gte)];
  if (Number.isNaN(x)) return false;
  return (lt === null || x < lt) && (gt === null || x > gt) && (lte === null || x <= lte) && (gte === null || x >= gte);
}

function asMs(r: RangeCondition): RangeCondition {
  const ms = (b: unknown) => (typeof b === 'string' ? epochMs(b) : null);
  return { lt: ms(r.lt), gt: ms(r.gt), lte: ms(r.lte), gte: ms(r.gte) };
}

/** The generators' datetime forms: `YYYY-MM-DD`, `YYYY-MM-DD[T ]hh:mm:ss` with `Z`, an offset, or none (UTC). */
function epochMs(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:\d{2})?)?$/.exec(s);
  if (m === null) return Number.NaN;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', zone = 'Z'] = m;
  const utc = Date.UTC(+y, +mo - 1, +d, +h, +mi, +sec);
  if (zone === 'Z') return utc;
  const sign = zone[0] === '-' ? -1 : 1;
  return utc - sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
}

function geo(values: unknown[]): GeoPoint[] {
  const out: GeoPoint[] = [];
  for (const v of values) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) continue;
    const { lon, lat } = v as Record<string, unknown>;
    if (typeof lon === 'number' && typeof lat === 'number') out.push({ lon, lat });
  }
  return out;
}

function haversine(a: GeoPoint, b: GeoPoint): number {
  const r = Math.PI / 180;
  const s = Math.sin(((b.lat - a.lat) * r) / 2) ** 2;
  const t = Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(((b.lon - a.lon) * r) / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(s + t)));
}

interface Box {
  minLon: number;
  maxLon: number;
  minLat: number;
  maxLat: number;
}
const box = (ring: GeoPoint[]): Box => ({
  minLon: Math.min(...ring.map((q) => q.lon)),
  maxLon: Math.max(...ring.map((q) => q.lon)),
  minLat: Math.min(...ring.map((q) => q.lat)),
  maxLat: Math.max(...ring.map((q) => q.lat)),
});
const strictlyIn = (b: Box, g: GeoPoint) =>
  b.minLon < g.lon && g.lon < b.maxLon && b.minLat < g.lat && g.lat < b.maxLat;
const closedIn = (b: Box, g: GeoPoint) =>
  b.minLon <= g.lon && g.lon <= b.maxLon && b.minLat <= g.lat && g.lat <= b.maxLat;
