/**
 * The hardening defects of issue 14 at the API layer, each pinned against Qdrant's answer (or Strata's documented
 * bound), with nothing reaching a service method when the request is refused.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/api/index.js';
import { expectError, resultOf, send } from '../support/api-request.js';
import { RecordingService } from '../support/recording-service.js';

let service: RecordingService;
let app: ReturnType<typeof createApp>;

beforeEach(() => {
  service = new RecordingService({ docs: 4 });
  app = createApp({ service });
});

const q = { query: [0.1, 0.2, 0.3, 0.4] };

describe('content type', () => {
  it('refuses a text/plain (CORS-simple) body on a mutating route before parsing it', async () => {
    const body = JSON.stringify({ filter: {} });
    const plain = await app.request('/collections/docs/points/delete', {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body,
    });
    expect(plain.status).toBe(400);
    expect(((await plain.json()) as { status: { error: string } }).status.error).toBe('Content type error');
    const none = await app.request('/collections/docs/points/delete', { method: 'POST', body });
    expect(none.status).toBe(400);
    expect(service.writes()).toEqual([]);
  });

  it('accepts application/json with parameters and +json types; a bodiless count needs none', async () => {
    for (const type of ['application/json; charset=utf-8', 'application/vnd.api+json']) {
      const res = await app.request('/collections/docs/points/query', {
        method: 'POST',
        headers: { 'content-type': type },
        body: JSON.stringify(q),
      });
      expect(res.status, type).toBe(200);
    }
    const count = await app.request('/collections/docs/points/count', { method: 'POST' });
    expect(count.status).toBe(200);
  });
});

describe('CORS', () => {
  it('sends no CORS header by default, not even to a preflight', async () => {
    const res = await app.request('/collections/docs/points/delete', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const get = await app.request('/collections', { headers: { origin: 'https://evil.example' } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows exactly the configured origins', async () => {
    const open = createApp({ service, corsOrigins: ['https://ui.example'] });
    const ok = await open.request('/collections', { headers: { origin: 'https://ui.example' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://ui.example');
    const other = await open.request('/collections', { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('point ids as written', () => {
  it('refuses 3.0 and 3e0 where an id goes (Qdrant: not a u64), naming the literal', async () => {
    const bodies = ['{"points":[{"id":3.0,"vector":[1,2,3,4]}]}', '{"batch":{"ids":[3e0],"vectors":[[1,2,3,4]]}}'];
    for (const body of bodies) {
      expectError(await send(app, 'PUT', '/collections/docs/points', body), 400, 'is not a valid point ID');
    }
    const r = await send(app, 'POST', '/collections/docs/points/delete', '{"points":[1, 3.0]}');
    expectError(r, 400, 'points[1]: value 3.0 is not a valid point ID');
    const f = await send(app, 'POST', '/collections/docs/points/count', '{"filter":{"must":[{"has_id":[2.0]}]}}');
    expectError(f, 400, 'value 2.0 is not a valid point ID');
    expect(service.writes()).toEqual([]);
  });

  it('keeps 3.0 where it is data: vectors, payloads, ranges', async () => {
    const body = '{"points":[{"id":3,"vector":[1.0,2.0,3e0,4],"payload":{"id":3.0,"points":[1.0]}}]}';
    resultOf(await send(app, 'PUT', '/collections/docs/points', body));
    expect(service.writes()[0].args[1]).toEqual([{ id: 3, vector: [1, 2, 3, 4], payload: { id: 3, points: [1] } }]);
  });

  it('finds an id written after vectors and nested number arrays the scan steps over whole', async () => {
    const bodies = [
      '{"points":[{"vector":[1.0, 2e0 ,-3.5E-2,4],"payload":{"m":[[1.0],[2]]},"id":3.0}]}',
      '{"batch":{"vectors":[[1.0,2,3,4]],"ids":[ 3e0 ]}}',
    ];
    for (const body of bodies) {
      expectError(await send(app, 'PUT', '/collections/docs/points', body), 400, 'is not a valid point ID');
    }
    const f = '{"filter":{"must":[{"key":"v","range":{"gte":1.0}},{"has_id":[ 1, 2.0 ]}]}}';
    expectError(await send(app, 'POST', '/collections/docs/points/count', f), 400, 'value 2.0 is not a valid point ID');
    expect(service.writes()).toEqual([]);
  });

  it('prints an id above 2^53 exactly, in bodies and paths', async () => {
    const big = '18446744073709551615';
    const r = await send(app, 'POST', '/collections/docs/points', `{"ids":[${big}]}`);
    expectError(r, 400, `value ${big} is not a valid point ID`);
    expectError(await send(app, 'GET', `/collections/docs/points/${big}`), 400, big);
  });
});

describe("Qdrant's codes for out-of-range parameters", () => {
  it('hnsw_ef: 0 is a 422 naming params.hnsw_ef', async () => {
    const r = await send(app, 'POST', '/collections/docs/points/query', { ...q, params: { hnsw_ef: 0 } });
    expectError(r, 422, 'params.hnsw_ef: value 0 invalid, must be 1 or larger');
  });

  it('timeout=0: 400 on reads (NonZeroU64), accepted on writes, 422 on collection operations', async () => {
    expectError(await send(app, 'POST', '/collections/docs/points/query?timeout=0', q), 400, 'expected a nonzero u64');
    resultOf(await send(app, 'POST', '/collections/docs/points/delete?timeout=0', { points: [1] }));
    expectError(
      await send(app, 'DELETE', '/collections/docs?timeout=0'),
      422,
      'Validation error in query parameters: [timeout: value 0 invalid, must be 1 or larger]',
    );
  });

  it('a negative shard_number is a 400 (not a u32), 0 a 422', async () => {
    const create = (shard_number: number) =>
      send(app, 'PUT', '/collections/new', { vectors: { size: 4, distance: 'Dot' }, shard_number });
    expectError(await create(-1), 400, 'shard_number: invalid value: integer `-1`, expected u32');
    expectError(await create(0), 422, 'shard_number');
    expect(service.writes()).toEqual([]);
  });

  it('a query value beyond float32 (1e39) is refused like an upsert, before any search', async () => {
    expectError(
      await send(app, 'POST', '/collections/docs/points/query', { query: [0, 1e39, 0, 0] }),
      400,
      'Wrong input: query[1]: 1e+39 overflows float32',
    );
    expectError(
      await send(app, 'POST', '/collections/docs/points/search/batch', {
        searches: [
          { vector: [0, 0, 0, 0], limit: 1 },
          { vector: [0, 0, -1e39, 0], limit: 1 },
        ],
      }),
      400,
      'searches[1].vector[2]: -1e+39 overflows float32',
    );
    expect(service.methods().filter((m) => m === 'query' || m === 'queryBatch')).toEqual([]);
  });
});

describe('empty batches', () => {
  it('answer an empty list (a regression the fuzz test caught in this change)', async () => {
    expect(resultOf(await send(app, 'POST', '/collections/docs/points/query/batch', { searches: [] }))).toEqual([]);
    expect(resultOf(await send(app, 'POST', '/collections/docs/points/search/batch', { searches: [] }))).toEqual([]);
  });
});

describe('one request is bounded', () => {
  it('refuses limit + offset beyond the maximum before any search, with a hint', async () => {
    const r = await send(app, 'POST', '/collections/docs/points/query', { ...q, limit: 1e9 });
    expectError(r, 400, 'exceeds the maximum of 10000 points per request; page through the results');
    const scroll = await send(app, 'POST', '/collections/docs/points/scroll', { limit: 20_000 });
    expectError(scroll, 400, 'limit + offset of 20000 exceeds the maximum');
    expect(service.methods()).not.toContain('query');
    expect(service.methods()).not.toContain('scroll');
  });

  it('refuses a batch whose estimated answer passes the byte bound before any search', async () => {
    const small = createApp({ service, limits: { maxResponseBytes: 1_000_000 } });
    const searches = Array.from({ length: 100 }, () => ({ ...q, limit: 10_000, with_payload: true }));
    const r = await send(small, 'POST', '/collections/docs/points/query/batch', { searches });
    expectError(r, 400, 'more than the maximum of 1000000 bytes; page through the results');
    expect(service.methods()).not.toContain('queryBatch');
  });

  it('stops serialising an answer that passes the byte bound and answers 400, not 5xx', async () => {
    const small = createApp({ service, limits: { maxResponseBytes: 10_000 } });
    service.scored = Array.from({ length: 5 }, (_, i) => ({
      id: i,
      version: 1,
      score: 1,
      payload: { blob: 'x'.repeat(5_000) },
      vector: null,
    }));
    const r = await send(small, 'POST', '/collections/docs/points/query', { ...q, with_payload: true });
    expectError(r, 400, 'bytes, more than the maximum of 10000 bytes');
  });

  it('counts a Lambda body as the escaped string it travels as', async () => {
    const lambda = createApp({ service, limits: { maxResponseBytes: 8_000, escapedResponse: true } });
    // 6,000 characters of quotes: under 8,000 raw, 12,000 escaped
    service.records = [{ id: 1, payload: { q: '"'.repeat(3_000) }, vector: null }];
    const r = await send(lambda, 'POST', '/collections/docs/points', { ids: [1] });
    expectError(r, 400, 'more than the maximum of 8000 bytes');
    const raw = createApp({ service, limits: { maxResponseBytes: 8_000 } });
    resultOf(await send(raw, 'POST', '/collections/docs/points', { ids: [1] }));
  });
});

describe('vectors print as their float32', () => {
  it('query, retrieve and scroll print the shortest decimal that round-trips the float32', async () => {
    const stored = [0.15, 1 / 3, -2.5e-8, 1].map(Math.fround);
    service.scored = [{ id: 1, version: 1, score: 0.5, payload: null, vector: stored }];
    service.records = [{ id: 1, payload: {}, vector: stored }];
    const expected = [0.15, 0.33333334, -2.5e-8, 1];
    const query = await send(app, 'POST', '/collections/docs/points/query', { ...q, with_vector: true });
    expect(query.text).toContain('[0.15,0.33333334,-2.5e-8,1]');
    expect((resultOf(query) as { points: { vector: number[] }[] }).points[0].vector).toEqual(expected);
    const got = await send(app, 'POST', '/collections/docs/points', { ids: [1], with_vector: true });
    expect((resultOf(got) as { vector: number[] }[])[0].vector).toEqual(expected);
    const one = await send(app, 'GET', '/collections/docs/points/1');
    expect((resultOf(one) as { vector: number[] }).vector).toEqual(expected);
    const scroll = await send(app, 'POST', '/collections/docs/points/scroll', { with_vector: true });
    expect((resultOf(scroll) as { points: { vector: number[] }[] }).points[0].vector).toEqual(expected);
  });
});

describe('client hang-ups and start-up', () => {
  it('logs a body cut off mid-way below error level and answers 400', async () => {
    const lines: string[] = [];
    const logged = createApp({
      service,
      logger: { error: () => lines.push('error'), warn: () => lines.push('warn'), info: () => lines.push('info') },
    });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"points":[{"id":1,'));
        controller.error(new Error('aborted'));
      },
    });
    const res = await logged.request('/collections/docs/points', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(400);
    expect(lines).toEqual(['info']);
    expect(service.writes()).toEqual([]);
  });

  it('refuses an empty API key instead of running without auth', () => {
    expect(() => createApp({ service, apiKey: '' })).toThrow(/must not be empty/);
  });
});
