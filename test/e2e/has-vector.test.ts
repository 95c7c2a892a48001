/**
 * The `has_vector` filter condition through the official clients: `@qdrant/js-client-rest` (query, scroll, count,
 * delete by filter; legacy search through its 1.18 release) and `@qdrant/js-client-grpc` (Query, Scroll, Count with a HasVectorCondition),
 * over a collection with two dense names and a sparse name whose points hold different subsets of them. The points
 * are spread over segments from two seals and a WAL tail on top (overwrites that drop a vector, DeleteVectors of
 * sealed and unsealed points, new points), and every answer is held against a brute-force model of which vectors
 * each live point holds. A name the collection does not have matches no point (Qdrant answers 200, no error); a
 * name that is not a string is Qdrant's 400.
 */
import type { QdrantClient as GrpcClient } from '@qdrant/js-client-grpc';
import type { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import { rng } from '../support/collection-harness.js';
import { type ServedRestAndGrpc, serveRestAndGrpc } from '../support/rest-and-grpc.js';
import { clientRejection } from '../support/strata-server.js';

const C = 'hv';
const NAMES = ['image', 'text', 'sp'] as const;
type Name = (typeof NAMES)[number];
/** the subsets points cycle through (never none) */
const SUBSETS: Name[][] = [['image'], ['text'], ['sp'], ['image', 'text'], ['image', 'sp'], ['text', 'sp'], [...NAMES]];

let served: ServedRestAndGrpc;
let client: QdrantClient;
let grpc: GrpcClient;
/** live point id -> the names it holds */
const live = new Map<number, Set<Name>>();

function vectorOf(id: number, names: readonly Name[]): Record<string, unknown> {
  const r = rng(id + 7);
  const out: Record<string, unknown> = {};
  if (names.includes('image')) out.image = Array.from({ length: 4 }, () => r() - 0.5);
  if (names.includes('text')) out.text = [r() + 0.1, r(), r()];
  if (names.includes('sp')) out.sp = { indices: [0, 2 + (id % 7)], values: [1 + r(), r()] };
  return out;
}

async function upsert(ids: number[], namesOf: (id: number) => Name[]): Promise<void> {
  await client.upsert(C, {
    wait: true,
    points: ids.map((id) => ({ id, vector: vectorOf(id, namesOf(id)) as never, payload: { g: id % 3 } })),
  });
  for (const id of ids) live.set(id, new Set(namesOf(id)));
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
const seal = () => new CollectionOptimizer({ store: served.store, skipGc: true }).optimizeUntil(C);

/** The live ids `holds` accepts, ascending. */
const model = (holds: (names: Set<Name>, id: number) => boolean) =>
  [...live]
    .filter(([id, names]) => holds(names, id))
    .map(([id]) => id)
    .sort((a, b) => a - b);
const ascending = (ids: readonly unknown[]) => ids.map(Number).sort((a, b) => a - b);

/** REST filters and their meaning over a point's names and payload group (g = id % 3). */
const CASES: { filter: Record<string, unknown>; holds: (n: Set<Name>, id: number) => boolean }[] = [
  ...NAMES.map((name) => ({ filter: { must: [{ has_vector: name }] }, holds: (n: Set<Name>) => n.has(name) })),
  ...NAMES.map((name) => ({ filter: { must_not: [{ has_vector: name }] }, holds: (n: Set<Name>) => !n.has(name) })),
  {
    filter: { should: [{ has_vector: 'text' }, { has_vector: 'sp' }] },
    holds: (n) => n.has('text') || n.has('sp'),
  },
  {
    filter: { must: [{ has_vector: 'image' }, { key: 'g', match: { value: 1 } }], must_not: [{ has_vector: 'sp' }] },
    holds: (n, id) => n.has('image') && id % 3 === 1 && !n.has('sp'),
  },
  { filter: { must: [{ has_vector: 'nope' }] }, holds: () => false },
  { filter: { must_not: [{ has_vector: 'nope' }] }, holds: () => true },
];

/** The same filter as gRPC's Filter message (has_vector and keyword-free integer match only, as CASES use). */
function grpcFilter(f: Record<string, unknown>): unknown {
  const condition = (c: Record<string, unknown>) =>
    'has_vector' in c
      ? { conditionOneOf: { case: 'hasVector', value: { hasVector: c.has_vector } } }
      : {
          conditionOneOf: {
            case: 'field',
            value: {
              key: c.key,
              match: { matchValue: { case: 'integer', value: BigInt((c.match as { value: number }).value) } },
            },
          },
        };
  const list = (k: string) => ((f[k] as Record<string, unknown>[] | undefined) ?? []).map(condition);
  return { must: list('must'), should: list('should'), mustNot: list('must_not') };
}

beforeAll(async () => {
  served = await serveRestAndGrpc(2);
  ({ client, grpcClient: grpc } = served);
  await client.createCollection(C, {
    vectors: { image: { size: 4, distance: 'Cosine' }, text: { size: 3, distance: 'Dot', on_disk: true } },
    sparse_vectors: { sp: {} },
    optimizers_config: { default_segment_number: 2, indexing_threshold: 0 },
  });
  await upsert(range(0, 70), (id) => SUBSETS[id % SUBSETS.length]);
  await seal();
  await upsert(range(70, 110), (id) => SUBSETS[(id + 3) % SUBSETS.length]);
  // overwrites that drop names, sealed by the second seal
  await upsert(range(0, 10), (id) => [NAMES[id % 3]]);
  await seal();
  // the WAL tail: new points, overwrites adding and dropping names, vectors deleted from sealed and tail points
  await upsert(range(110, 130), (id) => SUBSETS[id % SUBSETS.length]);
  await upsert(range(10, 16), () => ['sp']);
  await upsert(range(16, 22), () => [...NAMES]);
  const dropped = [...range(22, 30), 115, 116];
  await client.deleteVectors(C, { wait: true, points: dropped, vector: ['image'] });
  for (const id of dropped) live.get(id)?.delete('image');
  await client.deleteVectors(C, { wait: true, points: range(70, 76), vector: ['sp'] });
  for (const id of range(70, 76)) live.get(id)?.delete('sp');
  await client.delete(C, { wait: true, points: range(40, 44) });
  for (const id of range(40, 44)) live.delete(id);
}, 120_000);

afterAll(async () => {
  await served?.close();
});

describe('has_vector over REST and gRPC against brute force (two seals of segments and a WAL tail)', () => {
  it('the data spans sealed segments and the tail, and each name is held by some points and not others', async () => {
    expect((await client.getCollection(C)).segments_count).toBeGreaterThan(1);
    for (const name of NAMES) {
      const held = model((n) => n.has(name)).length;
      expect(held).toBeGreaterThan(10);
      expect(held).toBeLessThan(live.size - 10);
    }
  });

  it('REST: count, scroll, query (dense, sparse, a prefetch) and legacy search in must / must_not / should', async () => {
    for (const { filter, holds } of CASES) {
      const want = model(holds);
      expect((await client.count(C, { filter, exact: true })).count).toBe(want.length);
      const page = await client.scroll(C, { filter, limit: 1000, with_payload: false });
      expect(page.points.map((p) => Number(p.id))).toEqual(want);
      const params = { exact: true };
      const image = await client.query(C, { query: [1, 0, 0, 0], using: 'image', filter, limit: 1000, params });
      expect(ascending(image.points.map((p) => p.id))).toEqual(model((n, id) => n.has('image') && holds(n, id)));
      const sparse = await client.query(C, {
        query: { indices: [0], values: [1] },
        using: 'sp',
        filter,
        limit: 1000,
        params,
      });
      expect(ascending(sparse.points.map((p) => p.id))).toEqual(model((n, id) => n.has('sp') && holds(n, id)));
      const staged = await client.query(C, {
        prefetch: { query: [1, 1, 1], using: 'text', filter, limit: 1000, params },
        query: [1, 0, 0, 0],
        using: 'image',
        limit: 1000,
      });
      expect(ascending(staged.points.map((p) => p.id))).toEqual(
        model((n, id) => n.has('text') && n.has('image') && holds(n, id)),
      );
      const legacy = await served.client118.search(C, {
        vector: { name: 'text', vector: [1, 1, 1] },
        filter,
        limit: 1000,
      });
      expect(ascending(legacy.map((p) => p.id))).toEqual(model((n, id) => n.has('text') && holds(n, id)));
    }
  });

  it('gRPC: Count, Scroll and Query with a HasVectorCondition answer as REST', async () => {
    const points = grpc.api('points');
    for (const { filter, holds } of CASES) {
      const want = model(holds);
      const f = grpcFilter(filter) as never;
      const count = await points.count({ collectionName: C, filter: f, exact: true });
      expect(Number(count.result?.count)).toBe(want.length);
      const page = await points.scroll({ collectionName: C, filter: f, limit: 1000 });
      expect(page.result.map((p) => Number(p.id?.pointIdOptions.value))).toEqual(want);
      const hits = await points.query({
        collectionName: C,
        query: { variant: { case: 'nearest', value: { variant: { case: 'dense', value: { data: [1, 1, 1] } } } } },
        using: 'text',
        filter: f,
        limit: 1000n,
        params: { exact: true },
      });
      expect(ascending(hits.result.map((p) => p.id?.pointIdOptions.value))).toEqual(
        model((n, id) => n.has('text') && holds(n, id)),
      );
    }
  });

  it('a name that is not a string is refused with Qdrant status and words', async () => {
    const bad = await clientRejection(client.count(C, { filter: { must: [{ has_vector: 3 }] } as never, exact: true }));
    expect(bad.status).toBe(400);
    expect(bad.error).toContain('Expected some form of condition');
    expect((await client.count(C, { exact: true })).count).toBe(live.size);
  });

  it('deletes by filter the points still missing an embedding, then finds none, sealed or not', async () => {
    const missing = { must_not: [{ has_vector: 'image' }] };
    const gone = model((n) => !n.has('image'));
    expect(gone.length).toBeGreaterThan(0);
    await client.delete(C, { wait: true, filter: missing });
    for (const id of gone) live.delete(id);
    expect((await client.count(C, { filter: missing, exact: true })).count).toBe(0);
    const all = await client.scroll(C, { limit: 1000, with_payload: false });
    expect(all.points.map((p) => Number(p.id))).toEqual(model(() => true));
    await seal();
    for (const { filter, holds } of CASES) {
      expect((await client.count(C, { filter, exact: true })).count).toBe(model(holds).length);
    }
  });
});
