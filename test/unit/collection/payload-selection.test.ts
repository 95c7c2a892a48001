/**
 * Qdrant's JSON-path semantics for payload selection and payload updates (lib/segment/src/json_path: value_filter,
 * value_set, value_remove), and the filter forms issue 14 found missing.
 */
import { describe, expect, it } from 'vitest';
import { deletePayloadKeys, projectPayload, setPayload } from '../../../lib/collection/payload-ops.js';
import type { Filter } from '../../../lib/model/filter.js';
import { matchesFilter } from '../../../lib/segment/filter.js';
import { parseFilter } from '../../../lib/segment/filter-parse.js';

const doc = {
  city: 'Berlin',
  country: { name: 'Germany', code: 'DE', sizes: { area: 357 } },
  tags: [
    { t: 'a', w: 1 },
    { t: 'b', w: 2 },
  ],
};

describe('with_payload include / exclude with nested paths', () => {
  it('include `country.name` keeps that leaf inside its parent', () => {
    expect(projectPayload(doc, { include: ['country.name'] })).toEqual({ country: { name: 'Germany' } });
    expect(projectPayload(doc, ['city', 'country.sizes.area'])).toEqual({
      city: 'Berlin',
      country: { sizes: { area: 357 } },
    });
  });

  it('include walks arrays with `[]`; a key step does not enter an array', () => {
    expect(projectPayload(doc, { include: ['tags[].t'] })).toEqual({ tags: [{ t: 'a' }, { t: 'b' }] });
    expect(projectPayload(doc, { include: ['tags.t'] })).toEqual({ tags: [] });
  });

  it('exclude drops the subtree under a nested path and keeps the rest', () => {
    expect(projectPayload(doc, { exclude: ['country.code', 'tags[].w'] })).toEqual({
      city: 'Berlin',
      country: { name: 'Germany', sizes: { area: 357 } },
      tags: [{ t: 'a' }, { t: 'b' }],
    });
    expect(projectPayload(doc, { exclude: ['country'] })).toEqual({ city: 'Berlin', tags: doc.tags });
  });

  it('keeps a __proto__ key as an own property', () => {
    const p = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as Record<string, unknown>;
    const out = projectPayload(p, { include: ['__proto__.x'] }) as Record<string, unknown>;
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

describe('set_payload with a JSON-path key', () => {
  it('`a.arr[0].b` writes into the first element of arr, not a literal `arr[0]` key', () => {
    const current = { a: { arr: [{ x: 1 }, { x: 2 }] } };
    expect(setPayload(current, { y: 9 }, 'a.arr[0].b')).toEqual({ a: { arr: [{ x: 1, b: { y: 9 } }, { x: 2 }] } });
  });

  it('`arr[].b` writes into every element; a missing index writes nothing; a scalar on the way becomes an object', () => {
    const current = { arr: [{}, { b: { keep: true } }], s: 5 };
    expect(setPayload(current, { y: 1 }, 'arr[].b')).toEqual({
      arr: [{ b: { y: 1 } }, { b: { keep: true, y: 1 } }],
      s: 5,
    });
    expect(setPayload(current, { y: 1 }, 'arr[7]')).toEqual(current);
    expect(setPayload(current, { y: 1 }, 's.t')).toEqual({ arr: current.arr, s: { t: { y: 1 } } });
  });

  it('delete_payload follows the same paths', () => {
    const current = { a: { arr: [{ b: 1, c: 2 }, { b: 3 }] }, d: 4 };
    expect(deletePayloadKeys(current, ['a.arr[].b'])).toEqual({ a: { arr: [{ c: 2 }, {}] }, d: 4 });
    expect(deletePayloadKeys(current, ['a.arr[0]'])).toEqual(current);
    expect(deletePayloadKeys(current, ['d', 'nope.x'])).toEqual({ a: current.a });
  });
});

describe('filter forms', () => {
  const matches = (f: unknown, payload: Record<string, unknown>): boolean =>
    matchesFilter(parseFilter(f) as Filter, 1, payload);

  it('accepts the field forms {key, is_empty: bool} and {key, is_null: bool}, false negating', () => {
    const empty = { must: [{ key: 'tags', is_empty: true }] };
    const notEmpty = { must: [{ key: 'tags', is_empty: false }] };
    expect(matches(empty, { tags: [] })).toBe(true);
    expect(matches(empty, { tags: ['x'] })).toBe(false);
    expect(matches(notEmpty, { tags: ['x'] })).toBe(true);
    expect(matches(notEmpty, {})).toBe(false);
    expect(matches({ must: [{ key: 'n', is_null: true }] }, { n: null })).toBe(true);
    expect(matches({ must: [{ key: 'n', is_null: false }] }, { n: null })).toBe(false);
    expect(matches({ must: [{ key: 'n', is_null: false }] }, { n: 1 })).toBe(true);
    expect(() => parseFilter({ must: [{ key: 'n', is_null: 'yes' }] })).toThrow(/expected a boolean/);
  });

  it('an empty phrase matches nothing (it used to match every string)', () => {
    expect(matches({ must: [{ key: 's', match: { phrase: '' } }] }, { s: 'anything' })).toBe(false);
    expect(matches({ must: [{ key: 's', match: { phrase: '  ' } }] }, { s: 'any  thing' })).toBe(false);
    expect(matches({ must: [{ key: 's', match: { phrase: 'any' } }] }, { s: 'anything' })).toBe(true);
  });
});
