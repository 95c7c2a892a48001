/**
 * The vector name "" and the order of names, as Qdrant answers them, through the official JS clients over one
 * service (`@qdrant/js-client-rest` and `@qdrant/js-client-grpc`), before and after sealing:
 * - `vectors: {"": {...}}` alone at create stays a map holding "" (Qdrant's untagged VectorsConfig reads it as Multi):
 *   collection info echoes `{"": {...}}` over REST and a `paramsMap` over gRPC; points still print as lists (its
 *   NamedVectors -> VectorStruct rule); queries with and without `using: ""` equal brute force.
 * - Names are listed in Qdrant's order (its config is a BTreeMap: "" first, then by UTF-8 bytes) in collection info,
 *   REST and gRPC, and in point vector maps, whatever order they were created, stored or asked for; the stored
 *   manifest keeps its own order (nothing rewritten).
 * - gRPC takes "" wherever Qdrant's does: a params_map holding "" beside names, CreateVectorName / DeleteVectorName
 *   "" (REST's path cannot spell it: 404, as Qdrant's), upsert of a NamedVectors holding "", Query `using: ""`,
 *   Search `vector_name: ""`, a with_vectors selector naming "". A deleted "" hides its rows, a re-created one holds
 *   none of them, and its new rows survive sealing.
 * - Bad input: Qdrant's codes and wording, nothing written.
 */
import { ConnectError, Distance, type QdrantClient as GrpcClient, UpdateStatus } from '@qdrant/js-client-grpc';
import type { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey } from '../../lib/collection/keys.js';
import { loadManifest } from '../../lib/collection/manifest.js';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { rng } from '../support/collection-harness.js';
import { type ServedRestAndGrpc, serveRestAndGrpc } from '../support/rest-and-grpc.js';
import { clientRejection } from '../support/strata-server.js';

let served: ServedRestAndGrpc;
let client: QdrantClient;
let grpc: GrpcClient;
let store: FileSystemStore;

const vec = (r: () => number, n: number) => Array.from({ length: n }, () => Math.fround(r() - 0.5));
const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i], 0);
const id = (n: number) => ({ pointIdOptions: { case: 'num' as const, value: BigInt(n) } });
const dense = (data: number[]) => ({ vector: { case: 'dense' as const, value: { data } } });
const namedVectors = (v: Record<string, number[]>) => ({
  vectorsOptions: {
    case: 'vectors' as const,
    value: { vectors: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, dense(x)])) },
  },
});
const optimizeAll = (c: string) => new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(c);
const points = () => grpc.api('points');

async function grpcFailure(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error('expected the call to fail');
}

/** Dot-product top `limit` of `live` (id -> vector) for `q`, ties by id. */
function bruteForce(live: Map<number, number[]>, q: number[], limit: number): { id: number; score: number }[] {
  return [...live]
    .map(([k, v]) => ({ id: k, score: dot(v, q) }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, limit);
}

function expectRanking(got: readonly { id: unknown; score: number }[], want: { id: number; score: number }[]) {
  expect(got.map((g) => Number(g.id))).toEqual(want.map((w) => w.id));
  got.forEach((g, i) => expect(g.score).toBeCloseTo(want[i].score, 4));
}

function expectClose(got: unknown, want: number[]): void {
  expect(Array.isArray(got)).toBe(true);
  expect((got as number[]).length).toBe(want.length);
  want.forEach((x, i) => expect((got as number[])[i]).toBeCloseTo(x, 6));
}

/** The names of the vectors map of a gRPC collection info, in wire order; undefined for the single params shape. */
async function grpcVectorNames(collectionName: string): Promise<string[] | undefined> {
  const info = await grpc.api('collections').get({ collectionName });
  const config = info.result?.config?.params?.vectorsConfig?.config;
  return config?.case === 'paramsMap' ? Object.keys(config.value.map) : undefined;
}

async function storedVectorNames(collectionName: string): Promise<string[]> {
  const m = await loadManifest(store, manifestKey(collectionPrefix('', collectionName)));
  return Object.keys(m?.manifest.config.vectors ?? {});
}

beforeAll(async () => {
  served = await serveRestAndGrpc(2);
  ({ client, grpcClient: grpc, store } = served);
}, 60_000);

afterAll(async () => {
  await served?.close();
});

describe('a map holding only "" at create', () => {
  const C = 'only-empty';
  const live = new Map<number, number[]>();

  async function checkPoints(): Promise<void> {
    const r = rng(live.size);
    const q = vec(r, 4);
    const want = bruteForce(live, q, 10);
    for (const using of [undefined, ''] as const) {
      const got = await client.query(C, { query: q, ...(using !== undefined ? { using } : {}), limit: 10 });
      expectRanking(got.points, want);
      const exact = await client.query(C, { query: q, using, limit: 10, params: { exact: true } });
      expectRanking(exact.points, want);
    }
    // a point whose only vector is "" prints as a list, whether asked with `true` or by the name ""
    for (const withVector of [true, ['']]) {
      const got = await client.retrieve(C, { ids: [1, 7], with_vector: withVector });
      got.forEach((p) => expectClose(p.vector, live.get(Number(p.id)) as number[]));
    }
    const viaGrpc = await points().get({
      collectionName: C,
      ids: [id(1)],
      withVectors: { selectorOptions: { case: 'enable', value: true } },
    });
    expect(viaGrpc.result[0].vectors?.vectorsOptions.case).toBe('vector');
  }

  it('is echoed as {"": {...}} over REST and a paramsMap over gRPC, its points as lists', async () => {
    await client.createCollection(C, {
      vectors: { '': { size: 4, distance: 'Dot' } },
      optimizers_config: { default_segment_number: 2, indexing_threshold: 1 },
    });
    expect((await client.getCollection(C)).config.params.vectors).toEqual({
      '': { size: 4, distance: 'Dot', on_disk: false },
    });
    expect(await grpcVectorNames(C)).toEqual(['']);
    const r = rng(1);
    const lists = Array.from({ length: 60 }, (_, k) => ({ id: k, vector: vec(r, 4) }));
    const maps = Array.from({ length: 20 }, (_, k) => ({ id: 60 + k, vector: { '': vec(r, 4) } }));
    await client.upsert(C, { wait: true, points: [...lists, ...maps] });
    for (const p of lists) live.set(p.id, p.vector);
    for (const p of maps) live.set(p.id, p.vector['']);
    await checkPoints();
  });

  it('answers the same once sealed, and a name added beside "" makes the map ["", name]', async () => {
    await optimizeAll(C);
    expect((await client.getCollection(C)).status).toBe('green');
    await checkPoints();
    await client.createVectorName(C, 'b', { dense: { size: 2, distance: 'Dot' } }, { wait: true });
    expect(Object.keys((await client.getCollection(C)).config.params.vectors as object)).toEqual(['', 'b']);
    await checkPoints();
  });

  it("refuses what Qdrant refuses, in Qdrant's words, and writes nothing", async () => {
    const r = rng(9);
    const cases: [Promise<unknown>, string][] = [
      [
        client.upsert(C, { wait: true, points: [{ id: 900, vector: vec(r, 3) }] }),
        'Wrong input: Vector dimension error: expected dim: 4, got 3',
      ],
      [
        client.upsert(C, { wait: true, points: [{ id: 900, vector: { x: vec(r, 4) } }] }),
        'Wrong input: Not existing vector name error: x',
      ],
      [
        client.createVectorName(C, '', { dense: { size: 4, distance: 'Dot' } }),
        // REST's path cannot hold an empty name: no route, as in Qdrant
        '',
      ],
    ];
    const [dim, name, emptyPath] = await Promise.all(cases.map(([p]) => clientRejection(p)));
    expect([dim.status, dim.error]).toEqual([400, cases[0][1]]);
    expect([name.status, name.error]).toEqual([400, cases[1][1]]);
    expect(emptyPath.status).toBe(404);
    expect(await client.retrieve(C, { ids: [900] })).toEqual([]);
    expect((await client.getCollection(C)).points_count).toBe(live.size);
  });
});

describe("names in Qdrant's order", () => {
  const C = 'ordered';
  const names = ['zeta', 'Beta', 'alpha', 'é'];
  const sorted = ['Beta', 'alpha', 'zeta', 'é'];
  const withC = ['Beta', 'alpha', 'c', 'zeta', 'é'];

  async function checkOrder(expected: string[]): Promise<void> {
    const info = await client.getCollection(C);
    expect(Object.keys(info.config.params.vectors as object)).toEqual(expected);
    expect(Object.keys(info.config.params.sparse_vectors ?? {})).toEqual(['sa', 'sz']);
    expect(await grpcVectorNames(C)).toEqual(expected);
    // dense and sparse names interleave in one order; no point holds 'c'
    const [p] = await client.retrieve(C, { ids: [1], with_vector: true });
    expect(Object.keys(p.vector as object)).toEqual(['Beta', 'alpha', 'sa', 'sz', 'zeta', 'é']);
    // a list of names answers in the same order, not the order asked
    const [asked] = await client.retrieve(C, { ids: [1], with_vector: ['zeta', 'sz', 'alpha'] });
    expect(Object.keys(asked.vector as object)).toEqual(['alpha', 'sz', 'zeta']);
    const page = await client.scroll(C, { limit: 10, with_vector: true });
    for (const x of page.points) expect(Object.keys(x.vector as object)).toEqual(Object.keys(p.vector as object));
    const hits = await client.query(C, { query: [1, 0], using: 'alpha', limit: 1, with_vector: true });
    expect(Object.keys(hits.points[0].vector as object)).toEqual(Object.keys(p.vector as object));
    const viaGrpc = await points().get({
      collectionName: C,
      ids: [id(1)],
      withVectors: { selectorOptions: { case: 'enable', value: true } },
    });
    const named = viaGrpc.result[0].vectors?.vectorsOptions;
    expect(named?.case === 'vectors' ? Object.keys(named.value.vectors) : []).toEqual(Object.keys(p.vector as object));
  }

  it('lists dense and sparse names sorted in info and point vectors; the manifest keeps its order', async () => {
    await client.createCollection(C, {
      vectors: Object.fromEntries(names.map((n) => [n, { size: 2, distance: 'Dot' as const }])),
      sparse_vectors: { sz: {}, sa: {} },
      optimizers_config: { default_segment_number: 2 },
    });
    const r = rng(2);
    await client.upsert(C, {
      wait: true,
      points: Array.from({ length: 20 }, (_, k) => ({
        id: k,
        vector: {
          ...Object.fromEntries(names.map((n) => [n, vec(r, 2)])),
          sz: { indices: [1], values: [1] },
          sa: { indices: [2], values: [1] },
        },
      })),
    });
    expect(await storedVectorNames(C)).toEqual(names);
    await checkOrder(sorted);
    // a name added later is listed in its place, not last
    await client.createVectorName(C, 'c', { dense: { size: 2, distance: 'Dot' } }, { wait: true });
    expect(await storedVectorNames(C)).toEqual([...names, 'c']);
    await checkOrder(withC);
  });

  it('answers the same order once sealed', async () => {
    await optimizeAll(C);
    await checkOrder(withC);
  });
});

describe('the name "" over gRPC', () => {
  const C = 'grpc-empty';
  const liveEmpty = new Map<number, number[]>();
  const liveX = new Map<number, number[]>();
  /** every point, whatever vectors it still holds */
  const ids = new Set<number>();

  async function check(): Promise<void> {
    const r = rng(liveEmpty.size + 100);
    const q = vec(r, 2);
    const want = bruteForce(liveEmpty, q, 5);
    const query = await points().query({
      collectionName: C,
      using: '',
      limit: 5n,
      query: { variant: { case: 'nearest', value: { variant: { case: 'dense', value: { data: q } } } } },
    });
    expectRanking(
      query.result.map((p) => ({ id: p.id?.pointIdOptions.value, score: p.score })),
      want,
    );
    const search = await points().search({ collectionName: C, vectorName: '', vector: q, limit: 5n });
    expectRanking(
      search.result.map((p) => ({ id: p.id?.pointIdOptions.value, score: p.score })),
      want,
    );
    // a selector naming "" answers the point's "" alone, as a list (Qdrant's NamedVectors -> VectorStruct)
    const some = [...liveEmpty.keys()].slice(0, 3);
    const got = await points().get({
      collectionName: C,
      ids: some.map(id),
      withVectors: { selectorOptions: { case: 'include', value: { names: [''] } } },
    });
    for (const p of got.result) {
      const v = p.vectors?.vectorsOptions;
      expect(v?.case).toBe('vector');
      const data = v?.case === 'vector' && v.value.vector.case === 'dense' ? v.value.vector.value.data : [];
      expectClose(data, liveEmpty.get(Number(p.id?.pointIdOptions.value)) as number[]);
    }
    for (const p of await client.retrieve(C, { ids: some, with_vector: [''] })) {
      expectClose(p.vector, liveEmpty.get(Number(p.id)) as number[]);
    }
    // every point over REST: "" and x in Qdrant's order; a list when "" is its only vector, {} when it holds none
    const page = await client.scroll(C, { limit: 1000, with_vector: true });
    expect(page.points.map((p) => Number(p.id))).toEqual([...ids].sort((a, b) => a - b));
    for (const p of page.points) {
      const k = Number(p.id);
      const e = liveEmpty.get(k);
      const x = liveX.get(k);
      if (x === undefined && e === undefined) expect(p.vector).toEqual({});
      else if (x === undefined) expectClose(p.vector, e as number[]);
      else {
        expect(Object.keys(p.vector as object)).toEqual(e === undefined ? ['x'] : ['', 'x']);
        expectClose((p.vector as Record<string, number[]>).x, x);
        if (e !== undefined) expectClose((p.vector as Record<string, number[]>)[''], e);
      }
    }
  }

  it('creates a params_map holding "" beside a name, listed first, and writes and queries ""', async () => {
    await grpc.api('collections').create({
      collectionName: C,
      vectorsConfig: {
        config: {
          case: 'paramsMap',
          value: { map: { x: { size: 3n, distance: Distance.Dot }, '': { size: 2n, distance: Distance.Dot } } },
        },
      },
      optimizersConfig: { defaultSegmentNumber: 2n, indexingThreshold: 1n },
    });
    expect(await grpcVectorNames(C)).toEqual(['', 'x']);
    const r = rng(5);
    const batch = Array.from({ length: 40 }, (_, k) => {
      const v: Record<string, number[]> = { '': vec(r, 2) };
      if (k % 2 === 0) v.x = vec(r, 3);
      return { id: k, v };
    });
    const up = await points().upsert({
      collectionName: C,
      wait: true,
      points: batch.map((p) => ({ id: id(p.id), vectors: namedVectors(p.v) })),
    });
    expect(up.result?.status).toBe(UpdateStatus.Completed);
    for (const p of batch) {
      ids.add(p.id);
      liveEmpty.set(p.id, p.v['']);
      if (p.v.x !== undefined) liveX.set(p.id, p.v.x);
    }
    await check();
    await optimizeAll(C);
    await check();
  });

  it('DeleteVectorName "" hides its rows; CreateVectorName "" again holds none of them; new rows survive sealing', async () => {
    const del = await points().deleteVectorName({ collectionName: C, vectorName: '', wait: true });
    expect(del.result?.status).toBe(UpdateStatus.Completed);
    expect(await grpcVectorNames(C)).toEqual(['x']);
    liveEmpty.clear();
    const gone = await grpcFailure(points().search({ collectionName: C, vectorName: '', vector: [1, 1], limit: 3n }));
    expect(gone.rawMessage).toBe('Wrong input: Not existing vector name error: ');
    const created = await points().createVectorName({
      collectionName: C,
      vectorName: '',
      wait: true,
      vectorConfig: { case: 'denseConfig', value: { size: 2n, distance: Distance.Dot } },
    });
    expect(created.result?.status).toBe(UpdateStatus.Completed);
    expect(await grpcVectorNames(C)).toEqual(['', 'x']);
    const empty = await points().search({ collectionName: C, vectorName: '', vector: [1, 1], limit: 3n });
    expect(empty.result).toEqual([]);
    // new rows: lists (the vector "" means) on new points, and "" added to old ones
    const r = rng(6);
    const lists = Array.from({ length: 30 }, (_, k) => ({ id: 100 + k, vector: vec(r, 2) }));
    await client.upsert(C, { wait: true, points: lists });
    for (const p of lists) {
      ids.add(p.id);
      liveEmpty.set(p.id, p.vector);
    }
    await points().updateVectors({
      collectionName: C,
      wait: true,
      points: [{ id: id(0), vectors: namedVectors({ '': [0.5, 0.25] }) }],
    });
    liveEmpty.set(0, [0.5, 0.25]);
    await check();
    await optimizeAll(C);
    expect((await client.getCollection(C)).status).toBe('green');
    await check();
  });

  it('a map left holding only a re-created "" keeps its rows through sealing (generation kept in the segment)', async () => {
    await points().deleteVectorName({ collectionName: C, vectorName: 'x', wait: true });
    liveX.clear();
    expect(await grpcVectorNames(C)).toEqual(['']);
    await optimizeAll(C);
    const again = await optimizeAll(C);
    expect(again.rebuilt).toBe(0);
    // only "" is left: every point that holds it prints it as a list
    const page = await client.scroll(C, { limit: 1000, with_vector: true, filter: { must: [{ has_id: [0, 100] }] } });
    for (const p of page.points) expectClose(p.vector, liveEmpty.get(Number(p.id)) as number[]);
    await check();
  });

  it('on an unnamed collection "" is its vector: the same schema is a no-op, DeleteVectorName leaves no dense vector', async () => {
    const U = 'grpc-unnamed';
    await client.createCollection(U, { vectors: { size: 2, distance: 'Dot' } });
    await client.upsert(U, { wait: true, points: [{ id: 1, vector: [1, 2] }] });
    await optimizeAll(U); // a format-1 segment of the unnamed vector
    const same = await points().createVectorName({
      collectionName: U,
      vectorName: '',
      wait: true,
      vectorConfig: { case: 'denseConfig', value: { size: 2n, distance: Distance.Dot } },
    });
    expect(same.result?.status).toBe(UpdateStatus.Completed);
    expect((await client.getCollection(U)).config.params.vectors).toEqual({ size: 2, distance: 'Dot', on_disk: false });
    await points().deleteVectorName({ collectionName: U, vectorName: '', wait: true });
    expect((await client.getCollection(U)).config.params.vectors).toEqual({});
    const gone = await clientRejection(client.query(U, { query: [1, 1] }));
    expect(gone).toEqual({ status: 400, error: 'Wrong input: Not existing vector name error: ' });
    // the format-1 segment is stale now: rebuilt once, then left alone
    expect((await optimizeAll(U)).rebuilt).toBe(1);
    expect((await optimizeAll(U)).rebuilt).toBe(0);
    await points().createVectorName({
      collectionName: U,
      vectorName: '',
      wait: true,
      vectorConfig: { case: 'denseConfig', value: { size: 3n, distance: Distance.Dot } },
    });
    expect((await client.getCollection(U)).config.params.vectors).toEqual({
      '': { size: 3, distance: 'Dot', on_disk: false },
    });
    expect((await client.query(U, { query: [1, 1, 1] })).points).toEqual([]);
    expect((await client.retrieve(U, { ids: [1], with_vector: true }))[0].vector).toEqual({});
  });

  it("refuses with InvalidArgument and Qdrant's wording, writing nothing", async () => {
    const cases: [() => Promise<unknown>, string][] = [
      [
        () =>
          points().createVectorName({
            collectionName: C,
            vectorName: '',
            vectorConfig: { case: 'denseConfig', value: { size: 5n, distance: Distance.Dot } },
          }),
        'Wrong input: Vector `` already exists with a different configuration',
      ],
      [
        () =>
          points().createVectorName({
            collectionName: 'grpc-unnamed',
            vectorName: '',
            vectorConfig: { case: 'sparseConfig', value: {} },
          }),
        'Wrong input: Vector `` already exists as a dense vector',
      ],
      [
        () =>
          points().createVectorName({
            collectionName: 'ordered',
            vectorName: '',
            vectorConfig: { case: 'sparseConfig', value: {} },
          }),
        'Wrong input: Sparse vector name cannot be empty',
      ],
      [
        () =>
          points().upsert({
            collectionName: C,
            wait: true,
            points: [{ id: id(900), vectors: namedVectors({ '': [1, 2, 3] }) }],
          }),
        'Wrong input: Vector dimension error: expected dim: 2, got 3',
      ],
    ];
    for (const [call, message] of cases) {
      const e = await grpcFailure(call());
      expect(e.code).toBe(3); // InvalidArgument
      expect(e.rawMessage).toBe(message);
    }
    expect(await client.retrieve(C, { ids: [900] })).toEqual([]);
    expect(await grpcVectorNames(C)).toEqual(['']);
    expect(Object.keys((await client.getCollection('ordered')).config.params.sparse_vectors ?? {})).toEqual([
      'sa',
      'sz',
    ]);
  });
});
