/**
 * Named vectors and the vector writes over gRPC (`@qdrant/js-client-grpc`), each checked against the same request
 * made over REST: two collections with the same named-vector config, one driven only over gRPC, the other only over
 * REST; after every step the two must hold the same points (read back over REST) and answer reads the same.
 * Covers Create with a `VectorParamsMap`, Upsert of `NamedVectors` (points lacking a name included), Query with
 * `using`, Get with a `with_vectors` selector of names, UpdateVectors, DeleteVectors and UpdateBatch (every
 * operation kind, `update_mode` and `update_filter` included).
 */
import { Distance, type QdrantClient as GrpcClient, UpdateMode } from '@qdrant/js-client-grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../support/collection-harness.js';
import { type ServedRestAndGrpc, serveRestAndGrpc } from '../support/rest-and-grpc.js';

const G = 'nv-grpc';
const R = 'nv-rest';
let served: ServedRestAndGrpc;
let client: GrpcClient;

const rest = (method: string, path: string, body?: unknown) => served.rest(method, path, body);

const points = () => client.api('points');
const id = (n: number) => ({ pointIdOptions: { case: 'num' as const, value: BigInt(n) } });
const num = (v: { pointIdOptions: { value?: unknown } } | undefined) => Number(v?.pointIdOptions.value);
const dense = (data: number[]) => ({ vector: { case: 'dense' as const, value: { data } } });
const named = (v: Record<string, number[]>) => ({
  vectorsOptions: {
    case: 'vectors' as const,
    value: { vectors: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, dense(x)])) },
  },
});
const ids = (list: number[]) => ({ pointsSelectorOneOf: { case: 'points' as const, value: { ids: list.map(id) } } });
const str = (value: string) => ({ kind: { case: 'stringValue' as const, value } });

type Vecs = Record<string, number[]>;
/** image (4, Cosine) on every point, text (3, Dot) on even ids only */
function makePoints(from: number, to: number, seed: number): Array<{ id: number; vector: Vecs }> {
  const r = rng(seed);
  return Array.from({ length: to - from }, (_, i) => {
    const vector: Vecs = { image: Array.from({ length: 4 }, () => Math.fround(r() - 0.5)) };
    if ((from + i) % 2 === 0) vector.text = Array.from({ length: 3 }, () => Math.fround(r() - 0.5));
    return { id: from + i, vector };
  });
}

/** Every point of a collection as REST returns it, payload and all vectors. */
async function everything(name: string): Promise<unknown> {
  const page = (await rest('POST', `/collections/${name}/points/scroll`, {
    limit: 1000,
    with_payload: true,
    with_vector: true,
  })) as { points: unknown[] };
  return page.points;
}

beforeAll(async () => {
  served = await serveRestAndGrpc(2);
  ({ grpcClient: client } = served);
}, 60_000);

afterAll(async () => {
  await served?.close();
});

describe('named vectors over gRPC equal REST', () => {
  it('creates a collection from a VectorParamsMap with the config REST creates', async () => {
    await client.api('collections').create({
      collectionName: G,
      vectorsConfig: {
        config: {
          case: 'paramsMap',
          value: {
            map: {
              image: { size: 4n, distance: Distance.Cosine },
              text: { size: 3n, distance: Distance.Dot, onDisk: true },
            },
          },
        },
      },
    });
    await rest('PUT', `/collections/${R}`, {
      vectors: { image: { size: 4, distance: 'Cosine' }, text: { size: 3, distance: 'Dot', on_disk: true } },
    });
    const a = (await rest('GET', `/collections/${G}`)) as { config: { params: unknown } };
    const b = (await rest('GET', `/collections/${R}`)) as { config: { params: unknown } };
    expect(a.config.params).toEqual(b.config.params);
    expect(a.config.params).toMatchObject({ vectors: { text: { size: 3, distance: 'Dot', on_disk: true } } });
    // and gRPC's Get answers the map back
    const info = await client.api('collections').get({ collectionName: G });
    const config = info.result?.config?.params?.vectorsConfig?.config;
    expect(config?.case).toBe('paramsMap');
    expect(Object.keys((config?.value as { map?: object } | undefined)?.map ?? {}).sort()).toEqual(['image', 'text']);
  });

  it('upserts named vectors (some names missing), queries with `using`, gets a selector of names', async () => {
    const data = makePoints(0, 20, 7);
    await points().upsert({
      collectionName: G,
      wait: true,
      points: data.map((p) => ({ id: id(p.id), vectors: named(p.vector), payload: { n: str(`p${p.id}`) } })),
    });
    await rest('PUT', `/collections/${R}/points?wait=true`, {
      points: data.map((p) => ({ id: p.id, vector: p.vector, payload: { n: `p${p.id}` } })),
    });
    expect(await everything(G)).toEqual(await everything(R));

    const q = [0.4, -0.1, 0.3];
    const got = await points().query({
      collectionName: G,
      query: { variant: { case: 'nearest', value: { variant: { case: 'dense', value: { data: q } } } } },
      using: 'text',
      limit: 5n,
      params: { exact: true },
    });
    const want = (await rest('POST', `/collections/${R}/points/query`, {
      query: q,
      using: 'text',
      limit: 5,
      params: { exact: true },
    })) as { points: Array<{ id: number; score: number }> };
    expect(want.points.length).toBe(5);
    expect(want.points.every((p) => p.id % 2 === 0)).toBe(true); // only points holding `text`
    expect(got.result.map((p) => [num(p.id), p.score])).toEqual(want.points.map((p) => [p.id, Math.fround(p.score)]));

    const wanted = [2, 3];
    const gotGet = await points().get({
      collectionName: G,
      ids: wanted.map(id),
      withVectors: { selectorOptions: { case: 'include', value: { names: ['text'] } } },
    });
    const wantGet = (await rest('POST', `/collections/${R}/points`, { ids: wanted, with_vector: ['text'] })) as Array<{
      id: number;
      vector: Record<string, number[]>;
    }>;
    const vectorsOf = (p: (typeof gotGet.result)[number]) => {
      const v = p.vectors?.vectorsOptions;
      if (v?.case !== 'vectors') return v?.case;
      return Object.fromEntries(
        Object.entries(v.value.vectors).map(([k, x]) => [k, x.vector.case === 'dense' ? x.vector.value.data : x]),
      );
    };
    expect(wantGet.map((p) => Object.keys(p.vector))).toEqual([['text'], []]);
    // gRPC vectors are float32 (proto `float`); REST prints each float32 as its shortest decimal
    const f32 = (v: Vecs) => Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x.map(Math.fround)]));
    expect(gotGet.result.map((p) => [num(p.id), vectorsOf(p)])).toEqual(wantGet.map((p) => [p.id, f32(p.vector)]));
  });

  it('UpdateVectors and DeleteVectors write what REST writes', async () => {
    const image = [0.9, 0.1, -0.2, 0.3];
    const text = [0.5, 0.5, -0.5];
    await points().updateVectors({
      collectionName: G,
      wait: true,
      points: [
        { id: id(1), vectors: named({ text }) },
        { id: id(2), vectors: named({ image }) },
      ],
    });
    await rest('PUT', `/collections/${R}/points/vectors?wait=true`, {
      points: [
        { id: 1, vector: { text } },
        { id: 2, vector: { image } },
      ],
    });
    const one = (await rest('POST', `/collections/${G}/points`, { ids: [1], with_vector: true })) as Array<{
      vector: Vecs;
    }>;
    expect(Object.keys(one[0].vector).sort()).toEqual(['image', 'text']);
    expect(await everything(G)).toEqual(await everything(R));

    // by ids, and by a filter
    await points().deleteVectors({
      collectionName: G,
      wait: true,
      pointsSelector: ids([1, 4]),
      vectors: { names: ['text'] },
    });
    await rest('POST', `/collections/${R}/points/vectors/delete?wait=true`, { points: [1, 4], vector: ['text'] });
    const filter = { must: [{ conditionOneOf: { case: 'hasId' as const, value: { hasId: [id(6), id(8)] } } }] };
    await points().deleteVectors({
      collectionName: G,
      wait: true,
      pointsSelector: { pointsSelectorOneOf: { case: 'filter', value: filter } },
      vectors: { names: ['text'] },
    });
    await rest('POST', `/collections/${R}/points/vectors/delete?wait=true`, {
      filter: { must: [{ has_id: [6, 8] }] },
      vector: ['text'],
    });
    const four = (await rest('POST', `/collections/${G}/points`, { ids: [4, 6], with_vector: true })) as Array<{
      vector: Vecs;
    }>;
    expect(four.map((p) => Object.keys(p.vector))).toEqual([['image'], ['image']]);
    expect(await everything(G)).toEqual(await everything(R));
  });

  it('UpdateBatch runs every operation kind as REST points/batch does', async () => {
    const more = makePoints(100, 104, 9);
    const got = await points().updateBatch({
      collectionName: G,
      wait: true,
      operations: [
        {
          operation: {
            case: 'upsert',
            value: { points: more.map((p) => ({ id: id(p.id), vectors: named(p.vector) })) },
          },
        },
        {
          // insert_only: point 0 exists, so it keeps its vectors
          operation: {
            case: 'upsert',
            value: {
              points: [{ id: id(0), vectors: named({ image: [1, 0, 0, 0] }) }],
              updateMode: UpdateMode.InsertOnly,
            },
          },
        },
        {
          operation: {
            case: 'setPayload',
            value: { payload: { tag: str('a') }, pointsSelector: ids([100, 101, 3]) },
          },
        },
        { operation: { case: 'overwritePayload', value: { payload: { only: str('b') }, pointsSelector: ids([5]) } } },
        { operation: { case: 'deletePayload', value: { keys: ['n'], pointsSelector: ids([7]) } } },
        { operation: { case: 'clearPayload', value: { points: ids([9]) } } },
        {
          operation: {
            case: 'updateVectors',
            value: {
              points: [{ id: id(101), vectors: named({ text: [0.1, 0.2, 0.3] }) }],
              // the filter holds for 101 (tag a): the vector is set
              updateFilter: {
                must: [
                  {
                    conditionOneOf: {
                      case: 'field',
                      value: { key: 'tag', match: { matchValue: { case: 'keyword', value: 'a' } } },
                    },
                  },
                ],
              },
            },
          },
        },
        { operation: { case: 'deleteVectors', value: { pointsSelector: ids([100]), vectors: { names: ['text'] } } } },
        { operation: { case: 'deletePoints', value: { points: ids([11, 12]) } } },
      ],
    });
    const want = (await rest('POST', `/collections/${R}/points/batch?wait=true`, {
      operations: [
        { upsert: { points: more } },
        { upsert: { points: [{ id: 0, vector: { image: [1, 0, 0, 0] } }], update_mode: 'insert_only' } },
        { set_payload: { payload: { tag: 'a' }, points: [100, 101, 3] } },
        { overwrite_payload: { payload: { only: 'b' }, points: [5] } },
        { delete_payload: { keys: ['n'], points: [7] } },
        { clear_payload: { points: [9] } },
        {
          update_vectors: {
            points: [{ id: 101, vector: { text: [0.1, 0.2, 0.3] } }],
            update_filter: { must: [{ key: 'tag', match: { value: 'a' } }] },
          },
        },
        { delete_vectors: { points: [100], vector: ['text'] } },
        { delete: { points: [11, 12] } },
      ],
    })) as unknown[];
    expect(got.result.length).toBe(want.length);
    expect(want.length).toBe(9);

    const all = (await everything(G)) as Array<{ id: number; payload: Record<string, unknown>; vector: Vecs }>;
    const byId = new Map(all.map((p) => [p.id, p]));
    expect(byId.has(11) || byId.has(12)).toBe(false);
    expect(byId.get(0)?.vector.image).not.toEqual([1, 0, 0, 0]);
    expect(byId.get(5)?.payload).toEqual({ only: 'b' });
    expect(byId.get(9)?.payload).toEqual({});
    expect(byId.get(101)?.vector.text).toBeDefined();
    expect(byId.get(100)?.vector.text).toBeUndefined();
    expect(all).toEqual(await everything(R));
  });
});
