import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Condition, Filter } from '../../../lib/model/filter.js';
import type { PayloadSchema } from '../../../lib/model/payload-schema.js';
import { schemaType, textIndexOf } from '../../../lib/model/payload-schema.js';
import { HEADER_BYTES, align8, crc32 } from '../../../lib/segment/binary.js';
import { COUNTS_VERSION, FieldIndex, encodeFieldIndex } from '../../../lib/segment/field-index-format.js';
import { compileFilter } from '../../../lib/segment/filter.js';
import { parseFilter } from '../../../lib/segment/filter-parse.js';
import { PagedFieldIndex, encodePagedFieldIndex } from '../../../lib/segment/field-index-paged.js';
import { filterMaskOf, planFilter } from '../../../lib/segment/index-filter.js';
import { parsePayloadPath } from '../../../lib/segment/payload-path.js';

// Every index type over keys that random payloads fill with values of every type (and arrays, nulls, absences).
const SCHEMA: PayloadSchema = {
  tag: 'keyword',
  id: 'uuid',
  n: { type: 'integer', lookup: true, range: true },
  x: 'float',
  flag: 'bool',
  at: 'datetime',
  loc: 'geo',
  txt: {
    type: 'text',
    phrase_matching: true,
    stopwords: 'english',
    stemmer: { type: 'snowball', language: 'english' },
  },
  'meta.kind': 'keyword',
  'items[].k': 'keyword',
  'items[].v': 'integer',
  'items[].at': 'datetime',
  'items[].sub[].w': 'keyword',
};
const KEYS = ['tag', 'id', 'n', 'x', 'flag', 'at', 'loc', 'txt', 'meta.kind', 'items[].k', 'items[].v'];

const words = ['red', 'green', 'the', 'running', 'runs', 'blue sky', 'Red', 'a b c'];
const uuids = ['00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000002'];
const dates = ['2024-01-01T00:00:00Z', '2024-06-15', '2025-01-01T12:30:00+02:00', 'not a date'];
const scalarArb = fc.oneof(
  fc.constantFrom(...words, ...uuids, ...dates),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(0.5, 2.5, -1.5),
  fc.boolean(),
  fc.constant(null),
  fc.record({ lon: fc.integer({ min: -20, max: 20 }), lat: fc.integer({ min: -20, max: 20 }) }),
);
const valueArb = fc.oneof(
  { weight: 3, arbitrary: scalarArb },
  { weight: 1, arbitrary: fc.array(scalarArb, { maxLength: 3 }) },
);
/** values of the key's own type most of the time, so conditions often meet values they compare */
const typed = (own: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 3, arbitrary: own },
    { weight: 1, arbitrary: fc.array(own, { maxLength: 3 }) },
    { weight: 1, arbitrary: valueArb },
  );
const smallInt = fc.integer({ min: -3, max: 3 });
const pointArb = fc.record({ lon: fc.integer({ min: -12, max: 12 }), lat: fc.integer({ min: -12, max: 12 }) });
const payloadArb = fc
  .record(
    {
      tag: typed(fc.constantFrom(...words)),
      id: typed(fc.constantFrom(...uuids)),
      n: typed(smallInt),
      x: typed(fc.oneof(smallInt, fc.constantFrom(0.5, 2.5, -1.5))),
      flag: typed(fc.boolean()),
      at: typed(fc.constantFrom(...dates)),
      loc: typed(pointArb),
      txt: typed(fc.constantFrom('The runner is running fast', 'red green blue', 'blue sky, red sun', 'runs')),
      meta: fc.record({ kind: typed(fc.constantFrom(...words)) }, { requiredKeys: [] }),
      // arrays of objects (nested conditions, `[]` paths), with a non-object element now and then
      items: fc.array(
        fc.oneof(
          {
            weight: 4,
            arbitrary: fc.record(
              {
                k: typed(fc.constantFrom(...words)),
                v: typed(smallInt),
                at: typed(fc.constantFrom(...dates)),
                sub: fc.array(fc.record({ w: typed(fc.constantFrom(...words)) }, { requiredKeys: [] }), {
                  maxLength: 2,
                }),
              },
              { requiredKeys: [] },
            ),
          },
          { weight: 1, arbitrary: scalarArb },
        ),
        { maxLength: 3 },
      ),
    },
    { requiredKeys: [] },
  )
  .map((p) => p as Record<string, unknown>);

const keyArb = fc.constantFrom(...KEYS);
const box = { top_left: { lon: -10, lat: 10 }, bottom_right: { lon: 10, lat: -10 } };
const square = {
  exterior: {
    points: [
      { lon: -5, lat: -5 },
      { lon: 5, lat: -5 },
      { lon: 5, lat: 5 },
      { lon: -5, lat: 5 },
      { lon: -5, lat: -5 },
    ],
  },
  interiors: [
    {
      points: [
        { lon: -1, lat: -1 },
        { lon: 1, lat: -1 },
        { lon: 1, lat: 1 },
        { lon: -1, lat: 1 },
        { lon: -1, lat: -1 },
      ],
    },
  ],
};
const leafArb: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({
    key: keyArb,
    match: fc.record({
      value: fc.oneof(fc.constantFrom(...words, ...uuids), fc.integer({ min: -3, max: 3 }), fc.boolean()),
    }),
  }),
  fc.record({
    key: keyArb,
    match: fc.record({
      any: fc.oneof(
        fc.array(fc.constantFrom(...words, ...uuids), { maxLength: 3 }),
        fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 3 }),
      ),
    }),
  }),
  fc.record({ key: keyArb, match: fc.record({ except: fc.array(fc.constantFrom(...words), { maxLength: 2 }) }) }),
  fc.record({
    key: keyArb,
    match: fc.record({ text: fc.constantFrom('red', 'run', 'RUNNING', 'blue sky', 'the', 'e', '') }),
  }),
  fc.record({ key: keyArb, match: fc.record({ text_any: fc.constantFrom('red sky', 'runs nothing', 'zzz') }) }),
  fc.record({
    key: keyArb,
    match: fc.record({ phrase: fc.constantFrom('blue sky', 'sky blue', 'runner is running', 'red') }),
  }),
  fc.record({
    key: keyArb,
    range: fc.record(
      { gte: fc.integer({ min: -3, max: 3 }), lt: fc.integer({ min: -3, max: 4 }) },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    key: keyArb,
    range: fc.record(
      {
        gt: fc.constantFrom('2024-01-01T00:00:00Z', '2024-03-01'),
        lte: fc.constantFrom('2025-01-01T10:30:00Z', '2026-01-01'),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({ key: keyArb, values_count: fc.record({ gte: fc.integer({ min: 0, max: 2 }) }) }),
  fc.record({
    key: keyArb,
    geo_radius: fc.record({ center: fc.constant({ lon: 0, lat: 0 }), radius: fc.constantFrom(500_000, 1_500_000) }),
  }),
  fc.record({ key: keyArb, geo_bounding_box: fc.constant(box) }),
  fc.record({ key: keyArb, geo_polygon: fc.constant(square) }),
  fc.record({ is_empty: fc.record({ key: keyArb }) }),
  fc.record({ has_id: fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 4 }) }),
) as fc.Arbitrary<Condition>;
/** conditions that meet the key's own index type (so the index answers them) */
const typedLeafArb: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({
    key: fc.constantFrom('tag', 'meta.kind'),
    match: fc.oneof(
      fc.record({ value: fc.constantFrom(...words) }),
      fc.record({ any: fc.array(fc.constantFrom(...words), { maxLength: 3 }) }),
      fc.record({ text: fc.constantFrom('re', 'blue', ' ') }),
    ),
  }),
  fc.record({ key: fc.constant('id'), match: fc.record({ value: fc.constantFrom(...uuids) }) }),
  fc.record({
    key: fc.constantFrom('n', 'x'),
    range: fc.record({ gt: smallInt, lte: smallInt }, { requiredKeys: [] }),
  }),
  fc.record({ key: fc.constantFrom('n', 'x'), match: fc.record({ value: smallInt }) }),
  fc.record({ key: fc.constant('flag'), match: fc.record({ value: fc.boolean() }) }),
  fc.record({
    key: fc.constant('at'),
    range: fc.record(
      { gte: fc.constantFrom(...dates.slice(0, 3)), lt: fc.constantFrom(...dates.slice(0, 3)) },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    key: fc.constant('loc'),
    geo_radius: fc.record({ center: pointArb, radius: fc.constantFrom(300_000, 900_000) }),
  }),
  fc.record({ key: fc.constant('loc'), geo_polygon: fc.constant(square) }),
  fc.record({
    key: fc.constant('txt'),
    match: fc.oneof(
      fc.record({ phrase: fc.constantFrom('blue sky', 'sky blue', 'runner running', 'red', 'green blue') }),
      fc.record({ text: fc.constantFrom('run', 'red blue', 'the') }),
      fc.record({ text_any: fc.constantFrom('sky fast', 'nothing') }),
    ),
  }),
) as fc.Arbitrary<Condition>;

/** except lists of every shape (empty, mixed, typed) on every index type, values_count around the cap on `[]` paths */
const exceptCountArb: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({
    key: fc.constantFrom('at', 'loc', 'flag', 'tag', 'n', 'items[].k', 'items[].at'),
    match: fc.record({
      except: fc.oneof(
        fc.constant([]),
        fc.array(fc.constantFrom(...words, ...dates), { maxLength: 3 }),
        fc.array(fc.constantFrom(...dates), { maxLength: 2 }),
        fc.array(smallInt, { maxLength: 2 }),
      ),
    }),
  }),
  fc.record({
    key: fc.constantFrom('items[].k', 'items[].v', 'items[].sub[].w', 'tag'),
    values_count: fc.record(
      {
        gte: fc.constantFrom(0, 1, 2, 30, 31, 32),
        lt: fc.constantFrom(1, 2, 3, 31, 32),
        lte: fc.constantFrom(0, 1, 31),
      },
      { requiredKeys: [] },
    ),
  }),
) as fc.Arbitrary<Condition>;

/** conditions inside `nested: {key: items}`: on keys `k`, `v`, `at`, and a nested `sub` of objects with `w` */
const innerArb: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({
    key: fc.constant('k'),
    match: fc.oneof(
      fc.record({ value: fc.constantFrom(...words) }),
      fc.record({ any: fc.array(fc.constantFrom(...words), { maxLength: 2 }) }),
      fc.record({ except: fc.array(fc.constantFrom(...words), { maxLength: 2 }) }),
      fc.record({ text: fc.constantFrom('re', 'blue') }),
    ),
  }),
  fc.record({ key: fc.constant('v'), range: fc.record({ gt: smallInt, lte: smallInt }, { requiredKeys: [] }) }),
  fc.record({ key: fc.constant('v'), match: fc.record({ value: smallInt }) }),
  fc.record({ key: fc.constant('at'), range: fc.record({ gte: fc.constantFrom(...dates.slice(0, 3)) }) }),
  fc.record({ key: fc.constant('k'), values_count: fc.record({ gte: fc.nat(2) }) }),
  fc.record({ is_empty: fc.record({ key: fc.constant('k') }) }),
  fc.record({
    nested: fc.record({
      key: fc.constantFrom('sub', 'sub[]'),
      filter: fc.record({
        must: fc.array(fc.record({ key: fc.constant('w'), match: fc.record({ value: fc.constantFrom(...words) }) }), {
          minLength: 1,
          maxLength: 1,
        }),
      }),
    }),
  }),
) as fc.Arbitrary<Condition>;

/** nested filters of every shape: one must (served), should only (served), several must / must_not (payloads) */
const nestedArb: fc.Arbitrary<Condition> = fc.record({
  nested: fc.record({
    key: fc.constantFrom('items', 'items[]'),
    filter: fc.oneof(
      fc.record({ must: fc.array(innerArb, { minLength: 1, maxLength: 1 }) }),
      fc.record({ should: fc.array(innerArb, { minLength: 1, maxLength: 3 }) }),
      fc.record(
        {
          must: fc.array(innerArb, { maxLength: 2 }),
          should: fc.array(innerArb, { maxLength: 2 }),
          must_not: fc.array(innerArb, { maxLength: 1 }),
        },
        { requiredKeys: [] },
      ),
    ),
  }),
}) as fc.Arbitrary<Condition>;

const filterArb: fc.Arbitrary<Filter> = fc.letrec<{ f: Filter; c: Condition }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    typedLeafArb,
    typedLeafArb,
    exceptCountArb,
    nestedArb,
    nestedArb,
    tie('f') as fc.Arbitrary<Condition>,
  ),
  f: fc.record(
    {
      must: fc.array(tie('c'), { maxLength: 3 }),
      should: fc.array(tie('c'), { minLength: 1, maxLength: 3 }),
      must_not: fc.array(tie('c'), { maxLength: 2 }),
    },
    { requiredKeys: [] },
  ),
})).f;

/** The segment view over indexes built from `payloads` (as the writer builds them), round-tripped through bytes. */
function indexed(payloads: Record<string, unknown>[], built: PayloadSchema) {
  const indexes = new Map<string, FieldIndex>();
  for (const [key, s] of Object.entries(built)) {
    const bytes = encodeFieldIndex(schemaType(s), parsePayloadPath(key), payloads, textIndexOf(built, key));
    indexes.set(key, FieldIndex.decode(bytes, key));
  }
  return {
    count: payloads.length,
    schemaOf: (k: string) => built[k],
    externalId: (o: number) => o,
    index: (k: string) => indexes.get(k) as FieldIndex,
    payloads,
  };
}

describe('segment field indexes', () => {
  it('answer every filter exactly as the payload scan does (random payloads and filters, every index type)', () => {
    fc.assert(
      fc.property(fc.array(payloadArb, { minLength: 1, maxLength: 30 }), filterArb, (payloads, raw) => {
        const filter = parseFilter(raw);
        const scan = compileFilter(filter, SCHEMA);
        const expected = payloads.map((p, o) => (scan(o, p, null) ? 1 : 0));
        const got = Array.from(filterMaskOf(filter, indexed(payloads, SCHEMA), SCHEMA));
        expect(got).toEqual(expected);
      }),
      { seed: 1313, numRuns: 600 },
    );
  });

  it('a text index built with other params than the schema asks for is not used for tokens', () => {
    const payloads = [{ txt: 'Running fast' }, { txt: 'runs' }];
    const built: PayloadSchema = { txt: 'text' };
    const wanted: PayloadSchema = { txt: { type: 'text', stemmer: { type: 'snowball', language: 'english' } } };
    const filter = parseFilter({ must: [{ key: 'txt', match: { text: 'run' } }] });
    expect(planFilter(filter, indexed(payloads, built), wanted).payloads).toBe(true);
    expect(Array.from(filterMaskOf(filter, indexed(payloads, built), wanted))).toEqual([1, 1]);
    expect(planFilter(filter, indexed(payloads, wanted), wanted)).toEqual({ keys: new Set(['txt']), payloads: false });
  });

  it('a filter of served conditions needs no payload; one unserved condition does', () => {
    const seg = indexed([{ tag: 'a' }], SCHEMA);
    const served = parseFilter({
      must: [{ key: 'tag', match: { value: 'a' } }, { key: 'n', range: { gte: 1 } }, { has_id: [0] }],
      should: [
        { key: 'loc', geo_radius: { center: { lon: 0, lat: 0 }, radius: 5 } },
        { key: 'txt', match: { text: 'x' } },
      ],
      must_not: [
        { is_empty: { key: 'flag' } },
        { is_null: { key: 'at' } },
        { key: 'tag', match: { except: ['a'] } },
        { key: 'n', match: { except: [1, 2] } },
      ],
    });
    expect(planFilter(served, seg, SCHEMA)).toEqual({
      keys: new Set(['tag', 'n', 'loc', 'txt', 'flag', 'at']),
      payloads: false,
    });
    for (const other of [
      { key: 'txt', match: { except: ['a'] } },
      { key: 'unindexed', match: { value: 'a' } },
      { is_empty: { key: 'unindexed' } },
      { nested: { key: 'meta', filter: { must: [{ is_null: { key: 'kind' } }] } } },
      { key: 'flag', match: { value: 'a' } },
    ]) {
      expect(planFilter(parseFilter({ must: [other] }), seg, SCHEMA).payloads).toBe(true);
    }
  });

  it('round-trips its dictionary and columns through bytes, and refuses corrupt bytes', () => {
    const payloads = [{ tag: ['b', 'a'] }, {}, { tag: 'é' }, { tag: 7 }];
    const bytes = encodeFieldIndex('keyword', parsePayloadPath('tag'), payloads, null);
    const idx = FieldIndex.decode(bytes, 'tag');
    expect(idx.dict).toEqual({ kind: 'str', values: ['a', 'b', 'é'] });
    expect(Array.from(idx.starts)).toEqual([0, 2, 2, 3, 3]);
    expect(Array.from(idx.refs)).toEqual([1, 0, 2]);
    expect(idx.pointsWithValues()).toBe(2);
    const bad = bytes.slice();
    bad[bad.length - 1] ^= 1;
    expect(() => FieldIndex.decode(bad, 'tag')).toThrow(/checksum/);
  });

  it('is_empty and is_null come from the flags of any index on the key; a version 1 object falls back to payloads', () => {
    const payloads = [{ tag: null }, { tag: [] }, {}, { tag: 5 }, { tag: ['a', null] }, { tag: [null] }, { tag: 'a' }];
    const bytes = encodeFieldIndex('keyword', parsePayloadPath('tag'), payloads, null);
    const v2 = { ...indexed(payloads, { tag: 'keyword' }), payloads: null };
    const empty = parseFilter({ must: [{ is_empty: { key: 'tag' } }] });
    const isNull = parseFilter({ must: [{ is_null: { key: 'tag' } }] });
    expect(planFilter(empty, v2, {})).toEqual({ keys: new Set(['tag']), payloads: false });
    expect(Array.from(filterMaskOf(empty, v2, {}))).toEqual([1, 1, 1, 0, 0, 0, 0]);
    expect(Array.from(filterMaskOf(isNull, v2, {}))).toEqual([1, 0, 0, 0, 0, 0, 0]);
    // the same object as version 1 wrote it: no flags section, version 1, its own checksum
    const v1bytes = bytes.slice(0, bytes.byteLength - align8(payloads.length));
    const view = new DataView(v1bytes.buffer);
    view.setUint32(8, 1, true);
    view.setUint32(16, crc32(v1bytes, HEADER_BYTES) >>> 0, true);
    const old = FieldIndex.decode(v1bytes, 'tag');
    expect(old.flags).toBeNull();
    expect(Array.from(old.refs)).toEqual(Array.from(FieldIndex.decode(bytes, 'tag').refs));
    const v1 = { ...v2, index: () => old, flagless: new Set(['tag']) };
    expect(planFilter(empty, v1, {}).payloads).toBe(true);
    expect(Array.from(filterMaskOf(empty, { ...v1, payloads }, {}))).toEqual([1, 1, 1, 0, 0, 0, 0]);
    expect(Array.from(filterMaskOf(isNull, { ...v1, payloads }, {}))).toEqual([1, 0, 0, 0, 0, 0, 0]);
  });

  it('values_count comes from the flags up to their cap, per value of a path without []; beyond, payloads', () => {
    const long = Array.from({ length: 40 }, (_, i) => `w${i}`);
    const payloads = [{ tag: long }, { tag: long.slice(0, 31) }, { tag: long.slice(0, 30) }, { tag: null }, {}];
    const seg = indexed(payloads, { tag: 'keyword' });
    const count = (range: Record<string, number | undefined>) =>
      parseFilter({ must: [{ key: 'tag', values_count: range }] });
    for (const [range, want] of [
      [{ gte: 31 }, [1, 1, 0, 0, 0]],
      [{ gt: 30 }, [1, 1, 0, 0, 0]],
      [{ lte: 30 }, [0, 0, 1, 1, 1]],
      [{ lt: 1 }, [0, 0, 0, 1, 1]],
    ] as const) {
      expect(planFilter(count(range), seg, {}).payloads).toBe(false);
      expect(Array.from(filterMaskOf(count(range), { ...seg, payloads: null }, {}))).toEqual(want);
    }
    // 31, 32 and 40 share the capped count: a bound that tells them apart reads payloads (lte 31 and gt 31 did not)
    for (const range of [{ gte: 32 }, { lte: 31 }, { gt: 31 }, { lt: 32 }]) {
      expect(planFilter(count(range), seg, {}).payloads).toBe(true);
    }
    expect(Array.from(filterMaskOf(count({ gte: 32 }), seg, {}))).toEqual([1, 0, 0, 0, 0]);
    expect(Array.from(filterMaskOf(count({ lte: 31 }), seg, {}))).toEqual([0, 1, 1, 1, 1]);
    expect(Array.from(filterMaskOf(count({ gt: 31 }), seg, {}))).toEqual([1, 0, 0, 0, 0]);
  });

  it('values_count on a [] path: ANY value whose count passes, from the per-value counts of a version 4 object', () => {
    const payloads = [
      { items: [{ k: ['a', 'b'] }, { k: 'c' }] },
      { items: [{ k: null }, { k: [] }] },
      { items: [{ x: 1 }] },
      {},
      { items: [{ k: ['a', 'b', 'c'] }] },
    ];
    const bytes = encodeFieldIndex('keyword', parsePayloadPath('items[].k'), payloads, null);
    expect(new DataView(bytes.buffer).getUint32(8, true)).toBe(COUNTS_VERSION);
    // a path without [] is still written as version 2
    expect(
      new DataView(encodeFieldIndex('keyword', parsePayloadPath('k'), [{ k: 'a' }], null).buffer).getUint32(8, true),
    ).toBe(2);
    const seg = { ...indexed(payloads, { 'items[].k': 'keyword' }), payloads: null };
    const count = (range: Record<string, number | undefined>) =>
      parseFilter({ must: [{ key: 'items[].k', values_count: range }] });
    const scan = (range: Record<string, number | undefined>) =>
      payloads.map((p, o) => (compileFilter(count(range), {})(o, p, null) ? 1 : 0));
    for (const range of [{ gte: 2 }, { lt: 1 }, { gte: 1, lte: 1 }, { gt: 2 }, { lte: 0 }]) {
      expect(planFilter(count(range), seg, {})).toEqual({ keys: new Set(['items[].k']), payloads: false });
      expect(Array.from(filterMaskOf(count(range), seg, {}))).toEqual(scan(range));
    }
    expect(Array.from(filterMaskOf(count({ gte: 2 }), seg, {}))).toEqual([1, 0, 0, 0, 1]);
    // a cold (paged) object records its embedded object's version; one written before (0 there) has no counts
    const paged = encodePagedFieldIndex(bytes, 4);
    const dirEnd = new DataView(paged.buffer).getUint32(HEADER_BYTES, true);
    expect(new PagedFieldIndex('k', paged.slice(0, dirEnd), 'k').valueCounts).toBe(true);
    const before = paged.slice(0, dirEnd);
    new DataView(before.buffer).setUint32(HEADER_BYTES + 24, 0, true);
    new DataView(before.buffer).setUint32(16, crc32(before, HEADER_BYTES) >>> 0, true);
    expect(new PagedFieldIndex('k', before, 'k').valueCounts).toBe(false);
    // an index written before version 4 (no per-value counts) reads payloads
    expect(planFilter(count({ gte: 2 }), { ...seg, countless: new Set(['items[].k']) }, {}).payloads).toBe(true);
  });

  it('except with a list whose type the index does not store for every value reads payloads; it used to miscount', () => {
    const payloads = [{ tag: 1 }, { tag: 'a' }, { tag: [1, 'b'] }, { tag: null }];
    const seg = { ...indexed(payloads, { tag: 'keyword' }), payloads };
    const except = (list: unknown[]) => parseFilter({ must: [{ key: 'tag', match: { except: list } }] });
    // an integer kept by a keyword index as "another type" may be in an integer list
    expect(planFilter(except([1]), seg, {}).payloads).toBe(true);
    expect(Array.from(filterMaskOf(except([1]), seg, {}))).toEqual([0, 1, 1, 0]);
    expect(planFilter(except(['a']), seg, {}).payloads).toBe(false);
    expect(Array.from(filterMaskOf(except(['a']), { ...seg, payloads: null }, {}))).toEqual([1, 0, 1, 0]);
    // an empty list: every non-null value is outside, on any index but text (geo and datetime too)
    const geo = { ...indexed([{ loc: { lon: 1, lat: 2 } }, { loc: 'x' }, { loc: [null] }, {}], { loc: 'geo' }) };
    const none = parseFilter({ must: [{ key: 'loc', match: { except: [] } }] });
    expect(planFilter(none, geo, {}).payloads).toBe(false);
    expect(Array.from(filterMaskOf(none, { ...geo, payloads: null }, {}))).toEqual([1, 1, 0, 0]);
    // datetime strings: the index keeps epoch ms, not the string the list compares
    const at = indexed([{ at: '2024-01-01T00:00:00Z' }], { at: 'datetime' });
    const dated = parseFilter({ must: [{ key: 'at', match: { except: ['2024-01-01T00:00:00+00:00'] } }] });
    expect(planFilter(dated, at, {}).payloads).toBe(true);
  });

  it('nested: one must condition or a should list is answered from the index on the full path; others read payloads', () => {
    const payloads = [
      {
        items: [
          { k: 'a', v: 1 },
          { k: 'b', v: 2 },
        ],
      },
      { items: [{ k: 'a', v: 2 }] },
      { items: ['a', { k: 'c' }] },
      { items: { k: 'a', v: 1 } },
      {},
    ];
    const built: PayloadSchema = { 'items[].k': 'keyword', 'items[].v': 'integer' };
    const seg = { ...indexed(payloads, built), payloads: null };
    const nested = (filter: Filter) => parseFilter({ must: [{ nested: { key: 'items', filter } }] });
    const scan = (f: Filter) => payloads.map((p, o) => (compileFilter(f, built)(o, p, null) ? 1 : 0));
    const shapes: [Filter, string[]][] = [
      [{ must: [{ key: 'k', match: { value: 'a' } }] }, ['items[].k']],
      [
        {
          should: [
            { key: 'k', match: { value: 'c' } },
            { key: 'v', range: { gte: 2 } },
          ],
        },
        ['items[].k', 'items[].v'],
      ],
    ];
    for (const [inner, keys] of shapes) {
      expect(planFilter(nested(inner), seg, built)).toEqual({ keys: new Set(keys), payloads: false });
      expect(Array.from(filterMaskOf(nested(inner), seg, built))).toEqual(scan(nested(inner)));
    }
    expect(Array.from(filterMaskOf(nested({ must: [{ key: 'k', match: { value: 'a' } }] }), seg, built))).toEqual([
      1, 1, 0, 0, 0,
    ]);
    // one element must satisfy both: a per-point index cannot tell which element a value came from
    const both = nested({
      must: [
        { key: 'k', match: { value: 'a' } },
        { key: 'v', match: { value: 2 } },
      ],
    });
    expect(planFilter(both, seg, built).payloads).toBe(true);
    expect(Array.from(filterMaskOf(both, { ...seg, payloads }, built))).toEqual([0, 1, 0, 0, 0]);
    for (const inner of [
      { must_not: [{ key: 'k', match: { value: 'a' } }] },
      { must: [{ key: 'k', values_count: { gte: 1 } }] },
      { must: [{ is_empty: { key: 'k' } }] },
    ]) {
      expect(planFilter(nested(inner), seg, built).payloads).toBe(true);
    }
  });
});
