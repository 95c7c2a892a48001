/**
 * Storage snapshots (lib/collection/storage-snapshots.ts, Qdrant's full snapshots): every collection pinned without
 * copying and kept from garbage collection until the snapshot is deleted; one archive holding every collection and
 * the aliases, which restores into another store with the same answers; a corrupt or truncated archive writes
 * nothing; a snapshot outlives the deletion or re-creation of a collection it holds. The last parts go through the
 * HTTP routes with the official client.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { collectGarbage } from '../../../lib/collection/gc.js';
import { purgePending } from '../../../lib/collection/collection-delete.js';
import { collectionPrefix, storagePinKey } from '../../../lib/collection/keys.js';
import { optimize } from '../../../lib/collection/optimizer.js';
import type { StrataCollectionService } from '../../../lib/collection/service.js';
import { isStrataError } from '../../../lib/model/errors.js';
import type { ObjectStore } from '../../../lib/storage/object-store.js';
import { config, directInvoker, randomVectors, service, tempStore } from '../../support/collection-harness.js';
import { startStrata } from '../../support/strata-server.js';

const DIM = 4;
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

let clock = 1_000_000;
const now = () => clock;

function fresh() {
  const t = tempStore();
  cleanups.push(t.cleanup);
  return { store: t.store, svc: service(t.store, directInvoker(t.store, 2), { now }) };
}

async function upsertRange(svc: StrataCollectionService, name: string, from: number, to: number) {
  const vecs = randomVectors(to - from, DIM, from + 1);
  await svc.upsertPoints(
    name,
    vecs.map((v, i) => ({ id: from + i, vector: v, payload: { i: from + i } })),
    true,
  );
}

/** Two collections (one with sealed segments and an unsealed tail, one WAL only) and an alias. */
async function populated() {
  const s = fresh();
  await s.svc.createCollection('a', config(DIM, 'Euclid', { segments: 2 }));
  await s.svc.createCollection('b', config(DIM, 'Cosine'));
  await upsertRange(s.svc, 'a', 0, 40);
  await optimize(s.store, collectionPrefix('', 'a'), { now, skipGc: true });
  await upsertRange(s.svc, 'a', 40, 46);
  await s.svc.deletePoints('a', { points: [3] }, true);
  await upsertRange(s.svc, 'b', 0, 10);
  await s.svc.updateAliases([{ create_alias: { alias_name: 'live', collection_name: 'a' } }]);
  return s;
}

async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

const gc = (store: ObjectStore, name: string) =>
  collectGarbage(store, collectionPrefix('', name), { now, graceMs: 1000, walGraceMs: 1000 });

async function topIds(svc: StrataCollectionService, name: string, seed: number) {
  const [vector] = randomVectors(1, DIM, seed);
  const points = await svc.query(name, {
    vector,
    limit: 10,
    offset: 0,
    params: { exact: true },
    with_payload: true,
    with_vector: false,
  });
  return points.map((p) => [p.id, p.payload]);
}

describe('storage snapshots', () => {
  it('pin every collection: GC keeps what they name until the snapshot is deleted; collection lists stay apart', async () => {
    const { store, svc } = await populated();
    const snap = await svc.createStorageSnapshot();
    expect(snap.name).toMatch(/\.snapshot$/);
    expect((await svc.listStorageSnapshots()).map((s) => s.name)).toEqual([snap.name]);
    // the collections' own snapshot lists do not show the storage snapshot's pins
    expect(await svc.listSnapshots('a')).toEqual([]);

    const segmentsBefore = (await svc.segmentLayout('a')).segments.map((s) => s.id);
    expect(segmentsBefore.length).toBeGreaterThan(0);
    await svc.updateCollection('a', { vectors: { on_disk: true } });
    await optimize(store, collectionPrefix('', 'a'), { now, skipGc: true });
    clock += 10_000;
    await gc(store, 'a');
    const listed = async () => new Set((await store.list('collections/a/segments/')).map((e) => e.key.split('/')[3]));
    for (const id of segmentsBefore) expect((await listed()).has(id)).toBe(true);

    await svc.deleteStorageSnapshot(snap.name);
    expect(await svc.listStorageSnapshots()).toEqual([]);
    const freed = await gc(store, 'a');
    expect(freed.deletedSegments).toBeGreaterThan(0);
    for (const id of segmentsBefore) expect((await listed()).has(id)).toBe(false);
    expect(await svc.count('a', undefined, true)).toBe(45);
  });

  it('one archive restores every collection and the aliases into another store, answering the same', async () => {
    const src = await populated();
    const snap = await src.svc.createStorageSnapshot();
    // writes after the snapshot are not in it
    await upsertRange(src.svc, 'b', 100, 105);
    const archive = await bytesOf(await src.svc.downloadStorageSnapshot(snap.name));
    // the same snapshot downloads as the same bytes
    expect(Buffer.compare(archive, await bytesOf(await src.svc.downloadStorageSnapshot(snap.name)))).toBe(0);

    const dst = fresh();
    await dst.svc.recoverStorageSnapshot(archive);
    expect(await dst.svc.listCollections()).toEqual(['a', 'b']);
    expect(await dst.svc.count('a', undefined, true)).toBe(45);
    expect(await dst.svc.count('b', undefined, true)).toBe(10);
    expect(await dst.svc.listAliases()).toEqual([{ alias_name: 'live', collection_name: 'a' }]);
    for (let q = 0; q < 20; q++) {
      expect(await topIds(dst.svc, 'live', 500 + q)).toEqual(await topIds(src.svc, 'a', 500 + q));
    }
    // restoring over existing collections replaces them (b loses the writes made after the snapshot)
    await src.svc.recoverStorageSnapshot(archive);
    expect(await src.svc.count('b', undefined, true)).toBe(10);
  });

  it('a corrupt, truncated or foreign archive is invalid and writes nothing', async () => {
    const src = await populated();
    const snap = await src.svc.createStorageSnapshot();
    const archive = await bytesOf(await src.svc.downloadStorageSnapshot(snap.name));
    const collectionArchive = await bytesOf(
      await src.svc.downloadSnapshot('a', (await src.svc.createSnapshot('a')).name),
    );
    const corrupt = archive.slice();
    corrupt[600] ^= 0x01;
    const dst = fresh();
    for (const bad of [corrupt, archive.slice(0, Math.floor(archive.length / 2)), collectionArchive]) {
      const e = await dst.svc.recoverStorageSnapshot(bad).catch((x: unknown) => x);
      expect(isStrataError(e, 'invalid'), String(e)).toBe(true);
      expect((e as Error).message).toMatch(/snapshot archive/);
      expect(await dst.store.list('')).toEqual([]);
    }
  });

  it('outlives a collection deleted and one re-created through the REST API; its deletion frees what it kept', async () => {
    const { store, svc } = await populated();
    const server = await startStrata(svc);
    cleanups.push(() => server.close());
    const snap = await server.client.createFullSnapshot({ wait: true });
    const name = snap?.name ?? '';
    const download = async () => {
      const r = await fetch(`${server.url}/snapshots/${name}`);
      return { status: r.status, bytes: new Uint8Array(await r.arrayBuffer()) };
    };
    const before = await download();
    expect(before.status).toBe(200);
    const oldSegments = (await svc.segmentLayout('a')).segments.map((s) => s.id);
    const oldWal = (await store.list('collections/a/wal/')).map((e) => e.key);
    expect(oldSegments.length).toBeGreaterThan(0);
    expect(oldWal.length).toBeGreaterThan(0);

    // b deleted and its background purge run; a deleted and re-created under the same name with other points
    expect(await server.client.deleteCollection('b')).toBe(true);
    expect(await server.client.deleteCollection('a')).toBe(true);
    await purgePending(store, '');
    await server.client.createCollection('a', { vectors: { size: DIM, distance: 'Dot' } });
    await upsertRange(svc, 'a', 1000, 1005);
    await optimize(store, collectionPrefix('', 'a'), { now });
    clock += 10_000;
    await gc(store, 'a');

    // the same snapshot still downloads, as the same bytes, and restores the collections as they were
    const after = await download();
    expect(after.status).toBe(200);
    expect(Buffer.compare(after.bytes, before.bytes)).toBe(0);
    const dst = fresh();
    await dst.svc.recoverStorageSnapshot(after.bytes);
    expect(await dst.svc.count('a', undefined, true)).toBe(45);
    expect(await dst.svc.count('b', undefined, true)).toBe(10);
    for (let q = 0; q < 5; q++) expect(await topIds(dst.svc, 'live', 700 + q)).toHaveLength(10);

    // deleting it frees what only it kept: b's folder is purged, a's old incarnation's objects go
    expect(await server.client.deleteFullSnapshot(name)).toBe(true);
    await purgePending(store, '');
    expect(await store.list('collections/b/')).toEqual([]);
    clock += 10_000;
    await gc(store, 'a');
    const left = (await store.list('collections/a/')).map((e) => e.key);
    for (const id of oldSegments) expect(left.some((k) => k.includes(id))).toBe(false);
    for (const k of oldWal) expect(left).not.toContain(k);
    expect(await svc.count('a', undefined, true)).toBe(5);
  });

  it('a snapshot missing a collection pin (a crash while creating it) refuses to download, and can still be deleted', async () => {
    const { store, svc } = await populated();
    const snap = await svc.createStorageSnapshot();
    await store.delete(storagePinKey(collectionPrefix('', 'b'), snap.name));
    const e = await svc.downloadStorageSnapshot(snap.name).catch((x: unknown) => x);
    expect(isStrataError(e, 'conflict')).toBe(true);
    expect((e as Error).message).toContain('collection b');
    await svc.deleteStorageSnapshot(snap.name);
    const missing = await svc.deleteStorageSnapshot(snap.name).catch((x: unknown) => x);
    expect(isStrataError(missing, 'not_found')).toBe(true);
  });

  it('through the HTTP routes and the official client: create, list, download, upload, delete', async () => {
    const src = await populated();
    const server = await startStrata(src.svc);
    cleanups.push(() => server.close());
    const created = await server.client.createFullSnapshot({ wait: true });
    expect((await server.client.listFullSnapshots()).map((s) => s.name)).toEqual([created?.name]);
    const r = await fetch(`${server.url}/snapshots/${created?.name}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/x-tar');
    const archive = new Uint8Array(await r.arrayBuffer());

    const dst = fresh();
    const target = await startStrata(dst.svc);
    cleanups.push(() => target.close());
    const form = new FormData();
    form.append('snapshot', new Blob([archive]), 'full.snapshot');
    const up = await fetch(`${target.url}/snapshots/upload`, { method: 'POST', body: form });
    expect(up.status, await up.clone().text()).toBe(200);
    expect((await target.client.getCollection('live')).points_count).toBe(45);

    const garbage = new FormData();
    garbage.append('snapshot', new Blob([new TextEncoder().encode('not a tar')]), 'x.snapshot');
    expect((await fetch(`${target.url}/snapshots/upload`, { method: 'POST', body: garbage })).status).toBe(400);

    expect(await server.client.deleteFullSnapshot(created?.name ?? '')).toBe(true);
    expect(await server.client.listFullSnapshots()).toEqual([]);
    await expect(server.client.deleteFullSnapshot(created?.name ?? '')).rejects.toMatchObject({ status: 404 });
    expect((await fetch(`${server.url}/snapshots/${created?.name}`)).status).toBe(404);
  });
});
