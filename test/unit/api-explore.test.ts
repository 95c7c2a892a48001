/**
 * Routing and parsing of the Query API's grouped and legacy doors (lib/api/routes/explore.ts) over a recording
 * service: each body reaches the service as the universal query it means, with Qdrant's defaults, and malformed
 * bodies are refused before any call. What the engine answers is tested end to end (test/e2e/query-api.test.ts).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/api/index.js';
import { expectError, resultOf, send } from '../support/api-request.js';
import { RecordingService } from '../support/recording-service.js';

let service: RecordingService;
let app: ReturnType<typeof createApp>;

beforeEach(() => {
  service = new RecordingService({ docs: 4 });
  app = createApp({ service, limits: { maxBatchSearches: 2 } });
});

const argsOf = (method: string) => service.calls.filter((c) => c.method === method).map((c) => c.args[1]);

describe('legacy explore endpoints', () => {
  it('recommend answers a bare list and means a recommend query', async () => {
    const res = resultOf(
      await send(app, 'POST', '/collections/docs/points/recommend', {
        positive: [1, [1, 0, 0, 0]],
        negative: [2],
        strategy: 'best_score',
        limit: 3,
        using: '',
      }),
    );
    expect(res).toEqual(service.scored);
    expect(argsOf('queryUniversal')[0]).toEqual([
      {
        prefetch: [],
        query: {
          kind: 'recommend',
          positive: [{ id: 1 }, { vector: [1, 0, 0, 0] }],
          negative: [{ id: 2 }],
          strategy: 'best_score',
        },
        using: '',
        params: { exact: false },
        limit: 3,
        offset: 0,
        with_payload: false,
        with_vector: false,
      },
    ]);
  });

  it('discover/batch answers a list of lists', async () => {
    const res = resultOf(
      await send(app, 'POST', '/collections/docs/points/discover/batch', {
        searches: [
          { target: 1, context: [{ positive: 2, negative: 3 }], limit: 2 },
          { target: [0, 0, 0, 1], limit: 1 },
        ],
      }),
    );
    expect(res).toEqual([service.scored, service.scored]);
    const [batch] = argsOf('queryUniversal') as { query: unknown }[][];
    expect(batch.map((q) => q.query)).toEqual([
      { kind: 'discover', target: { id: 1 }, context: [{ positive: { id: 2 }, negative: { id: 3 } }] },
      { kind: 'discover', target: { vector: [0, 0, 0, 1] }, context: [] },
    ]);
  });

  it('groups: query/groups defaults (10 groups of 3), search/groups with a named vector', async () => {
    resultOf(await send(app, 'POST', '/collections/docs/points/query/groups', { query: [1, 0, 0, 0], group_by: 'g' }));
    resultOf(
      await send(app, 'POST', '/collections/docs/points/search/groups', {
        vector: { name: 'image', vector: [1, 0, 0, 0] },
        group_by: 'g',
        group_size: 2,
        limit: 4,
        with_lookup: 'other',
      }),
    );
    const [q, s] = argsOf('queryGroups') as { group_size: number; limit: number; query: { using: string } }[];
    expect([q.group_size, q.limit]).toEqual([3, 10]);
    expect(s).toMatchObject({
      group_by: 'g',
      group_size: 2,
      limit: 4,
      query: { using: 'image' },
      with_lookup: { collection: 'other', with_payload: true, with_vectors: false },
    });
  });

  it('matrix: pairs are built from offsets, defaults sample 10 and limit 3', async () => {
    expect(resultOf(await send(app, 'POST', '/collections/docs/points/search/matrix/pairs', {}))).toEqual({
      pairs: [{ a: 1, b: 2, score: 0.5 }],
    });
    expect(argsOf('searchMatrix')[0]).toEqual({ sample: 10, limit: 3, using: '' });
  });

  it.each([
    ['/points/recommend', { positive: [1] }, 400, 'limit'],
    ['/points/recommend', { positive: [1], limit: 0 }, 422, 'limit'],
    ['/points/recommend', { positive: [1], limit: 1, strategy: 'avg' }, 400, 'strategy'],
    ['/points/discover', { limit: 1 }, 400, 'target'],
    ['/points/query/groups', { query: [1, 0, 0, 0] }, 400, 'group_by'],
    ['/points/query/groups', { query: [1, 0, 0, 0], group_by: 'g', group_size: 0 }, 422, 'group_size'],
    ['/points/search/matrix/offsets', { sample: 1 }, 422, 'sample'],
    ['/points/recommend/batch', { searches: [{ limit: 1 }, { limit: 1 }, { limit: 1 }] }, 400, 'exceeds the limit'],
  ])('%s refuses %j', async (path, body, status, message) => {
    expectError(await send(app, 'POST', `/collections/docs${path}`, body), status, message);
    expect(service.calls.filter((c) => c.method !== 'collectionConfig')).toEqual([]);
  });
});
