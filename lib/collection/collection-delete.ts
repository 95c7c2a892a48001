/**
 * Deleting a collection: invisible at once, its objects removed in the background in bounded steps. A collection of
 * a million objects takes minutes of DELETE calls; inside one api call (27 s in Lambda) that timed out half done.
 *
 * The protocol:
 * 1. The api call deletes `manifest.json` (from then on the collection does not exist: queries and writes find no
 *    manifest, GET /collections skips the folder), then writes a marker `{prefix}/deleting/{name}/…` (keys.ts).
 * 2. `purgeDeleted` (the optimizer function, on its schedule or asked right after the delete; locally the server)
 *    deletes the folder's objects a batch at a time while its deadline allows, then the marker. Runs overlap safely
 *    (deletes are idempotent) and a run cut short leaves the marker, so the next one continues.
 *
 * Invariants:
 * - The fence is the marker's LastModified, stamped by the store (one clock for the marker and every object, never
 *   a host's), written one timestamp tick after the manifest delete. Only objects strictly older than it are deleted. Every object of a later incarnation (a create or
 *   recover after the delete) is written after the marker's PUT returned, so it is never older: never deleted.
 * - A manifest present at purge time means the name was re-created between the manifest delete and the marker
 *   write, so objects older than the fence may belong to the new incarnation: the purge stops and drops its marker.
 *   What the old incarnation left is then the new one's garbage (orphan segments and foreign WAL objects, gc.ts).
 * - Storage snapshots outlive the collection: the purge spares their `.storage-pin`s and every object those name
 *   (collection-snapshots.ts storagePinnedKeys). Deleting the last such snapshot of a collection that no longer
 *   exists writes a new marker (storage-snapshots.ts), whose purge removes what the pins had kept.
 * - A crash between the manifest delete and the marker write leaves objects no marker names: invisible, never read
 *   (a re-created collection has a new incarnation), only storage.
 * - A create never writes a key the deleted collection had (fresh incarnation, segment ids and snapshot names; WAL
 *   names carry a writer's growing clock) except `optimizer.lease`, whose loss only costs a duplicate run. A recover
 *   rewrites the archive's keys, so it refuses while a marker of the name exists (service.ts), and a purge stops
 *   once its marker is gone (another purge of it finished): the race left is a recover landing inside the one batch
 *   of deletes a second, overlapping purge has in flight.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import { Deadline } from '../model/deadline.js';
import type { ObjectStore } from '../storage/object-store.js';
import { storagePinnedKeys } from './collection-snapshots.js';
import {
  collectionOfDeletionMarker,
  collectionPrefix,
  deletionMarkerKey,
  deletionMarkersRoot,
  manifestKey,
} from './keys.js';

/** DELETE calls in flight per purge */
const DELETE_CONCURRENCY = 32;

export interface PendingDelete {
  name: string;
  /** the marker's key */
  marker: string;
  /** the marker's LastModified: objects older than this are the deleted collection's */
  fence: Date;
}

export interface PurgeResult {
  name: string;
  deleted: number;
  /** the folder is empty of the deleted collection's objects and the marker is gone */
  done: boolean;
}

/**
 * Writes the marker of a delete whose manifest is already gone (step 1), one timestamp tick after it: every object
 * the collection had is then strictly older than the fence (S3 stamps whole seconds; an object written in the
 * marker's second would otherwise stay behind forever).
 */
export async function markDeleted(store: ObjectStore, prefix: string, name: string, nowMs: number): Promise<void> {
  const tick = store.timestampResolutionMs ?? 1;
  if (tick > 1) await setTimeout(tick + 1);
  const key = deletionMarkerKey(prefix, name, nowMs, randomBytes(6).toString('hex'));
  await store.put(key, Buffer.from(JSON.stringify({ name }), 'utf8'), { ifNoneMatch: '*' });
}

/** Deletes in progress (one listing), oldest first; of collection `name` only when given. */
export async function pendingDeletes(store: ObjectStore, prefix: string, name?: string): Promise<PendingDelete[]> {
  const root = deletionMarkersRoot(prefix);
  const entries = await store.list(name === undefined ? root : `${root}${name}/`);
  const out: PendingDelete[] = [];
  for (const e of entries) {
    const n = collectionOfDeletionMarker(prefix, e.key);
    if (n !== null) out.push({ name: n, marker: e.key, fence: e.lastModified });
  }
  return out.sort((a, b) => a.fence.getTime() - b.fence.getTime());
}

/**
 * Removes what one pending delete left while `deadline` allows (step 2). The first batch always runs, so every call
 * makes progress; `done` false means call again.
 */
export async function purgeDeleted(
  store: ObjectStore,
  prefix: string,
  pending: PendingDelete,
  deadline: Deadline = Deadline.never(),
): Promise<PurgeResult> {
  const collection = collectionPrefix(prefix, pending.name);
  if ((await store.head(manifestKey(collection))) !== null) {
    await store.delete(pending.marker);
    return { name: pending.name, deleted: 0, done: true };
  }
  const fence = pending.fence.getTime();
  const listed = await store.list(`${collection}/`);
  const spared = await storagePinnedKeys(
    store,
    collection,
    listed.map((e) => e.key),
  );
  const old = listed.filter((e) => e.lastModified.getTime() < fence && !spared.has(e.key));
  let deleted = 0;
  for (let i = 0; i < old.length; i += DELETE_CONCURRENCY) {
    if (i > 0 && deadline.expired()) return { name: pending.name, deleted, done: false };
    // another purge of this marker finished (a recover may now rewrite these keys): stop deleting
    if (i > 0 && (await store.head(pending.marker)) === null) return { name: pending.name, deleted, done: true };
    await Promise.all(old.slice(i, i + DELETE_CONCURRENCY).map((e) => store.delete(e.key)));
    deleted += Math.min(DELETE_CONCURRENCY, old.length - i);
  }
  await store.delete(pending.marker);
  return { name: pending.name, deleted, done: true };
}

/** Every pending delete (of `name` only, when given), oldest first, while `deadline` allows. */
export async function purgePending(
  store: ObjectStore,
  prefix: string,
  deadline: Deadline = Deadline.never(),
  name?: string,
): Promise<PurgeResult[]> {
  const results: PurgeResult[] = [];
  for (const p of await pendingDeletes(store, prefix, name)) {
    if (results.length > 0 && deadline.expired()) break;
    results.push(await purgeDeleted(store, prefix, p, deadline));
  }
  return results;
}
