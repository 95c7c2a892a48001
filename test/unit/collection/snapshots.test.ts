import { afterEach, describe, expect, it } from 'vitest';
import { decodePin } from '../../../lib/collection/collection-snapshots.js';
import { collectGarbage } from '../../../lib/collection/gc.js';
import { collectionPrefix, snapshotKey, walPrefix } from '../../../lib/collection/keys.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import { isStrataError } from '../../../lib/model/errors.js';
import { segmentPrefix } from '../../../lib/segment/keys.js';
import type { ObjectStore } from '../../../lib/storage/object-store.js';
import { config, directInvoker, randomVectors, service, tempStore } from '../../support/collection-harness.js';

const DIM = 4;
const C = collectionPrefix('', 'c');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A clock the test moves: GC grace periods pass in one step. */
let clock = 1_000_000;
const now = () => clock;

async function setup() {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const svc = service(t.store, directInvoker(t.store), { now });
  await svc.createCollection('c', config(DIM, 'Euclid', { segments: 2 }));
  return { store: t.store, svc };
}

async function upsertRange(svc: ReturnType<typeof service>, from: number, to: number) {
  const vecs = randomVectors(to - from, DIM, from + 1);
  await svc.upsertPoints(
    'c',
    vecs.map((v, i) => ({ id: from + i, vector: v })),
    true,
  );
}

/** Every object a pin names, and whether each is still in the store. */
async function pinnedObjects(store: ObjectStore, name: string): Promise<Map<string, boolean>> {
  const got = await store.get(snapshotKey(C, name));
  if (got === null) throw new Error('pin missing');
  const pin = decodePin(got.body, name);
  const present = new Map<string, boolean>();
  for (const s of pin.manifest.segments) {
    const objects = await store.list(segmentPrefix(C, s.id));
    present.set(`segment ${s.id}`, objects.length > 0);
  }
  for (const w of pin.wal) present.set(`wal ${w}`, (await store.head(walPrefix(C) + w)) !== null);
  return present;
}

const gc = (store: ObjectStore) => collectGarbage(store, C, { now, graceMs: 1000, walGraceMs: 1000 });

describe('collection snapshots (pinned manifests)', () => {
  it('garbage collection keeps what a snapshot names until the snapshot is deleted, then frees it', async () => {
    const { store, svc } = await setup();
    await upsertRange(svc, 0, 30);
    await optimize(store, C, { now, skipGc: true });
    await upsertRange(svc, 30, 36); // unsealed when the snapshot is taken: its WAL object is part of it
    const snap = await svc.createSnapshot('c');
    expect(snap.name).toMatch(/\.snapshot$/);
    expect((await svc.listSnapshots('c')).map((s) => s.name)).toEqual([snap.name]);

    // retire every pinned segment (a config change rebuilds them all) and seal the pinned WAL object
    await svc.updateCollection('c', { vectors: { on_disk: true } });
    await optimize(store, C, { now, skipGc: true });
    clock += 10_000;
    await gc(store);
    const kept = await pinnedObjects(store, snap.name);
    expect(kept.size).toBeGreaterThan(2);
    expect([...kept].filter(([, present]) => !present)).toEqual([]);
    // the live collection is unaffected: every point, once
    expect(await svc.count('c', undefined, true)).toBe(36);

    await svc.deleteSnapshot('c', snap.name);
    expect(await svc.listSnapshots('c')).toEqual([]);
    const freed = await gc(store);
    expect(freed.deletedSegments + freed.deletedWal).toBeGreaterThan(0);
    // pinnedObjects reads the pin, which is gone: check the ids it named directly
    const left = await store.list(`${C}/segments/`);
    const liveIds = new Set(left.map((e) => e.key.split('/')[3]));
    expect([...kept.keys()].filter((k) => k.startsWith('segment ') && liveIds.has(k.slice(8)))).toEqual([]);
    expect(await svc.count('c', undefined, true)).toBe(36);
  });

  it('without a snapshot the same run frees those objects (the pin is what keeps them)', async () => {
    const { store, svc } = await setup();
    await upsertRange(svc, 0, 30);
    await optimize(store, C, { now, skipGc: true });
    await svc.updateCollection('c', { vectors: { on_disk: true } });
    await optimize(store, C, { now, skipGc: true });
    clock += 10_000;
    const freed = await gc(store);
    expect(freed.deletedSegments).toBeGreaterThan(0);
  });

  it('answers not found for a missing snapshot or collection, and routes through an alias', async () => {
    const { svc } = await setup();
    const missing = await svc.deleteSnapshot('c', '0000000000000001-abc.snapshot').catch((e: unknown) => e);
    expect(isStrataError(missing, 'not_found')).toBe(true);
    const noCollection = await svc.listSnapshots('nope').catch((e: unknown) => e);
    expect(isStrataError(noCollection, 'not_found')).toBe(true);
    await svc.updateAliases([{ create_alias: { collection_name: 'c', alias_name: 'live' } }]);
    const snap = await svc.createSnapshot('live');
    expect((await svc.listSnapshots('c')).map((s) => s.name)).toEqual([snap.name]);
  });

  it('recovering in place replaces the collection with the snapshot state and keeps its aliases', async () => {
    const { svc } = await setup();
    await upsertRange(svc, 0, 10);
    await svc.updateAliases([{ create_alias: { collection_name: 'c', alias_name: 'live' } }]);
    const snap = await svc.createSnapshot('c');
    const chunks: Uint8Array[] = [];
    for await (const chunk of await svc.downloadSnapshot('live', snap.name)) chunks.push(chunk);
    await upsertRange(svc, 10, 25);
    expect(await svc.count('live', undefined, true)).toBe(25);

    await svc.recoverSnapshot('c', Buffer.concat(chunks));
    expect(await svc.count('live', undefined, true)).toBe(10);
    expect(await svc.listAliases()).toEqual([{ alias_name: 'live', collection_name: 'c' }]);
    const refused = await svc.recoverSnapshot('live', Buffer.concat(chunks)).catch((e: unknown) => e);
    expect(isStrataError(refused, 'conflict')).toBe(true);
  });
});
