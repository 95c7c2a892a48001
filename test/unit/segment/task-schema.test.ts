import { describe, expect, it } from 'vitest';
import { isStrataError } from '../../../lib/model/errors.js';
import { parseSegmentResult, parseSegmentTask } from '../../../lib/segment/task-schema.js';

const task = {
  collectionPrefix: 'p/collections/c',
  segments: [{ id: 'seg-1', deletedVersion: 3 }],
  vector: [0.5, -1],
  limit: 10,
  params: { exact: false, hnsw_ef: 64 },
  filter: { must: [{ key: 'a', match: { value: 1 } }] },
  exclude: [1, 'b3b1c1d0-0000-4000-8000-000000000000'],
  excludeKey: '9f2c.17',
  minSimilarity: 0.2,
};
const result = {
  candidates: [{ id: 7, version: 12, similarity: 0.9, segment: 'seg-1', offset: 41 }],
  stats: { segments: 1, distances: 100, gets: 2, bytes: 4096, rounds: 1, cold: 1, millis: 3.5 },
};

const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
};

describe('segment task and result validation', () => {
  it('passes well-formed tasks and results through unchanged', () => {
    expect(parseSegmentTask(JSON.parse(JSON.stringify(task)))).toEqual(task);
    expect(parseSegmentResult(JSON.parse(JSON.stringify(result)))).toEqual(result);
    // a segment with the meta its manifest entry carries (the worker's open skips meta.json)
    const withMeta = { ...task, segments: [{ id: 'seg-1', deletedVersion: 3, meta: { format: 1, count: 2 } }] };
    expect(parseSegmentTask(JSON.parse(JSON.stringify(withMeta)))).toEqual(withMeta);
    const { filter: _f, exclude: _e, minSimilarity: _m, ...minimal } = task;
    expect(parseSegmentTask({ ...minimal, filter: null, exclude: null, minSimilarity: null })).toEqual(minimal);
  });

  it('passes a query vector and the candidate lists through as they came (checked in one pass, not copied)', () => {
    const vector = Array.from({ length: 768 }, (_, i) => i / 768);
    expect(parseSegmentTask({ ...task, vector }).vector).toBe(vector);
    const candidates = Array.from({ length: 40 }, (_, i) => ({ ...result.candidates[0], id: i + 1, offset: i }));
    const lists = [candidates.slice(0, 5), candidates.slice(5)];
    const parsed = parseSegmentResult({ ...result, candidates, lists });
    expect(parsed.candidates).toBe(candidates);
    expect(parsed.lists?.[1]).toBe(lists[1]);
    // a bad element late in a long array is still named
    const late = [...vector.slice(0, 700), Number.POSITIVE_INFINITY];
    expect(() => parseSegmentTask({ ...task, vector: late })).toThrow(/vector\.700: expected a finite number/);
    const bad = [...candidates.slice(0, 39), { ...candidates[39], segment: 3 }];
    expect(() => parseSegmentResult({ ...result, candidates: bad })).toThrow(
      /candidates\.39\.segment: expected a string/,
    );
  });

  it('checks an exclude list once per array: the same array again is not read, a new one is', () => {
    const reads = { n: 0 };
    const counted = <T>(ids: T[]): T[] =>
      new Proxy(ids, {
        get(target, key, receiver) {
          if (typeof key === 'string' && /^\d+$/.test(key)) reads.n++;
          return Reflect.get(target, key, receiver);
        },
      });
    const ids = Array.from({ length: 100 }, (_, i) => i + 1);
    const list = counted(ids);
    expect(parseSegmentTask({ ...task, exclude: list }).exclude).toBe(list);
    expect(reads.n).toBe(100);
    expect(parseSegmentTask({ ...task, exclude: list }).exclude).toBe(list);
    expect(reads.n).toBe(100);
    parseSegmentTask({ ...task, exclude: counted([...ids]) });
    expect(reads.n).toBe(200);
    // a bad list is refused each time it is offered: nothing of it is remembered
    const bad = [...ids, 'not-an-id'];
    for (let k = 0; k < 2; k++) {
      const error = thrown(() => parseSegmentTask({ ...task, exclude: bad }));
      expect(isStrataError(error, 'invalid')).toBe(true);
    }
  });

  it('passes batched sub-searches and per-search result lists through', () => {
    const batched = {
      ...task,
      searches: [
        { vector: [1, 0], limit: 3, params: { exact: true } },
        { vector: [0, 1], limit: 5, params: { exact: false }, filter: { must: [] }, minSimilarity: 0.1 },
      ],
    };
    expect(parseSegmentTask(JSON.parse(JSON.stringify(batched)))).toEqual(batched);
    const lists = { ...result, candidates: [], lists: [result.candidates, []] };
    expect(parseSegmentResult(JSON.parse(JSON.stringify(lists)))).toEqual(lists);
    expect(() => parseSegmentTask({ ...task, searches: [{ vector: [], limit: 1, params: {} }] })).toThrow(
      /searches\.0\.vector/,
    );
    expect(() => parseSegmentResult({ ...result, lists: [[{ id: -1 }]] })).toThrow(/lists/);
  });

  it('passes scored sub-searches (no vector) and needs a vector everywhere else', () => {
    const scored = {
      ...task,
      vector: [],
      searches: [
        { vector: [], limit: 3, params: {}, scoring: { kind: 'order_by', key: 'n', direction: 'asc' } },
        { vector: [1, 0], limit: 5, params: {} },
      ],
    };
    expect(parseSegmentTask(JSON.parse(JSON.stringify(scored)))).toEqual(scored);
    expect(() => parseSegmentTask({ ...task, vector: [] })).toThrow(/^malformed segment search task: vector/);
    expect(() => parseSegmentTask({ ...scored, searches: [{ ...scored.searches[0], scoring: [1] }] })).toThrow(
      /searches\.0\.scoring/,
    );
  });

  it.each([
    ['no segments', { ...task, segments: [] }, 'segments'],
    [
      'a negative tombstone version',
      { ...task, segments: [{ id: 's', deletedVersion: -1 }] },
      'segments.0.deletedVersion',
    ],
    ['a string in the vector', { ...task, vector: [1, '2'] }, 'vector.1'],
    [
      'a meta that is not an object',
      { ...task, segments: [{ id: 's', deletedVersion: 0, meta: 'x' }] },
      'segments.0.meta',
    ],
    ['a zero limit', { ...task, limit: 0 }, 'limit'],
    ['params that are not an object', { ...task, params: [] }, 'params'],
    ['a negative point id in exclude', { ...task, exclude: [-1] }, 'exclude.0'],
    ['a non-canonical UUID in exclude', { ...task, exclude: [1, 'B3B1C1D0-0000-4000-8000-000000000000'] }, 'exclude.1'],
    ['a string that is no point id in exclude', { ...task, exclude: ['abc'] }, 'exclude.0'],
    ['an exclude that is no array', { ...task, exclude: 7 }, 'exclude'],
    ['an exclude key that is no string', { ...task, excludeKey: 17 }, 'excludeKey'],
    ['an exclude key past 100 characters', { ...task, excludeKey: 'k'.repeat(101) }, 'excludeKey'],
    [
      'a bad id late in a long exclude',
      { ...task, exclude: [...Array.from({ length: 3000 }, (_, i) => i), 1.5] },
      'exclude.3000',
    ],
    ['not an object at all', 'hello', '(root)'],
  ])('rejects a task with %s as invalid, naming the field', (_, value, field) => {
    const e = thrown(() => parseSegmentTask(value));
    expect(isStrataError(e, 'invalid')).toBe(true);
    expect((e as Error).message).toContain(`${field}:`);
  });

  it.each([
    ['a missing stats field', { ...result, stats: { ...result.stats, rounds: undefined } }, 'stats.rounds'],
    [
      'a NaN similarity',
      { ...result, candidates: [{ ...result.candidates[0], similarity: Number.NaN }] },
      'candidates.0.similarity',
    ],
    ['an object as id', { ...result, candidates: [{ ...result.candidates[0], id: {} }] }, 'candidates.0.id'],
    ['no offset', { ...result, candidates: [{ ...result.candidates[0], offset: undefined }] }, 'candidates.0.offset'],
    ['a negative offset', { ...result, candidates: [{ ...result.candidates[0], offset: -1 }] }, 'candidates.0.offset'],
    [
      'a fractional offset',
      { ...result, candidates: [{ ...result.candidates[0], offset: 2.5 }] },
      'candidates.0.offset',
    ],
    ['a Lambda proxy response', { statusCode: 200, body: '{}' }, 'candidates'],
    ['null', null, '(root)'],
  ])('rejects a result with %s as internal (a failed attempt)', (_, value, field) => {
    const e = thrown(() => parseSegmentResult(value));
    expect(isStrataError(e, 'internal')).toBe(true);
    expect((e as Error).message).toContain(`garbage segment search result: ${field}:`);
  });
});
