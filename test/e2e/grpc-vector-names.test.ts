/**
 * Points.CreateVectorName / DeleteVectorName over gRPC (`@qdrant/js-client-grpc`), read back over REST on the same
 * service: a dense name (with datatype and multivector config) and a sparse name (with a modifier) added to a
 * collection whose points are sealed, the new names written and searched, one deleted and re-created without its
 * old rows; refusals are InvalidArgument / NotFound with the REST wording.
 */
import {
  ConnectErrorCode as Code,
  ConnectError,
  Datatype,
  Distance,
  type QdrantClient as GrpcClient,
  Modifier,
  UpdateStatus,
} from '@qdrant/js-client-grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { rng } from '../support/collection-harness.js';
import { type ServedRestAndGrpc, serveRestAndGrpc } from '../support/rest-and-grpc.js';

const C = 'vn-grpc';
let served: ServedRestAndGrpc;
let client: GrpcClient;
let store: FileSystemStore;

const rest = (method: string, path: string, body?: unknown) => served.rest(method, path, body);

const points = () => client.api('points');

async function failure(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error('expected the call to fail');
}

const params = async () =>
  ((await rest('GET', `/collections/${C}`)) as { config: { params: Record<string, unknown> } }).config.params;

beforeAll(async () => {
  served = await serveRestAndGrpc(2);
  ({ grpcClient: client, store } = served);
  await rest('PUT', `/collections/${C}`, {
    vectors: { a: { size: 3, distance: 'Dot' } },
    optimizers_config: { default_segment_number: 2 },
  });
  const r = rng(1);
  await rest('PUT', `/collections/${C}/points?wait=true`, {
    points: Array.from({ length: 40 }, (_, id) => ({ id, vector: { a: [r(), r(), r()] } })),
  });
  await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
}, 60_000);

afterAll(async () => {
  await served?.close();
});

describe('gRPC CreateVectorName / DeleteVectorName', () => {
  it('adds a dense and a sparse name, as REST shows them', async () => {
    const dense = await points().createVectorName({
      collectionName: C,
      vectorName: 'd',
      wait: true,
      vectorConfig: {
        case: 'denseConfig',
        value: { size: 2n, distance: Distance.Euclid, datatype: Datatype.Float16 },
      },
    });
    expect(dense.result?.status).toBe(UpdateStatus.Completed);
    const sparse = await points().createVectorName({
      collectionName: C,
      vectorName: 'sp',
      wait: true,
      vectorConfig: { case: 'sparseConfig', value: { modifier: Modifier.Idf } },
    });
    expect(sparse.result?.status).toBe(UpdateStatus.Completed);
    // Datatype.Default is no datatype, as Qdrant converts it
    await points().createVectorName({
      collectionName: C,
      vectorName: 'm',
      vectorConfig: {
        case: 'denseConfig',
        value: { size: 2n, distance: Distance.Dot, datatype: Datatype.Default, multivectorConfig: { comparator: 0 } },
      },
    });
    const p = await params();
    expect(p.vectors).toEqual({
      a: { size: 3, distance: 'Dot', on_disk: false },
      d: { size: 2, distance: 'Euclid', on_disk: false, datatype: 'float16' },
      m: { size: 2, distance: 'Dot', on_disk: false, multivector_config: { comparator: 'max_sim' } },
    });
    expect(p.sparse_vectors).toEqual({ sp: { modifier: 'idf' } });
    // no point holds them; a write of one is searched at once
    await rest('PUT', `/collections/${C}/points/vectors?wait=true`, { points: [{ id: 3, vector: { d: [1, 1] } }] });
    const got = (await rest('POST', `/collections/${C}/points/query`, {
      query: [1, 1],
      using: 'd',
      limit: 5,
      params: { exact: true },
    })) as { points: { id: number; score: number }[] };
    expect(got.points.map((x) => [x.id, x.score])).toEqual([[3, 0]]);
  });

  it('deletes a name, then a re-created one holds none of the old rows', async () => {
    const del = await points().deleteVectorName({ collectionName: C, vectorName: 'd', wait: true });
    expect(del.result?.status).toBe(UpdateStatus.Completed);
    expect(Object.keys((await params()).vectors as object)).toEqual(['a', 'm']);
    await points().createVectorName({
      collectionName: C,
      vectorName: 'd',
      wait: true,
      vectorConfig: { case: 'denseConfig', value: { size: 2n, distance: Distance.Euclid } },
    });
    const got = (await rest('POST', `/collections/${C}/points`, { ids: [3], with_vector: true })) as {
      vector: Record<string, unknown>;
    }[];
    expect(Object.keys(got[0].vector)).toEqual(['a']);
  });

  it('adds a dense name beside the unnamed vector: the map with "", points as Qdrant shows them', async () => {
    await rest('PUT', '/collections/vn-unnamed', { vectors: { size: 2, distance: 'Dot' } });
    await rest('PUT', '/collections/vn-unnamed/points?wait=true', { points: [{ id: 1, vector: [1, 2] }] });
    const added = await points().createVectorName({
      collectionName: 'vn-unnamed',
      vectorName: 'x',
      wait: true,
      vectorConfig: { case: 'denseConfig', value: { size: 3n, distance: Distance.Euclid } },
    });
    expect(added.result?.status).toBe(UpdateStatus.Completed);
    expect(added.result?.operationId).toBeGreaterThan(0n);
    const info = await client.api('collections').get({ collectionName: 'vn-unnamed' });
    const config = info.result?.config?.params?.vectorsConfig?.config;
    expect(config?.case).toBe('paramsMap');
    const map = config?.case === 'paramsMap' ? config.value.map : {};
    expect(Object.keys(map)).toEqual(['', 'x']);
    expect([map[''].size, map.x.size]).toEqual([2n, 3n]);
    await rest('PUT', '/collections/vn-unnamed/points?wait=true', {
      points: [{ id: 2, vector: { '': [3, 4], x: [1, 2, 3] } }],
    });
    const got = await points().get({
      collectionName: 'vn-unnamed',
      ids: [1n, 2n].map((n) => ({ pointIdOptions: { case: 'num' as const, value: n } })),
      withVectors: { selectorOptions: { case: 'enable', value: true } },
    });
    // one unnamed vector: a single vector; both: named vectors holding "" beside "x"
    const shapes = got.result.map((p) => p.vectors?.vectorsOptions.case);
    expect(shapes).toEqual(['vector', 'vectors']);
    const named = got.result[1].vectors?.vectorsOptions;
    expect(named?.case === 'vectors' ? Object.keys(named.value.vectors).sort() : []).toEqual(['', 'x']);
  });

  it("refuses with InvalidArgument / NotFound and REST's wording", async () => {
    const clash = await failure(
      points().createVectorName({
        collectionName: C,
        vectorName: 'a',
        vectorConfig: { case: 'denseConfig', value: { size: 5n, distance: Distance.Dot } },
      }),
    );
    expect(clash.code).toBe(Code.InvalidArgument);
    expect(clash.rawMessage).toBe('Wrong input: Vector `a` already exists with a different configuration');
    const kind = await failure(
      points().createVectorName({
        collectionName: C,
        vectorName: 'sp',
        vectorConfig: { case: 'denseConfig', value: { size: 5n, distance: Distance.Dot } },
      }),
    );
    expect(kind.rawMessage).toBe('Wrong input: Vector `sp` already exists as a sparse vector');
    const missing = await failure(points().deleteVectorName({ collectionName: 'nope', vectorName: 'a' }));
    expect(missing.code).toBe(Code.NotFound);
    expect(missing.rawMessage).toBe("Not found: Collection `nope` doesn't exist!");
  });
});
