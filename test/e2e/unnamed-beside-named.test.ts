/**
 * A dense name beside the UNNAMED vector, through the official `@qdrant/js-client-rest` against the real service
 * (filesystem store, in-process segment searches). In Qdrant a collection's unnamed vector is the name "" of its
 * vectors map: `PUT /collections/{c}/vectors/{name}` on such a collection turns `vectors` into `{"": ..., name: ...}`
 * (VectorsConfig::insert), and a collection may be created so.
 *
 * What is pinned down, with unsealed WAL records (v1 lists, named blocks) and old format-1 segments in play, then
 * after sealing everything (segments holding both, the unnamed vector's objects in their own folder), then after a
 * restart:
 * - collection info reports the map with "" first; PATCH of the unnamed vector's params still works;
 * - a list, `{"": [...]}` and `{"": [...], "dense": [...]}` write the unnamed vector; `{"dense": [...]}` alone the
 *   name; update_vectors adds the name to old points;
 * - retrieve and scroll answer a list for a point holding only the unnamed vector and a map otherwise (Qdrant's
 *   NamedVectors -> VectorStruct rule);
 * - exact queries without `using`, with `using: ""` and with `using: "dense"` equal a brute force over the live
 *   points; HNSW queries find the nearest;
 * - bad input gets Qdrant's status and wording, and nothing is written.
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey } from '../../lib/collection/keys.js';
import { loadManifest } from '../../lib/collection/manifest.js';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import { META, UNNAMED_FOLDER, VECTORS, segmentObjectKey, segmentPrefix } from '../../lib/segment/keys.js';
import { type SegmentMeta, parseMeta } from '../../lib/segment/meta.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { directInvoker, rng, service } from '../support/collection-harness.js';
import { type ServedTempStore, clientRejection, serveTempStore, startStrata } from '../support/strata-server.js';

const C = 'beside';
const EXACT = { exact: true };
/** one point's vectors as stored: '' is Dot (4-d), dense is Euclid (8-d) */
interface Held {
  ''?: number[];
  dense?: number[];
}

let strata: ServedTempStore;
let client: QdrantClient;
let store: FileSystemStore;
const live = new Map<number, Held>();

const vec = (r: () => number, n: number) => Array.from({ length: n }, () => Math.fround(r() - 0.5));
const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i], 0);
const euclid = (x: number[], y: number[]) => Math.sqrt(x.reduce((s, v, i) => s + (v - y[i]) ** 2, 0));

function reference(name: '' | 'dense', q: number[], limit: number): { id: number; score: number }[] {
  const out: { id: number; score: number }[] = [];
  for (const [id, v] of live) {
    const x = v[name];
    if (x !== undefined) out.push({ id, score: name === 'dense' ? euclid(x, q) : dot(x, q) });
  }
  const sign = name === 'dense' ? 1 : -1;
  return out.sort((a, b) => sign * (a.score - b.score) || a.id - b.id).slice(0, limit);
}

function expectRanking(got: readonly { id: unknown; score: number }[], want: { id: number; score: number }[]) {
  expect(got.map((g) => g.id)).toEqual(want.map((w) => w.id));
  got.forEach((g, i) => expect(g.score).toBeCloseTo(want[i].score, 4));
}

/** What Qdrant answers as a point's vector: a list when the unnamed vector is its only one, else a map. */
function shown(h: Held): unknown {
  const keys = Object.keys(h);
  return keys.length === 1 && keys[0] === '' ? h[''] : h;
}

/** A vector as answered (float32 values printed shortest) against the reference's: same shape, same values. */
function expectShown(got: unknown, h: Held): void {
  const want = shown(h);
  const close = (g: unknown, w: number[]) => {
    expect((g as number[]).length).toBe(w.length);
    w.forEach((x, i) => expect((g as number[])[i]).toBeCloseTo(x, 6));
  };
  if (Array.isArray(want)) {
    expect(Array.isArray(got)).toBe(true);
    close(got, want);
    return;
  }
  expect(Object.keys(got as object).sort()).toEqual(Object.keys(want as object).sort());
  for (const [k, w] of Object.entries(want as Held)) close((got as Record<string, unknown>)[k], w);
}

/** Queries over both vectors against the reference, and every point read back as Qdrant shows it. */
async function checkAll(c: QdrantClient, seed: number): Promise<void> {
  const r = rng(seed);
  for (const using of [undefined, '', 'dense'] as const) {
    const q = vec(r, using === 'dense' ? 8 : 4);
    const want = reference(using ?? '', q, 10);
    const got = await c.query(C, { query: q, ...(using !== undefined ? { using } : {}), limit: 10, params: EXACT });
    expectRanking(got.points, want);
    // the graph walk (segments indexed at indexing_threshold 1) finds the nearest too
    const approx = await c.query(C, { query: q, ...(using !== undefined ? { using } : {}), limit: 1 });
    expect(approx.points.map((p) => p.id)).toEqual(want.slice(0, 1).map((w) => w.id));
  }
  const page = await c.scroll(C, { limit: 1000, with_vector: true, with_payload: false });
  expect(page.points.length).toBe(live.size);
  for (const p of page.points) expectShown(p.vector, live.get(Number(p.id)) as Held);
  const ids = [0, 120, 150, 200, 201].filter((id) => live.has(id));
  const some = await c.retrieve(C, { ids, with_vector: true });
  expect(some.map((p) => p.id)).toEqual(ids);
  for (const p of some) expectShown(p.vector, live.get(Number(p.id)) as Held);
  // asking for the name alone answers a map, even with only that name
  const named = await c.retrieve(C, { ids: [0, 120], with_vector: ['dense'] });
  const dense0 = live.get(0)?.dense;
  expectShown(named[0].vector, dense0 === undefined ? {} : { dense: dense0 });
  expect(named[1].vector).toEqual({});
}

async function segmentMetas(): Promise<{ id: string; meta: SegmentMeta }[]> {
  const prefix = collectionPrefix('', C);
  const m = (await loadManifest(store, manifestKey(prefix)))?.manifest;
  const out: { id: string; meta: SegmentMeta }[] = [];
  for (const s of m?.segments ?? []) {
    const got = await store.get(segmentObjectKey(segmentPrefix(prefix, s.id), META));
    out.push({ id: s.id, meta: parseMeta(got?.body as Uint8Array) });
  }
  return out;
}

const optimizeAll = () => new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);

function upsertLists(from: number, to: number, seed: number) {
  const r = rng(seed);
  const points = Array.from({ length: to - from }, (_, k) => ({ id: from + k, vector: vec(r, 4) }));
  for (const p of points) live.set(p.id, { '': p.vector });
  return client.upsert(C, { wait: true, points });
}

beforeAll(async () => {
  strata = await serveTempStore(3);
  ({ client, store } = strata);
  await client.createCollection(C, {
    vectors: { size: 4, distance: 'Dot' },
    optimizers_config: { default_segment_number: 2, indexing_threshold: 1 },
  });
  await upsertLists(0, 100, 1);
  await optimizeAll(); // format-1 segments: the unnamed vector at the top level
  await upsertLists(100, 150, 2); // version-1 WAL records in the tail
});

afterAll(async () => {
  await strata?.close();
});

describe('a dense name beside the unnamed vector', () => {
  it('adds the name: the config becomes the map {"": ..., "dense": ...}, and every point still answers', async () => {
    const before = (await client.getCollection(C)).config.params.vectors;
    expect(before).toEqual({ size: 4, distance: 'Dot', on_disk: false });
    const r = await client.createVectorName(C, 'dense', { dense: { size: 8, distance: 'Euclid' } }, { wait: true });
    expect(r.status).toBe('completed');
    const info = await client.getCollection(C);
    expect(info.config.params.vectors).toEqual({
      '': { size: 4, distance: 'Dot', on_disk: false },
      dense: { size: 8, distance: 'Euclid', on_disk: false },
    });
    expect(Object.keys(info.config.params.vectors as object)).toEqual(['', 'dense']);
    expect(info.points_count).toBe(150);
    // the same schema again is Qdrant's no-op
    await client.createVectorName(C, 'dense', { dense: { size: 8, distance: 'Euclid' } });
    await checkAll(client, 10);
  });

  it('writes either vector in every shape Qdrant takes, and searches both (WAL tail over format-1 segments)', async () => {
    const r = rng(3);
    const both = Array.from({ length: 50 }, (_, k) => ({ id: 150 + k, vector: { '': vec(r, 4), dense: vec(r, 8) } }));
    await client.upsert(C, { wait: true, points: both });
    for (const p of both) live.set(p.id, { ...p.vector });
    const onlyName = { id: 200, vector: { dense: vec(r, 8) } };
    const list = { id: 201, vector: vec(r, 4) };
    await client.upsert(C, { wait: true, points: [onlyName, list] });
    live.set(200, { dense: onlyName.vector.dense });
    live.set(201, { '': list.vector });
    // update_vectors adds the name to points sealed before it existed, keeping their unnamed vector
    const upd = Array.from({ length: 100 }, (_, id) => ({ id, vector: { dense: vec(r, 8) } }));
    await client.updateVectors(C, { wait: true, points: upd });
    for (const p of upd) live.set(p.id, { ...live.get(p.id), dense: p.vector.dense });
    // and the batch form with the unnamed vector by its name
    await client.upsert(C, { wait: true, batch: { ids: [202], vectors: { '': [vec(r, 4)] } } });
    live.set(202, { '': (await client.retrieve(C, { ids: [202], with_vector: true }))[0].vector as number[] });
    await checkAll(client, 11);
  });

  it("refuses what Qdrant refuses, in Qdrant's words, and writes nothing", async () => {
    const r = rng(4);
    const cases: [() => Promise<unknown>, number, string][] = [
      [
        () => client.upsert(C, { wait: true, points: [{ id: 900, vector: { '': vec(r, 3), dense: vec(r, 8) } }] }),
        400,
        'Wrong input: Vector dimension error: expected dim: 4, got 3',
      ],
      [
        () => client.upsert(C, { wait: true, points: [{ id: 900, vector: vec(r, 3) }] }),
        400,
        'Wrong input: Vector dimension error: expected dim: 4, got 3',
      ],
      [
        () => client.upsert(C, { wait: true, points: [{ id: 900, vector: { other: vec(r, 3) } }] }),
        400,
        'Wrong input: Not existing vector name error: other',
      ],
      [
        () => client.query(C, { query: vec(r, 4), using: 'dense' }),
        400,
        'Wrong input: Vector dimension error: expected dim: 8, got 4',
      ],
      [
        () => client.createVectorName(C, 'dense', { dense: { size: 4, distance: 'Euclid' } }),
        400,
        'Wrong input: Vector `dense` already exists with a different configuration',
      ],
    ];
    for (const [request, status, error] of cases) {
      const got = await clientRejection(request());
      expect(got.status).toBe(status);
      expect(got.error).toContain(error);
    }
    expect(await client.retrieve(C, { ids: [900] })).toEqual([]);
    expect((await client.getCollection(C)).points_count).toBe(live.size);
  });

  it('seals everything: segments hold both, the unnamed vector in its own folder, answers unchanged', async () => {
    await optimizeAll();
    const metas = await segmentMetas();
    expect(metas.length).toBeGreaterThan(0);
    const prefix = collectionPrefix('', C);
    let mixed = 0;
    for (const { id, meta } of metas) {
      if (meta.spaces.dense === undefined || meta.spaces[''] === undefined) continue;
      mixed++;
      expect(meta.spaces[''].nested).toBe(true);
      const seg = segmentPrefix(prefix, id);
      expect(await store.get(`${seg}/vectors/${UNNAMED_FOLDER}/${VECTORS}`)).not.toBeNull();
      expect(await store.get(`${seg}/${VECTORS}`)).toBeNull();
    }
    expect(mixed).toBeGreaterThan(0);
    expect((await client.getCollection(C)).status).toBe('green');
    await checkAll(client, 12);
  });

  it('PATCH tunes the unnamed vector by its bare diff or by "", and the named one by its name', async () => {
    await client.updateCollection(C, { vectors: { '': { on_disk: true } } });
    await client.updateCollection(C, { vectors: { dense: { hnsw_config: { m: 8 } } } });
    const info = await client.getCollection(C);
    expect(info.config.params.vectors).toEqual({
      '': { size: 4, distance: 'Dot', on_disk: true },
      dense: { size: 8, distance: 'Euclid', on_disk: false, hnsw_config: { m: 8 } },
    });
    await optimizeAll();
    for (const { meta } of await segmentMetas()) {
      if (meta.spaces[''] !== undefined) expect(meta.spaces[''].tiers.vectorsOnDisk).toBe(true);
      if (meta.spaces.dense?.hnsw) expect(meta.spaces.dense.hnsw.m).toBe(8);
    }
    // the dashboard's layout places the unnamed vector's folder in its own tiers (on disk now), the name's in RAM
    const layout = await strata.svc.segmentLayout(C);
    const objects = layout.segments.flatMap((g) => g.objects);
    const nestedVectors = objects.filter((o) => o.name === `vectors/${UNNAMED_FOLDER}/${VECTORS}`);
    expect(nestedVectors.length).toBeGreaterThan(0);
    for (const o of nestedVectors) expect(o.tier).toBe('S3 pages');
    for (const o of objects.filter((x) => x.name === `vectors/dense/${VECTORS}`)) expect(o.tier).toBe('RAM');
    await checkAll(client, 13);
  });

  it('a restart (a new service and server over the same folder) answers the same', async () => {
    const again = await startStrata(service(store, directInvoker(store, 2)));
    try {
      await checkAll(again.client, 14);
    } finally {
      await again.close();
    }
  });

  it('a collection created with "" beside other names is the same map', async () => {
    await client.createCollection('created', {
      vectors: { dense: { size: 3, distance: 'Euclid' }, '': { size: 2, distance: 'Cosine' } },
    });
    const info = await client.getCollection('created');
    expect(info.config.params.vectors).toEqual({
      '': { size: 2, distance: 'Cosine', on_disk: false },
      dense: { size: 3, distance: 'Euclid', on_disk: false },
    });
    await client.upsert('created', { wait: true, points: [{ id: 1, vector: [3, 4] }] });
    // Cosine: normalized on the way in, printed as the float32 values' shortest decimals
    expect((await client.retrieve('created', { ids: [1], with_vector: true }))[0].vector).toEqual([0.6, 0.8]);
  });
});
