/**
 * Adding and deleting vector names on a live collection (`PUT` / `DELETE /collections/{c}/vectors/{name}`) through
 * the official `@qdrant/js-client-rest`, against the real service (filesystem store, in-process segment searches).
 *
 * What is pinned down:
 * - a new name is held by no point until written, then is written (upsert, update_vectors) and searched at once, in
 *   the WAL tail and after sealing; `exact: true` answers equal a brute force over the live points;
 * - a deleted name is gone from every answer (queries and writes using it are Qdrant's 400, retrieve and scroll
 *   no longer return it), and RE-CREATING it (with another schema) never brings back its old rows, whether they sit
 *   in sealed segments, in the WAL tail, or in segments the optimizer rewrites; the same after a restart (a new
 *   service and server over the same folder), and the optimizer's rewrite drops the stale rows from storage;
 * - the same for a sparse name;
 * - bad input gets Qdrant's status and wording, and changes nothing.
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey } from '../../lib/collection/keys.js';
import { loadManifest } from '../../lib/collection/manifest.js';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import type { StrataCollectionService } from '../../lib/collection/service.js';
import { META, segmentObjectKey, segmentPrefix } from '../../lib/segment/keys.js';
import { type SegmentMeta, parseMeta } from '../../lib/segment/meta.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { directInvoker, rng, service } from '../support/collection-harness.js';
import { type ServedTempStore, clientRejection, serveTempStore, startStrata } from '../support/strata-server.js';

const C = 'vecnames';
const EXACT = { exact: true };
type Sparse = { indices: number[]; values: number[] };
/** one point's vectors as stored (Cosine normalized) */
interface Held {
  a?: number[];
  b?: number[];
  c?: number[];
  s?: Sparse;
}
type Dense = 'a' | 'b' | 'c';

let strata: ServedTempStore;
let client: QdrantClient;
let store: FileSystemStore;
let svc: StrataCollectionService;
/** the reference: every live point's vectors */
const live = new Map<number, Held>();
/** the distance of each dense name as currently configured */
const distances: Record<Dense, 'Dot' | 'Euclid' | 'Cosine'> = { a: 'Dot', b: 'Euclid', c: 'Cosine' };

const norm = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};
const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i], 0);
const euclid = (x: number[], y: number[]) => Math.sqrt(x.reduce((s, v, i) => s + (v - y[i]) ** 2, 0));
const vec = (r: () => number, n: number) => Array.from({ length: n }, () => Math.fround(r() - 0.5));

function sparseOf(r: () => number): Sparse {
  const dims = [...new Set(Array.from({ length: 4 }, () => Math.floor(r() * 30)))].sort((x, y) => x - y);
  return { indices: dims, values: dims.map(() => Math.fround(r())) };
}

/** a (4-d) on every point, b (3-d) on even ids, s on multiples of 3 */
function makePoints(from: number, to: number, seed: number): { id: number; vector: Record<string, unknown> }[] {
  const r = rng(seed);
  const out = [];
  for (let id = from; id < to; id++) {
    const vector: Record<string, unknown> = { a: vec(r, 4) };
    if (id % 2 === 0) vector.b = vec(r, 3);
    if (id % 3 === 0) vector.s = sparseOf(r);
    out.push({ id, vector });
  }
  return out;
}

function remember(points: { id: number; vector: Record<string, unknown> }[], merge = false): void {
  for (const p of points) {
    const v = p.vector as Held;
    const held: Held = merge ? { ...live.get(p.id) } : {};
    for (const n of ['a', 'b', 'c'] as const) {
      const x = v[n];
      if (x !== undefined) held[n] = distances[n] === 'Cosine' ? norm(x) : x;
    }
    if (v.s !== undefined) held.s = v.s;
    live.set(p.id, held);
  }
}

function reference(name: Dense, q: number[], limit: number): { id: number; score: number }[] {
  const query = distances[name] === 'Cosine' ? norm(q) : q;
  const out: { id: number; score: number }[] = [];
  for (const [id, v] of live) {
    const x = v[name];
    if (x !== undefined) out.push({ id, score: distances[name] === 'Euclid' ? euclid(x, query) : dot(x, query) });
  }
  const sign = distances[name] === 'Euclid' ? 1 : -1;
  return out.sort((x, y) => sign * (x.score - y.score) || x.id - y.id).slice(0, limit);
}

function sparseReference(q: Sparse, limit: number): { id: number; score: number }[] {
  const out: { id: number; score: number }[] = [];
  for (const [id, v] of live) {
    if (v.s === undefined) continue;
    const w = new Map(v.s.indices.map((d, i) => [d, v.s?.values[i] as number]));
    let score = 0;
    let shared = false;
    q.indices.forEach((d, i) => {
      const x = w.get(d);
      if (x !== undefined) {
        shared = true;
        score += x * q.values[i];
      }
    });
    if (shared) out.push({ id, score });
  }
  return out.sort((x, y) => y.score - x.score || x.id - y.id).slice(0, limit);
}

function expectRanking(got: readonly { id: unknown; score: number }[], want: { id: number; score: number }[]) {
  expect(got.map((g) => g.id)).toEqual(want.map((w) => w.id));
  got.forEach((g, i) => expect(g.score).toBeCloseTo(want[i].score, 4));
}

/** Every dense name of `names` searched exactly against the reference, and every point's names read back. */
async function checkAll(c: QdrantClient, names: Dense[], seed: number): Promise<void> {
  const r = rng(seed);
  for (const name of names) {
    const size = name === 'a' ? 4 : name === 'b' ? (distances.b === 'Euclid' ? 3 : 4) : 5;
    const q = vec(r, size);
    const want = reference(name, q, 10);
    const got = await c.query(C, { query: q, using: name, limit: 10, params: EXACT });
    expectRanking(got.points, want);
  }
  const page = await c.scroll(C, { limit: 1000, with_vector: true, with_payload: false });
  expect(page.points.length).toBe(live.size);
  for (const p of page.points) {
    const want = live.get(Number(p.id)) as Held;
    const v = p.vector as Record<string, unknown>;
    expect(Object.keys(v).sort()).toEqual(Object.keys(want).sort());
    for (const n of ['a', 'b', 'c'] as const) {
      if (want[n] === undefined) continue;
      (v[n] as number[]).forEach((x, i) => expect(x).toBeCloseTo((want[n] as number[])[i], 5));
    }
  }
}

/** Every sealed segment's meta. */
async function segmentMetas(): Promise<SegmentMeta[]> {
  const prefix = collectionPrefix('', C);
  const m = (await loadManifest(store, manifestKey(prefix)))?.manifest;
  const out: SegmentMeta[] = [];
  for (const s of m?.segments ?? []) {
    const got = await store.get(segmentObjectKey(segmentPrefix(prefix, s.id), META));
    out.push(parseMeta(got?.body as Uint8Array));
  }
  return out;
}

async function generationOf(name: string): Promise<number> {
  const m = (await loadManifest(store, manifestKey(collectionPrefix('', C))))?.manifest;
  return m?.config.vector_generations?.[name] ?? 0;
}

/** the operation_id of the seeding upsert: every schema change after it must answer a larger one */
let seedOperation = 0;

const optimizeAll = () => new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);

beforeAll(async () => {
  strata = await serveTempStore(3);
  ({ client, store, svc } = strata);
  await client.createCollection(C, {
    vectors: { a: { size: 4, distance: 'Dot' }, b: { size: 3, distance: 'Euclid' } },
    sparse_vectors: { s: {} },
    optimizers_config: { default_segment_number: 2, indexing_threshold: 1 },
  });
  const points = makePoints(0, 200, 1);
  seedOperation = (await client.upsert(C, { wait: true, points: points as never })).operation_id ?? 0;
  remember(points);
});

afterAll(async () => {
  await strata?.close();
});

describe('vector names on a live collection', () => {
  it('adds a dense name that no point holds, then writes and searches it at once (WAL tail)', async () => {
    const r = await client.createVectorName(C, 'c', { dense: { size: 5, distance: 'Cosine' } }, { wait: true });
    // Qdrant answers the change's WAL number: on the point writes' sequence, after the upsert before it
    expect(r.status).toBe('completed');
    expect(r.operation_id).toBeGreaterThan(seedOperation);
    const info = await client.getCollection(C);
    expect(info.config.params.vectors).toEqual({
      a: { size: 4, distance: 'Dot', on_disk: false },
      b: { size: 3, distance: 'Euclid', on_disk: false },
      c: { size: 5, distance: 'Cosine', on_disk: false },
    });
    expect((await client.query(C, { query: vec(rng(5), 5), using: 'c', limit: 5 })).points).toEqual([]);
    await checkAll(client, ['a', 'b', 'c'], 10);
    const r2 = rng(2);
    const upd = Array.from({ length: 60 }, (_, i) => ({ id: i, vector: { c: vec(r2, 5) } }));
    const updated = await client.updateVectors(C, { wait: true, points: upd });
    // ... and before the write after it
    expect(updated.operation_id).toBeGreaterThan(r.operation_id ?? Number.POSITIVE_INFINITY);
    remember(upd, true);
    // a fresh point may hold it from its first upsert
    const fresh = [{ id: 500, vector: { a: vec(r2, 4), c: vec(r2, 5) } }];
    await client.upsert(C, { wait: true, points: fresh });
    remember(fresh);
    await checkAll(client, ['a', 'b', 'c'], 11);
  });

  it("refuses what Qdrant refuses, in Qdrant's words, and changes nothing", async () => {
    // the same schema again is a no-op (tuning fields are not compared, as in Qdrant)
    // logged like any change in Qdrant, so it too has its own, larger operation_id
    const again = await client.createVectorName(C, 'c', { dense: { size: 5, distance: 'Cosine' } }, { wait: false });
    expect(again.status).toBe('acknowledged');
    expect(again.operation_id).toBeGreaterThan(seedOperation);
    // thunks: each request is sent when its turn comes, so no rejection is left unhandled meanwhile
    const cases: [() => Promise<unknown>, number, string][] = [
      [
        () => client.createVectorName(C, 'c', { dense: { size: 6, distance: 'Cosine' } }),
        400,
        'Wrong input: Vector `c` already exists with a different configuration',
      ],
      [
        () => client.createVectorName(C, 'b', { sparse: {} }),
        400,
        'Wrong input: Vector `b` already exists as a dense vector',
      ],
      [
        () => client.createVectorName(C, 's', { dense: { size: 2, distance: 'Dot' } }),
        400,
        'Wrong input: Vector `s` already exists as a sparse vector',
      ],
      [
        () => client.createVectorName(C, 's', { sparse: { modifier: 'idf' } }),
        400,
        'Wrong input: Sparse vector `s` already exists with a different configuration',
      ],
      [
        () => client.createVectorName(C, 'x:y', { dense: { size: 2, distance: 'Dot' } }),
        400,
        'Wrong input: Invalid vector name `x:y`: vector name cannot contain ":" char',
      ],
      [
        () => client.createVectorName(C, 'z', { dense: { size: 0, distance: 'Dot' } }),
        422,
        'Validation error in JSON body: [dense.size: value 0 invalid, must be 1 or larger]',
      ],
      [
        () => client.createVectorName(C, 'z', { dense: { size: 2, distance: 'Nope' } } as never),
        400,
        'Format error in JSON body: data did not match any variant of untagged enum VectorNameConfig',
      ],
      [
        () => client.createVectorName(C, 'z', {} as never),
        400,
        'Format error in JSON body: data did not match any variant of untagged enum VectorNameConfig',
      ],
      [
        () => client.createVectorName('nope', 'z', { dense: { size: 2, distance: 'Dot' } }),
        404,
        "Not found: Collection `nope` doesn't exist!",
      ],
      [() => client.deleteVectorName('nope', 'z'), 404, "Not found: Collection `nope` doesn't exist!"],
    ];
    for (const [request, status, error] of cases) expect(await clientRejection(request())).toEqual({ status, error });
    // deleting a name the collection does not have is Qdrant's idempotent no-op
    const never = await client.deleteVectorName(C, 'never', { wait: true });
    expect(never.status).toBe('completed');
    expect(never.operation_id).toBeGreaterThan(again.operation_id ?? Number.POSITIVE_INFINITY);
    expect(Object.keys((await client.getCollection(C)).config.params.vectors as object)).toEqual(['a', 'b', 'c']);
    expect(await generationOf('c')).toBe(1);
    // a bad dense name beside the unnamed vector (which is added as Qdrant adds it: unnamed-beside-named.test.ts)
    // is refused before the config turns into a map: nothing written
    await client.createCollection('unnamed', { vectors: { size: 2, distance: 'Dot' } });
    expect(
      await clientRejection(client.createVectorName('unnamed', 'x', { dense: { size: 0, distance: 'Dot' } })),
    ).toEqual({
      status: 422,
      error: 'Validation error in JSON body: [dense.size: value 0 invalid, must be 1 or larger]',
    });
    expect(
      await clientRejection(client.createVectorName('unnamed', 'x:y', { dense: { size: 2, distance: 'Dot' } })),
    ).toEqual({ status: 400, error: 'Wrong input: Invalid vector name `x:y`: vector name cannot contain ":" char' });
    expect((await client.getCollection('unnamed')).config.params.vectors).toEqual({
      size: 2,
      distance: 'Dot',
      on_disk: false,
    });
    await client.deleteCollection('unnamed');
  });

  it('deletes a sealed name and re-creates it with another schema: its old rows never come back', async () => {
    await optimizeAll();
    expect((await svc.getCollection(C)).segments_count).toBeGreaterThan(1);
    // a new tail over the sealed points: b in the WAL for overwritten and new points
    const tail = [...makePoints(190, 240, 3), ...makePoints(0, 10, 4)];
    await client.upsert(C, { wait: true, points: tail as never });
    remember(tail);
    await checkAll(client, ['a', 'b', 'c'], 20);

    await client.deleteVectorName(C, 'b', { wait: true });
    for (const v of live.values()) delete v.b;
    expect(await clientRejection(client.query(C, { query: [1, 2, 3], using: 'b', limit: 3 }))).toEqual({
      status: 400,
      error: 'Wrong input: Not existing vector name error: b',
    });
    expect(
      await clientRejection(client.upsert(C, { wait: true, points: [{ id: 900, vector: { b: [1, 2, 3] } }] })),
    ).toEqual({ status: 400, error: 'Wrong input: Not existing vector name error: b' });
    await checkAll(client, ['a', 'c'], 21);

    // re-created: 4-d Dot this time; no point holds it, not even through the sealed rows or the WAL tail
    await client.createVectorName(C, 'b', { dense: { size: 4, distance: 'Dot' } }, { wait: true });
    distances.b = 'Dot';
    expect(await generationOf('b')).toBe(2);
    expect((await client.query(C, { query: [1, 2, 3, 4], using: 'b', limit: 5, params: EXACT })).points).toEqual([]);
    await checkAll(client, ['a', 'b', 'c'], 22);
    const r = rng(5);
    const upd = [
      ...Array.from({ length: 40 }, (_, i) => 100 + i),
      ...Array.from({ length: 20 }, (_, i) => 200 + i),
    ].map((id) => ({ id, vector: { b: vec(r, 4) } }));
    await client.updateVectors(C, { wait: true, points: upd });
    remember(upd, true);
    await checkAll(client, ['a', 'b', 'c'], 23);
  });

  it('a restart (a new service and server over the same folder) answers the same', async () => {
    const again = await startStrata(service(store, directInvoker(store, 2)));
    try {
      await checkAll(again.client, ['a', 'b', 'c'], 30);
    } finally {
      await again.close();
    }
  });

  it('the optimizer seals and rewrites without the stale rows, and answers stay the same', async () => {
    await optimizeAll();
    await checkAll(client, ['a', 'b', 'c'], 40);
    const gen = await generationOf('b');
    const metas = await segmentMetas();
    expect(metas.length).toBeGreaterThan(1);
    // every space of b on disk is of the live generation; the old 3-d rows were left behind by the rewrite
    for (const m of metas) {
      if (m.spaces.b !== undefined) {
        expect(m.spaces.b.generation).toBe(gen);
        expect(m.spaces.b.dim).toBe(4);
      }
    }
    expect(metas.some((m) => m.spaces.b !== undefined)).toBe(true);
    expect(metas.some((m) => m.spaces.c?.generation === 1)).toBe(true);
    // and the approximate path (HNSW per segment) finds the exact top 10 of the new name
    const q = vec(rng(41), 4);
    const want = reference('b', q, 10);
    const got = await client.query(C, { query: q, using: 'b', limit: 10 });
    expect(got.points.filter((p) => want.some((w) => w.id === p.id)).length).toBeGreaterThanOrEqual(9);
  });

  it('deletes and re-creates a sparse name: sealed and tail rows stay gone', async () => {
    const sq = { indices: [1, 3, 5, 7, 9, 11, 13, 17, 19, 23, 29], values: Array.from({ length: 11 }, () => 1) };
    const before = await client.query(C, { query: sq, using: 's', limit: 10 });
    expectRanking(before.points, sparseReference(sq, 10));
    expect(before.points.length).toBeGreaterThan(0);
    // one more sparse row in the WAL tail before the delete
    await client.updateVectors(C, { wait: true, points: [{ id: 1, vector: { s: { indices: [1], values: [9] } } }] });
    await client.deleteVectorName(C, 's');
    for (const v of live.values()) delete v.s;
    await client.createVectorName(C, 's', { sparse: {} });
    expect((await client.query(C, { query: sq, using: 's', limit: 10 })).points).toEqual([]);
    const fresh = [
      { id: 2, vector: { s: { indices: [3, 5], values: [0.5, 0.25] } } },
      { id: 7, vector: { s: { indices: [7], values: [2] } } },
    ];
    await client.updateVectors(C, { wait: true, points: fresh });
    remember(fresh, true);
    expectRanking((await client.query(C, { query: sq, using: 's', limit: 10 })).points, sparseReference(sq, 10));
    await checkAll(client, ['a', 'b', 'c'], 50);
    await optimizeAll();
    expectRanking((await client.query(C, { query: sq, using: 's', limit: 10 })).points, sparseReference(sq, 10));
    for (const m of await segmentMetas()) {
      if (m.sparse?.s !== undefined) expect(m.sparse.s.generation).toBe(await generationOf('s'));
    }
    await checkAll(client, ['a', 'b', 'c'], 51);
  });
});
