import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/api/index.js';
import { RecordingService } from '../support/recording-service.js';
import { expectError, resultOf, send } from '../support/api-request.js';

let service: RecordingService;
let app: ReturnType<typeof createApp>;

beforeEach(() => {
  service = new RecordingService({ docs: 4 });
  app = createApp({ service, limits: { maxBatchSearches: 2 } });
});

const queries = () => service.calls.filter((c) => c.method === 'query');

describe('POST /points/query', () => {
  it('a bare vector query gets Qdrant defaults', async () => {
    expect(resultOf(await send(app, 'POST', '/collections/docs/points/query', { query: [1, 2, 3, 4] }))).toEqual({
      points: service.scored,
    });
    expect(queries()[0].args).toEqual([
      'docs',
      { vector: [1, 2, 3, 4], limit: 10, offset: 0, params: { exact: false }, with_payload: false, with_vector: false },
    ]);
  });

  it('{nearest} with every supported knob', async () => {
    resultOf(
      await send(app, 'POST', '/collections/docs/points/query?timeout=5', {
        query: { nearest: [1, 2, 3, 4] },
        limit: 3,
        offset: 2,
        filter: { should: [{ key: 'k', match: { any: ['a', 'b'] } }] },
        params: { hnsw_ef: 64, exact: true, quantization: { ignore: false, rescore: true, oversampling: 2.5 } },
        with_payload: { include: ['k'] },
        with_vector: true,
        score_threshold: 0.2,
        using: null,
        prefetch: null,
      }),
    );
    expect(queries()[0].args[1]).toEqual({
      vector: [1, 2, 3, 4],
      limit: 3,
      offset: 2,
      filter: { should: [{ key: 'k', match: { any: ['a', 'b'] } }] },
      params: { hnsw_ef: 64, exact: true, quantization: { ignore: false, rescore: true, oversampling: 2.5 } },
      with_payload: { include: ['k'] },
      with_vector: true,
      score_threshold: 0.2,
    });
  });

  it('quantization params default like Qdrant (ignore false, oversampling 1, rescore left to the engine)', async () => {
    resultOf(
      await send(app, 'POST', '/collections/docs/points/query', { query: [1, 2, 3, 4], params: { quantization: {} } }),
    );
    expect((queries()[0].args[1] as { params: unknown }).params).toEqual({
      exact: false,
      quantization: { ignore: false, oversampling: 1 },
    });
  });

  it.each([
    [{ query: [1, 2, 3] }, 400, 'Wrong input: Vector dimension error: expected dim: 4, got 3'],
    [{ query: [1, 2, 3, 4], limit: 0 }, 422, 'limit: value 0 invalid, must be 1 or larger'],
    [{ query: [1, 2, 3, 4], limit: -5 }, 422, 'limit'],
    [{ query: [1, 2, 3, 4], offset: -1 }, 422, 'offset'],
    [{ query: [1, 2, 3, 4], limit: 'ten' }, 400, 'Format error in JSON body: limit'],
    [{ query: ['a', 2, 3, 4] }, 400, 'query[0]: expected a number'],
    [
      {
        query: [
          [1, 2],
          [3, 4],
        ],
      },
      400,
      // the collection's vector is dense: Qdrant's WrongMulti
      'Wrong input: Conversion between multi and regular vectors failed',
    ],
    [
      { query: [1, 2, 3, 4], filter: { must: [{ key: 'a', match: { value: 1.5 } }] } },
      400,
      'filter.must[0].match.value',
    ],
    [{ query: [1, 2, 3, 4], filter: { must: [{ foo: 1 }] } }, 400, 'expected a condition'],
    [
      // a vector name is a string; any other value is no condition form (Qdrant's words)
      { query: [1, 2, 3, 4], filter: { must: [{ has_vector: 7 }] } },
      400,
      'filter.must[0]: Expected some form of condition',
    ],
    [{ query: [1, 2, 3, 4], params: { quantization: { oversampling: 0.5 } } }, 422, 'oversampling'],
    [{ query: [1, 2, 3, 4], with_payload: 3 }, 400, 'with_payload'],
    [{ query: [1, 2, 3, 4], with_vector: ['image'] }, 400, 'Wrong input: Not existing vector name error: image'],
    [{ query: 'not-an-id' }, 400, 'expected a vector or a point id'],
    [{ query: { recommend: { strategy: 'best' } } }, 400, 'recommend.strategy'],
    [{ query: { fusion: 'sum' } }, 400, 'fusion'],
    [{ query: { sample: 'first' } }, 400, 'sample'],
    [{ query: { nearest: [1, 2, 3, 4], mmr: { diversity: 2 } } }, 422, 'mmr.diversity'],
    [{ query: { rrf: { k: 0 } } }, 422, 'rrf.k'],
    [{ prefetch: [{ query: [1, 2, 3, 4], limit: 0 }], query: { fusion: 'rrf' } }, 422, 'prefetch[0].limit'],
    [{ query: { relevance_feedback: {} } }, 400, 'relevance_feedback'],
  ])('rejects %j', async (body, status, message) => {
    expectError(await send(app, 'POST', '/collections/docs/points/query', body), status, message);
    expect(queries()).toEqual([]);
  });

  it('every other form goes to the universal query with its shape and defaults', async () => {
    const body = {
      prefetch: [
        { query: 7, limit: 5, filter: { must: [{ key: 'k', match: { value: 'a' } }] } },
        { query: { recommend: { positive: [1], negative: [[0, 0, 1, 0]], strategy: 'best_score' } } },
      ],
      query: { rrf: { k: 3, weights: [1, 2] } },
      limit: 4,
    };
    resultOf(await send(app, 'POST', '/collections/docs/points/query', body));
    const universal = service.calls.filter((c) => c.method === 'queryUniversal');
    expect(universal[0].args[1]).toEqual([
      {
        prefetch: [
          {
            prefetch: [],
            query: { kind: 'nearest', input: { id: 7 } },
            using: '',
            filter: { must: [{ key: 'k', match: { value: 'a' } }] },
            params: { exact: false },
            limit: 5,
          },
          {
            prefetch: [],
            query: {
              kind: 'recommend',
              positive: [{ id: 1 }],
              negative: [{ vector: [0, 0, 1, 0] }],
              strategy: 'best_score',
            },
            using: '',
            params: { exact: false },
            limit: 10,
          },
        ],
        query: { kind: 'fusion', method: 'rrf', k: 3, weights: [1, 2] },
        using: '',
        params: { exact: false },
        limit: 4,
        offset: 0,
        with_payload: false,
        with_vector: false,
      },
    ]);
    expect(queries()).toEqual([]);
  });

  it('no query at all is a universal query without a form', async () => {
    resultOf(await send(app, 'POST', '/collections/docs/points/query', {}));
    const [call] = service.calls.filter((c) => c.method === 'queryUniversal');
    expect((call.args[1] as { query?: unknown }[])[0].query).toBeUndefined();
  });

  it('404 for an unknown collection', async () => {
    expectError(
      await send(app, 'POST', '/collections/nope/points/query', { query: [1, 2, 3, 4] }),
      404,
      "Not found: Collection `nope` doesn't exist!",
    );
  });
});

describe('batch and legacy search', () => {
  it('query/batch answers one {points} per search', async () => {
    const r = await send(app, 'POST', '/collections/docs/points/query/batch', {
      searches: [{ query: [1, 2, 3, 4] }, { query: { nearest: [4, 3, 2, 1] }, limit: 1 }],
    });
    expect(resultOf(r)).toEqual([{ points: service.scored }, { points: service.scored }]);
    // one batch call: the service searches both over one snapshot
    expect(queries()).toEqual([]);
    const batches = service.calls.filter((c) => c.method === 'queryBatch');
    expect(batches.length).toBe(1);
    expect((batches[0].args[1] as unknown[]).length).toBe(2);
  });

  it('a batch with one bad vector runs no search at all', async () => {
    expectError(
      await send(app, 'POST', '/collections/docs/points/query/batch', {
        searches: [{ query: [1, 2, 3, 4] }, { query: [1] }],
      }),
      400,
      'expected dim: 4, got 1',
    );
    expectError(
      await send(app, 'POST', '/collections/docs/points/query/batch', {
        searches: [{ query: [1, 2, 3, 4] }, { query: [1, 2, 3, 4], limit: 0 }],
      }),
      422,
      'searches[1].limit',
    );
    expect(queries()).toEqual([]);
  });

  it('refuses batches over the limit', async () => {
    const searches = [1, 2, 3].map(() => ({ query: [1, 2, 3, 4] }));
    expectError(
      await send(app, 'POST', '/collections/docs/points/query/batch', { searches }),
      400,
      'Bad request: batch of 3 searches exceeds the limit of 2',
    );
    expect(queries()).toEqual([]);
  });

  it('legacy search: limit is required, the answer is a bare list', async () => {
    const r = await send(app, 'POST', '/collections/docs/points/search', {
      vector: [1, 2, 3, 4],
      limit: 5,
      with_payload: true,
    });
    expect(resultOf(r)).toEqual(service.scored);
    expect(queries()[0].args[1]).toMatchObject({
      vector: [1, 2, 3, 4],
      limit: 5,
      offset: 0,
      with_payload: true,
      with_vector: false,
    });
    expectError(await send(app, 'POST', '/collections/docs/points/search', { vector: [1, 2, 3, 4] }), 400, 'limit');
    expectError(
      await send(app, 'POST', '/collections/docs/points/search', {
        vector: { name: 'img', vector: [1, 2, 3, 4] },
        limit: 1,
      }),
      400,
      'Wrong input: Not existing vector name error: img',
    );
    resultOf(
      await send(app, 'POST', '/collections/docs/points/search', {
        vector: { name: '', vector: [1, 2, 3, 4] },
        limit: 1,
      }),
    );
  });

  it('legacy search batch answers a list of lists', async () => {
    const r = await send(app, 'POST', '/collections/docs/points/search/batch', {
      searches: [{ vector: [1, 2, 3, 4], limit: 1 }],
    });
    expect(resultOf(r)).toEqual([service.scored]);
  });
});
