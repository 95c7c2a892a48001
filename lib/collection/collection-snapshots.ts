/**
 * Collection snapshots without copying (DESIGN.md §3 `snapshots/{name}`): segments are immutable, so a snapshot is a
 * pinned copy of one manifest plus the names of the WAL objects that manifest had not sealed yet. Garbage collection
 * (gc.ts) keeps every object a pin names until the pin is deleted.
 *
 * Invariants:
 * - A pin is written create-only, from a read view (snapshot.ts) taken when the request arrived: it names exactly the
 *   segments, tombstone versions and unsealed WAL objects that view reads, so it holds every write acknowledged
 *   before the request (§4.2) and nothing half-written.
 * - Between reading the manifest and writing the pin, an object the manifest names can be deleted only if it left a
 *   manifest more than the GC grace period earlier, which the read view rules out (as for any reader).
 * - Pins live under the collection's prefix: deleting the collection deletes its snapshots with it. Its pins held
 *   by storage snapshots (storage-snapshots.ts, `.storage-pin` names, which the listing here leaves out) stay, with
 *   every object they name: a delete or recover spares them (storagePinnedKeys), so a storage snapshot outlives the
 *   collections it holds, as Qdrant's full snapshots do.
 */
import { randomBytes } from 'node:crypto';
import { internal, notFound } from '../model/errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { segmentIdOfKey } from '../segment/keys.js';
import { isSnapshotName, isStoragePinName, newSnapshotName, snapshotKey, snapshotsPrefix, walPrefix } from './keys.js';
import type { Manifest } from './manifest.js';
import type { Snapshot } from './snapshot.js';

export const PIN_FORMAT = 1;
const TOMBSTONE_RE = /\/deleted\.([0-9]+)$/;

export interface SnapshotPin {
  format: number;
  name: string;
  /** ms, injected clock */
  createdAt: number;
  manifest: Manifest;
  /** WAL object names (relative to wal/) unsealed in `manifest` but part of the snapshot */
  wal: string[];
}

/** Qdrant's SnapshotDescription. */
export interface SnapshotDescription {
  name: string;
  creation_time: string | null;
  size: number;
  checksum: string | null;
}

export function decodePin(bytes: Uint8Array, key: string): SnapshotPin {
  let pin: SnapshotPin;
  try {
    pin = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as SnapshotPin;
  } catch (e) {
    throw internal(`${key}: snapshot pin is not JSON`, e);
  }
  if (pin?.format !== PIN_FORMAT || !Array.isArray(pin.manifest?.segments) || !Array.isArray(pin.wal)) {
    throw internal(`${key}: unsupported snapshot pin`);
  }
  return pin;
}

/** Writes the pin of `view` (create-only) and describes it. */
export async function pinSnapshot(store: ObjectStore, view: Snapshot, now: number): Promise<SnapshotDescription> {
  const name = newSnapshotName(now, randomBytes(6).toString('hex'));
  const size = await writePin(store, view, name, snapshotKey(view.collection, name), now);
  return { name, creation_time: isoSeconds(now), size, checksum: null };
}

/** Writes the pin of `view` at `key` (create-only); answers its size. */
export async function writePin(
  store: ObjectStore,
  view: Snapshot,
  name: string,
  key: string,
  now: number,
): Promise<number> {
  const pin: SnapshotPin = { format: PIN_FORMAT, name, createdAt: now, manifest: view.manifest, wal: view.tail.names };
  const body = Buffer.from(JSON.stringify(pin), 'utf8');
  await store.put(key, body, { ifNoneMatch: '*' });
  return body.byteLength;
}

export async function listSnapshots(store: ObjectStore, collection: string): Promise<SnapshotDescription[]> {
  const prefix = snapshotsPrefix(collection);
  const entries = await store.list(prefix);
  return entries
    .map((e) => ({ e, name: e.key.slice(prefix.length) }))
    .filter(({ name }) => isSnapshotName(name))
    .map(({ e, name }) => ({
      name,
      creation_time: isoSeconds(Number(name.slice(0, 16))),
      size: e.size,
      checksum: null,
    }));
}

/** Every pin of the collection, its own snapshots' and storage snapshots' (gc.ts keeps what they name). */
export async function loadPins(store: ObjectStore, collection: string): Promise<SnapshotPin[]> {
  const prefix = snapshotsPrefix(collection);
  const entries = (await store.list(prefix)).filter((e) => {
    const name = e.key.slice(prefix.length);
    return isSnapshotName(name) || isStoragePinName(name);
  });
  const pins = await Promise.all(entries.map((e) => store.get(e.key)));
  return pins.flatMap((got, i) => (got === null ? [] : [decodePin(got.body, entries[i].key)]));
}

export const isPinName = isSnapshotName;

/**
 * The keys among `keys` (a listing of the collection's folder) that storage snapshots hold: their pins and every
 * object a pin names (a pinned segment's objects with its pinned tombstone version only, the pinned WAL objects).
 * A collection delete or a recover over the collection spares them (collection-delete.ts), so a storage snapshot
 * outlives the collection it holds; the pins of the collection's own snapshots are not among them (those go with
 * the collection, as in Qdrant).
 */
export async function storagePinnedKeys(
  store: ObjectStore,
  collection: string,
  keys: readonly string[],
): Promise<Set<string>> {
  const root = snapshotsPrefix(collection);
  const pinKeys = keys.filter((k) => k.startsWith(root) && isStoragePinName(k.slice(root.length)));
  const kept = new Set(pinKeys);
  if (pinKeys.length === 0) return kept;
  const got = await Promise.all(pinKeys.map((k) => store.get(k)));
  const tombstones = new Map<string, Set<number>>();
  got.forEach((g, i) => {
    if (g === null) return;
    const pin = decodePin(g.body, pinKeys[i]);
    for (const s of pin.manifest.segments) {
      const versions = tombstones.get(s.id) ?? new Set<number>();
      versions.add(s.deletedVersion);
      tombstones.set(s.id, versions);
    }
    for (const w of pin.wal) kept.add(walPrefix(collection) + w);
  });
  for (const k of keys) {
    const id = segmentIdOfKey(collection, k);
    const versions = id === null ? undefined : tombstones.get(id);
    if (versions === undefined) continue;
    const t = TOMBSTONE_RE.exec(k);
    // later tombstone versions record deletes made after the snapshot: not part of it
    if (t === null || versions.has(Number(t[1]))) kept.add(k);
  }
  return kept;
}

export async function deleteSnapshot(store: ObjectStore, collection: string, name: string): Promise<void> {
  if (!isSnapshotName(name)) throw notFound(`Snapshot ${name} not found`);
  const key = snapshotKey(collection, name);
  if ((await store.head(key)) === null) throw notFound(`Snapshot ${name} not found`);
  await store.delete(key);
}

/** Qdrant's `creation_time` shape: ISO 8601 without the zone suffix, seconds precision. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}
