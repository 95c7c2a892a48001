import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../lib/api/index.js';
import { RecordingService } from '../support/recording-service.js';
import { expectError, resultOf, send } from '../support/api-request.js';

let service: RecordingService;
let app: ReturnType<typeof createApp>;

beforeEach(() => {
  service = new RecordingService({ docs: 4 });
  app = createApp({ service, limits: { maxUpsertPoints: 3, maxBodyBytes: 4096 } });
});

const UUID = '936DA01F-9ABD-4D9D-80C7-02AF85C822A8';

describe('upsert', () => {
  it('accepts a points list, canonicalizes UUIDs and passes wait', async () => {
    const r = await send(app, 'PUT', '/collections/docs/points?wait=true', {
      points: [
        { id: 1, vector: [1, 2, 3, 4], payload: { a: 1 } },
        { id: UUID, vector: [0, 0, 0, 1] },
      ],
    });
    expect(resultOf(r)).toMatchObject({ status: 'completed' });
    const upsert = service.writes()[0];
    expect(upsert.args).toEqual([
      'docs',
      [
        { id: 1, vector: [1, 2, 3, 4], payload: { a: 1 } },
        { id: UUID.toLowerCase(), vector: [0, 0, 0, 1], payload: null },
      ],
      true,
    ]);
  });

  it('accepts the batch form and the unnamed vector as a map; wait defaults to false', async () => {
    resultOf(
      await send(app, 'PUT', '/collections/docs/points', {
        batch: { ids: [1, 2], vectors: [[1, 2, 3, 4], { '': [4, 3, 2, 1] }], payloads: [{ a: 1 }, null] },
      }),
    );
    expect(service.writes()[0].args).toEqual([
      'docs',
      [
        { id: 1, vector: [1, 2, 3, 4], payload: { a: 1 } },
        { id: 2, vector: [4, 3, 2, 1], payload: null },
      ],
      false,
    ]);
  });

  it("rejects a wrong dimension with Qdrant's message and writes nothing", async () => {
    const r = await send(app, 'PUT', '/collections/docs/points', {
      points: [
        { id: 1, vector: [1, 2, 3, 4] },
        { id: 2, vector: [1, 2, 3] },
      ],
    });
    expectError(r, 400, 'Wrong input: Vector dimension error: expected dim: 4, got 3');
    expect(service.writes()).toEqual([]);
  });

  it('checks dimensions with the cheap collectionConfig, never getCollection', async () => {
    resultOf(await send(app, 'PUT', '/collections/docs/points', { points: [{ id: 1, vector: [1, 2, 3, 4] }] }));
    expect(service.methods()).toEqual(['collectionConfig', 'upsertPoints']);
    const other = new RecordingService({ docs: 4 });
    const r = await send(createApp({ service: other }), 'PUT', '/collections/docs/points', {
      points: [{ id: 1, vector: [1, 2, 3] }],
    });
    expectError(r, 400, 'expected dim: 4, got 3');
    // a mismatch is re-checked against a revalidated config before it is refused
    expect(other.methods()).toEqual(['collectionConfig', 'collectionConfig']);
  });

  it('404 for an unknown collection, nothing written', async () => {
    expectError(
      await send(app, 'PUT', '/collections/nope/points', { points: [{ id: 1, vector: [1, 2, 3, 4] }] }),
      404,
      "Collection `nope` doesn't exist!",
    );
    expect(service.writes()).toEqual([]);
  });

  it.each([
    ['negative id', { points: [{ id: -1, vector: [1, 2, 3, 4] }] }, 400, 'value -1 is not a valid point ID'],
    ['fractional id', { points: [{ id: 1.5, vector: [1, 2, 3, 4] }] }, 400, 'not a valid point ID'],
    [
      'non-UUID string id',
      { points: [{ id: 'abc', vector: [1, 2, 3, 4] }] },
      400,
      'value "abc" is not a valid point ID',
    ],
    ['id beyond 2^53', { points: [{ id: 2 ** 60, vector: [1, 2, 3, 4] }] }, 400, 'not a valid point ID'],
    [
      'string in vector',
      { points: [{ id: 1, vector: [1, '2', 3, 4] }] },
      400,
      'points[0].vector[1]: expected a number, got "2"',
    ],
    [
      'Infinity in vector',
      '{"points":[{"id":1,"vector":[1,1e999,3,4]}]}',
      400,
      'expected a finite number, got Infinity',
    ],
    ['null in vector', { points: [{ id: 1, vector: [1, null, 3, 4] }] }, 400, 'expected a number, got null'],
    ['missing vector', { points: [{ id: 1 }] }, 400, 'points[0].vector'],
    ['empty vector', { points: [{ id: 1, vector: [] }] }, 422, 'vector must not be empty'],
    ['named vector', { points: [{ id: 1, vector: { image: [1, 2, 3, 4] } }] }, 400, 'named vectors are not supported'],
    ['payload not an object', { points: [{ id: 1, vector: [1, 2, 3, 4], payload: [1] }] }, 400, 'points[0].payload'],
    ['points not a list', { points: { id: 1 } }, 400, 'points'],
    ['neither points nor batch', { foo: 1 }, 400, 'points'],
    [
      'batch lengths differ',
      { batch: { ids: [1, 2], vectors: [[1, 2, 3, 4]] } },
      422,
      'number of vectors (1) must equal number of ids (2)',
    ],
    [
      'too many points',
      { points: [1, 2, 3, 4].map((id) => ({ id, vector: [1, 2, 3, 4] })) },
      400,
      'Bad request: upsert of 4 points exceeds the limit of 3',
    ],
    ['malformed JSON', '{"points": [', 400, 'Format error in JSON body'],
    ['JSON array body', '[1,2]', 400, 'Format error in JSON body'],
  ])('rejects %s and writes nothing', async (_label, body, status, message) => {
    expectError(await send(app, 'PUT', '/collections/docs/points', body), status, message);
    expect(service.writes()).toEqual([]);
  });

  it('rejects a bad wait parameter', async () => {
    expectError(
      await send(app, 'PUT', '/collections/docs/points?wait=yes', { points: [] }),
      400,
      'Format error in query parameters',
    );
    expect(service.calls).toEqual([]);
  });

  it('rejects a body over the byte limit without parsing it', async () => {
    const big = { points: [{ id: 1, vector: [1, 2, 3, 4], payload: { text: 'x'.repeat(5000) } }] };
    // streamed body (no Content-Length): refused while reading
    expectError(
      await send(app, 'PUT', '/collections/docs/points', big),
      400,
      'JSON payload has exceeded limit (4096 bytes)',
    );
    // declared Content-Length: refused before reading
    const text = JSON.stringify(big);
    const declared = await send(app, 'PUT', '/collections/docs/points', text, {
      'content-length': String(Buffer.byteLength(text)),
    });
    expectError(
      declared,
      400,
      `JSON payload (${Buffer.byteLength(text)} bytes) is larger than allowed (limit: 4096 bytes).`,
    );
    expect(service.calls).toEqual([]);
  });
});

describe('retrieve, scroll, count', () => {
  it('POST /points: ids, with_payload defaults to true and with_vector to false', async () => {
    expect(resultOf(await send(app, 'POST', '/collections/docs/points', { ids: [1, 2] }))).toEqual([
      { id: 1, payload: { color: 'red' }, vector: null },
    ]);
    expect(service.calls.at(-1)).toEqual({ method: 'getPoints', args: ['docs', [1, 2], true, false] });
  });

  it('GET /points/{id}: 404 with Qdrant message when missing, 400 on a bad id', async () => {
    expect(resultOf(await send(app, 'GET', '/collections/docs/points/1'))).toMatchObject({ id: 1 });
    expectError(await send(app, 'GET', '/collections/docs/points/7'), 404, 'Not found: No point with id 7 found');
    expectError(await send(app, 'GET', '/collections/docs/points/not-an-id'), 400, 'not a valid point ID');
    expectError(
      await send(app, 'GET', `/collections/docs/points/${UUID}`),
      404,
      `No point with id ${UUID.toLowerCase()} found`,
    );
  });

  it('scroll applies defaults and validates the filter', async () => {
    resultOf(await send(app, 'POST', '/collections/docs/points/scroll', {}));
    expect(service.calls.at(-1)).toEqual({
      method: 'scroll',
      args: ['docs', { limit: 10, with_payload: true, with_vector: false }],
    });
    resultOf(
      await send(app, 'POST', '/collections/docs/points/scroll', {
        filter: { must: { key: 'color', match: { value: 'red' } } },
        limit: 2,
        offset: UUID,
        with_payload: ['color'],
        with_vector: true,
      }),
    );
    expect(service.calls.at(-1)?.args[1]).toEqual({
      filter: { must: [{ key: 'color', match: { value: 'red' } }] },
      limit: 2,
      offset: UUID.toLowerCase(),
      with_payload: ['color'],
      with_vector: true,
    });
    const before = service.calls.length;
    expectError(
      await send(app, 'POST', '/collections/docs/points/scroll', { limit: 0 }),
      422,
      'limit: value 0 invalid, must be 1 or larger',
    );
    expectError(
      await send(app, 'POST', '/collections/docs/points/scroll', { filter: { must: [{ key: 'a', match: {} }] } }),
      400,
      'filter.must[0].match',
    );
    // order_by's shape is the route's to check; a key without a range index is the service's (payload-indexes e2e)
    expectError(await send(app, 'POST', '/collections/docs/points/scroll', { order_by: { key: 7 } }), 400, 'order_by');
    expect(service.calls.length).toBe(before);
  });

  it('count: exact defaults to true, empty body allowed', async () => {
    expect(resultOf(await send(app, 'POST', '/collections/docs/points/count'))).toEqual({ count: 1 });
    expect(service.calls.at(-1)).toEqual({ method: 'count', args: ['docs', undefined, true] });
    resultOf(
      await send(app, 'POST', '/collections/docs/points/count', {
        exact: false,
        filter: { must_not: [{ has_id: [1] }] },
      }),
    );
    expect(service.calls.at(-1)?.args).toEqual(['docs', { must_not: [{ has_id: [1] }] }, false]);
  });
});

describe('delete and payload operations', () => {
  it('delete by ids or by filter, never both or neither', async () => {
    resultOf(await send(app, 'POST', '/collections/docs/points/delete?wait=true', { points: [1, UUID] }));
    expect(service.writes().at(-1)).toEqual({
      method: 'deletePoints',
      args: ['docs', { points: [1, UUID.toLowerCase()] }, true],
    });
    resultOf(
      await send(app, 'POST', '/collections/docs/points/delete', {
        filter: { must: [{ key: 'a', range: { gt: 1 } }] },
      }),
    );
    expect(service.writes().at(-1)?.args[1]).toEqual({ filter: { must: [{ key: 'a', range: { gt: 1 } }] } });
    const before = service.writes().length;
    expectError(await send(app, 'POST', '/collections/docs/points/delete', {}), 400, 'expected `points`');
    expectError(
      await send(app, 'POST', '/collections/docs/points/delete', { points: [1], filter: {} }),
      400,
      'not both',
    );
    expectError(
      await send(app, 'POST', '/collections/docs/points/delete', { points: [-3] }),
      400,
      'not a valid point ID',
    );
    expectError(
      await send(app, 'POST', '/collections/docs/points/delete', {
        filter: { must: [{ key: 'a', range: { gt: 'x' } }] },
      }),
      400,
      'RFC 3339',
    );
    expect(service.writes().length).toBe(before);
  });

  it('set (POST) and overwrite (PUT) payload', async () => {
    resultOf(
      await send(app, 'POST', '/collections/docs/points/payload', { payload: { a: 1 }, points: [1], key: 'nested' }),
    );
    expect(service.writes().at(-1)).toEqual({
      method: 'setPayload',
      args: ['docs', { a: 1 }, { points: [1] }, false, 'nested'],
    });
    resultOf(
      await send(app, 'PUT', '/collections/docs/points/payload?wait=true', { payload: { b: 2 }, filter: { must: [] } }),
    );
    expect(service.writes().at(-1)).toEqual({
      method: 'overwritePayload',
      args: ['docs', { b: 2 }, { filter: { must: [] } }, true],
    });
    const before = service.writes().length;
    expectError(
      await send(app, 'POST', '/collections/docs/points/payload', { payload: { a: 1 } }),
      400,
      'Either points or filter is required',
    );
    expectError(
      await send(app, 'POST', '/collections/docs/points/payload', { payload: 'x', points: [1] }),
      400,
      'payload',
    );
    expect(service.writes().length).toBe(before);
  });

  it('delete and clear payload', async () => {
    resultOf(await send(app, 'POST', '/collections/docs/points/payload/delete', { keys: ['a'], points: [1] }));
    expect(service.writes().at(-1)).toEqual({ method: 'deletePayload', args: ['docs', ['a'], { points: [1] }, false] });
    resultOf(await send(app, 'POST', '/collections/docs/points/payload/clear', { points: [1] }));
    expect(service.writes().at(-1)).toEqual({ method: 'clearPayload', args: ['docs', { points: [1] }, false] });
    const before = service.writes().length;
    expectError(
      await send(app, 'POST', '/collections/docs/points/payload/delete', { keys: 'a', points: [1] }),
      400,
      'keys',
    );
    expect(service.writes().length).toBe(before);
  });
});

describe('payload objects pass through unchanged', () => {
  it('keeps every key, including __proto__, as JSON.parse built it', async () => {
    resultOf(
      await send(
        app,
        'PUT',
        '/collections/docs/points',
        '{"points":[{"id":1,"vector":[1,2,3,4],"payload":{"__proto__":{"x":1},"a":2}}]}',
      ),
    );
    const [points] = service.writes()[0].args.slice(1) as [{ payload: Record<string, unknown> }[]];
    expect(Object.keys(points[0].payload)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(points[0].payload)).toBe(Object.prototype);
  });
});
