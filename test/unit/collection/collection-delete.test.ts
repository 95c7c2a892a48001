/**
 * Deleting a collection (collection-delete.ts): invisible as soon as the call returns, which deletes no more than
 * the manifest and the snapshots whatever the size; the objects go in bounded background purges that a deadline
 * cuts and the next continues; nothing a later incarnation of the name writes is ever purged.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pendingDeletes, purgeDeleted, purgePending } from '../../../lib/collection/collection-delete.js';
import { collectionPrefix, deletionMarkersRoot } from '../../../lib/collection/keys.js';
import { CollectionOptimizer } from '../../../lib/collection/optimizer.js';
import { Deadline } from '../../../lib/model/deadline.js';
import { FaultStore } from '../../../lib/storage/fault-store.js';
import { StrataCollectionService } from '../../../lib/collection/service.js';
import { config, directInvoker, randomVectors, tempStore } from '../../support/collection-harness.js';

const C = collectionPrefix('', 'c');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const everything = {
  vector: [0, 0, 0, 0],
  limit: 100,
  offset: 0,
  params: { exact: true },
  with_payload: false,
  with_vector: false,
};

/** A sealed collection with a snapshot, `extra` more objects under its folder, and unsealed writes. */
async function setup(extra = 0) {
  const t = tempStore();
  cleanups.push(t.cleanup);
  const faults = new FaultStore(t.store);
  const deleted: string[] = [];
  const svc = new StrataCollectionService({
    store: faults,
    invoker: directInvoker(t.store),
    onDelete: (n) => deleted.push(n),
  });
  await svc.createCollection('c', config(4, 'Euclid', { segments: 2 }));
  const vectors = randomVectors(50, 4, 1);
  await svc.upsertPoints(
    'c',
    vectors.map((v, i) => ({ id: i, vector: v })),
    true,
  );
  await new CollectionOptimizer({ store: t.store, skipGc: true }).optimize('c');
  await svc.upsertPoints('c', [{ id: 100, vector: [1, 1, 1, 1] }], true);
  await svc.createSnapshot('c');
  for (let i = 0; i < extra; i++) await t.store.put(`${C}/segments/old-${i}/x`, new Uint8Array([i]));
  return { store: t.store, faults, svc, deleted };
}

const objects = async (store: { list(p: string): Promise<{ key: string }[]> }) =>
  (await store.list(`${C}/`)).map((e) => e.key);

describe('collection delete', () => {
  it('is invisible at once; the call deletes only the manifest and snapshots; a purge removes the rest', async () => {
    const { store, faults, svc, deleted } = await setup();
    const before = await objects(store);
    expect(before.length).toBeGreaterThan(5);
    faults.calls.length = 0;
    expect(await svc.deleteCollection('c')).toBe(true);
    const deletes = faults.calls.filter((c) => c.op === 'delete').map((c) => c.key);
    expect(deletes.every((k) => k.endsWith('manifest.json') || k.includes('/snapshots/'))).toBe(true);
    expect(deleted).toEqual(['c']);
    expect(await svc.collectionExists('c')).toBe(false);
    expect(await svc.listCollections()).toEqual([]);
    await expect(svc.query('c', everything)).rejects.toMatchObject({ kind: 'not_found' });
    // segments and WAL are still there, waiting for the purge; the snapshot is gone (Qdrant deletes them with it)
    const left = await objects(store);
    expect(left.some((k) => k.includes('/segments/'))).toBe(true);
    expect(left.some((k) => k.includes('/wal/'))).toBe(true);
    expect(left.some((k) => k.includes('/snapshots/'))).toBe(false);
    expect(await pendingDeletes(store, '')).toHaveLength(1);

    const [r] = await purgePending(store, '');
    expect(r).toMatchObject({ name: 'c', done: true, deleted: left.length });
    expect(await objects(store)).toEqual([]);
    expect(await store.list(deletionMarkersRoot(''))).toEqual([]);
  });

  it('a purge cut by its deadline keeps the marker, and the next one finishes', async () => {
    const { store, svc } = await setup(100);
    await svc.deleteCollection('c');
    const total = (await objects(store)).length;
    const [pending] = await pendingDeletes(store, '');
    const first = await purgeDeleted(store, '', pending, Deadline.in(0));
    expect(first).toMatchObject({ done: false, deleted: 32 });
    expect(await objects(store)).toHaveLength(total - 32);
    expect(await pendingDeletes(store, '')).toHaveLength(1);
    const rest = await new CollectionOptimizer({ store }).purgeDeleted();
    expect(rest).toEqual([{ name: 'c', deleted: total - 32, done: true }]);
    expect(await objects(store)).toEqual([]);
  });

  it('never purges what a later incarnation writes after the delete', async () => {
    const { store, svc } = await setup();
    await svc.deleteCollection('c');
    await new Promise((r) => setTimeout(r, 5)); // the store's clock moves past the marker's time
    // a recover writing the new incarnation's segments before its manifest: the purge runs in between
    await store.put(`${C}/segments/new/x`, new Uint8Array([1]));
    await purgePending(store, '');
    expect(await objects(store)).toEqual([`${C}/segments/new/x`]);
  });

  it('a name re-created before the purge ran keeps all its data; the purge only drops its marker', async () => {
    const { store, svc } = await setup();
    await svc.deleteCollection('c');
    await svc.createCollection('c', config(4, 'Euclid', { segments: 1 }));
    await svc.upsertPoints('c', [{ id: 7, vector: [7, 7, 7, 7] }], true);
    expect(await purgePending(store, '')).toEqual([{ name: 'c', deleted: 0, done: true }]);
    expect(await pendingDeletes(store, '')).toEqual([]);
    await new CollectionOptimizer({ store }).optimize('c');
    expect((await svc.query('c', everything)).map((h) => h.id)).toEqual([7]);
    expect(await svc.listSnapshots('c')).toEqual([]);
  });

  it('a recover of the name finishes the purge itself first (it rewrites the same keys), then restores whole', async () => {
    const { store, svc } = await setup(100);
    const snap = await svc.createSnapshot('c');
    const chunks: Uint8Array[] = [];
    for await (const chunk of await svc.downloadSnapshot('c', snap.name)) chunks.push(chunk);
    const archive = Buffer.concat(chunks);
    await svc.deleteCollection('c');
    await svc.recoverSnapshot('c', archive);
    expect(await pendingDeletes(store, '')).toEqual([]);
    expect((await objects(store)).some((k) => k.includes('/old-'))).toBe(false);
    expect(await svc.count('c', undefined, true)).toBe(51);
  });

  it('a recover whose purge cannot finish fails and writes nothing (in its time only: a 409 to retry)', async () => {
    const { store, faults, svc } = await setup(100);
    const snap = await svc.createSnapshot('c');
    const chunks: Uint8Array[] = [];
    for await (const chunk of await svc.downloadSnapshot('c', snap.name)) chunks.push(chunk);
    await svc.deleteCollection('c');
    // every purge DELETE fails: the purge cannot finish
    faults.inject({ op: 'delete', key: /\/segments\/old-/ });
    await expect(svc.recoverSnapshot('c', Buffer.concat(chunks))).rejects.toBeDefined();
    expect(await svc.collectionExists('c')).toBe(false);
    expect(await pendingDeletes(store, '')).toHaveLength(1);
  });

  it('a storage recover holding the name finishes its purge too', async () => {
    const { store, svc } = await setup();
    const snap = await svc.createStorageSnapshot();
    const chunks: Uint8Array[] = [];
    for await (const chunk of await svc.downloadStorageSnapshot(snap.name)) chunks.push(chunk);
    await svc.deleteCollection('c');
    await svc.recoverStorageSnapshot(Buffer.concat(chunks));
    expect(await pendingDeletes(store, '')).toEqual([]);
    expect(await svc.count('c', undefined, true)).toBe(51);
  });

  it('deleting a collection that does not exist writes no marker', async () => {
    const { store, svc, deleted } = await setup();
    expect(await svc.deleteCollection('nope')).toBe(false);
    expect(deleted).toEqual([]);
    expect(await pendingDeletes(store, '')).toEqual([]);
  });
});
