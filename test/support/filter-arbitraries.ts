/**
 * fast-check generators of payloads and filters for the filter property tests: every key can hold its own type,
 * another type, an array (with nulls), null, or nothing; nested objects (`meta.kind`) and arrays of objects
 * (`items[].k`, `nested: {key: items}`); datetimes with and without offsets; geo points on an integer grid, so
 * rectangle shapes have no point on an edge by accident. SCHEMA indexes every key with its type. Nested filters come
 * in the shapes an index answers (one must condition, a should list) and in those only payloads answer.
 */
import fc from 'fast-check';
import type { Condition, Filter, GeoPolygon } from '../../lib/model/filter.js';
import type { PayloadSchema } from '../../lib/model/payload-schema.js';

export const SCHEMA: PayloadSchema = {
  tag: { type: 'keyword', is_tenant: true },
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
};
/** The schema of the "unindexed" side: only the text index, which changes what text conditions mean. */
export const TEXT_ONLY: PayloadSchema = { txt: SCHEMA.txt };

const KEYS = ['tag', 'id', 'n', 'x', 'flag', 'at', 'loc', 'txt', 'meta.kind', 'items[].k', 'items[].v', 'free', 'meta'];

export const words = ['red', 'green', 'the', 'running', 'runs', 'blue sky', 'Red', 'a b c'];
export const uuids = ['00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-00000000000a'];
export const dates = [
  '2024-01-01T00:00:00Z',
  '2024-06-15',
  '2025-01-01T12:30:00+02:00',
  '2024-03-01 10:00:00',
  'not a date',
];
const sentences = ['The runner is running fast', 'red green blue', 'blue sky, red sun', 'runs', 'sky is blue'];

const smallInt = fc.integer({ min: -3, max: 3 });
const grid = fc.record({ lon: fc.integer({ min: -12, max: 12 }), lat: fc.integer({ min: -12, max: 12 }) });
const anyScalar = fc.oneof(
  fc.constantFrom(...words, ...uuids, ...dates),
  smallInt,
  fc.constantFrom(0.5, 2.5, -1.5),
  fc.boolean(),
  fc.constant(null),
  grid,
);
/** A key's value: mostly its own type, sometimes an array of it (nulls and other types mixed in), or anything. */
const typed = (own: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 4, arbitrary: own },
    { weight: 2, arbitrary: fc.array(fc.oneof({ weight: 4, arbitrary: own }, anyScalar), { maxLength: 3 }) },
    { weight: 1, arbitrary: anyScalar },
  );

export const payloadArb: fc.Arbitrary<Record<string, unknown>> = fc
  .record(
    {
      tag: typed(fc.constantFrom(...words)),
      id: typed(fc.constantFrom(...uuids)),
      n: typed(smallInt),
      x: typed(fc.oneof(smallInt, fc.constantFrom(0.5, 2.5, -1.5))),
      flag: typed(fc.boolean()),
      at: typed(fc.constantFrom(...dates)),
      loc: typed(grid),
      txt: typed(fc.constantFrom(...sentences)),
      meta: fc.oneof(
        { weight: 4, arbitrary: fc.record({ kind: typed(fc.constantFrom(...words)) }, { requiredKeys: [] }) },
        { weight: 1, arbitrary: anyScalar },
      ),
      items: fc.array(
        fc.oneof(
          {
            weight: 4,
            arbitrary: fc.record({ k: typed(fc.constantFrom(...words)), v: smallInt }, { requiredKeys: [] }),
          },
          { weight: 1, arbitrary: anyScalar },
        ),
        { maxLength: 3 },
      ),
      free: anyScalar,
    },
    { requiredKeys: [] },
  )
  .map((p) => p as Record<string, unknown>);

const rect = (a: number, b: number) => [
  { lon: -a, lat: -b },
  { lon: a, lat: -b },
  { lon: a, lat: b },
  { lon: -a, lat: b },
  { lon: -a, lat: -b },
];
const polygons: GeoPolygon[] = [
  { exterior: { points: rect(5.5, 5.5) }, interiors: [{ points: rect(1, 1) }] },
  { exterior: { points: rect(10.5, 3.5) } },
];

const keyArb = fc.constantFrom(...KEYS);
const numBound = fc.oneof(smallInt, fc.constantFrom(0.5, -1.5));
const dateBound = fc.constantFrom(...dates.slice(0, 4), '2024-06-15T00:00:00Z');

/** Any condition on any key: most meet no index of their key, so they exercise the scan's fallbacks. */
const leafArb = fc.oneof(
  fc.record({
    key: keyArb,
    match: fc.record({ value: fc.oneof(fc.constantFrom(...words, ...uuids), smallInt, fc.boolean()) }),
  }),
  fc.record({
    key: keyArb,
    match: fc.oneof(
      fc.record({
        any: fc.oneof(
          fc.array(fc.constantFrom(...words, ...uuids), { maxLength: 3 }),
          fc.array(smallInt, { maxLength: 3 }),
        ),
      }),
      fc.record({
        except: fc.oneof(fc.array(fc.constantFrom(...words), { maxLength: 2 }), fc.array(smallInt, { maxLength: 2 })),
      }),
    ),
  }),
  fc.record({
    key: keyArb,
    match: fc.oneof(
      fc.record({ text: fc.constantFrom('red', 'run', 'RUNNING', 'blue sky', 'the', 'e', '') }),
      fc.record({ text_any: fc.constantFrom('red sky', 'runs nothing', 'zzz', '') }),
      fc.record({ phrase: fc.constantFrom('blue sky', 'sky blue', 'runner is running', 'red', ' ') }),
    ),
  }),
  fc.record({
    key: keyArb,
    range: fc.record({ gte: numBound, lt: numBound, gt: numBound, lte: numBound }, { requiredKeys: [] }),
  }),
  fc.record({
    key: keyArb,
    range: fc.record({ gt: dateBound, lte: dateBound, gte: dateBound, lt: dateBound }, { requiredKeys: [] }),
  }),
  fc.record({ key: keyArb, values_count: fc.record({ gte: fc.nat(2), lt: fc.nat(3) }, { requiredKeys: [] }) }),
  fc.record({
    key: fc.constantFrom('items[].k', 'items[].v', 'tag'),
    values_count: fc.record({ gt: fc.nat(2), lte: fc.nat(3) }, { requiredKeys: [] }),
  }),
  fc.record({ key: keyArb, geo_radius: fc.record({ center: grid, radius: fc.constantFrom(300_500, 900_500) }) }),
  fc.record({
    key: keyArb,
    geo_bounding_box: fc.constantFrom(
      { top_left: { lon: -6.5, lat: 6.5 }, bottom_right: { lon: 6.5, lat: -6.5 } },
      { top_left: { lon: 0.5, lat: 12.5 }, bottom_right: { lon: 12.5, lat: 0.5 } },
    ),
  }),
  fc.record({ key: keyArb, geo_polygon: fc.constantFrom(...polygons) }),
  fc.record({ is_empty: fc.record({ key: keyArb }) }),
  fc.record({ is_null: fc.record({ key: keyArb }) }),
  fc.record({ key: keyArb, is_empty: fc.boolean() }),
  fc.record({ key: keyArb, is_null: fc.boolean() }),
  fc.record({ has_id: fc.array(fc.nat(40), { maxLength: 4 }) }),
) as fc.Arbitrary<Condition>;

/** Conditions that meet their key's index type, so the index (not the scan) answers them in indexed segments. */
const servedArb = fc.oneof(
  fc.record({
    key: fc.constantFrom('tag', 'meta.kind', 'items[].k'),
    match: fc.oneof(
      fc.record({ value: fc.constantFrom(...words) }),
      fc.record({ any: fc.array(fc.constantFrom(...words), { maxLength: 3 }) }),
    ),
  }),
  fc.record({
    key: fc.constant('id'),
    match: fc.record({ any: fc.array(fc.constantFrom(...uuids), { maxLength: 2 }) }),
  }),
  fc.record({
    key: fc.constantFrom('tag', 'id', 'n', 'x', 'flag', 'at', 'loc', 'meta.kind', 'items[].k', 'items[].v'),
    match: fc.record({
      except: fc.oneof(
        fc.constant([]),
        fc.array(fc.constantFrom(...words, ...uuids, ...dates), { maxLength: 3 }),
        fc.array(smallInt, { maxLength: 3 }),
      ),
    }),
  }),
  fc.record({ key: fc.constantFrom('n', 'x'), match: fc.record({ value: smallInt }) }),
  fc.record({
    key: fc.constantFrom('n', 'x'),
    range: fc.record({ gt: numBound, lte: numBound }, { requiredKeys: [] }),
  }),
  fc.record({ key: fc.constant('flag'), match: fc.record({ value: fc.boolean() }) }),
  fc.record({ key: fc.constant('at'), range: fc.record({ gte: dateBound, lt: dateBound }, { requiredKeys: [] }) }),
  fc.record({
    key: fc.constant('loc'),
    geo_radius: fc.record({ center: grid, radius: fc.constantFrom(300_500, 900_500) }),
  }),
  fc.record({ key: fc.constant('loc'), geo_polygon: fc.constantFrom(...polygons) }),
  fc.record({
    key: fc.constant('txt'),
    match: fc.oneof(
      fc.record({ phrase: fc.constantFrom('blue sky', 'sky blue', 'runner running', 'red') }),
      fc.record({ text: fc.constantFrom('run', 'red blue', 'the') }),
      fc.record({ text_any: fc.constantFrom('sky fast', 'nothing') }),
    ),
  }),
) as fc.Arbitrary<Condition>;

const innerArb = fc.oneof(
  fc.record({ key: fc.constant('k'), match: fc.record({ value: fc.constantFrom(...words) }) }),
  fc.record({
    key: fc.constant('k'),
    match: fc.record({ except: fc.array(fc.constantFrom(...words), { maxLength: 2 }) }),
  }),
  fc.record({ key: fc.constant('v'), range: fc.record({ gte: smallInt }) }),
  fc.record({ key: fc.constant('v'), match: fc.record({ any: fc.array(smallInt, { maxLength: 2 }) }) }),
  fc.record({ is_empty: fc.record({ key: fc.constant('k') }) }),
) as fc.Arbitrary<Condition>;

const nestedArb = fc.record({
  nested: fc.record({
    key: fc.constantFrom('items', 'items[]'),
    filter: fc.oneof(
      fc.record({ must: fc.array(innerArb, { minLength: 1, maxLength: 1 }) }),
      fc.record({ should: fc.array(innerArb, { minLength: 1, maxLength: 3 }) }),
      fc.record(
        {
          must: fc.array(innerArb, { maxLength: 2 }),
          must_not: fc.array(
            fc.record({ key: fc.constant('k'), match: fc.record({ value: fc.constantFrom(...words) }) }),
            { maxLength: 1 },
          ),
        },
        { requiredKeys: [] },
      ),
    ),
  }),
}) as fc.Arbitrary<Condition>;

/** One condition of any kind (leaf, index-served leaf, nested), before parseFilter. */
export const conditionArb: fc.Arbitrary<Condition> = fc.oneof(leafArb, servedArb, servedArb, nestedArb);

/**
 * Raw filters (Qdrant's JSON, before parseFilter), nested up to a small depth. Clauses stay short so that a
 * random filter matches a fair share of random points (long conjunctions would match none, and test nothing).
 */
export const filterArb: fc.Arbitrary<Filter> = filtersOf([conditionArb, conditionArb]);

/** Filters of up to three levels whose leaves are drawn from `leaves` (repeat an entry to weigh it). */
function filtersOf(leaves: fc.Arbitrary<Condition>[]): fc.Arbitrary<Filter> {
  return fc.letrec<{ f: Filter; c: Condition }>((tie) => ({
    c: fc.oneof({ depthSize: 'small', withCrossShrink: true }, ...leaves, tie('f') as fc.Arbitrary<Condition>),
    f: fc.record(
      {
        must: fc.array(tie('c'), { maxLength: 2 }),
        should: fc.array(tie('c'), { minLength: 1, maxLength: 3 }),
        must_not: fc.array(tie('c'), { maxLength: 1 }),
        min_should: fc.record({
          conditions: fc.array(tie('c'), { minLength: 1, maxLength: 3 }),
          min_count: fc.nat(2),
        }),
      },
      { requiredKeys: [] },
    ),
  })).f;
}

/** Vector names some points hold ('' the unnamed one, a dense, a sparse) and one no point and no config has. */
export const VECTOR_NAMES = ['', 'a', 's'] as const;
const hasVectorArb = fc.record({ has_vector: fc.constantFrom(...VECTOR_NAMES, 'x') }) as fc.Arbitrary<Condition>;
/** has_vector inside nested, where it never holds (the point's vectors are not the array element's) */
const nestedHasVectorArb = fc.record({
  nested: fc.record({
    key: fc.constant('items'),
    filter: fc.record({ must: fc.tuple(hasVectorArb) }, { requiredKeys: [] }),
  }),
}) as fc.Arbitrary<Condition>;

/** Raw filters as filterArb's, with has_vector conditions in every clause beside the other kinds. */
export const vectorFilterArb: fc.Arbitrary<Filter> = filtersOf([
  hasVectorArb,
  hasVectorArb,
  conditionArb,
  nestedHasVectorArb,
]);
