/**
 * Sparse vectors and multivectors over gRPC (`@qdrant/js-client-grpc` 1.18), each checked against the same request
 * made over REST and against brute force: two collections with the same config (a dense name, a MaxSim multivector
 * name, a sparse name, and a sparse name with the IDF modifier), one driven only over gRPC, the other only over REST.
 * Half of the points are written with the 1.18 `Vector` oneof (`dense` / `sparse` / `multi_dense`), half with the
 * deprecated fields (`data` + `indices`, `data` + `vectors_count`); the first half is sealed into segments, the second
 * stays in the WAL tail. Covers CreateCollection with `sparse_vectors_config` and `multivector_config`, collection
 * info echoing them, Upsert, Get and Scroll returning `VectorOutput`s as Qdrant's gRPC does (the oneof, deprecated
 * fields empty), Query with a sparse or multivector query and `using`, the example-scored forms over both names
 * (Query recommend best_score, legacy Recommend and Discover with `using`), and legacy Search with `sparse_indices`.
 */
import {
  Distance,
  type QdrantClient as GrpcClient,
  Modifier,
  MultiVectorComparator,
  RecommendStrategy,
  type PointStruct,
  type RetrievedPoint,
} from '@qdrant/js-client-grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import {
  bruteForce,
  maxSim,
  multiScore,
  type Scored,
  type Sparse,
  sparseDot,
  sparseMultiPoints,
  sparseScore,
  type Vecs,
} from '../support/sparse-multi-points.js';
import { type ServedRestAndGrpc, serveRestAndGrpc } from '../support/rest-and-grpc.js';

const G = 'sm-grpc';
const R = 'sm-rest';
let served: ServedRestAndGrpc;
let client: GrpcClient;
let store: FileSystemStore;

const rest = (method: string, path: string, body?: unknown) => served.rest(method, path, body);

const points = () => client.api('points');
const id = (n: number) => ({ pointIdOptions: { case: 'num' as const, value: BigInt(n) } });
const num = (v: { pointIdOptions: { value?: unknown } } | undefined) => Number(v?.pointIdOptions.value);

const data = sparseMultiPoints(40, 23);

/** The 1.18 oneof forms. */
function modern(v: Vecs): PointStruct['vectors'] {
  const vectors: Record<string, unknown> = { dense: { vector: { case: 'dense', value: { data: v.dense } } } };
  if (v.colbert)
    vectors.colbert = { vector: { case: 'multiDense', value: { vectors: v.colbert.map((row) => ({ data: row })) } } };
  if (v.text) vectors.text = { vector: { case: 'sparse', value: v.text } };
  return { vectorsOptions: { case: 'vectors', value: { vectors } } } as PointStruct['vectors'];
}
/** The deprecated fields: `data` (flattened rows) with `indices` or `vectors_count`. */
function deprecated(v: Vecs): PointStruct['vectors'] {
  const vectors: Record<string, unknown> = { dense: { data: v.dense } };
  if (v.colbert) vectors.colbert = { data: v.colbert.flat(), vectorsCount: v.colbert.length };
  if (v.text) vectors.text = { data: v.text.values, indices: { data: v.text.indices } };
  return { vectorsOptions: { case: 'vectors', value: { vectors } } } as PointStruct['vectors'];
}

async function upsertBoth(batch: typeof data, form: typeof modern): Promise<void> {
  await points().upsert({
    collectionName: G,
    wait: true,
    points: batch.map((p) => ({ id: id(p.id), vectors: form(p.vector), payload: {} })),
  });
  await rest('PUT', `/collections/${R}/points?wait=true`, { points: batch });
}

/** Every point of a collection as REST returns it. */
async function everything(name: string): Promise<unknown> {
  const page = (await rest('POST', `/collections/${name}/points/scroll`, { limit: 1000, with_vector: true })) as {
    points: unknown[];
  };
  return page.points;
}

/** A VectorOutput in REST's shape, and a check that the deprecated fields stay empty (as Qdrant answers). */
function restShape(v: {
  data: number[];
  indices?: unknown;
  vectorsCount?: number;
  vector: { case?: string; value?: unknown };
}): unknown {
  expect(v.data).toEqual([]);
  expect(v.indices).toBeUndefined();
  expect(v.vectorsCount).toBeUndefined();
  const x = v.vector;
  if (x.case === 'dense') return (x.value as { data: number[] }).data;
  if (x.case === 'sparse') {
    const s = x.value as Sparse;
    return { indices: s.indices, values: s.values };
  }
  if (x.case === 'multiDense') return (x.value as { vectors: Array<{ data: number[] }> }).vectors.map((d) => d.data);
  return x.case;
}
function namedOf(p: RetrievedPoint): Record<string, unknown> {
  const o = p.vectors?.vectorsOptions;
  if (o?.case !== 'vectors') throw new Error(`expected named vectors, got ${o?.case}`);
  return Object.fromEntries(Object.entries(o.value.vectors).map(([k, v]) => [k, restShape(v)]));
}
/** REST's vectors as float32 (gRPC's `float`), with Cosine's normalization already applied by the server */
function f32(v: Record<string, unknown>): Record<string, unknown> {
  const conv = (x: unknown): unknown =>
    typeof x === 'number'
      ? Math.fround(x)
      : Array.isArray(x)
        ? x.map(conv)
        : x && typeof x === 'object'
          ? f32(x as Record<string, unknown>)
          : x;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, conv(x)]));
}

beforeAll(async () => {
  served = await serveRestAndGrpc(2);
  ({ grpcClient: client, store } = served);
}, 60_000);

afterAll(async () => {
  await served?.close();
});

describe('sparse vectors and multivectors over gRPC equal REST and brute force', () => {
  it('CreateCollection takes sparse_vectors_config and multivector_config; info echoes them', async () => {
    await client.api('collections').create({
      collectionName: G,
      vectorsConfig: {
        config: {
          case: 'paramsMap',
          value: {
            map: {
              dense: { size: 4n, distance: Distance.Cosine },
              colbert: {
                size: 3n,
                distance: Distance.Dot,
                multivectorConfig: { comparator: MultiVectorComparator.MaxSim },
              },
            },
          },
        },
      },
      sparseVectorsConfig: {
        map: { text: {}, idf: { modifier: Modifier.Idf, index: { onDisk: true, fullScanThreshold: 100n } } },
      },
    });
    await rest('PUT', `/collections/${R}`, {
      vectors: {
        dense: { size: 4, distance: 'Cosine' },
        colbert: { size: 3, distance: 'Dot', multivector_config: { comparator: 'max_sim' } },
      },
      sparse_vectors: { text: {}, idf: { modifier: 'idf', index: { on_disk: true, full_scan_threshold: 100 } } },
    });
    const a = (await rest('GET', `/collections/${G}`)) as { config: { params: unknown } };
    const b = (await rest('GET', `/collections/${R}`)) as { config: { params: unknown } };
    expect(a.config.params).toEqual(b.config.params);
    expect(a.config.params).toMatchObject({
      vectors: { colbert: { multivector_config: { comparator: 'max_sim' } } },
      sparse_vectors: { idf: { modifier: 'idf', index: { on_disk: true, full_scan_threshold: 100 } } },
    });

    const info = await client.api('collections').get({ collectionName: G });
    const params = info.result?.config?.params;
    const config = params?.vectorsConfig?.config;
    expect(config?.case).toBe('paramsMap');
    if (config?.case !== 'paramsMap') throw new Error('expected a VectorParamsMap');
    const map = config.value.map;
    expect(map.colbert.multivectorConfig?.comparator).toBe(MultiVectorComparator.MaxSim);
    expect(map.dense.multivectorConfig).toBeUndefined();
    expect(Object.keys(params?.sparseVectorsConfig?.map ?? {}).sort()).toEqual(['idf', 'text']);
    const idf = params?.sparseVectorsConfig?.map.idf;
    expect(idf?.modifier).toBe(Modifier.Idf);
    expect(idf?.index?.onDisk).toBe(true);
    expect(idf?.index?.fullScanThreshold).toBe(100n);
  });

  it('Upsert with the 1.18 oneof forms, sealed, then with the deprecated fields, holds what REST holds', async () => {
    await upsertBoth(data.slice(0, 20), modern);
    const optimizer = new CollectionOptimizer({ store, skipGc: true });
    await optimizer.optimizeUntil(G);
    await optimizer.optimizeUntil(R);
    await upsertBoth(data.slice(20), deprecated);
    const all = await everything(G);
    expect(all).toEqual(await everything(R));
    expect((all as unknown[]).length).toBe(data.length);
  });

  it('Get and Scroll return sparse and multi-dense VectorOutputs as REST returns the vectors', async () => {
    const wanted = [0, 1, 3, 4, 21, 23, 24];
    const got = await points().get({
      collectionName: G,
      ids: wanted.map(id),
      withVectors: { selectorOptions: { case: 'enable', value: true } },
    });
    const want = (await rest('POST', `/collections/${R}/points`, { ids: wanted, with_vector: true })) as Array<{
      id: number;
      vector: Record<string, unknown>;
    }>;
    expect(got.result.map((p) => [num(p.id), namedOf(p)])).toEqual(want.map((p) => [p.id, f32(p.vector)]));
    // the vectors written are the vectors read (sparse and multi as float32, dense normalized by Cosine)
    for (const p of want) {
      const { colbert, text } = f32(p.vector);
      expect(colbert).toEqual(data[p.id].vector.colbert);
      expect(text).toEqual(data[p.id].vector.text);
    }

    const page = await points().scroll({
      collectionName: G,
      limit: 100,
      withVectors: { selectorOptions: { case: 'include', value: { names: ['colbert', 'text'] } } },
    });
    const restPage = (await rest('POST', `/collections/${R}/points/scroll`, {
      limit: 100,
      with_vector: ['colbert', 'text'],
    })) as { points: Array<{ id: number; vector: Record<string, unknown> }> };
    expect(page.result.map((p) => [num(p.id), namedOf(p as RetrievedPoint)])).toEqual(
      restPage.points.map((p) => [p.id, f32(p.vector)]),
    );
  });

  it('Query with a sparse vector and `using` equals REST and the brute-force sparse dot product', async () => {
    const q: Sparse = { indices: [2, 5, 11, 17], values: [0.5, 1.25, 0.75, 2] };
    const got = await points().query({
      collectionName: G,
      query: { variant: { case: 'nearest', value: { variant: { case: 'sparse', value: q } } } },
      using: 'text',
      limit: 8n,
    });
    const viaRest = (await rest('POST', `/collections/${R}/points/query`, { query: q, using: 'text', limit: 8 })) as {
      points: Scored[];
    };
    const want = bruteForce(data, sparseScore(q), 8);
    expect(want.length).toBe(8);
    expect(got.result.map((p) => [num(p.id), p.score])).toEqual(
      viaRest.points.map((p) => [p.id, Math.fround(p.score)]),
    );
    expect(viaRest.points.map((p) => p.id)).toEqual(want.map((w) => w.id));
    viaRest.points.forEach((p, i) => expect(p.score).toBeCloseTo(want[i].score, 5));
  });

  it('Query with a multivector and `using` equals REST and brute-force MaxSim', async () => {
    const q = [
      [0.3, -0.2, 0.9],
      [-0.5, 0.4, 0.1],
    ];
    const got = await points().query({
      collectionName: G,
      query: {
        variant: {
          case: 'nearest',
          value: { variant: { case: 'multiDense', value: { vectors: q.map((row) => ({ data: row })) } } },
        },
      },
      using: 'colbert',
      limit: 10n,
      params: { exact: true },
    });
    const viaRest = (await rest('POST', `/collections/${R}/points/query`, {
      query: q,
      using: 'colbert',
      limit: 10,
      params: { exact: true },
    })) as { points: Scored[] };
    const want = bruteForce(data, multiScore(q), 10);
    expect(got.result.map((p) => [num(p.id), p.score])).toEqual(
      viaRest.points.map((p) => [p.id, Math.fround(p.score)]),
    );
    expect(viaRest.points.map((p) => p.id)).toEqual(want.map((w) => w.id));
    viaRest.points.forEach((p, i) => expect(p.score).toBeCloseTo(want[i].score, 5));
  });

  it('example-scored forms over a sparse and a multivector name (Query recommend, legacy Recommend and Discover) equal REST and brute force', async () => {
    const sig = (x: number) => 0.5 * (x / (1 + Math.abs(x)) + 1);
    const byId = new Map(data.map((p) => [p.id, p.vector]));
    const sims = {
      text: (e: number, v: Vecs) => (v.text ? sparseDot(byId.get(e)?.text as Sparse, v.text) : undefined),
      colbert: (e: number, v: Vecs) => (v.colbert ? maxSim(byId.get(e)?.colbert as number[][], v.colbert) : undefined),
    };
    const [a, b, c] = [0, 6, 12]; // each holds colbert and text
    const others = data.filter((p) => ![a, b, c].includes(p.id));
    const pairs = (got: { id?: unknown; score: number }[]) => got.map((p) => [num(p.id as never), p.score]);
    for (const using of ['text', 'colbert'] as const) {
      const sim = sims[using];
      const best = bruteForce(
        others,
        (v) => {
          const [pa, pb, nc] = [a, b, c].map((e) => sim(e, v));
          if (pa === undefined) return undefined;
          const pos = Math.max(pa, pb as number);
          return pos > (nc as number) ? sig(pos) : -sig(nc as number);
        },
        6,
      );
      const viaRest = (await rest('POST', `/collections/${R}/points/query`, {
        query: { recommend: { positive: [a, b], negative: [c], strategy: 'best_score' } },
        using,
        limit: 6,
      })) as { points: Scored[] };
      expect(viaRest.points.map((p) => p.id)).toEqual(best.map((w) => w.id));
      viaRest.points.forEach((p, i) => expect(p.score).toBeCloseTo(best[i].score, 5));
      const asInput = (n: number) => ({ variant: { case: 'id' as const, value: id(n) } });
      const query = await points().query({
        collectionName: G,
        query: {
          variant: {
            case: 'recommend',
            value: {
              positive: [asInput(a), asInput(b)],
              negative: [asInput(c)],
              strategy: RecommendStrategy.BestScore,
            },
          },
        },
        using,
        limit: 6n,
      });
      const want = viaRest.points.map((p) => [p.id, Math.fround(p.score)]);
      expect(pairs(query.result)).toEqual(want);
      const legacy = await points().recommend({
        collectionName: G,
        positive: [id(a), id(b)],
        negative: [id(c)],
        strategy: RecommendStrategy.BestScore,
        using,
        limit: 6n,
      });
      expect(pairs(legacy.result)).toEqual(want);
      const example = (n: number) => ({ example: { case: 'id' as const, value: id(n) } });
      const discover = await points().discover({
        collectionName: G,
        target: { target: { case: 'single', value: example(a) } },
        context: [{ positive: example(b), negative: example(c) }],
        using,
        limit: 6n,
      });
      const discovered = bruteForce(
        others,
        (v) => {
          const [t, pb, nc] = [a, b, c].map((e) => sim(e, v));
          return t === undefined ? undefined : Math.sign((pb as number) - (nc as number)) + sig(t);
        },
        6,
      );
      expect(discover.result.map((p) => num(p.id))).toEqual(discovered.map((w) => w.id));
      discover.result.forEach((p, i) => expect(p.score).toBeCloseTo(discovered[i].score, 5));
    }
  });

  it('legacy Search with `sparse_indices` and `vector_name` equals the brute-force sparse dot product', async () => {
    const q: Sparse = { indices: [1, 4, 9], values: [1, 0.5, 2] };
    const got = await points().search({
      collectionName: G,
      vector: q.values,
      sparseIndices: { data: q.indices },
      vectorName: 'text',
      limit: 5n,
    });
    const want = bruteForce(data, sparseScore(q), 5);
    expect(got.result.map((p) => num(p.id))).toEqual(want.map((w) => w.id));
    got.result.forEach((p, i) => expect(p.score).toBeCloseTo(want[i].score, 5));
  });

  it('a deprecated multivector whose data does not split into vectors_count rows is refused, nothing written', async () => {
    const bad = points().upsert({
      collectionName: G,
      wait: true,
      points: [
        {
          id: id(999),
          vectors: {
            vectorsOptions: {
              case: 'vectors',
              value: { vectors: { dense: { data: [1, 0, 0, 0] }, colbert: { data: [1, 2, 3, 4], vectorsCount: 0 } } },
            },
          },
          payload: {},
        } as unknown as PointStruct,
      ],
    });
    await expect(bad).rejects.toThrow(/vectors count must be greater than 0/);
    expect(await rest('POST', `/collections/${G}/points`, { ids: [999] })).toEqual([]);
  });
});
