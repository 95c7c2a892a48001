import { afterEach, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey } from '../../../lib/collection/keys.js';
import { segmentPrefix } from '../../../lib/segment/keys.js';
import { loadManifest } from '../../../lib/collection/manifest.js';
import type { Manifest } from '../../../lib/collection/manifest.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import { StrataCollectionService } from '../../../lib/collection/service.js';
import type { CollectionService } from '../../../lib/collection/types.js';
import type { PointId } from '../../../lib/model/point-id.js';
import type { QueryRequest } from '../../../lib/model/search.js';
import { LocalOptimizerTrigger } from '../../../lib/runtime/optimizer-trigger.js';
import { META, segmentObjectKey } from '../../../lib/segment/keys.js';
import { parseMeta, placementOf } from '../../../lib/segment/meta.js';
import type { SegmentMeta } from '../../../lib/segment/meta.js';
import { FaultStore } from '../../../lib/storage/fault-store.js';
import type { ObjectStore } from '../../../lib/storage/object-store.js';
import { config, directInvoker, randomVectors, service, tempStore } from '../../support/collection-harness.js';

const DIM = 8;
const N = 400;
const C = collectionPrefix('', 'c');
const GRACE = 3_600_000;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** Two sealed, unindexed segments of 200 points each under Qdrant's default indexing_threshold (20000 KB). */
async function setup() {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const faults = new FaultStore(t.store);
  const svc = service(t.store, directInvoker(t.store));
  await svc.createCollection('c', config(DIM, 'Euclid', { segments: 2, indexingKb: 20_000 }));
  const vectors = randomVectors(N, DIM, 7);
  await svc.upsertPoints(
    'c',
    vectors.map((v, i) => ({ id: i, vector: v, payload: { i } })),
    true,
  );
  let clock = 1_000_000;
  const now = () => clock;
  await optimize(t.store, C, { now, skipGc: true });
  return { store: t.store, faults, svc, vectors, now, advance: (ms: number) => (clock += ms) };
}

async function manifest(store: ObjectStore): Promise<Manifest> {
  return (await loadManifest(store, manifestKey(C)))!.manifest;
}

async function metaOf(store: ObjectStore, id: string): Promise<SegmentMeta> {
  const got = await store.get(segmentObjectKey(segmentPrefix(C, id), META));
  return parseMeta(got!.body);
}

async function segmentFolders(store: ObjectStore): Promise<Set<string>> {
  const root = `${C}/segments/`;
  return new Set((await store.list(root)).map((e) => e.key.slice(root.length).split('/')[0]));
}

function q(vector: number[], limit: number, params: QueryRequest['params']): QueryRequest {
  return { vector, limit, offset: 0, params, with_payload: true, with_vector: false };
}

function bruteForce(vectors: number[][], query: number[], k: number): PointId[] {
  return vectors
    .map((v, id) => ({ id, d: v.reduce((s, x, i) => s + (x - query[i]) ** 2, 0) }))
    .sort((a, b) => a.d - b.d || a.id - b.id)
    .slice(0, k)
    .map((p) => p.id);
}

async function expectExact(svc: CollectionService, vectors: number[][]): Promise<void> {
  for (const [seed, query] of randomVectors(5, DIM, 99).entries()) {
    const got = await svc.query('c', q(query, 10, { exact: true }));
    expect(
      got.map((p) => p.id),
      `query ${seed}`,
    ).toEqual(bruteForce(vectors, query, 10));
    for (const p of got) expect(p.payload).toEqual({ i: p.id });
  }
}

describe('segments follow a collection update (re-optimization)', () => {
  it('lowering indexing_threshold indexes the existing segments on the next run; answers and points unchanged, old segments collected after grace', async () => {
    const { store, svc, vectors, now, advance } = await setup();
    const before = await manifest(store);
    expect(before.segments.map((s) => s.indexed)).toEqual([false, false]);
    expect((await svc.getCollection('c')).status).toBe('green');

    await svc.updateCollection('c', { optimizers_config: { indexing_threshold: 1 } });
    const stale = await svc.getCollection('c');
    expect(stale.status).toBe('yellow');
    expect(stale.indexed_vectors_count).toBe(0);

    const r = await optimize(store, C, { now, skipGc: true });
    expect(r.rebuilt).toBe(2);
    expect(r.pendingRebuilds).toBe(0);
    expect(r.sealedWal).toBe(0);
    const after = await manifest(store);
    expect(after.segments.map((s) => s.indexed)).toEqual([true, true]);
    expect(after.segments.reduce((n, s) => n + s.points - s.deleted, 0)).toBe(N);
    for (const s of after.segments) expect((await metaOf(store, s.id)).spaces[''].hnsw).not.toBeNull();
    const oldIds = before.segments.map((s) => s.id);
    expect(after.retiredSegments.map((s) => s.id).sort()).toEqual([...oldIds].sort());

    const info = await svc.getCollection('c');
    expect(info.status).toBe('green');
    expect(info.points_count).toBe(N);
    expect(info.indexed_vectors_count).toBe(N);
    expect(info.segments_count).toBe(2);
    await expectExact(svc, vectors);
    // the graphs answer too: HNSW top-10 against brute force over 20 queries
    let hits = 0;
    const queries = randomVectors(20, DIM, 123);
    for (const query of queries) {
      const want = new Set(bruteForce(vectors, query, 10));
      for (const p of await svc.query('c', q(query, 10, { exact: false, hnsw_ef: 64 }))) if (want.has(p.id)) hits++;
    }
    expect(hits / (queries.length * 10)).toBeGreaterThanOrEqual(0.97);

    // nothing left to do: the next run rebuilds nothing and keeps the segments
    const again = await optimize(store, C, { now, skipGc: true });
    expect(again.rebuilt).toBe(0);
    expect((await manifest(store)).segments.map((s) => s.id)).toEqual(after.segments.map((s) => s.id));

    // the replaced segments stay for readers holding the old manifest until the grace period, then go
    await optimize(store, C, { now });
    expect([...(await segmentFolders(store))].filter((f) => oldIds.includes(f))).toHaveLength(2);
    advance(GRACE + 1);
    await optimize(store, C, { now });
    expect([...(await segmentFolders(store))].sort()).toEqual(after.segments.map((s) => s.id).sort());
    await expectExact(svc, vectors);
  });

  it('vectors.on_disk, hnsw on_disk, m and quantization changes reach the rebuilt segments’ meta', async () => {
    const { store, svc, vectors, now } = await setup();
    await svc.updateCollection('c', { optimizers_config: { indexing_threshold: 1 } });
    await optimize(store, C, { now, skipGc: true });
    for (const s of (await manifest(store)).segments) {
      const meta = await metaOf(store, s.id);
      expect(meta.spaces[''].tiers).toEqual({ vectorsOnDisk: false, graphOnDisk: false });
      expect(meta.spaces[''].hnsw?.m).toBe(16);
      expect(meta.spaces[''].quantization).toBeNull();
    }

    await svc.updateCollection('c', {
      vectors: { on_disk: true },
      hnsw_config: { on_disk: true, m: 8 },
      quantization_config: { scalar: { type: 'int8', quantile: 0.95, always_ram: true } },
    });
    expect((await svc.getCollection('c')).status).toBe('yellow');
    const r = await optimize(store, C, { now, skipGc: true });
    expect(r.rebuilt).toBe(2);
    const m = await manifest(store);
    for (const s of m.segments) {
      const meta = await metaOf(store, s.id);
      expect(meta.spaces[''].tiers).toEqual({ vectorsOnDisk: true, graphOnDisk: true });
      expect(meta.spaces[''].hnsw?.m).toBe(8);
      expect(meta.spaces[''].quantization?.quantile).toBe(Math.fround(0.95));
      expect(s.build).toEqual({
        m: 8,
        efConstruct: 100,
        vectorsOnDisk: true,
        graphOnDisk: true,
        quantile: Math.fround(0.95),
      });
    }
    expect((await svc.getCollection('c')).status).toBe('green');
    // the float32-stored quantile matches the config's: no endless rebuilding
    expect((await optimize(store, C, { now, skipGc: true })).rebuilt).toBe(0);
    await expectExact(svc, vectors);
  });

  it('a payload_m PATCH rebuilds graphs with payload-block links (yellow, queries answered throughout, then green)', async () => {
    const { store, svc, vectors, now } = await setup();
    await svc.updateCollection('c', { optimizers_config: { indexing_threshold: 1 } });
    await svc.createFieldIndex('c', 'i', 'integer');
    await optimize(store, C, { now, skipGc: true });
    expect((await svc.getCollection('c')).status).toBe('green');
    // unset: Qdrant's payload_m is m (16)
    for (const s of (await manifest(store)).segments) {
      expect((await metaOf(store, s.id)).spaces[''].hnsw?.payloadM).toBe(16);
      expect(s.build?.payloadM).toBe(16);
    }
    await svc.updateCollection('c', { hnsw_config: { payload_m: 4 } });
    expect((await svc.getCollection('c')).status).toBe('yellow');
    await expectExact(svc, vectors);
    const filtered = await svc.query('c', {
      ...q(vectors[7], 5, { exact: false }),
      filter: { must: [{ key: 'i', range: { lt: 50 } }] },
    });
    expect(filtered[0].id).toBe(7);
    const r = await optimize(store, C, { now, skipGc: true });
    expect(r.rebuilt).toBe(2);
    for (const s of (await manifest(store)).segments) {
      expect((await metaOf(store, s.id)).spaces[''].hnsw?.payloadM).toBe(4);
    }
    expect((await svc.getCollection('c')).status).toBe('green');
    expect((await optimize(store, C, { now, skipGc: true })).rebuilt).toBe(0);
    await expectExact(svc, vectors);
    // payload_m 0 turns the block links off: one more rebuild, then none
    await svc.updateCollection('c', { hnsw_config: { payload_m: 0 } });
    expect((await svc.getCollection('c')).status).toBe('yellow');
    expect((await optimize(store, C, { now, skipGc: true })).rebuilt).toBe(2);
    expect((await optimize(store, C, { now, skipGc: true })).rebuilt).toBe(0);
    expect((await svc.getCollection('c')).status).toBe('green');
  });

  it('a memory placement PATCH rebuilds the segments into the new placement (yellow, then green, no loop)', async () => {
    const { store, svc, vectors, now } = await setup();
    await svc.updateCollection('c', {
      optimizers_config: { indexing_threshold: 1 },
      quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
    });
    await optimize(store, C, { now, skipGc: true });
    for (const s of (await manifest(store)).segments) {
      expect(placementOf((await metaOf(store, s.id)).spaces[''])).toEqual({
        vectors: 'cached',
        graph: 'cached',
        quantized: 'pinned',
      });
      expect(s.build?.memory).toBeUndefined();
    }

    // only `memory` changes: the same objects in other places
    await svc.updateCollection('c', {
      vectors: { on_disk: true, memory: 'cold' },
      hnsw_config: { memory: 'pinned' },
      quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: false, memory: 'cold' } },
    });
    expect((await svc.getCollection('c')).status).toBe('yellow');
    expect((await optimize(store, C, { now, skipGc: true })).rebuilt).toBe(2);
    const want = { vectors: 'cold', graph: 'pinned', quantized: 'cold' };
    for (const s of (await manifest(store)).segments) {
      const meta = await metaOf(store, s.id);
      expect(placementOf(meta.spaces[''])).toEqual(want);
      expect(meta.spaces[''].tiers).toEqual({ vectorsOnDisk: true, graphOnDisk: false, memory: want });
      expect(s.build?.memory).toEqual(want);
    }
    expect((await svc.getCollection('c')).status).toBe('green');
    expect((await optimize(store, C, { now, skipGc: true })).rebuilt).toBe(0);
    await expectExact(svc, vectors);

    // a deprecated flag that disagrees with an explicit memory changes nothing: memory wins, as in Qdrant
    await svc.updateCollection('c', { hnsw_config: { on_disk: true } });
    expect((await svc.getCollection('c')).status).toBe('green');
  });

  it('a run rebuilds at most its budget; the next run continues', async () => {
    const { store, svc, vectors, now } = await setup();
    await svc.updateCollection('c', { optimizers_config: { indexing_threshold: 1 } });
    const first = await optimize(store, C, { now, skipGc: true, rebuild: { segments: 1, points: 1_000_000 } });
    expect([first.rebuilt, first.pendingRebuilds]).toEqual([1, 1]);
    expect((await manifest(store)).segments.map((s) => s.indexed).sort()).toEqual([false, true]);
    expect((await svc.getCollection('c')).status).toBe('yellow');
    await expectExact(svc, vectors);
    const second = await optimize(store, C, { now, skipGc: true, rebuild: { segments: 1, points: 1_000_000 } });
    expect([second.rebuilt, second.pendingRebuilds]).toEqual([1, 0]);
    expect((await manifest(store)).segments.map((s) => s.indexed)).toEqual([true, true]);
    // the points bound: a 200-point budget takes one 200-point segment (the first is always taken), not two
    await svc.updateCollection('c', { hnsw_config: { ef_construct: 64 } });
    const third = await optimize(store, C, { now, skipGc: true, rebuild: { segments: 10, points: 200 } });
    expect([third.rebuilt, third.pendingRebuilds]).toEqual([1, 1]);
  });

  it('writes sealed in the same run as a rebuild: new points, updates and deletes of rebuilt segments are all kept', async () => {
    const { store, svc, vectors, now } = await setup();
    await svc.updateCollection('c', { optimizers_config: { indexing_threshold: 1 } });
    const moved = randomVectors(10, DIM, 555);
    await svc.upsertPoints(
      'c',
      moved.map((v, i) => ({ id: i, vector: v, payload: { i } })),
      true,
    ); // updates 0..9
    await svc.deletePoints('c', { points: [10, 11, 12] }, true);
    const r = await optimize(store, C, { now, skipGc: true });
    // the new points make a third segment: the smallest old one merges with them, the other is rebuilt
    expect(r.rebuilt).toBe(1);
    expect(r.removed).toHaveLength(2);
    expect((await manifest(store)).segments.map((s) => s.indexed)).toEqual([true, true]);
    expect((await svc.getCollection('c')).status).toBe('green');
    const model = vectors.map((v, i) => (i < 10 ? moved[i] : v));
    const all = await svc.scroll('c', { limit: 1000, with_payload: false, with_vector: false });
    expect(all.points.map((p) => p.id)).toEqual([...Array(N).keys()].filter((i) => i < 10 || i > 12));
    const m = await manifest(store);
    expect(m.segments.reduce((n, s) => n + s.points - s.deleted, 0)).toBe(N - 3);
    for (const query of randomVectors(5, DIM, 7_001)) {
      const got = await svc.query('c', q(query, 10, { exact: true }));
      const want = model
        .map((v, id) => ({ id, d: v.reduce((s, x, i) => s + (x - query[i]) ** 2, 0) }))
        .filter((p) => p.id < 10 || p.id > 12)
        .sort((a, b) => a.d - b.d || a.id - b.id)
        .slice(0, 10)
        .map((p) => p.id);
      expect(got.map((p) => p.id)).toEqual(want);
    }
  });

  it('a rebuild whose manifest swap fails leaves the old segments serving; its objects are orphans collected after grace', async () => {
    const { store, faults, svc, vectors, now, advance } = await setup();
    await svc.updateCollection('c', { optimizers_config: { indexing_threshold: 1 } });
    const before = await manifest(store);
    const foldersBefore = await segmentFolders(store);
    faults.inject({ op: 'put', key: manifestKey(C), effect: 'fail' });
    await expect(optimize(faults, C, { now, skipGc: true })).rejects.toThrow();
    faults.clear();
    const m = await manifest(store);
    expect(m.segments).toEqual(before.segments);
    expect(m.epoch).toBe(before.epoch);
    await expectExact(svc, vectors);
    const orphans = [...(await segmentFolders(store))].filter((f) => !foldersBefore.has(f));
    expect(orphans).toHaveLength(2);

    // an ambiguous swap that did land is recognised: the old segments are retired once, nothing is rebuilt twice
    faults.inject({ op: 'put', key: manifestKey(C), nth: 1, effect: 'applied-then-ambiguous' });
    await optimize(faults, C, { now, skipGc: true });
    faults.clear();
    const after = await manifest(store);
    expect(after.segments.map((s) => s.indexed)).toEqual([true, true]);
    expect(after.retiredSegments.map((s) => s.id).sort()).toEqual(before.segments.map((s) => s.id).sort());
    expect((await optimize(store, C, { now, skipGc: true })).rebuilt).toBe(0);
    await expectExact(svc, vectors);

    advance(GRACE + 1);
    await optimize(store, C, { now });
    const left = await segmentFolders(store);
    for (const o of orphans) expect(left.has(o)).toBe(false);
    expect([...left].sort()).toEqual(after.segments.map((s) => s.id).sort());
  });

  it('deletes that take an indexed segment below indexing_threshold keep its graph: no rebuild, status green', async () => {
    const t = tempStore();
    cleanups.push(t.cleanup);
    const svc = service(t.store, directInvoker(t.store));
    // 200 points × 8 floats = 6.25 KB per segment: indexed at a 5 KB threshold
    await svc.createCollection('c', config(DIM, 'Euclid', { segments: 2, indexingKb: 5 }));
    const vectors = randomVectors(N, DIM, 7);
    await svc.upsertPoints(
      'c',
      vectors.map((v, i) => ({ id: i, vector: v, payload: { i } })),
      true,
    );
    const now = () => 1_000_000;
    await optimize(t.store, C, { now, skipGc: true });
    const before = await manifest(t.store);
    expect(before.segments.map((s) => s.indexed)).toEqual([true, true]);

    // delete 3 of every 4 points: ~50 live per segment, ~1.6 KB, far below the threshold
    const gone = [...Array(N).keys()].filter((i) => i % 4 !== 0);
    await svc.deletePoints('c', { points: gone }, true);
    const r = await optimize(t.store, C, { now, skipGc: true });
    expect(r.rebuilt).toBe(0);
    expect(r.pendingRebuilds).toBe(0);
    const after = await manifest(t.store);
    expect(after.segments.map((s) => s.id)).toEqual(before.segments.map((s) => s.id));
    expect(after.segments.map((s) => s.indexed)).toEqual([true, true]);
    expect(after.segments.reduce((n, s) => n + s.points - s.deleted, 0)).toBe(N / 4);
    for (const s of after.segments) expect((await metaOf(t.store, s.id)).spaces[''].hnsw).not.toBeNull();
    const info = await svc.getCollection('c');
    expect(info.status).toBe('green');
    expect(info.points_count).toBe(N / 4);
    expect((await optimize(t.store, C, { now, skipGc: true })).rebuilt).toBe(0);
    const kept = vectors.map((v, id) => ({ v, id })).filter((p) => p.id % 4 === 0);
    for (const query of randomVectors(5, DIM, 99)) {
      const want = kept
        .map((p) => ({ id: p.id, d: p.v.reduce((s, x, i) => s + (x - query[i]) ** 2, 0) }))
        .sort((a, b) => a.d - b.d || a.id - b.id)
        .slice(0, 10)
        .map((p) => p.id);
      expect((await svc.query('c', q(query, 10, { exact: true }))).map((p) => p.id)).toEqual(want);
      expect(gone.some((id) => (want as number[]).includes(id))).toBe(false);
    }

    // a config change still rebuilds them, and the rebuild keeps the graph (with the new parameters)
    await svc.updateCollection('c', { vectors: { on_disk: true }, hnsw_config: { m: 8 } });
    expect((await svc.getCollection('c')).status).toBe('yellow');
    expect((await optimize(t.store, C, { now, skipGc: true })).rebuilt).toBe(2);
    for (const s of (await manifest(t.store)).segments) {
      expect(s.indexed).toBe(true);
      expect(s.build).toMatchObject({ m: 8, vectorsOnDisk: true });
      expect((await metaOf(t.store, s.id)).spaces[''].hnsw?.m).toBe(8);
    }
    expect((await svc.getCollection('c')).status).toBe('green');
    expect((await optimize(t.store, C, { now, skipGc: true })).rebuilt).toBe(0);

    // m = 0 turns graphs off: that rebuild drops them, and then nothing is stale
    await svc.updateCollection('c', { hnsw_config: { m: 0 } });
    expect((await optimize(t.store, C, { now, skipGc: true })).rebuilt).toBe(2);
    expect((await manifest(t.store)).segments.map((s) => s.indexed)).toEqual([false, false]);
    expect((await svc.getCollection('c')).status).toBe('green');
    expect((await optimize(t.store, C, { now, skipGc: true })).rebuilt).toBe(0);
  });

  it('an optional named vector below the threshold on its holders builds no graph and is not stale: no rebuild loop', async () => {
    const t = tempStore();
    cleanups.push(t.cleanup);
    const svc = service(t.store, directInvoker(t.store));
    const base = config(DIM, 'Euclid', { segments: 2, indexingKb: 5 });
    // 200 points × 8 floats = 6.25 KB per segment for `all`; `some` is held by 1 point in 4: ~1.6 KB, unindexed
    await svc.createCollection('c', {
      ...base,
      vectors: {
        all: { size: DIM, distance: 'Euclid', on_disk: false },
        some: { size: DIM, distance: 'Euclid', on_disk: false },
      },
    });
    const vectors = randomVectors(N, DIM, 7);
    await svc.upsertPoints(
      'c',
      vectors.map((v, i) => ({
        id: i,
        vector: i % 4 === 0 ? { all: v, some: v } : ({ all: v } as Record<string, number[]>),
        payload: { i },
      })),
      true,
    );
    const now = () => 1_000_000;
    await optimize(t.store, C, { now, skipGc: true });
    const sealed = await manifest(t.store);
    for (const s of sealed.segments) {
      const meta = await metaOf(t.store, s.id);
      expect(meta.spaces.all.hnsw).not.toBeNull();
      expect(meta.spaces.some.hnsw).toBeNull();
      expect(s.build?.vectors?.some?.rows).toBe(meta.spaces.some.count);
    }
    expect((await svc.getCollection('c')).status).toBe('green');
    const again = await optimize(t.store, C, { now, skipGc: true });
    expect(again.rebuilt).toBe(0);
    expect(again.pendingRebuilds).toBe(0);
    expect((await manifest(t.store)).segments.map((s) => s.id)).toEqual(sealed.segments.map((s) => s.id));

    // lowering the threshold under the holders' KB indexes `some` on the next run, and then nothing is stale
    await svc.updateCollection('c', { optimizers_config: { indexing_threshold: 1 } });
    expect((await svc.getCollection('c')).status).toBe('yellow');
    expect((await optimize(t.store, C, { now, skipGc: true })).rebuilt).toBe(2);
    for (const s of (await manifest(t.store)).segments)
      expect((await metaOf(t.store, s.id)).spaces.some.hnsw).not.toBeNull();
    expect((await svc.getCollection('c')).status).toBe('green');
    expect((await optimize(t.store, C, { now, skipGc: true })).rebuilt).toBe(0);
  });

  it('a collection update asks the trigger for a run; the local trigger runs again while rebuilds are pending', async () => {
    const { store } = await setup();
    const requested: string[] = [];
    const svc = new StrataCollectionService({
      store,
      invoker: directInvoker(store),
      onConfigChange: (c) => requested.push(c),
    });
    await svc.updateCollection('c', { optimizers_config: { indexing_threshold: 1 } });
    expect(requested).toEqual(['c']);
    await expect(svc.updateCollection('missing', { hnsw_config: { m: 8 } })).rejects.toThrow();
    expect(requested).toEqual(['c']);

    const pending = [2, 1, 0];
    const runs: string[] = [];
    const local = new LocalOptimizerTrigger({
      debounceMs: 0,
      optimize: async (c) => {
        runs.push(c);
        return { pendingRebuilds: pending.shift() ?? 0 };
      },
    });
    local.request('c');
    await local.flush();
    await local.close();
    expect(runs).toEqual(['c', 'c', 'c']);
  });
});
