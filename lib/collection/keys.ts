/**
 * Every object key Strata writes is built here, and only here (DESIGN.md §3). The layout of one collection:
 *
 * | key (under `{prefix}/collections/{name}/`) | what                                   | written                       |
 * |--------------------------------------------|----------------------------------------|-------------------------------|
 * | `manifest.json`                            | current manifest (manifest.ts)         | create-only, then If-Match    |
 * | `optimizer.lease`                          | optimizer lease (optimizer-lease.ts)   | create-only, then If-Match    |
 * | `wal/{seq:16}.{writer}`                    | one acknowledged write batch (wal.ts)  | create-only, never rewritten  |
 * | `segments/{segmentId}/…`                   | one immutable segment (lib/segment)    | before the manifest names it  |
 * | `snapshots/{time:16}-{random}.snapshot`    | a pinned manifest (collection-snapshots.ts) | create-only, then deleted |
 * | `snapshots/{time:16}-{random}.storage-pin` | the same, held by the storage snapshot of that name | create-only, then deleted |
 *
 * Store-level objects (outside every collection): `{prefix}/aliases`, the one alias map of the deployment (aliases.ts),
 * replaced only by compare-and-swap; `{prefix}/snapshots/{time:16}-{random}.snapshot`, a storage snapshot
 * (storage-snapshots.ts): the collections it pinned (each by a `.storage-pin` of the same stem) and the aliases;
 * `{prefix}/deleting/{name}/{time:16}-{random}`, one marker per collection delete whose objects are still being
 * removed in the background (collection-delete.ts), create-only, then deleted.
 *
 * Segment folders, the files inside them and the tombstone names are spelled by lib/segment/keys.ts (the segment
 * layer reads them from a task's collection prefix alone); this module builds the collection-level keys on top.
 *
 * Invariants:
 * - Numbers in keys are zero-padded decimals, so a lexicographic listing is numeric order (`wal/` lists oldest
 *   first; a segment's tombstone versions list in order).
 * - A segment id starts with the zero-padded creation time (ms) of the optimizer run that wrote it, so garbage
 *   collection can age an orphan segment (written, never named by a manifest) from its key alone.
 * - A collection name never contains `/` (lib/model/collection-name.ts), so one collection's prefix is never a prefix
 *   of another's objects.
 */
import { validateCollectionName } from '../model/collection-name.js';
import { invalid } from '../model/errors.js';
import { pad } from '../segment/keys.js';

const SEQ_WIDTH = 16;
const WRITER_RE = /^[0-9a-z]{1,32}$/;
/** snapshot names this module accepts: `{time:16}-{random}.snapshot` (newSnapshotName) */
const SNAPSHOT_NAME_RE = /^[0-9]{16}-[0-9a-z]{1,32}\.snapshot$/;
/** a collection's pin held by a storage snapshot: the storage snapshot's name with this suffix instead */
const STORAGE_PIN_NAME_RE = /^[0-9]{16}-[0-9a-z]{1,32}\.storage-pin$/;
/** ids this module mints (newSegmentId): creation time + random suffix */
const SEGMENT_ID_RE = /^[0-9]{16}-[0-9a-z]{1,32}$/;

function join(prefix: string, rest: string): string {
  const p = prefix.replace(/\/+$/, '');
  return p === '' ? rest : `${p}/${rest}`;
}

/** `{prefix}/collections/`: list its folders with a delimiter (listPrefixes), one per collection. */
export function collectionsRoot(prefix: string): string {
  return join(prefix, 'collections/');
}

/** `{prefix}/deleting/`: the markers of collection deletes in progress (collection-delete.ts), listed in one call. */
export function deletionMarkersRoot(prefix: string): string {
  return join(prefix, 'deleting/');
}

/** `{prefix}/deleting/{name}/{time:16}-{random}`: one per delete, so a later delete of the name never replaces it. */
export function deletionMarkerKey(prefix: string, name: string, nowMs: number, random: string): string {
  validateCollectionName(name);
  if (!/^[0-9a-z]{1,32}$/.test(random)) throw invalid(`deletion marker suffix must be 1-32 of [0-9a-z]: ${random}`);
  return `${deletionMarkersRoot(prefix)}${name}/${pad(Math.max(0, Math.floor(nowMs)), SEQ_WIDTH)}-${random}`;
}

/** The collection name of a key under `deletionMarkersRoot(prefix)`, or null when it is not a marker key. */
export function collectionOfDeletionMarker(prefix: string, key: string): string | null {
  const root = deletionMarkersRoot(prefix);
  if (!key.startsWith(root)) return null;
  const rest = key.slice(root.length).split('/');
  return rest.length === 2 && rest[0] !== '' && /^[0-9]{16}-[0-9a-z]{1,32}$/.test(rest[1]) ? rest[0] : null;
}

/** `{prefix}/aliases`: the deployment's alias map (one object, so one conditional PUT changes any set of aliases). */
export function aliasesKey(prefix: string): string {
  return join(prefix, 'aliases');
}

/** `{prefix}/collections/{name}` (no trailing slash); the `collectionPrefix` of a SegmentSearchTask. */
export function collectionPrefix(prefix: string, name: string): string {
  validateCollectionName(name);
  return join(prefix, `collections/${name}`);
}

/** The collection name of a key under `collectionsRoot(prefix)`, or null when the key is not under it. */
export function collectionNameOfKey(prefix: string, key: string): string | null {
  const root = collectionsRoot(prefix);
  if (!key.startsWith(root)) return null;
  const rest = key.slice(root.length);
  const slash = rest.indexOf('/');
  return slash <= 0 ? null : rest.slice(0, slash);
}

export function manifestKey(collection: string): string {
  return `${collection}/manifest.json`;
}

/** `{collection}/optimizer.lease`: who optimizes the collection now (optimizer-lease.ts), replaced by CAS. */
export function optimizerLeaseKey(collection: string): string {
  return `${collection}/optimizer.lease`;
}

/** `{collection}/snapshots/`: one pinned manifest per collection snapshot (collection-snapshots.ts). */
export function snapshotsPrefix(collection: string): string {
  return `${collection}/snapshots/`;
}

export function snapshotKey(collection: string, name: string): string {
  if (!SNAPSHOT_NAME_RE.test(name)) throw invalid(`bad snapshot name "${name}"`);
  return snapshotsPrefix(collection) + name;
}

export function walPrefix(collection: string): string {
  return `${collection}/wal/`;
}

/** The name of a WAL object relative to `walPrefix` (what the manifest records as sealed). */
export function walName(seq: number, writer: string): string {
  if (!WRITER_RE.test(writer)) throw invalid(`bad writer id "${writer}"`);
  return `${pad(seq, SEQ_WIDTH)}.${writer}`;
}

export function walKey(collection: string, seq: number, writer: string): string {
  return walPrefix(collection) + walName(seq, writer);
}

/**
 * Where a WAL listing starts so that it returns every object with seq ≥ `floor` and none below (S3 StartAfter):
 * just past every name of seq floor − 1 ('~' sorts after every writer id character). undefined: list everything.
 */
export function walListStart(collection: string, floor: number): string | undefined {
  if (!Number.isSafeInteger(floor) || floor <= 0) return undefined;
  return `${walPrefix(collection)}${pad(floor - 1, SEQ_WIDTH)}.~`;
}

/** Parses a WAL key or name; null for anything else found under wal/ (e.g. a stray temp file). */
export function parseWalName(keyOrName: string): { name: string; seq: number; writer: string } | null {
  const name = keyOrName.slice(keyOrName.lastIndexOf('/') + 1);
  const m = /^([0-9]{16})\.([0-9a-z]{1,32})$/.exec(name);
  if (!m) return null;
  return { name, seq: Number(m[1]), writer: m[2] };
}

/** A new snapshot name: creation time (ms, 16 digits, so listings sort by age) + a random suffix. */
export function newSnapshotName(nowMs: number, random: string): string {
  return `${pad(Math.floor(nowMs), SEQ_WIDTH)}-${random}.snapshot`;
}

export function isSnapshotName(name: string): boolean {
  return SNAPSHOT_NAME_RE.test(name);
}

/** The name of the pin a storage snapshot named `snapshotName` keeps in each collection it holds. */
export function storagePinName(snapshotName: string): string {
  if (!SNAPSHOT_NAME_RE.test(snapshotName)) throw invalid(`bad snapshot name "${snapshotName}"`);
  return snapshotName.replace(/\.snapshot$/, '.storage-pin');
}

export function isStoragePinName(name: string): boolean {
  return STORAGE_PIN_NAME_RE.test(name);
}

/** `{collection}/snapshots/{storage pin}` */
export function storagePinKey(collection: string, snapshotName: string): string {
  return snapshotsPrefix(collection) + storagePinName(snapshotName);
}

/** `{prefix}/snapshots/`: the deployment's storage snapshots (storage-snapshots.ts). */
export function storageSnapshotsPrefix(prefix: string): string {
  return join(prefix, 'snapshots/');
}

export function storageSnapshotKey(prefix: string, name: string): string {
  if (!SNAPSHOT_NAME_RE.test(name)) throw invalid(`bad snapshot name "${name}"`);
  return storageSnapshotsPrefix(prefix) + name;
}

/** A new segment id: creation time (ms, 16 digits) + a random suffix unique among concurrent optimizers. */
export function newSegmentId(nowMs: number, random: string): string {
  const id = `${pad(Math.floor(nowMs), SEQ_WIDTH)}-${random}`;
  if (!SEGMENT_ID_RE.test(id)) throw invalid(`bad segment id suffix "${random}"`);
  return id;
}

/** Creation time (ms) encoded in a segment id, or null when the string is not a segment id. */
export function segmentIdTime(segmentId: string): number | null {
  return SEGMENT_ID_RE.test(segmentId) ? Number(segmentId.slice(0, SEQ_WIDTH)) : null;
}
