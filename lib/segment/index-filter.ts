/**
 * A filter over one segment evaluated into a point mask, with the segment's field indexes answering every condition
 * they can (field-index-format.ts) and the payload scan (filter.ts) only the others: when every condition is served,
 * no payload is read at all.
 *
 * Invariant: a served condition gives exactly the scan's answer (the index stores the values the scan looks at,
 * field-values.ts `storedValues`); the clause logic (must / should / must_not / min_should) is filter.ts's, on masks.
 * Served conditions (a field condition whose key has an index in the segment):
 * - match value / any: keyword or uuid (strings), integer or float (integers), bool (booleans);
 * - match except (needs the flags of a version 2 object): from the stored values and the flag of values the index
 *   does not store, which count as outside the list only when they cannot be in it: a list of strings over a
 *   keyword or uuid index (which store every string), a list of integers over an integer or float index (every
 *   number); an empty list (every non-null value is outside) over any index but text (a string of no token leaves
 *   no trace in a text index). (filter-parse.ts refuses lists mixing strings and integers.) Other lists (strings over datetime or geo keys,
 *   whose raw strings the index does not keep) read payloads, as in Qdrant, whose datetime, geo and text indexes do
 *   not serve except either;
 * - match text / text_any / phrase: a text index built with the params the snapshot's schema has for the key
 *   (token semantics); without a text index in the schema, a keyword or uuid index (substring semantics);
 * - range: integer or float (number bounds), datetime (datetime bounds);
 * - geo_radius / geo_bounding_box / geo_polygon: geo;
 * - is_empty / is_null (top level, not inside nested): any index on the key, from its per-point flags (a version 1
 *   object has none: `SegmentFields.flagless` names such keys, and they read payloads);
 * - values_count: any index on the key, when every bound gives one answer for all counts from COUNT_CAP up (the
 *   cap the index stores): a path without `[]` from the count in its flags, a path with `[]` (any value's count
 *   passes) from the per-value counts of a version 4 object (`SegmentFields.countless` names keys without them);
 * - nested: when nested-leaves.ts rewrites it exactly as field conditions on full paths, each served;
 * - has_id: from the id table; has_vector: from the segment's vector presence masks (`LoadedFields.vectors`, built
 *   by vector-presence.ts from the spaces' `offsets` and the sparse row tables), never from payloads. Everything
 *   else (nested with several must conditions, must_not or values_count inside, except lists named above) reads
 *   payloads.
 */
import { clauseConditions, isClauseGroup, type Condition, type Filter, type RangeCondition } from '../model/filter.js';
import { type PayloadFieldSchema, type PayloadSchema, schemaType, textIndexOf } from '../model/payload-schema.js';
import type { Payload } from '../model/payload.js';
import type { PointId } from '../model/point-id.js';
import { COUNT_CAP } from './field-index-format.js';
import { compileFilter } from './filter.js';
import { parseDateTime } from './filter-parse.js';
import { inBoundingBox, inPolygon, inRadius } from './geo.js';
import { nestedLeaves } from './nested-leaves.js';
import { parsePayloadPath } from './payload-path.js';
import { Tokenizer } from './text/tokenizer.js';

/**
 * What a condition asks of a key's index: a whole decoded object (field-index-format.ts FieldIndex) or one
 * query's session over a paged one (field-index-paged.ts), which answer identically.
 */
export interface FieldIndexView {
  readonly count: number;
  readonly dictionarySize: number;
  /** a version 1 object: no emptiness / foreign / count flags */
  readonly flagless: boolean;
  /** per-value counts (a version 4 object): values_count on a `[]` path */
  readonly valueCounts: boolean;
  selectValues(test: (v: number | string) => boolean): Uint8Array;
  selectPoints(inside: (p: { lon: number; lat: number }) => boolean): Uint8Array;
  idOfString(s: string): number;
  maskAny(selected: Uint8Array): Uint8Array;
  maskWhere(test: (refs: Uint32Array, from: number, to: number) => boolean): Uint8Array;
  maskOfEmptiness(kind: 'is_empty' | 'is_null'): Uint8Array;
  maskOfForeign(): Uint8Array;
  maskOfCount(test: (count: number) => boolean, perValue?: boolean): Uint8Array;
}

export interface SegmentFields {
  count: number;
  /** the field indexes the segment was built with (its meta), by key */
  schemaOf(key: string): PayloadFieldSchema | undefined;
  externalId(offset: number): PointId;
  /** keys whose loaded index has no emptiness flags (a version 1 object): is_empty / is_null on them scan payloads */
  flagless?: ReadonlySet<string>;
  /** keys whose loaded index has no per-value counts: values_count on their `[]` paths scans payloads */
  countless?: ReadonlySet<string>;
}

export interface LoadedFields extends SegmentFields {
  /** the loaded index of a key whose schemaOf is defined */
  index(key: string): FieldIndexView;
  /** every payload, present when `conditionsNeedingPayloads` found any */
  payloads: readonly (Payload | null)[] | null;
  /**
   * per vector name of the filter's has_vector conditions (filter.ts filterVectorNames): 1 where the point holds
   * that vector (vector-presence.ts); may be absent when the filter names none
   */
  vectors?: ReadonlyMap<string, Uint8Array>;
}

type MaskFn = (seg: LoadedFields) => Uint8Array;

/** Keys whose index the filter would use, and whether some condition still needs the payloads. */
export function planFilter(
  filter: Filter,
  seg: SegmentFields,
  schema: PayloadSchema | undefined,
): { keys: Set<string>; payloads: boolean } {
  const keys = new Set<string>();
  let payloads = false;
  const visit = (f: Filter): void => {
    for (const c of clauseConditions(f)) {
      if ('must' in c || 'should' in c || 'must_not' in c || 'min_should' in c) visit(c as Filter);
      else if ('has_id' in c || 'has_vector' in c) continue;
      else if ('key' in c && servedBy(c, seg, schema) !== null) keys.add(c.key);
      else if ('nested' in c && servedNested(c, seg, schema) !== null) {
        for (const leaf of nestedLeaves(c, schema) ?? []) keys.add(leaf.key);
      } else if (emptinessKey(c, seg) !== null) keys.add(emptinessKey(c, seg) as string);
      else if (isClauseGroup(c)) continue;
      else payloads = true;
    }
  };
  visit(filter);
  return { keys, payloads };
}

/** The key of an is_empty / is_null condition the key's index flags answer, else null. */
function emptinessKey(c: Condition, seg: SegmentFields): string | null {
  const key = 'is_empty' in c ? c.is_empty.key : 'is_null' in c ? c.is_null.key : null;
  if (key === null || seg.schemaOf(key) === undefined || seg.flagless?.has(key)) return null;
  return key;
}

/** The mask of points matching `filter` (1 = match). */
export function filterMaskOf(filter: Filter, seg: LoadedFields, schema: PayloadSchema | undefined): Uint8Array {
  return clauses(filter, seg, schema);
}

/**
 * filterMaskOf when some views (paged index sessions, field-index-paged.ts) first have to learn what to read: the
 * filter is evaluated once so they record their needs, `load` reads them all in one round, then it is evaluated
 * again and answered. Conditions are pure, so both passes ask for the same things.
 */
export async function filterMaskLoading(
  filter: Filter,
  seg: LoadedFields,
  schema: PayloadSchema | undefined,
  pending: readonly (() => Promise<void>)[],
): Promise<Uint8Array> {
  if (pending.length === 0) return clauses(filter, seg, schema);
  clauses(filter, seg, schema);
  await Promise.all(pending.map((load) => load()));
  return clauses(filter, seg, schema);
}

function clauses(f: Filter, seg: LoadedFields, schema: PayloadSchema | undefined): Uint8Array {
  const n = seg.count;
  const out = new Uint8Array(n).fill(1);
  const and = (m: Uint8Array): void => {
    for (let o = 0; o < n; o++) out[o] &= m[o];
  };
  if (f.should) {
    const any = new Uint8Array(n);
    for (const c of f.should) {
      const m = condition(c, seg, schema);
      for (let o = 0; o < n; o++) any[o] |= m[o];
    }
    and(any);
  }
  if (f.min_should) {
    const hits = new Uint32Array(n);
    for (const c of f.min_should.conditions) {
      const m = condition(c, seg, schema);
      for (let o = 0; o < n; o++) hits[o] += m[o];
    }
    const need = f.min_should.min_count;
    for (let o = 0; o < n; o++) out[o] &= hits[o] >= need ? 1 : 0;
  }
  for (const c of f.must ?? []) and(condition(c, seg, schema));
  for (const c of f.must_not ?? []) {
    const m = condition(c, seg, schema);
    for (let o = 0; o < n; o++) out[o] &= 1 - m[o];
  }
  return out;
}

function condition(c: Condition, seg: LoadedFields, schema: PayloadSchema | undefined): Uint8Array {
  if ('has_id' in c) {
    const ids = new Set<PointId>(c.has_id);
    const m = new Uint8Array(seg.count);
    for (let o = 0; o < seg.count; o++) if (ids.has(seg.externalId(o))) m[o] = 1;
    return m;
  }
  if ('has_vector' in c) return vectorMask(c.has_vector, seg);
  const emptiness = emptinessKey(c, seg);
  if (emptiness !== null) return seg.index(emptiness).maskOfEmptiness('is_empty' in c ? 'is_empty' : 'is_null');
  if ('key' in c) {
    const served = servedBy(c, seg, schema);
    if (served !== null) return served(seg);
  } else if ('nested' in c) {
    const served = servedNested(c, seg, schema);
    if (served !== null) return served(seg);
  } else if (!('is_empty' in c) && !('is_null' in c)) {
    return clauses(c as Filter, seg, schema);
  }
  // the scan, for this one condition
  const payloads = seg.payloads;
  if (payloads === null) throw new Error('index-filter: a condition needs payloads that were not loaded');
  // no has_vector outside nested reaches here (answered above), so the scan needs no vector presence
  const pred = compileFilter({ must: [c] }, schema);
  const m = new Uint8Array(seg.count);
  for (let o = 0; o < seg.count; o++) if (pred(seg.externalId(o), payloads[o], null)) m[o] = 1;
  return m;
}

/** The presence mask of a has_vector name; the caller loads one for every name of the filter. */
function vectorMask(name: string, seg: LoadedFields): Uint8Array {
  const m = seg.vectors?.get(name);
  if (m === undefined) throw new Error(`index-filter: no presence mask loaded for vector "${name}"`);
  return m;
}

/**
 * The mask of one leaf condition when the segment's loaded indexes answer it without payloads (the served set
 * above), else null: the per-condition cardinalities of an approximate count (query-estimator.ts).
 */
export function servedConditionMask(
  c: Exclude<Condition, Filter>,
  seg: LoadedFields,
  schema: PayloadSchema | undefined,
): Uint8Array | null {
  if ('has_vector' in c) return vectorMask(c.has_vector, seg);
  const emptiness = emptinessKey(c, seg);
  if (emptiness !== null) return seg.index(emptiness).maskOfEmptiness('is_empty' in c ? 'is_empty' : 'is_null');
  const served = 'key' in c ? servedBy(c, seg, schema) : 'nested' in c ? servedNested(c, seg, schema) : null;
  return served === null ? null : served(seg);
}

type FieldCondition = Extract<Condition, { key: string }>;

/** A nested condition as the OR of its exact rewriting's served leaves (nested-leaves.ts), or null. */
function servedNested(
  c: Extract<Condition, { nested: unknown }>,
  seg: SegmentFields,
  schema: PayloadSchema | undefined,
): MaskFn | null {
  const leaves = nestedLeaves(c, schema);
  if (leaves === null) return null;
  const masks: MaskFn[] = [];
  for (const leaf of leaves) {
    const m = servedBy(leaf, seg, schema);
    if (m === null) return null;
    masks.push(m);
  }
  return (s) => {
    const out = new Uint8Array(s.count);
    for (const m of masks) {
      const one = m(s);
      for (let o = 0; o < out.length; o++) out[o] |= one[o];
    }
    return out;
  };
}

/** How the segment's index on the condition's key answers it, or null when it cannot. */
function servedBy(c: FieldCondition, seg: SegmentFields, schema: PayloadSchema | undefined): MaskFn | null {
  const built = seg.schemaOf(c.key);
  if (built === undefined) return null;
  const type = schemaType(built);
  const strings = type === 'keyword' || type === 'uuid';
  const numbers = type === 'integer' || type === 'float';
  if ('match' in c) {
    const m = c.match;
    if ('value' in m) {
      const want = m.value;
      if (typeof want === 'string' && strings) return (s) => byValue(s.index(c.key), (v) => v === want);
      if (typeof want === 'number' && numbers) return (s) => byValue(s.index(c.key), (v) => v === want);
      if (typeof want === 'boolean' && type === 'bool') {
        const bit = want ? 1 : 0;
        return (s) => byValue(s.index(c.key), (v) => v === bit);
      }
      return null;
    }
    if ('any' in m) {
      const set = new Set<unknown>(m.any);
      const allStrings = m.any.every((x) => typeof x === 'string');
      if ((allStrings && strings) || (!allStrings && numbers) || m.any.length === 0) {
        if (m.any.length === 0 && !(strings || numbers)) return null;
        return (s) => byValue(s.index(c.key), (v) => set.has(v));
      }
      return null;
    }
    if ('except' in m) return exceptMask(c.key, m.except, type, seg);
    const kind = 'text' in m ? 'text' : 'text_any' in m ? 'text_any' : 'phrase';
    const query = 'text' in m ? m.text : 'text_any' in m ? m.text_any : m.phrase;
    const wanted = textIndexOf(schema, c.key);
    if (wanted !== null) {
      // token semantics: only from a text index built with the same params
      if (type !== 'text' || JSON.stringify(textIndexOf({ [c.key]: built }, c.key)) !== JSON.stringify(wanted)) {
        return null;
      }
      return (s) => byTokens(s.index(c.key), kind, query, wanted);
    }
    if (!strings) return null;
    // substring semantics (no text index in the schema), as filter.ts
    if (kind === 'phrase' && query.trim() === '') return (s) => new Uint8Array(s.count);
    if (kind === 'text_any') {
      const words = query.split(/\s+/).filter((w) => w.length > 0);
      return (s) => byValue(s.index(c.key), (v) => words.some((w) => (v as string).includes(w)));
    }
    return (s) => byValue(s.index(c.key), (v) => (v as string).includes(query));
  }
  if ('range' in c) {
    const isDate = [c.range.lt, c.range.gt, c.range.lte, c.range.gte].some((b) => typeof b === 'string');
    if (isDate ? type !== 'datetime' : !numbers) return null;
    const inRange = rangeTest(c.range, isDate);
    return (s) => byValue(s.index(c.key), (v) => inRange(v as number));
  }
  if ('values_count' in c) {
    const r = c.values_count;
    const single = parsePayloadPath(c.key).every((step) => !('all' in step));
    if (seg.flagless?.has(c.key) || (!single && seg.countless?.has(c.key)) || !capped(r)) return null;
    const inRange = rangeTest(r, false);
    return (s) => s.index(c.key).maskOfCount(inRange, !single);
  }
  if (type === 'geo' && ('geo_radius' in c || 'geo_bounding_box' in c || 'geo_polygon' in c)) {
    const inside =
      'geo_radius' in c
        ? (p: { lon: number; lat: number }) => inRadius(c.geo_radius, p)
        : 'geo_bounding_box' in c
          ? (p: { lon: number; lat: number }) => inBoundingBox(c.geo_bounding_box, p)
          : (p: { lon: number; lat: number }) => inPolygon(c.geo_polygon, p);
    return (s) => {
      const idx = s.index(c.key);
      return idx.maskAny(idx.selectPoints(inside));
    };
  }
  return null;
}

/**
 * Do the count bounds give one answer for every count from COUNT_CAP up (the index stores COUNT_CAP for all of
 * them)? lt b fails them all when b <= CAP, gte b passes them all when b <= CAP, lte b / gt b when b < CAP.
 */
function capped(r: RangeCondition): boolean {
  const ok = (b: unknown, strict: boolean): boolean =>
    typeof b !== 'number' || (strict ? b < COUNT_CAP : b <= COUNT_CAP);
  return ok(r.lt, false) && ok(r.gte, false) && ok(r.lte, true) && ok(r.gt, true);
}

/**
 * filter.ts's match.except over stored values, OR'd with the points holding values the index does not store: those
 * are outside the list only when no value of their type can be in it (the cases the header names), else null.
 */
function exceptMask(key: string, list: (string | number)[], type: string, seg: SegmentFields): MaskFn | null {
  if (type === 'text' || seg.flagless?.has(key)) return null;
  const strings = list.every((x) => typeof x === 'string');
  const ints = list.every((x) => typeof x === 'number');
  const set = new Set<unknown>(list);
  // null: every stored value is outside
  let outside: ((v: number | string) => boolean) | null;
  if (list.length === 0) outside = null;
  else if (strings && (type === 'keyword' || type === 'uuid')) outside = (v) => !set.has(v);
  else if (ints && (type === 'integer' || type === 'float'))
    outside = (v) => !Number.isInteger(v) || !set.has(v as number);
  else return null;
  return (s) => {
    const idx = s.index(key);
    // all outside: every dictionary entry (a geo dictionary has no values to test), the points with any value
    const mask = idx.maskAny(outside === null ? new Uint8Array(idx.dictionarySize).fill(1) : idx.selectValues(outside));
    const foreign = idx.maskOfForeign();
    for (let o = 0; o < mask.length; o++) mask[o] |= foreign[o];
    return mask;
  };
}

function byValue(idx: FieldIndexView, test: (v: number | string) => boolean): Uint8Array {
  return idx.maskAny(idx.selectValues(test));
}

function rangeTest(r: RangeCondition, isDate: boolean): (x: number) => boolean {
  const b = (v: number | string | null | undefined): number | null =>
    v === null || v === undefined ? null : typeof v === 'string' ? parseDateTime(v) : isDate ? null : v;
  const lt = b(r.lt);
  const gt = b(r.gt);
  const lte = b(r.lte);
  const gte = b(r.gte);
  return (x) =>
    (lt === null || x < lt) && (gt === null || x > gt) && (lte === null || x <= lte) && (gte === null || x >= gte);
}

/** text-match.ts's semantics on token ids: a token the segment never saw matches no point (text, phrase). */
function byTokens(
  idx: FieldIndexView,
  kind: 'text' | 'text_any' | 'phrase',
  query: string,
  params: NonNullable<ReturnType<typeof textIndexOf>>,
): Uint8Array {
  const tokenizer = new Tokenizer(params);
  const none = new Uint8Array(idx.count);
  if (kind === 'phrase') {
    const phrase = tokenizer.document(query).map((t) => idx.idOfString(t));
    if (!params.phrase_matching || phrase.length === 0 || phrase.includes(-1)) return none;
    return idx.maskWhere((refs, from, to) => {
      for (let i = from; i + phrase.length <= to; i++) {
        let j = 0;
        while (j < phrase.length && refs[i + j] === phrase[j]) j++;
        if (j === phrase.length) return true;
      }
      return false;
    });
  }
  const ids = [...new Set(tokenizer.query(query))].map((t) => idx.idOfString(t));
  if (ids.length === 0) return none;
  if (kind === 'text_any') {
    const selected = new Uint8Array(idx.dictionarySize);
    for (const id of ids) if (id >= 0) selected[id] = 1;
    return idx.maskAny(selected);
  }
  if (ids.includes(-1)) return none;
  // every token: the intersection of each token's points (a paged index reads just those posting lists)
  const out = new Uint8Array(idx.count).fill(1);
  for (const id of ids) {
    const one = new Uint8Array(idx.dictionarySize);
    one[id] = 1;
    const m = idx.maskAny(one);
    for (let o = 0; o < out.length; o++) out[o] &= m[o];
  }
  return out;
}
