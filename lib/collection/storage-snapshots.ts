/**
 * Storage snapshots (Qdrant's full snapshots, `/snapshots`): every collection of the deployment and its aliases, the
 * same way as a collection snapshot (collection-snapshots.ts): nothing is copied. A storage snapshot is one object,
 * `{prefix}/snapshots/{name}` (keys.ts), naming the collections it holds and the alias map; each collection it holds
 * has a pin of its own, `{collection}/snapshots/{stem}.storage-pin`, which garbage collection honours like any pin.
 *
 * | archive entry (tar, streamed)        | what                                                               |
 * |--------------------------------------|--------------------------------------------------------------------|
 * | `snapshot.json`                      | the storage snapshot: collection names, aliases                    |
 * | `collections/{c}/snapshot.json`      | collection c's pin (manifest + unsealed WAL names)                 |
 * | `collections/{c}/segments/…`, `wal/…`| every object c's pin names (snapshot-archive.ts)                    |
 * | `checksums.json` (last)              | SHA-256 of every entry above                                       |
 *
 * Invariants:
 * - The root object is written first (create-only), then the pins: whatever a crash leaves is listed, and DELETE
 *   removes it with its pins, so nothing is pinned that no listed snapshot names. A collection deleted before its
 *   pin was written is dropped from the root (rewritten by its writer, the only one that knows the name).
 * - Each pin is taken from a read view opened after the request arrived (§4.2): every write acknowledged before it
 *   is in the snapshot. Collections are pinned one after another, so the snapshot is per-collection consistent, not
 *   one instant across collections (as Qdrant's full snapshot).
 * - A storage snapshot outlives the collections it holds: deleting a collection, or recovering over it, spares the
 *   `.storage-pin`s and every object they name (collection-delete.ts), so the snapshot downloads whole after a delete
 *   or re-create of any of them. Only a pin missing for another reason (a crash while creating it) makes a
 *   download refuse (409 naming the collection) instead of answering an archive without it.
 * - An archive restores into Strata only; it is checked whole (readArchive + every collection's entries) before
 *   anything is written (the caller, service.ts, then replaces each collection and sets the aliases).
 */
import { randomBytes } from 'node:crypto';
import { validateCollectionName } from '../model/collection-name.js';
import { conflict, internal, invalid, notFound } from '../model/errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { markDeleted } from './collection-delete.js';
import { type SnapshotDescription, decodePin, isoSeconds, loadPins, writePin } from './collection-snapshots.js';
import {
  collectionPrefix,
  isSnapshotName,
  manifestKey,
  newSnapshotName,
  storagePinKey,
  storageSnapshotKey,
  storageSnapshotsPrefix,
  walPrefix,
} from './keys.js';
import { loadManifest } from './manifest.js';
import {
  type CheckedArchive,
  PIN_ENTRY,
  checkCollectionEntries,
  packCollection,
  readArchive,
  tarArchive,
} from './snapshot-archive.js';
import type { Snapshot } from './snapshot.js';

export const STORAGE_SNAPSHOT_FORMAT = 1;

export interface StorageSnapshot {
  format: number;
  name: string;
  /** ms, injected clock */
  createdAt: number;
  /** collection names, sorted */
  collections: string[];
  /** [alias, collection] */
  aliases: [string, string][];
}

export interface StorageDeps {
  store: ObjectStore;
  /** the deployment's key prefix */
  prefix: string;
  now: number;
}

function encode(s: StorageSnapshot): Uint8Array {
  return Buffer.from(JSON.stringify(s), 'utf8');
}

function decode(bytes: Uint8Array, where: string): StorageSnapshot {
  let s: StorageSnapshot;
  try {
    s = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as StorageSnapshot;
  } catch (e) {
    throw invalid(`${where}: storage snapshot is not JSON`, e);
  }
  const pairs = Array.isArray(s?.aliases) && s.aliases.every((a) => Array.isArray(a) && a.length === 2);
  if (s?.format !== STORAGE_SNAPSHOT_FORMAT || !Array.isArray(s.collections) || !pairs) {
    throw invalid(`${where}: not a Strata storage snapshot`);
  }
  for (const c of s.collections) validateCollectionName(c);
  return s;
}

/**
 * Pins every collection (`open` gives a collection's read view, null when it vanished meanwhile) and writes the
 * storage snapshot (see the header for the order).
 */
export async function createStorageSnapshot(
  deps: StorageDeps,
  collections: readonly string[],
  aliases: ReadonlyMap<string, string>,
  open: (collection: string) => Promise<Snapshot | null>,
): Promise<SnapshotDescription> {
  const { store, prefix, now } = deps;
  const name = newSnapshotName(now, randomBytes(6).toString('hex'));
  const key = storageSnapshotKey(prefix, name);
  const root: StorageSnapshot = {
    format: STORAGE_SNAPSHOT_FORMAT,
    name,
    createdAt: now,
    collections: [...collections].sort(),
    aliases: [...aliases].sort(([a], [b]) => a.localeCompare(b)),
  };
  await store.put(key, encode(root), { ifNoneMatch: '*' });
  const pinned: string[] = [];
  for (const c of root.collections) {
    const view = await open(c);
    if (view === null) continue;
    await writePin(store, view, name, storagePinKey(view.collection, name), now);
    pinned.push(c);
  }
  let body = encode(root);
  if (pinned.length !== root.collections.length) {
    const kept = new Set(pinned);
    body = encode({ ...root, collections: pinned, aliases: root.aliases.filter(([, c]) => kept.has(c)) });
    await store.put(key, body);
  }
  return { name, creation_time: isoSeconds(now), size: body.byteLength, checksum: null };
}

export async function listStorageSnapshots(store: ObjectStore, prefix: string): Promise<SnapshotDescription[]> {
  const root = storageSnapshotsPrefix(prefix);
  return (await store.list(root))
    .map((e) => ({ e, name: e.key.slice(root.length) }))
    .filter(({ name }) => isSnapshotName(name))
    .map(({ e, name }) => ({
      name,
      creation_time: isoSeconds(Number(name.slice(0, 16))),
      size: e.size,
      checksum: null,
    }));
}

async function loadRoot(
  store: ObjectStore,
  prefix: string,
  name: string,
): Promise<{ root: StorageSnapshot; bytes: Uint8Array }> {
  const got = isSnapshotName(name) ? await store.get(storageSnapshotKey(prefix, name)) : null;
  if (got === null) throw notFound(`Snapshot ${name} not found`);
  try {
    return { root: decode(got.body, name), bytes: got.body };
  } catch (e) {
    throw internal(`storage snapshot ${name} is unreadable`, e);
  }
}

/**
 * Deletes the pins first, then the root: a crash in between leaves a listed snapshot to delete again. What a pin
 * kept of a collection deleted since (collection-delete.ts) becomes garbage: a collection that does not exist gets
 * a new deletion marker, whose purge removes it (sparing other storage snapshots' pins); one re-created since gets
 * the old incarnation's pinned WAL objects deleted here (its GC never lists them: they sort below its floor), its
 * old segments age out as orphans (gc.ts). Answers the names of the collections marked for a purge.
 */
export async function deleteStorageSnapshot(
  store: ObjectStore,
  prefix: string,
  name: string,
  now: number,
): Promise<string[]> {
  const { root } = await loadRoot(store, prefix, name);
  const purge: string[] = [];
  await Promise.all(
    root.collections.map(async (c) => {
      const collection = collectionPrefix(prefix, c);
      const key = storagePinKey(collection, name);
      const got = await store.get(key);
      await store.delete(key);
      if (got === null) return;
      const pin = decodePin(got.body, key);
      const current = await loadManifest(store, manifestKey(collection));
      if (current === null) {
        purge.push(c);
        return;
      }
      if (current.manifest.incarnation === pin.manifest.incarnation) return;
      const held = new Set((await loadPins(store, collection)).flatMap((p) => p.wal));
      await Promise.all(pin.wal.filter((w) => !held.has(w)).map((w) => store.delete(walPrefix(collection) + w)));
    }),
  );
  await Promise.all(purge.map((c) => markDeleted(store, prefix, c, now)));
  await store.delete(storageSnapshotKey(prefix, name));
  return purge;
}

/** The archive of a storage snapshot, streamed (see the header); 409 when a collection it held was deleted. */
export async function archiveStorageSnapshot(
  store: ObjectStore,
  prefix: string,
  name: string,
): Promise<AsyncIterable<Uint8Array>> {
  const { root, bytes } = await loadRoot(store, prefix, name);
  const pins = await Promise.all(
    root.collections.map(async (c) => {
      const got = await store.get(storagePinKey(collectionPrefix(prefix, c), name));
      if (got === null) {
        throw conflict(
          `collection ${c} of snapshot ${name} was deleted after the snapshot was taken: its data is gone`,
        );
      }
      return { c, pin: got.body };
    }),
  );
  return tarArchive(new Date(root.createdAt), async (add) => {
    await add(PIN_ENTRY, bytes);
    for (const { c, pin } of pins) {
      await packCollection(store, collectionPrefix(prefix, c), pin, add, `collections/${c}/`);
    }
  });
}

export interface CheckedStorageArchive {
  root: StorageSnapshot;
  collections: Map<string, CheckedArchive>;
}

/** Parses and verifies a whole storage archive; 'invalid' on any defect, before anything is written. */
export async function checkStorageArchive(bytes: Uint8Array): Promise<CheckedStorageArchive> {
  const entries = await readArchive(bytes);
  let root: StorageSnapshot;
  try {
    root = decode(entries.get(PIN_ENTRY) as Uint8Array, PIN_ENTRY);
  } catch {
    throw invalid(`snapshot archive: ${PIN_ENTRY} is not a Strata storage snapshot`);
  }
  const byCollection = new Map<string, Map<string, Uint8Array>>(root.collections.map((c) => [c, new Map()]));
  for (const [path, body] of entries) {
    if (path === PIN_ENTRY) continue;
    const m = /^collections\/([^/]+)\/(.+)$/.exec(path);
    const own = m === null ? undefined : byCollection.get(m[1]);
    if (m === null || own === undefined) throw invalid(`snapshot archive: unexpected entry ${path}`);
    own.set(m[2], body);
  }
  const collections = new Map<string, CheckedArchive>();
  for (const [c, own] of byCollection) collections.set(c, checkCollectionEntries(own, `collections/${c}/`));
  const held = new Set(root.collections);
  for (const [alias, c] of root.aliases) {
    if (!held.has(c)) throw invalid(`snapshot archive: alias ${alias} names ${c}, which the archive does not hold`);
  }
  return { root, collections };
}
