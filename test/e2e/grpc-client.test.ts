/**
 * Qdrant's gRPC API through the official `@qdrant/js-client-grpc` against the real servers: REST (TCP) and gRPC
 * (HTTP/2 on its own port) over ONE service, as `npm start` composes them. Every read over gRPC is compared with the
 * REST answer to the same request, on a collection whose points sit in sealed segments AND the WAL tail. Writes over
 * gRPC are checked by reading them back over REST. Bad input gets Qdrant's status code and message, and writes
 * nothing; a wrong or missing api-key is Unauthenticated.
 *
 * The guide's create calls (qdrant.tech/documentation/guides/optimize, Go/Rust/Java snippets, which are gRPC) are
 * sent as gRPC messages, and the config each produces must equal the config of the same call made over REST.
 */
import {
  ConnectErrorCode as Code,
  ConnectError,
  Distance,
  FieldType,
  QdrantClient as GrpcClient,
  QuantizationType,
  UpdateStatus,
} from '@qdrant/js-client-grpc';
import { createClient } from '@connectrpc/connect';
import { compressionGzip, createGrpcTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PointsService } from '../../lib/api/grpc/schema.js';
import { startGrpcServer, type RunningGrpcServer } from '../../lib/api/grpc/server.js';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import { directInvoker, rng, service, tempStore } from '../support/collection-harness.js';
import { startStrata, type StrataUnderTest } from '../support/strata-server.js';

const DIM = 8;
const KEY = 'grpc-test-key';
let strata: StrataUnderTest;
let grpc: RunningGrpcServer;
let client: GrpcClient;
let cleanup: () => void;

/** REST call with the key; answers `result` (or throws with the status). */
async function rest(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${strata.url}${path}`, {
    method,
    headers: { 'api-key': KEY, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as { result?: unknown; status?: unknown };
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(json.status)}`);
  return json.result;
}

const points = () => client.api('points');
const collections = () => client.api('collections');
const id = (n: number) => ({ pointIdOptions: { case: 'num' as const, value: BigInt(n) } });
const num = (v: { pointIdOptions: { value?: unknown } } | undefined) => Number(v?.pointIdOptions.value);
const keyword = (key: string, value: string) => ({
  conditionOneOf: {
    case: 'field' as const,
    value: { key, match: { matchValue: { case: 'keyword' as const, value } } },
  },
});
const dense = (data: number[]) => ({ variant: { case: 'dense' as const, value: { data } } });

function makePoints(from: number, to: number, seed: number) {
  const r = rng(seed);
  return Array.from({ length: to - from }, (_, i) => ({
    id: from + i,
    vector: Array.from({ length: DIM }, () => Math.fround(r() - 0.5)),
    payload: { g: `g${(from + i) % 5}`, rank: from + i },
  }));
}

const asGrpcPoint = (p: ReturnType<typeof makePoints>[number]) => ({
  id: id(p.id),
  vectors: {
    vectorsOptions: {
      case: 'vector' as const,
      value: { vector: { case: 'dense' as const, value: { data: p.vector } } },
    },
  },
  payload: {
    g: { kind: { case: 'stringValue' as const, value: p.payload.g } },
    rank: { kind: { case: 'integerValue' as const, value: BigInt(p.payload.rank) } },
  },
});

/** A gRPC payload map as JSON (the client's Value messages unwrapped). */
function payloadJson(payload: Record<string, { kind: { case?: string; value?: unknown } }>) {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(payload)) {
    out[k] = typeof v.kind.value === 'bigint' ? Number(v.kind.value) : v.kind.value;
  }
  return out;
}

const Q = [0.3, -0.2, 0.1, 0.5, -0.4, 0.2, 0.1, -0.1];

beforeAll(async () => {
  const t = tempStore();
  cleanup = t.cleanup;
  const svc = service(t.store, directInvoker(t.store, 3));
  strata = await startStrata(svc, { apiKey: KEY });
  grpc = await startGrpcServer({ service: svc, apiKey: KEY, port: 0 });
  client = new GrpcClient({ url: grpc.url, apiKey: KEY, checkCompatibility: false });

  // the data set: created and filled over gRPC, 120 points sealed into 3 segments, 30 more in the WAL tail
  await collections().create({
    collectionName: 'c',
    vectorsConfig: { config: { case: 'params', value: { size: BigInt(DIM), distance: Distance.Cosine } } },
    quantizationConfig: {
      quantization: { case: 'scalar', value: { type: QuantizationType.Int8, quantile: 0.99, alwaysRam: true } },
    },
    optimizersConfig: { defaultSegmentNumber: 3n, indexingThreshold: 0n },
  });
  await points().upsert({ collectionName: 'c', wait: true, points: makePoints(0, 120, 1).map(asGrpcPoint) });
  await new CollectionOptimizer({ store: t.store, skipGc: true }).optimizeUntil('c');
  await points().upsert({ collectionName: 'c', wait: true, points: makePoints(120, 150, 2).map(asGrpcPoint) });
  expect(((await rest('GET', '/collections/c')) as { segments_count: number }).segments_count).toBe(3);
}, 60_000);

afterAll(async () => {
  await grpc?.close();
  await strata?.close();
  cleanup?.();
});

describe('gRPC service and collections', () => {
  it('answers the health check with the compatible version, without a key', async () => {
    const open = new GrpcClient({ url: grpc.url, checkCompatibility: false });
    const reply = await open.api('service').healthCheck({});
    expect(reply.title).toBe('qdrant - vector search engine');
    expect(reply.version).toBe('1.19.0');
  });

  it('accepts gzip-compressed requests', async () => {
    // every message compressed, however small (the official client compresses only past 1 KiB)
    const transport = createGrpcTransport({ baseUrl: grpc.url, sendCompression: compressionGzip, compressMinBytes: 0 });
    const gz = createClient(PointsService as never, transport) as unknown as {
      count(req: object, opts: { headers: Record<string, string> }): Promise<{ result?: { count: bigint } }>;
    };
    const reply = await gz.count({ collectionName: 'c', exact: true }, { headers: { 'api-key': KEY } });
    expect(Number(reply.result?.count)).toBe(150);
  });

  it('lists, gets and tells the existence of collections as REST does', async () => {
    const list = await collections().list({});
    expect(list.collections.map((c) => c.name)).toEqual(['c']);
    expect((await collections().collectionExists({ collectionName: 'c' })).result?.exists).toBe(true);
    expect((await collections().collectionExists({ collectionName: 'nope' })).result?.exists).toBe(false);
    const info = (await collections().get({ collectionName: 'c' })).result;
    const twin = (await rest('GET', '/collections/c')) as { points_count: number; segments_count: number };
    expect(Number(info?.pointsCount)).toBe(twin.points_count);
    expect(Number(info?.segmentsCount)).toBe(twin.segments_count);
    const params = info?.config?.params?.vectorsConfig?.config;
    expect(params?.case).toBe('params');
    expect(params?.case === 'params' && params.value.distance).toBe(Distance.Cosine);
    expect(params?.case === 'params' && Number(params.value.size)).toBe(DIM);
  });

  // the guide's create calls (Go snippets), each checked against the same call over REST
  const GUIDE = [
    {
      name: 'speed-low-memory',
      grpc: {
        vectorsConfig: {
          config: { case: 'params', value: { size: BigInt(DIM), distance: Distance.Cosine, onDisk: true } },
        },
        quantizationConfig: {
          quantization: { case: 'scalar', value: { type: QuantizationType.Int8, alwaysRam: true } },
        },
      },
      rest: {
        vectors: { size: DIM, distance: 'Cosine', on_disk: true },
        quantization_config: { scalar: { type: 'int8', always_ram: true } },
      },
    },
    {
      name: 'precision-low-memory',
      grpc: {
        vectorsConfig: {
          config: { case: 'params', value: { size: BigInt(DIM), distance: Distance.Cosine, onDisk: true } },
        },
        hnswConfig: { onDisk: true },
      },
      rest: { vectors: { size: DIM, distance: 'Cosine', on_disk: true }, hnsw_config: { on_disk: true } },
    },
    {
      name: 'precision-speed',
      grpc: {
        vectorsConfig: { config: { case: 'params', value: { size: BigInt(DIM), distance: Distance.Cosine } } },
        quantizationConfig: {
          quantization: { case: 'scalar', value: { type: QuantizationType.Int8, quantile: 0.99, alwaysRam: true } },
        },
      },
      rest: {
        vectors: { size: DIM, distance: 'Cosine' },
        quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
      },
    },
    {
      name: 'many-segments',
      grpc: {
        vectorsConfig: { config: { case: 'params', value: { size: BigInt(DIM), distance: Distance.Cosine } } },
        optimizersConfig: { defaultSegmentNumber: 16n },
      },
      rest: { vectors: { size: DIM, distance: 'Cosine' }, optimizers_config: { default_segment_number: 16 } },
    },
    {
      name: 'large-segments',
      grpc: {
        vectorsConfig: { config: { case: 'params', value: { size: BigInt(DIM), distance: Distance.Cosine } } },
        optimizersConfig: { defaultSegmentNumber: 2n, maxSegmentSize: 5_000_000n },
      },
      rest: {
        vectors: { size: DIM, distance: 'Cosine' },
        optimizers_config: { default_segment_number: 2, max_segment_size: 5_000_000 },
      },
    },
  ] as const;

  it.each(GUIDE)('creates the guide collection $name with the config REST creates', async (g) => {
    const created = await collections().create({ collectionName: `g-${g.name}`, ...g.grpc } as never);
    expect(created.result).toBe(true);
    await rest('PUT', `/collections/r-${g.name}`, g.rest);
    const viaGrpc = (await rest('GET', `/collections/g-${g.name}`)) as { config: unknown };
    const viaRest = (await rest('GET', `/collections/r-${g.name}`)) as { config: unknown };
    expect(viaGrpc.config).toEqual(viaRest.config);
    expect((await collections().delete({ collectionName: `g-${g.name}` })).result).toBe(true);
    await rest('DELETE', `/collections/r-${g.name}`);
  });

  it('creates, lists and deletes aliases', async () => {
    await collections().updateAliases({
      actions: [{ action: { case: 'createAlias', value: { collectionName: 'c', aliasName: 'a1' } } }],
    });
    const all = await collections().listAliases({});
    expect(all.aliases.map((a) => [a.aliasName, a.collectionName])).toEqual([['a1', 'c']]);
    const mine = await collections().listCollectionAliases({ collectionName: 'c' });
    expect(mine.aliases.map((a) => a.aliasName)).toEqual(['a1']);
    await collections().updateAliases({ actions: [{ action: { case: 'deleteAlias', value: { aliasName: 'a1' } } }] });
    expect((await collections().listAliases({})).aliases).toEqual([]);
  });
});

describe('gRPC reads equal the REST answers', () => {
  const scored = (r: Array<{ id?: unknown; score: number }>) =>
    r.map((p) => ({ id: num(p.id as never), score: p.score }));
  // gRPC scores are float32 (proto `float`), REST prints the float64 the engine computed
  const restScored = (r: Array<{ id: number; score: number }>) =>
    r.map((p) => ({ id: p.id, score: Math.fround(p.score) }));

  it('query with rescore:false (the guide), hnsw_ef + exact, and a filter', async () => {
    const cases = [
      {
        grpc: { params: { quantization: { rescore: false } } },
        rest: { params: { quantization: { rescore: false } } },
      },
      { grpc: { params: { hnswEf: 128n, exact: false } }, rest: { params: { hnsw_ef: 128, exact: false } } },
      { grpc: { params: { exact: true } }, rest: { params: { exact: true } } },
      {
        grpc: { filter: { must: [keyword('g', 'g2')] }, params: { exact: true } },
        rest: { filter: { must: [{ key: 'g', match: { value: 'g2' } }] }, params: { exact: true } },
      },
    ];
    for (const c of cases) {
      const got = await points().query({
        collectionName: 'c',
        query: { variant: { case: 'nearest', value: dense(Q) } },
        limit: 10n,
        withPayload: { selectorOptions: { case: 'enable', value: true } },
        ...c.grpc,
      });
      const want = (await rest('POST', '/collections/c/points/query', {
        query: Q,
        limit: 10,
        with_payload: true,
        ...c.rest,
      })) as { points: Array<{ id: number; score: number; payload: unknown }> };
      expect(got.result.length).toBe(10);
      expect(scored(got.result)).toEqual(restScored(want.points));
      expect(got.result.map((p) => payloadJson(p.payload as never))).toEqual(want.points.map((p) => p.payload));
    }
  });

  it('search and query batch', async () => {
    const got = await points().search({
      collectionName: 'c',
      vector: Q,
      limit: 5n,
      params: { exact: true },
      withPayload: { selectorOptions: { case: 'enable', value: false } },
    });
    const want = (await rest('POST', '/collections/c/points/search', {
      vector: Q,
      limit: 5,
      params: { exact: true },
    })) as Array<{ id: number; score: number }>;
    expect(scored(got.result)).toEqual(restScored(want));

    const batch = await points().queryBatch({
      collectionName: 'c',
      queryPoints: [
        { collectionName: 'c', query: { variant: { case: 'nearest', value: dense(Q) } }, limit: 3n },
        { collectionName: 'c', query: { variant: { case: 'nearest', value: dense(Q.map((x) => -x)) } }, limit: 3n },
      ],
    });
    const wantBatch = (await rest('POST', '/collections/c/points/query/batch', {
      searches: [
        { query: Q, limit: 3 },
        { query: Q.map((x) => -x), limit: 3 },
      ],
    })) as Array<{ points: Array<{ id: number; score: number }> }>;
    expect(batch.result.map((b) => scored(b.result))).toEqual(wantBatch.map((b) => restScored(b.points)));
  });

  it('get with vectors, scroll with a filter and paging, count', async () => {
    const got = await points().get({
      collectionName: 'c',
      ids: [id(3), id(125), id(999)],
      withPayload: { selectorOptions: { case: 'enable', value: true } },
      withVectors: { selectorOptions: { case: 'enable', value: true } },
    });
    const want = (await rest('POST', '/collections/c/points', {
      ids: [3, 125, 999],
      with_payload: true,
      with_vector: true,
    })) as Array<{ id: number; payload: unknown; vector: number[] }>;
    expect(got.result.map((p) => num(p.id))).toEqual(want.map((p) => p.id));
    expect(got.result.map((p) => payloadJson(p.payload as never))).toEqual(want.map((p) => p.payload));
    const v = got.result[0].vectors?.vectorsOptions;
    // float32 over gRPC; REST prints each float32 in its shortest form, which reads back to the same float32
    expect(v?.case === 'vector' && v.value.vector.case === 'dense' && v.value.vector.value.data).toEqual(
      want[0].vector.map(Math.fround),
    );

    const page = await points().scroll({
      collectionName: 'c',
      filter: { must: [keyword('g', 'g1')] },
      limit: 7,
      offset: id(20),
      withPayload: { selectorOptions: { case: 'include', value: { fields: ['rank'] } } },
    });
    const wantPage = (await rest('POST', '/collections/c/points/scroll', {
      filter: { must: [{ key: 'g', match: { value: 'g1' } }] },
      limit: 7,
      offset: 20,
      with_payload: ['rank'],
    })) as { points: Array<{ id: number; payload: unknown }>; next_page_offset: number | null };
    expect(page.result.map((p) => num(p.id))).toEqual(wantPage.points.map((p) => p.id));
    expect(page.result.map((p) => payloadJson(p.payload as never))).toEqual(wantPage.points.map((p) => p.payload));
    expect(num(page.nextPageOffset)).toBe(wantPage.next_page_offset);

    const count = await points().count({ collectionName: 'c', filter: { must: [keyword('g', 'g1')] }, exact: true });
    const wantCount = (await rest('POST', '/collections/c/points/count', {
      filter: { must: [{ key: 'g', match: { value: 'g1' } }] },
      exact: true,
    })) as { count: number };
    expect(Number(count.result?.count)).toBe(wantCount.count);
    expect(wantCount.count).toBe(30);
  });
});

describe('gRPC recommend, facet, update', () => {
  it('recommend by ids and by vectors equals REST', async () => {
    const got = await points().recommend({
      collectionName: 'c',
      positive: [id(10), id(130)],
      negative: [id(11)],
      positiveVectors: [{ vector: { case: 'dense', value: { data: Q } } }],
      limit: 6n,
      params: { exact: true },
      withPayload: { selectorOptions: { case: 'enable', value: false } },
    });
    const want = (await rest('POST', '/collections/c/points/recommend', {
      positive: [10, 130, Q],
      negative: [11],
      limit: 6,
      params: { exact: true },
    })) as Array<{ id: number; score: number }>;
    expect(want.length).toBe(6);
    expect(got.result.map((p) => [num(p.id), p.score])).toEqual(want.map((p) => [p.id, Math.fround(p.score)]));
  });

  it('facet counts over a keyword index equal REST', async () => {
    await points().createFieldIndex({
      collectionName: 'c',
      wait: true,
      fieldName: 'g',
      fieldType: FieldType.FieldTypeKeyword,
    });
    const got = await points().facet({ collectionName: 'c', key: 'g', exact: true });
    const want = (await rest('POST', '/collections/c/facet', { key: 'g', exact: true })) as {
      hits: Array<{ value: string; count: number }>;
    };
    expect(want.hits.length).toBe(5);
    expect(got.hits.map((h) => [h.value?.variant.value, Number(h.count)])).toEqual(
      want.hits.map((h) => [h.value, h.count]),
    );
    await points().deleteFieldIndex({ collectionName: 'c', wait: true, fieldName: 'g' });
  });

  it('update changes the config as REST PATCH does', async () => {
    await rest('PUT', '/collections/u-rest', { vectors: { size: 4, distance: 'Dot' } });
    await collections().create({
      collectionName: 'u-grpc',
      vectorsConfig: { config: { case: 'params', value: { size: 4n, distance: Distance.Dot } } },
    });
    await rest('PATCH', '/collections/u-rest', {
      optimizers_config: { indexing_threshold: 10 },
      hnsw_config: { m: 8 },
    });
    const updated = await collections().update({
      collectionName: 'u-grpc',
      optimizersConfig: { indexingThreshold: 10n },
      hnswConfig: { m: 8n },
    });
    expect(updated.result).toBe(true);
    const a = (await rest('GET', '/collections/u-grpc')) as { config: { hnsw_config: { m: number } } };
    const b = (await rest('GET', '/collections/u-rest')) as { config: unknown };
    expect(a.config.hnsw_config.m).toBe(8);
    expect(a.config).toEqual(b.config);
    await rest('DELETE', '/collections/u-rest');
    await collections().delete({ collectionName: 'u-grpc' });
  });
});

describe('gRPC groups, batches, discover and the distance matrix equal REST', () => {
  type Hit = { id: number; score: number };
  type GrpcHit = { id?: unknown; score: number };
  const scored = (r: GrpcHit[]) => r.map((p) => [num(p.id as never), p.score]);
  const restScored = (r: Hit[]) => r.map((p) => [p.id, Math.fround(p.score)]);
  type GrpcGroups = { result?: { groups: Array<{ id?: { kind: { value?: unknown } }; hits: GrpcHit[] }> } };
  const groupsOf = (g: GrpcGroups) =>
    (g.result?.groups ?? []).map((x) =>
      [x.id?.kind.value, ...scored(x.hits)].map((v) => (typeof v === 'bigint' ? Number(v) : v)),
    );
  const restGroups = (g: { groups: Array<{ id: unknown; hits: Hit[] }> }) =>
    g.groups.map((x) => [x.id, ...restScored(x.hits)]);
  const off = { selectorOptions: { case: 'enable' as const, value: false } };

  it('search groups and query groups', async () => {
    const got = await points().searchGroups({
      collectionName: 'c',
      vector: Q,
      limit: 3,
      groupBy: 'g',
      groupSize: 2,
      params: { exact: true },
      withPayload: off,
    });
    const want = (await rest('POST', '/collections/c/points/search/groups', {
      vector: Q,
      limit: 3,
      group_by: 'g',
      group_size: 2,
      params: { exact: true },
    })) as { groups: Array<{ id: unknown; hits: Hit[] }> };
    expect(want.groups.length).toBe(3);
    expect(groupsOf(got)).toEqual(restGroups(want));

    const gotQ = await points().queryGroups({
      collectionName: 'c',
      query: { variant: { case: 'nearest', value: dense(Q) } },
      limit: 4n,
      groupBy: 'rank',
      groupSize: 1n,
      filter: { must: [keyword('g', 'g1')] },
      params: { exact: true },
      withPayload: off,
    });
    const wantQ = (await rest('POST', '/collections/c/points/query/groups', {
      query: Q,
      limit: 4,
      group_by: 'rank',
      group_size: 1,
      filter: { must: [{ key: 'g', match: { value: 'g1' } }] },
      params: { exact: true },
    })) as { groups: Array<{ id: unknown; hits: Hit[] }> };
    expect(wantQ.groups.length).toBe(4);
    // integer group ids are Qdrant's `unsigned_value`
    expect(gotQ.result?.groups[0].id?.kind).toMatchObject({ case: 'unsignedValue' });
    expect(groupsOf(gotQ)).toEqual(restGroups(wantQ));
  });

  it('recommend batch and recommend groups', async () => {
    const got = await points().recommendBatch({
      collectionName: 'c',
      recommendPoints: [
        { collectionName: 'c', positive: [id(3)], limit: 4n, params: { exact: true } },
        { collectionName: 'c', positive: [id(140)], negative: [id(7)], limit: 4n, params: { exact: true } },
      ],
    });
    const want = (await rest('POST', '/collections/c/points/recommend/batch', {
      searches: [
        { positive: [3], limit: 4, params: { exact: true } },
        { positive: [140], negative: [7], limit: 4, params: { exact: true } },
      ],
    })) as Hit[][];
    expect(want.map((b) => b.length)).toEqual([4, 4]);
    expect(got.result.map((b) => scored(b.result))).toEqual(want.map(restScored));

    const gotG = await points().recommendGroups({
      collectionName: 'c',
      positive: [id(3)],
      positiveVectors: [{ vector: { case: 'dense', value: { data: Q } } }],
      limit: 2,
      groupBy: 'g',
      groupSize: 3,
      params: { exact: true },
      withPayload: off,
      withLookup: { collection: 'c' },
    });
    const wantG = (await rest('POST', '/collections/c/points/recommend/groups', {
      positive: [3, Q],
      limit: 2,
      group_by: 'g',
      group_size: 3,
      params: { exact: true },
      with_lookup: { collection: 'c' },
    })) as { groups: Array<{ id: unknown; hits: Hit[] }> };
    expect(wantG.groups.length).toBe(2);
    expect(groupsOf(gotG)).toEqual(restGroups(wantG));
  });

  it('discover and discover batch', async () => {
    const example = (n: number) => ({ example: { case: 'id' as const, value: id(n) } });
    const got = await points().discover({
      collectionName: 'c',
      target: { target: { case: 'single', value: example(5) } },
      context: [{ positive: example(20), negative: example(21) }],
      limit: 5n,
      params: { exact: true },
    });
    const want = (await rest('POST', '/collections/c/points/discover', {
      target: 5,
      context: [{ positive: 20, negative: 21 }],
      limit: 5,
      params: { exact: true },
    })) as Hit[];
    expect(want.length).toBe(5);
    expect(scored(got.result)).toEqual(restScored(want));

    const batch = await points().discoverBatch({
      collectionName: 'c',
      discoverPoints: [
        {
          collectionName: 'c',
          target: { target: { case: 'single', value: example(9) } },
          context: [{ positive: example(30), negative: example(31) }],
          limit: 3n,
        },
        {
          collectionName: 'c',
          target: {
            target: {
              case: 'single',
              value: { example: { case: 'vector', value: { vector: { case: 'dense', value: { data: Q } } } } },
            },
          },
          context: [{ positive: example(40), negative: example(41) }],
          limit: 3n,
          params: { exact: true },
        },
      ],
    });
    const wantBatch = (await rest('POST', '/collections/c/points/discover/batch', {
      searches: [
        { target: 9, context: [{ positive: 30, negative: 31 }], limit: 3 },
        { target: Q, context: [{ positive: 40, negative: 41 }], limit: 3, params: { exact: true } },
      ],
    })) as Hit[][];
    expect(wantBatch.map((b) => b.length)).toEqual([3, 3]);
    expect(batch.result.map((b) => scored(b.result))).toEqual(wantBatch.map(restScored));
  });

  it('search matrix pairs and offsets (every filtered point sampled)', async () => {
    const ids = [1, 2, 3, 4, 5, 6, 7, 8];
    const filter = { must: [{ conditionOneOf: { case: 'hasId' as const, value: { hasId: ids.map(id) } } }] };
    const restFilter = { must: [{ has_id: ids }] };
    // the sample is drawn at random: compare the (a, b, score) triples, in a canonical order
    const canon = (t: Array<[number, number, number]>) => t.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const pairs = await points().searchMatrixPairs({ collectionName: 'c', filter, sample: 8n, limit: 2n });
    const wantPairs = (await rest('POST', '/collections/c/points/search/matrix/pairs', {
      filter: restFilter,
      sample: 8,
      limit: 2,
    })) as { pairs: Array<{ a: number; b: number; score: number }> };
    expect(wantPairs.pairs.length).toBe(16);
    expect(canon((pairs.result?.pairs ?? []).map((p) => [num(p.a), num(p.b), p.score]))).toEqual(
      canon(wantPairs.pairs.map((p) => [p.a, p.b, Math.fround(p.score)])),
    );

    const offsets = await points().searchMatrixOffsets({ collectionName: 'c', filter, sample: 8n, limit: 2n });
    const wantOffsets = (await rest('POST', '/collections/c/points/search/matrix/offsets', {
      filter: restFilter,
      sample: 8,
      limit: 2,
    })) as { offsets_row: number[]; offsets_col: number[]; scores: number[]; ids: number[] };
    const o = offsets.result;
    const gotTriples = (o?.scores ?? []).map(
      (s, i) =>
        [num(o?.ids[Number(o.offsetsRow[i])]), num(o?.ids[Number(o.offsetsCol[i])]), s] as [number, number, number],
    );
    const w = wantOffsets;
    const wantTriples = w.scores.map(
      (s, i) => [w.ids[w.offsets_row[i]], w.ids[w.offsets_col[i]], Math.fround(s)] as [number, number, number],
    );
    expect(wantTriples.length).toBe(16);
    expect(canon(gotTriples)).toEqual(canon(wantTriples));
  });
});

describe('gRPC snapshots', () => {
  it('creates, lists and deletes a collection snapshot as REST sees it', async () => {
    const snapshots = client.api('snapshots');
    const created = await snapshots.create({ collectionName: 'c' });
    const d = created.snapshotDescription;
    const listed = (await rest('GET', '/collections/c/snapshots')) as Array<{
      name: string;
      size: number;
      creation_time: string;
    }>;
    expect(listed.map((s) => s.name)).toEqual([d?.name]);
    expect(Number(d?.size)).toBe(listed[0].size);
    expect(new Date(Number(d?.creationTime?.seconds) * 1000).toISOString().slice(0, 19)).toBe(listed[0].creation_time);
    expect((await snapshots.list({ collectionName: 'c' })).snapshotDescriptions.map((s) => s.name)).toEqual([d?.name]);
    await snapshots.delete({ collectionName: 'c', snapshotName: d?.name ?? '' });
    expect(await rest('GET', '/collections/c/snapshots')).toEqual([]);
  });

  it('creates, lists and deletes a full-storage snapshot as REST sees it', async () => {
    const snapshots = client.api('snapshots');
    const d = (await snapshots.createFull({})).snapshotDescription;
    const listed = (await rest('GET', '/snapshots')) as Array<{ name: string; size: number }>;
    expect(listed.map((s) => [s.name, s.size])).toEqual([[d?.name, Number(d?.size)]]);
    expect((await snapshots.listFull({})).snapshotDescriptions.map((s) => s.name)).toEqual([d?.name]);
    await snapshots.deleteFull({ snapshotName: d?.name ?? '' });
    expect(await rest('GET', '/snapshots')).toEqual([]);
  });
});

describe('gRPC writes', () => {
  it('payload ops, field index, delete: read back over REST', async () => {
    const sel = (...ids: number[]) => ({
      pointsSelectorOneOf: { case: 'points' as const, value: { ids: ids.map(id) } },
    });
    const payloadOf = async (n: number) =>
      (
        (await rest('POST', '/collections/c/points', { ids: [n], with_payload: true })) as Array<{ payload: unknown }>
      )[0]?.payload;

    const set = await points().setPayload({
      collectionName: 'c',
      wait: true,
      payload: { color: { kind: { case: 'stringValue', value: 'red' } } },
      pointsSelector: sel(1, 2),
    });
    expect(set.result?.status).toBe(UpdateStatus.Completed);
    expect(await payloadOf(1)).toEqual({ g: 'g1', rank: 1, color: 'red' });

    await points().overwritePayload({
      collectionName: 'c',
      wait: true,
      payload: { only: { kind: { case: 'boolValue', value: true } } },
      pointsSelector: sel(2),
    });
    expect(await payloadOf(2)).toEqual({ only: true });

    await points().deletePayload({ collectionName: 'c', wait: true, keys: ['color'], pointsSelector: sel(1) });
    expect(await payloadOf(1)).toEqual({ g: 'g1', rank: 1 });

    await points().clearPayload({ collectionName: 'c', wait: true, points: sel(2) });
    expect(await payloadOf(2)).toEqual({});

    const index = await points().createFieldIndex({
      collectionName: 'c',
      wait: true,
      fieldName: 'g',
      fieldType: FieldType.FieldTypeKeyword,
    });
    expect(index.result?.status).toBe(UpdateStatus.Completed);
    const info = (await collections().get({ collectionName: 'c' })).result;
    expect(Object.keys(info?.payloadSchema ?? {})).toEqual(['g']);
    await points().deleteFieldIndex({ collectionName: 'c', wait: true, fieldName: 'g' });
    expect(Object.keys((await collections().get({ collectionName: 'c' })).result?.payloadSchema ?? {})).toEqual([]);

    const before = ((await rest('POST', '/collections/c/points/count', {})) as { count: number }).count;
    await points().delete({ collectionName: 'c', wait: true, points: sel(5, 6) });
    await points().delete({
      collectionName: 'c',
      wait: true,
      points: { pointsSelectorOneOf: { case: 'filter', value: { must: [keyword('g', 'g4')] } } },
    });
    const after = ((await rest('POST', '/collections/c/points/count', {})) as { count: number }).count;
    expect(after).toBe(before - 2 - 30);
  });
});

describe('gRPC errors', () => {
  const failure = async (p: Promise<unknown>): Promise<ConnectError> => {
    try {
      await p;
    } catch (e) {
      return ConnectError.from(e);
    }
    throw new Error('expected the call to fail');
  };
  const countAll = async () => ((await rest('POST', '/collections/c/points/count', {})) as { count: number }).count;

  it('wrong dimension: InvalidArgument with the REST message, nothing written', async () => {
    const before = await countAll();
    const p = asGrpcPoint({ id: 5000, vector: [0.1, 0.2, 0.3], payload: { g: 'x', rank: 0 } });
    const e = await failure(points().upsert({ collectionName: 'c', wait: true, points: [p] }));
    expect(e.code).toBe(Code.InvalidArgument);
    expect(e.rawMessage).toBe('Wrong input: Vector dimension error: expected dim: 8, got 3');
    expect(await countAll()).toBe(before);
  });

  it('ids: 2^53-1 round-trips exactly; a larger one is InvalidArgument naming every digit, nothing written', async () => {
    // Strata's ids stop at 2^53-1 at both doors (lib/model/point-id.ts), so every id in a REST answer is exact
    // after JSON.parse; the request side keeps the client's bigint whole, so a larger id is refused, never rounded
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    const big = { pointIdOptions: { case: 'num' as const, value: 2n ** 64n - 1n } };
    const vector = makePoints(0, 1, 9)[0].vector;
    const withId = (pid: typeof big) => ({
      ...asGrpcPoint({ id: 0, vector, payload: { g: 'big', rank: 0 } }),
      id: pid,
    });
    const before = await countAll();
    const e = await failure(points().upsert({ collectionName: 'c', wait: true, points: [withId(big)] }));
    expect(e.code).toBe(Code.InvalidArgument);
    expect(e.rawMessage).toContain('18446744073709551615');
    expect(await countAll()).toBe(before);

    const top = { pointIdOptions: { case: 'num' as const, value: max } };
    await points().upsert({ collectionName: 'c', wait: true, points: [withId(top)] });
    const got = await points().get({ collectionName: 'c', ids: [top] });
    expect(got.result.map((p) => p.id?.pointIdOptions.value)).toEqual([max]);
    const hit = await points().query({
      collectionName: 'c',
      query: { variant: { case: 'nearest', value: dense(vector) } },
      filter: { must: [keyword('g', 'big')] },
      limit: 1n,
    });
    expect(hit.result[0].id?.pointIdOptions.value).toBe(max);
    await points().delete({
      collectionName: 'c',
      wait: true,
      points: { pointsSelectorOneOf: { case: 'points', value: { ids: [top] } } },
    });
    expect(await countAll()).toBe(before);
  });

  it('unknown collection: NotFound with Qdrant message', async () => {
    const e = await failure(points().count({ collectionName: 'nope' }));
    expect(e.code).toBe(Code.NotFound);
    expect(e.rawMessage).toBe("Not found: Collection `nope` doesn't exist!");
    const dup = await failure(
      collections().create({
        collectionName: 'c',
        vectorsConfig: { config: { case: 'params', value: { size: 4n, distance: Distance.Dot } } },
      }),
    );
    expect(dup.code).toBe(Code.AlreadyExists);
    expect(dup.rawMessage).toBe('Wrong input: Collection `c` already exists!');
  });

  it('malformed filter: InvalidArgument with Qdrant message, nothing deleted', async () => {
    const before = await countAll();
    const e = await failure(
      points().delete({
        collectionName: 'c',
        wait: true,
        points: { pointsSelectorOneOf: { case: 'filter', value: { must: [{}] } } },
      }),
    );
    expect(e.code).toBe(Code.InvalidArgument);
    expect(e.rawMessage).toBe('Malformed Condition type');
    const m = await failure(
      points().count({
        collectionName: 'c',
        filter: { must: [{ conditionOneOf: { case: 'field', value: { key: 'g', match: {} } } }] },
      }),
    );
    expect(m.code).toBe(Code.InvalidArgument);
    expect(m.rawMessage).toBe('Malformed Match condition');
    expect(await countAll()).toBe(before);
  });

  it('a missing or wrong api-key is Unauthenticated, with Qdrant messages', async () => {
    const none = new GrpcClient({ url: grpc.url, checkCompatibility: false });
    const e1 = await failure(none.api('collections').list({}));
    expect(e1.code).toBe(Code.Unauthenticated);
    expect(e1.rawMessage).toBe('Must provide an API key or an Authorization bearer token');
    const wrong = new GrpcClient({ url: grpc.url, apiKey: 'nope', checkCompatibility: false });
    const e2 = await failure(wrong.api('points').count({ collectionName: 'c' }));
    expect(e2.code).toBe(Code.Unauthenticated);
    expect(e2.rawMessage).toBe('Invalid API key or JWT');
  });
});
