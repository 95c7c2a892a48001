import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Condition, Filter } from '../../lib/model/filter.js';
import { isStrataError } from '../../lib/model/errors.js';
import { compileFilter, matchesFilter } from '../../lib/segment/filter.js';
import { canonicalPointId } from '../../lib/model/point-id.js';
import { parseFilter } from '../../lib/segment/filter-parse.js';
import { parsePayloadPath, valuesAt } from '../../lib/segment/payload-path.js';

// The payload of Qdrant's own condition-checker test (lib/segment/src/payload_storage/query_checker.rs).
const qdrantPayload = {
  location: { lon: 13.404954, lat: 52.520008 },
  price: 499.9,
  amount: 10,
  rating: [3, 7, 9, 9],
  color: 'red',
  has_delivery: true,
  shipped_at: '2020-02-15T00:00:00Z',
  parts: [],
  packaging: null,
  not_null: [null],
};

const must = (...c: Condition[]): Filter => ({ must: c });
const check = (f: Filter, payload: Record<string, unknown> = qdrantPayload, id: number | string = 0): boolean =>
  matchesFilter(parseFilter(f), id, payload);

describe('payload paths', () => {
  it('parses dotted keys, array steps and quoted keys', () => {
    expect(parsePayloadPath('a.b[].c[2]."d.e"')).toEqual([
      { key: 'a' },
      { key: 'b' },
      { all: true },
      { key: 'c' },
      { index: 2 },
      { key: 'd.e' },
    ]);
  });

  it('rejects malformed keys', () => {
    for (const bad of ['', 'a..b', 'a.', 'a[x]', 'a[', '.a', '"a']) expect(() => parsePayloadPath(bad)).toThrow();
  });

  it('does not step into arrays with a plain key, only with [] or [i]', () => {
    const p = { a: [{ b: 1 }, { b: 2 }] };
    expect(valuesAt(p, parsePayloadPath('a.b'))).toEqual([]);
    expect(valuesAt(p, parsePayloadPath('a[].b'))).toEqual([1, 2]);
    expect(valuesAt(p, parsePayloadPath('a[1].b'))).toEqual([2]);
    expect(valuesAt(p, parsePayloadPath('a'))).toEqual([[{ b: 1 }, { b: 2 }]]);
  });
});

describe('is_empty / is_null as in Qdrant', () => {
  it.each([
    ['price', false],
    ['something_new', true],
    ['parts', true],
    ['not_null', false],
    ['packaging', true],
  ])('is_empty(%s) = %s', (key, want) => {
    expect(check(must({ is_empty: { key } }))).toBe(want);
  });

  it.each([
    ['amount', false],
    ['parts', false],
    ['something_else', false],
    ['packaging', true],
    ['not_null', false],
  ])('is_null(%s) = %s', (key, want) => {
    expect(check(must({ is_null: { key } }))).toBe(want);
  });
});

describe('match', () => {
  it('value: exact, typed, any element of an array', () => {
    expect(check(must({ key: 'color', match: { value: 'red' } }))).toBe(true);
    expect(check(must({ key: 'color', match: { value: 'blue' } }))).toBe(false);
    expect(check(must({ key: 'rating', match: { value: 7 } }))).toBe(true);
    expect(check(must({ key: 'rating', match: { value: 8 } }))).toBe(false);
    expect(check(must({ key: 'has_delivery', match: { value: true } }))).toBe(true);
    expect(check(must({ key: 'amount', match: { value: '10' } }))).toBe(false);
    expect(check(must({ key: 'missing', match: { value: 'red' } }))).toBe(false);
  });

  it('any: one of the values', () => {
    expect(check(must({ key: 'color', match: { any: ['black', 'red'] } }))).toBe(true);
    expect(check(must({ key: 'rating', match: { any: [1, 2, 3] } }))).toBe(true);
    expect(check(must({ key: 'color', match: { any: [] } }))).toBe(false);
  });

  it('except: some value outside the list; missing or null never matches', () => {
    expect(check(must({ key: 'color', match: { except: ['black', 'yellow'] } }))).toBe(true);
    expect(check(must({ key: 'color', match: { except: ['red'] } }))).toBe(false);
    // an array matches when at least one element is outside the list
    expect(check(must({ key: 'rating', match: { except: [3, 7] } }))).toBe(true);
    expect(check(must({ key: 'rating', match: { except: [3, 7, 9] } }))).toBe(false);
    expect(check(must({ key: 'missing', match: { except: ['red'] } }))).toBe(false);
    expect(check(must({ key: 'packaging', match: { except: ['red'] } }))).toBe(false);
    // a value of another type counts as outside the list
    expect(check(must({ key: 'has_delivery', match: { except: ['red'] } }))).toBe(true);
    expect(check(must({ key: 'price', match: { except: [499] } }))).toBe(true);
  });

  it('text, text_any and phrase are substring tests', () => {
    const p = { title: 'the quick brown fox' };
    expect(check(must({ key: 'title', match: { text: 'quick brown' } }), p)).toBe(true);
    expect(check(must({ key: 'title', match: { text: 'brown quick' } }), p)).toBe(false);
    expect(check(must({ key: 'title', match: { text_any: 'cat fox' } }), p)).toBe(true);
    expect(check(must({ key: 'title', match: { phrase: 'quick brown' } }), p)).toBe(true);
  });
});

describe('range and values_count', () => {
  it('range on numbers, any element of an array', () => {
    expect(check(must({ key: 'price', range: { gte: 400, lt: 500 } }))).toBe(true);
    expect(check(must({ key: 'price', range: { gt: 499.9 } }))).toBe(false);
    expect(check(must({ key: 'price', range: { lte: 499.9 } }))).toBe(true);
    expect(check(must({ key: 'rating', range: { gt: 8 } }))).toBe(true);
    expect(check(must({ key: 'color', range: { gt: 0 } }))).toBe(false);
    expect(check(must({ key: 'missing', range: { gt: 0 } }))).toBe(false);
  });

  it('range on RFC 3339 datetimes', () => {
    expect(check(must({ key: 'shipped_at', range: { gt: '2020-02-14T23:00:00Z', lt: '2020-02-16' } }))).toBe(true);
    expect(check(must({ key: 'shipped_at', range: { gte: '2020-02-15T01:00:00+02:00' } }))).toBe(true);
    expect(check(must({ key: 'shipped_at', range: { gt: '2020-02-15T00:00:00Z' } }))).toBe(false);
  });

  it('values_count counts array elements; scalars count 1 and missing keys 0', () => {
    expect(check(must({ key: 'rating', values_count: { gte: 4 } }))).toBe(true);
    expect(check(must({ key: 'rating', values_count: { gt: 4 } }))).toBe(false);
    expect(check(must({ key: 'color', values_count: { lte: 1, gte: 1 } }))).toBe(true);
    expect(check(must({ key: 'missing', values_count: { lt: 1 } }))).toBe(true);
  });
});

describe('clauses, has_id and nested', () => {
  it('should: at least one; an empty should list matches nothing (Qdrant)', () => {
    expect(
      check({
        should: [
          { key: 'color', match: { value: 'blue' } },
          { key: 'amount', match: { value: 10 } },
        ],
      }),
    ).toBe(true);
    expect(check({ should: [] })).toBe(false);
    expect(check({ must: [] })).toBe(true);
    expect(check({ must_not: [] })).toBe(true);
  });

  it('min_should: at least min_count conditions', () => {
    const conds: Condition[] = [
      { key: 'color', match: { value: 'red' } },
      { key: 'amount', match: { value: 10 } },
      { key: 'price', range: { gt: 1000 } },
    ];
    expect(check({ min_should: { conditions: conds, min_count: 2 } })).toBe(true);
    expect(check({ min_should: { conditions: conds, min_count: 3 } })).toBe(false);
    expect(check({ min_should: { conditions: conds, min_count: 0 } })).toBe(true);
  });

  it('accepts a single condition instead of a list, and nested filters as conditions', () => {
    const f = parseFilter({
      must: { key: 'color', match: { value: 'red' } },
      must_not: { should: [{ is_null: { key: 'packaging' } }] },
    });
    expect(matchesFilter(f, 0, qdrantPayload)).toBe(false);
  });

  it('has_id compares canonical ids, including UUIDs written in another case or without hyphens', () => {
    const uuid = '936DA01F-9ABD-4D9D-80C7-02AF85C822A8';
    const f = parseFilter({ must: [{ has_id: [1, uuid.replace(/-/g, '')] }] });
    expect(matchesFilter(f, 1, {})).toBe(true);
    expect(matchesFilter(f, 2, {})).toBe(false);
    expect(matchesFilter(f, uuid.toLowerCase(), {})).toBe(true);
  });

  it('nested: one array element must satisfy the whole inner filter', () => {
    const p = {
      diet: [
        { food: 'meat', likes: false },
        { food: 'leaves', likes: true },
      ],
    };
    const inner = {
      must: [
        { key: 'food', match: { value: 'meat' } },
        { key: 'likes', match: { value: true } },
      ],
    };
    expect(check(must({ nested: { key: 'diet', filter: inner } }), p)).toBe(false);
    expect(
      check(must({ nested: { key: 'diet[]', filter: { must: [{ key: 'food', match: { value: 'leaves' } }] } } }), p),
    ).toBe(true);
    // without nested, each condition may be satisfied by a different element
    expect(
      check(
        {
          must: [
            { key: 'diet[].food', match: { value: 'meat' } },
            { key: 'diet[].likes', match: { value: true } },
          ],
        },
        p,
      ),
    ).toBe(true);
  });

  it('a null payload is an empty payload', () => {
    expect(compileFilter(parseFilter(must({ is_empty: { key: 'a' } })))(1, null, null)).toBe(true);
  });
});

describe('parseFilter rejects bad shapes', () => {
  it.each([
    [{ must: 'x' }, 'filter.must[0]'],
    [{ must: [{ key: 'a' }] }, 'exactly one of match'],
    [{ must: [{ key: 'a', match: { value: 1.5 } }] }, 'match.value'],
    [{ must: [{ key: 'a', match: { any: [1, 'a'] } }] }, 'not mixed'],
    [{ must: [{ key: 'a', range: { gt: 'yesterday' } }] }, 'RFC 3339'],
    [{ must: [{ key: 'a', range: { gt: 1, lt: '2020-01-01' } }] }, 'all numbers or all datetimes'],
    [{ must: [{ key: 'a', values_count: { gt: -1 } }] }, 'non-negative integer'],
    [{ must: [{ has_id: [-1] }] }, 'not a valid point ID'],
    [{ must: [{ has_id: ['not-a-uuid'] }] }, 'not a valid point ID'],
    [{ must: [{ key: 'a..b', match: { value: 1 } }] }, 'empty segment'],
    [{ musts: [] }, 'unknown field'],
    [{ min_should: { conditions: [], min_count: -1 } }, 'min_count'],
    [[], 'expected an object'],
  ])('%j', (bad, message) => {
    let err: unknown;
    try {
      parseFilter(bad);
    } catch (e) {
      err = e;
    }
    expect(isStrataError(err, 'invalid')).toBe(true);
    expect((err as Error).message).toContain(message);
  });

  it('refuses absurdly deep nesting instead of overflowing the stack', () => {
    let f: Filter = { must: [{ key: 'a', match: { value: 1 } }] };
    for (let i = 0; i < 40; i++) f = { must: [f] };
    expect(() => parseFilter(f)).toThrow(/nesting deeper than 32/);
    let ok: Filter = { must: [{ key: 'a', match: { value: 1 } }] };
    for (let i = 0; i < 30; i++) ok = { should: [ok] };
    expect(matchesFilter(parseFilter(ok), 1, { a: 1 })).toBe(true);
  });

  it('canonicalPointId', () => {
    expect(canonicalPointId(5)).toBe(5);
    expect(canonicalPointId(-5)).toBeNull();
    expect(canonicalPointId(1.5)).toBeNull();
    expect(canonicalPointId(2 ** 60)).toBeNull();
    expect(canonicalPointId('{936DA01F-9ABD-4D9D-80C7-02AF85C822A8}')).toBe('936da01f-9abd-4d9d-80c7-02af85c822a8');
    expect(canonicalPointId('urn:uuid:936da01f9abd4d9d80c702af85c822a8')).toBe('936da01f-9abd-4d9d-80c7-02af85c822a8');
  });
});

// ---- properties -------------------------------------------------------------------------------------------------

const keys = ['a', 'b', 'c'];
const scalar = fc.oneof(
  fc.constantFrom('x', 'y', 'z'),
  fc.integer({ min: 0, max: 5 }),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }));
const payloadArb = fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 3 });
const leaf: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({
    key: fc.constantFrom(...keys),
    match: fc.record({ value: fc.oneof(fc.constantFrom('x', 'y'), fc.integer({ min: 0, max: 5 }), fc.boolean()) }),
  }),
  fc.record({
    key: fc.constantFrom(...keys),
    match: fc.record({ any: fc.array(fc.constantFrom('x', 'y', 'z'), { maxLength: 3 }) }),
  }),
  fc.record({
    key: fc.constantFrom(...keys),
    match: fc.record({ except: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }) }),
  }),
  fc.record({ key: fc.constantFrom(...keys), range: fc.record({ gte: fc.integer({ min: 0, max: 5 }) }) }),
  fc.record({ key: fc.constantFrom(...keys), values_count: fc.record({ lte: fc.integer({ min: 0, max: 3 }) }) }),
  fc.record({ is_empty: fc.record({ key: fc.constantFrom(...keys) }) }),
  fc.record({ is_null: fc.record({ key: fc.constantFrom(...keys) }) }),
  fc.record({ has_id: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }) }),
);
const { filter: filterArb } = fc.letrec<{ filter: Filter; cond: Condition }>((tie) => ({
  cond: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('filter') as fc.Arbitrary<Condition>),
  filter: fc.record(
    {
      must: fc.array(tie('cond'), { maxLength: 3 }),
      should: fc.array(tie('cond'), { minLength: 1, maxLength: 3 }),
      must_not: fc.array(tie('cond'), { maxLength: 3 }),
    },
    { requiredKeys: [] },
  ),
}));
const idArb = fc.integer({ min: 0, max: 5 });

describe('filter properties', () => {
  it('must_not(f) == !f', () => {
    fc.assert(
      fc.property(filterArb, payloadArb, idArb, (f, p, id) => {
        expect(check({ must_not: [f] }, p, id)).toBe(!check(f, p, id));
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('should of one condition == must of it', () => {
    fc.assert(
      fc.property(leaf, payloadArb, idArb, (c, p, id) => {
        expect(check({ should: [c] }, p, id)).toBe(check({ must: [c] }, p, id));
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  it('must is a conjunction and should a disjunction of single-condition filters', () => {
    fc.assert(
      fc.property(fc.array(leaf, { minLength: 1, maxLength: 4 }), payloadArb, idArb, (cs, p, id) => {
        const each = cs.map((c) => check({ must: [c] }, p, id));
        expect(check({ must: cs }, p, id)).toBe(each.every(Boolean));
        expect(check({ should: cs }, p, id)).toBe(each.some(Boolean));
        expect(check({ min_should: { conditions: cs, min_count: 1 } }, p, id)).toBe(each.some(Boolean));
        expect(check({ min_should: { conditions: cs, min_count: cs.length } }, p, id)).toBe(each.every(Boolean));
      }),
      { seed: 11, numRuns: 500 },
    );
  });

  it('a filter used as a condition behaves like the filter', () => {
    fc.assert(
      fc.property(filterArb, payloadArb, idArb, (f, p, id) => {
        expect(check({ must: [f] }, p, id)).toBe(check(f, p, id));
      }),
      { seed: 3, numRuns: 300 },
    );
  });

  it('is_empty and values_count < 1 agree on scalar-or-array payloads without nulls inside arrays', () => {
    fc.assert(
      fc.property(fc.constantFrom(...keys), payloadArb, (key, p) => {
        const hasNullInArray = Array.isArray(p[key]) && (p[key] as unknown[]).includes(null);
        fc.pre(!hasNullInArray);
        expect(check(must({ is_empty: { key } }), p)).toBe(check(must({ key, values_count: { lt: 1 } }), p));
      }),
      { seed: 5, numRuns: 300 },
    );
  });
});
