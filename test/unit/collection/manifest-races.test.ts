import { afterEach, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey, walPrefix } from '../../../lib/collection/keys.js';
import { loadManifest } from '../../../lib/collection/manifest.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import { MAX_CLOCK_SKEW_MS } from '../../../lib/collection/wal.js';
import { FaultStore } from '../../../lib/storage/fault-store.js';
import { config, directInvoker, randomVectors, service, tempStore } from '../../support/collection-harness.js';

const DIM = 4;
const C = collectionPrefix('', 'c');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function setup() {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const faults = new FaultStore(t.store);
  const plain = service(t.store, directInvoker(t.store));
  const faulty = service(faults, directInvoker(faults));
  await plain.createCollection('c', config(DIM, 'Euclid', { segments: 2 }));
  return { store: t.store, faults, plain, faulty };
}

async function upsertRange(svc: ReturnType<typeof service>, from: number, to: number) {
  const vecs = randomVectors(to - from, DIM, from + 1);
  await svc.upsertPoints(
    'c',
    vecs.map((v, i) => ({ id: from + i, vector: v })),
    true,
  );
}

async function ids(svc: ReturnType<typeof service>): Promise<number[]> {
  const r = await svc.scroll('c', { limit: 10_000, with_payload: false, with_vector: false });
  return r.points.map((p) => p.id as number);
}

describe('manifest compare-and-swap', () => {
  it('an optimizer that loses the swap to a config update re-applies its seal on top, losing neither change', async () => {
    const { store, faults, plain } = await setup();
    await upsertRange(plain, 0, 20);
    const gate = faults.gate({ op: 'put', key: manifestKey(C) });
    const running = optimize(faults, C, { skipGc: true });
    await gate.reached();
    await plain.updateCollection('c', { hnsw_config: { m: 32 } });
    gate.release();
    const r = await running;
    expect(r.replans).toBe(0); // only the config moved: the plan still holds
    const m = (await loadManifest(store, manifestKey(C)))!.manifest;
    expect(m.config.hnsw_config.m).toBe(32);
    expect(m.segments).toHaveLength(2);
    expect(m.sealedWal).toHaveLength(1);
    expect(m.epoch).toBe(3);
    expect(await ids(plain)).toEqual([...Array(20).keys()]);
  });

  it('two optimizers racing: the loser re-plans from the winner’s manifest, no point is sealed twice or lost', async () => {
    const { store, faults, plain } = await setup();
    await upsertRange(plain, 0, 30);
    const gate = faults.gate({ op: 'put', key: manifestKey(C) });
    let clock = 1_000_000;
    const now = () => clock;
    const loser = optimize(faults, C, { skipGc: true, now });
    await gate.reached();
    const winner = await optimize(store, C, { skipGc: true, now });
    expect(winner.added.length).toBe(2);
    await upsertRange(plain, 30, 35); // written while the loser is paused: left for it or the next run
    gate.release();
    const r = await loser;
    expect(r.replans).toBe(1);
    const m = (await loadManifest(store, manifestKey(C)))!.manifest;
    const total = m.segments.reduce((n, s) => n + s.points - s.deleted, 0);
    expect(total).toBe(35);
    expect(await ids(plain)).toEqual([...Array(35).keys()]);
    expect((await plain.getCollection('c')).points_count).toBe(35);
    // the loser's first-plan segments are orphans: never named, collected after the grace period
    const named = new Set([...m.segments.map((s) => s.id), ...m.retiredSegments.map((s) => s.id)]);
    const folders = new Set(
      (await store.list(`${C}/segments/`)).map((e) => e.key.slice(`${C}/segments/`.length).split('/')[0]),
    );
    const orphans = [...folders].filter((f) => !named.has(f));
    expect(orphans.length).toBe(2);
    clock += 3_700_000;
    const again = await optimize(store, C, { now });
    expect(again.gc?.deletedOrphans).toBeGreaterThan(0);
    const after = new Set(
      (await store.list(`${C}/segments/`)).map((e) => e.key.slice(`${C}/segments/`.length).split('/')[0]),
    );
    const final = (await loadManifest(store, manifestKey(C)))!.manifest;
    for (const f of after)
      expect(final.segments.some((s) => s.id === f) || final.retiredSegments.some((s) => s.id === f)).toBe(true);
    for (const o of orphans) expect(after.has(o)).toBe(false);
    expect(await ids(plain)).toEqual([...Array(35).keys()]);
  });

  it('an ambiguous manifest swap that landed is recognised; the next plan finds nothing left to seal', async () => {
    const { store, faults, plain } = await setup();
    await upsertRange(plain, 0, 10);
    faults.inject({ op: 'put', key: manifestKey(C), nth: 1, effect: 'applied-then-ambiguous' });
    const r = await optimize(faults, C, { skipGc: true });
    const m = (await loadManifest(store, manifestKey(C)))!.manifest;
    expect(m.segments.reduce((n, s) => n + s.points, 0)).toBe(10);
    expect(m.sealedWal).toHaveLength(1);
    expect(r.sealedWal).toBeGreaterThanOrEqual(0);
    expect(await ids(plain)).toEqual([...Array(10).keys()]);
  });

  it('garbage: sealed WAL objects and merged-away segments are deleted only after the grace period', async () => {
    const { store, plain } = await setup();
    let clock = 5_000_000;
    const now = () => clock;
    await upsertRange(plain, 0, 10);
    await optimize(store, C, { now, graceMs: 1000 });
    await upsertRange(plain, 10, 12);
    clock += 10;
    const r = await optimize(store, C, { now, graceMs: 1000 });
    expect(r.removed.length).toBe(1); // 2 + 1 segments → the smallest merged with the new points
    expect(r.gc?.deletedWal).toBe(0);
    expect((await store.list(walPrefix(C))).length).toBe(2);
    clock += 2000;
    const g = await optimize(store, C, { now, graceMs: 1000 });
    expect(g.gc?.deletedWal).toBe(2);
    expect(g.gc?.deletedSegments).toBe(1);
    expect((await store.list(walPrefix(C))).length).toBe(0);
    const m = (await loadManifest(store, manifestKey(C)))!.manifest;
    expect(m.sealedWal).toEqual([]);
    expect(m.retiredSegments).toEqual([]);
    expect(await ids(plain)).toEqual([...Array(12).keys()]);
  });
});

describe('garbage collection', () => {
  it('sealed WAL objects go after the (short) WAL grace, merged-away segments only after the full grace', async () => {
    const { store, plain } = await setup();
    let clock = 5_000_000;
    const now = () => clock;
    const opts = { now, graceMs: 10_000, walGraceMs: 1000 };
    await upsertRange(plain, 0, 10);
    await optimize(store, C, opts);
    await upsertRange(plain, 10, 12);
    clock += 10;
    await optimize(store, C, opts);
    clock += 2000;
    const g = await optimize(store, C, opts);
    expect(g.gc).toMatchObject({ deletedWal: 2, deletedSegments: 0 });
    expect(await ids(plain)).toEqual([...Array(12).keys()]);
    clock += 10_000;
    const h = await optimize(store, C, opts);
    expect(h.gc).toMatchObject({ deletedWal: 0, deletedSegments: 1 });
    expect(await ids(plain)).toEqual([...Array(12).keys()]);
  });
});

describe('tombstones', () => {
  it('sealing deletes of sealed points writes a new complete tombstone version; the superseded one is collected later', async () => {
    const { store, plain } = await setup();
    let clock = 7_000_000;
    const now = () => clock;
    const opts = { now, graceMs: 10_000 };
    await upsertRange(plain, 0, 20);
    await optimize(store, C, opts);
    await plain.deletePoints('c', { points: [0, 19] }, true);
    clock += 10;
    const r1 = await optimize(store, C, opts);
    expect(r1).toMatchObject({ tombstoned: 2, added: [], removed: [] });
    let m = (await loadManifest(store, manifestKey(C)))!.manifest;
    expect(m.segments.map((s) => s.deleted).sort()).toEqual([1, 1]);
    const v1 = m.segments.map((s) => s.deletedVersion);
    expect(v1.every((v) => v > 0)).toBe(true);
    await plain.deletePoints('c', { points: [1] }, true);
    clock += 10;
    await optimize(store, C, opts);
    m = (await loadManifest(store, manifestKey(C)))!.manifest;
    expect(m.segments.reduce((n, s) => n + s.deleted, 0)).toBe(3);
    expect(m.retiredTombstones).toHaveLength(1);
    expect(await ids(plain)).toEqual([...Array(20).keys()].filter((i) => i > 1 && i < 19));
    clock += 20_000;
    const g = await optimize(store, C, opts);
    expect(g.gc?.deletedTombstones).toBe(1);
    const tombFiles = (await store.list(`${C}/segments/`)).filter((e) => e.key.includes('/deleted.'));
    expect(tombFiles).toHaveLength(2);
    expect(await ids(plain)).toEqual([...Array(20).keys()].filter((i) => i > 1 && i < 19));
  });
});

describe('WAL writes', () => {
  it('an ambiguous WAL put that landed is acknowledged once (read back, same bytes)', async () => {
    const { store, faults, faulty, plain } = await setup();
    faults.inject({ op: 'put', key: /\/wal\//, nth: 1, effect: 'applied-then-ambiguous' });
    await upsertRange(faulty, 0, 3);
    expect((await store.list(walPrefix(C))).length).toBe(1);
    expect(await ids(plain)).toEqual([0, 1, 2]);
  });

  it('an ambiguous WAL put that did not land is written again under the same key', async () => {
    const { store, faults, faulty, plain } = await setup();
    faults.inject({ op: 'put', key: /\/wal\//, nth: 1, effect: 'ambiguous-not-applied' });
    await upsertRange(faulty, 0, 3);
    expect((await store.list(walPrefix(C))).length).toBe(1);
    expect(await ids(plain)).toEqual([0, 1, 2]);
  });

  it('a WAL put that keeps failing is not acknowledged and leaves nothing behind', async () => {
    const { store, faults, faulty } = await setup();
    faults.inject({ op: 'put', key: /\/wal\//, effect: 'fail' });
    await expect(upsertRange(faulty, 0, 3)).rejects.toMatchObject({ kind: 'unavailable' });
    expect((await store.list(walPrefix(C))).length).toBe(0);
  });

  it('a late WAL object (lagging writer clock) is never skipped, and an older late write does not shadow a newer sealed one', async () => {
    const { store, faults, plain } = await setup();
    // clocks as far apart as the WAL allows (wal.ts MAX_CLOCK_SKEW_MS each way), the optimizer's in between
    const T = 9_000_000_000_000;
    const fast = service(store, directInvoker(store), { writerId: 'fast', now: () => T + MAX_CLOCK_SKEW_MS });
    const slow = service(faults, directInvoker(faults), { writerId: 'slow', now: () => T - MAX_CLOCK_SKEW_MS });
    // the slow writer reads the manifest (nothing sealed yet), then stalls before its WAL put
    const gate = faults.gate({ op: 'put', key: /\/wal\// });
    const slowWrite = slow.upsertPoints(
      'c',
      [
        { id: 1, vector: [9, 9, 9, 9], payload: { by: 'slow' } },
        { id: 2, vector: [2, 2, 2, 2], payload: { by: 'slow' } },
      ],
      true,
    );
    await gate.reached();
    await fast.upsertPoints('c', [{ id: 1, vector: [1, 1, 1, 1], payload: { by: 'fast' } }], true);
    await optimize(store, C, { skipGc: true, now: () => T });
    gate.release();
    await slowWrite;
    const sealed = (await loadManifest(store, manifestKey(C)))!.manifest;
    expect(sealed.sealedHigh).toBe(T + MAX_CLOCK_SKEW_MS);
    // the seal raised the listing floor, yet not past the late object
    expect(sealed.walFloor).toBeGreaterThan(0);
    expect(sealed.walFloor).toBeLessThanOrEqual(T - MAX_CLOCK_SKEW_MS);
    // the slow object sorts before the sealed one: a high-water mark would skip it
    const keys = (await store.list(walPrefix(C))).map((e) => e.key);
    expect(keys[0]).toContain('.slow');
    const check = async () => {
      expect(await ids(plain)).toEqual([1, 2]);
      const got = await plain.getPoints('c', [1, 2], true, false);
      expect(got.map((p) => p.payload)).toEqual([{ by: 'fast' }, { by: 'slow' }]);
      const top = await plain.query('c', {
        vector: [9, 9, 9, 9],
        limit: 2,
        offset: 0,
        params: { exact: true },
        with_payload: true,
        with_vector: false,
      });
      expect(top.map((p) => p.id)).toEqual([2, 1]);
      expect(top[1].payload).toEqual({ by: 'fast' });
    };
    await check();
    await optimize(store, C, { skipGc: true, now: () => T });
    await check();
    expect((await plain.getCollection('c')).points_count).toBe(2);
  });
});
