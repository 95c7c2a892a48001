/**
 * A collection snapshot as one tar archive (download), and its restore into a collection (upload). The archive is a
 * Strata archive, not Qdrant's on-disk format: it restores into Strata only.
 *
 * | entry                        | what                                                                 |
 * |------------------------------|----------------------------------------------------------------------|
 * | `snapshot.json`              | the pin (collection-snapshots.ts): manifest + unsealed WAL names     |
 * | `segments/{id}/…`            | every object of each pinned segment (only its pinned tombstone)      |
 * | `wal/{name}`                 | each pinned unsealed WAL object                                      |
 * | `checksums.json` (last)      | SHA-256 of every entry above, by path                                |
 *
 * Invariants:
 * - Download streams: one store object is read and packed at a time.
 * - Restore checks the WHOLE archive (tar structure, every checksum, the entry set against checksums.json, paths)
 *   before writing anything: a corrupt or truncated archive is 'invalid' and leaves the store untouched.
 * - Restore writes the objects first and the manifest last, create-only: the collection appears whole or not at all
 *   (a crash in between leaves objects no manifest names, which garbage collection ages out as orphans).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { invalid } from '../model/errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { type SnapshotPin, decodePin } from './collection-snapshots.js';
import { manifestKey, parseWalName, walPrefix } from './keys.js';
import { createManifest, type Manifest } from './manifest.js';
import { segmentIdOfKey, segmentPrefix } from '../segment/keys.js';

export const PIN_ENTRY = 'snapshot.json';
export const CHECKSUMS_ENTRY = 'checksums.json';
const TOMBSTONE_RE = /\/deleted\.([0-9]+)$/;

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Store keys of everything the pin names, with their archive paths (relative to the collection prefix). */
async function pinnedKeys(store: ObjectStore, collection: string, pin: SnapshotPin): Promise<string[]> {
  const keys: string[] = [];
  for (const s of pin.manifest.segments) {
    for (const e of await store.list(segmentPrefix(collection, s.id))) {
      const t = TOMBSTONE_RE.exec(e.key);
      // later tombstone versions record deletes made after the snapshot
      if (t !== null && Number(t[1]) !== s.deletedVersion) continue;
      keys.push(e.key);
    }
  }
  for (const w of pin.wal) keys.push(walPrefix(collection) + w);
  return keys;
}

/** Adds one entry to an archive being written (resolves when the packer took it). */
export type AddEntry = (name: string, body: Uint8Array) => Promise<void>;

/**
 * Packs one collection's pin (as `{path}snapshot.json`) and every object it names (`{path}segments/…`,
 * `{path}wal/…`), reading them one at a time. `path` is '' in a collection archive, `collections/{name}/` in a
 * storage archive (storage-snapshots.ts).
 */
export async function packCollection(
  store: ObjectStore,
  collection: string,
  pinBytes: Uint8Array,
  add: AddEntry,
  path = '',
): Promise<void> {
  const pin = decodePin(pinBytes, PIN_ENTRY);
  await add(`${path}${PIN_ENTRY}`, pinBytes);
  for (const key of await pinnedKeys(store, collection, pin)) {
    const got = await store.get(key);
    if (got === null) throw new Error(`snapshot object ${key} is missing`);
    await add(path + key.slice(collection.length + 1), got.body);
  }
}

/**
 * A tar archive streamed as the consumer pulls: `fill` adds the entries, then `checksums.json` (SHA-256 of every
 * entry, in entry order) closes it. Entry times are `mtime` (the snapshot's), so the same snapshot always downloads
 * as the same bytes (checksums hold).
 */
export function tarArchive(mtime: Date, fill: (add: AddEntry) => Promise<void>): AsyncIterable<Uint8Array> {
  const pack = tar.pack();
  const sums: Record<string, string> = {};
  const add: AddEntry = (name, body) =>
    new Promise((resolve, reject) => {
      sums[name] = sha256(body);
      pack.entry(
        { name, size: body.byteLength, mtime },
        Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        (e) => (e ? reject(e) : resolve()),
      );
    });
  (async () => {
    await fill(add);
    await add(CHECKSUMS_ENTRY, Buffer.from(JSON.stringify(sums)));
    pack.finalize();
  })().catch((e: unknown) => pack.destroy(e as Error));
  return pack as AsyncIterable<Uint8Array>;
}

/** The archive of a pin, streamed: objects are read one at a time as the consumer pulls. */
export function archiveSnapshot(
  store: ObjectStore,
  collection: string,
  pinBytes: Uint8Array,
): AsyncIterable<Uint8Array> {
  const pin = decodePin(pinBytes, PIN_ENTRY);
  return tarArchive(new Date(pin.createdAt), (add) => packCollection(store, collection, pinBytes, add));
}

export interface CheckedArchive {
  pin: SnapshotPin;
  /** path relative to the collection prefix → body */
  objects: Map<string, Uint8Array>;
}

/**
 * Parses a whole tar archive and verifies it against its `checksums.json` (structure, every checksum, the entry
 * set); 'invalid' on any defect. Answers the entries, checksums.json left out.
 */
export async function readArchive(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const entries = new Map<string, Uint8Array>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c) => chunks.push(c as Buffer));
      stream.on('end', () => {
        if (header.type === 'file') entries.set(header.name, Buffer.concat(chunks));
        next();
      });
      stream.on('error', reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]).pipe(extract);
  try {
    await done;
  } catch (e) {
    throw invalid(`snapshot archive is not a valid tar archive: ${(e as Error).message}`);
  }
  const sumsBytes = entries.get(CHECKSUMS_ENTRY);
  if (sumsBytes === undefined || !entries.has(PIN_ENTRY)) {
    throw invalid(`snapshot archive is incomplete: ${PIN_ENTRY} or ${CHECKSUMS_ENTRY} missing (truncated?)`);
  }
  let sums: Record<string, string>;
  try {
    sums = JSON.parse(Buffer.from(sumsBytes).toString('utf8')) as Record<string, string>;
  } catch {
    throw invalid(`snapshot archive: ${CHECKSUMS_ENTRY} is not JSON`);
  }
  entries.delete(CHECKSUMS_ENTRY);
  if (entries.size !== Object.keys(sums).length) throw invalid('snapshot archive: entries and checksums disagree');
  for (const [n, body] of entries) {
    if (sums[n] === undefined || sums[n] !== sha256(body)) {
      throw invalid(`snapshot archive: checksum mismatch for ${n}`);
    }
  }
  return entries;
}

/**
 * Checks one collection's entries (paths relative to it: `snapshot.json`, `segments/…`, `wal/…`) against its pin:
 * every path well-formed, every pinned segment and WAL object present. `where` prefixes error messages.
 */
export function checkCollectionEntries(entries: Map<string, Uint8Array>, where = ''): CheckedArchive {
  const pinBytes = entries.get(PIN_ENTRY);
  if (pinBytes === undefined) throw invalid(`snapshot archive: ${where}${PIN_ENTRY} missing`);
  let pin: SnapshotPin;
  try {
    pin = decodePin(pinBytes, PIN_ENTRY);
  } catch {
    throw invalid(`snapshot archive: ${where}${PIN_ENTRY} is not a Strata snapshot`);
  }
  const objects = new Map<string, Uint8Array>();
  for (const [n, body] of entries) {
    if (n === PIN_ENTRY) continue;
    const isWal = n.startsWith('wal/') && parseWalName(n) !== null && !n.slice(4).includes('/');
    const isSegment = segmentIdOfKey('x', `x/${n}`) !== null && !n.split('/').includes('..');
    if (!isWal && !isSegment) throw invalid(`snapshot archive: unexpected entry ${where}${n}`);
    objects.set(n, body);
  }
  for (const s of pin.manifest.segments) {
    if (![...objects.keys()].some((k) => k.startsWith(`segments/${s.id}/`))) {
      throw invalid(`snapshot archive: ${where}segment ${s.id} has no objects`);
    }
  }
  for (const w of pin.wal) {
    if (!objects.has(`wal/${w}`)) throw invalid(`snapshot archive: ${where}WAL object ${w} missing`);
  }
  return { pin, objects };
}

/** Parses and verifies a whole collection archive (see the header); 'invalid' on any defect. */
export async function checkArchive(bytes: Uint8Array): Promise<CheckedArchive> {
  return checkCollectionEntries(await readArchive(bytes));
}

/** Writes a checked archive as the collection `name` at `collection` (which must not exist); manifest last. */
export async function restoreArchive(
  store: ObjectStore,
  collection: string,
  name: string,
  archive: CheckedArchive,
  now: number,
): Promise<void> {
  const all = [...archive.objects];
  for (let i = 0; i < all.length; i += 16) {
    await Promise.all(all.slice(i, i + 16).map(([path, body]) => store.put(`${collection}/${path}`, body)));
  }
  const m: Manifest = {
    ...archive.pin.manifest,
    name,
    epoch: 1,
    createdAt: now,
    retiredSegments: [],
    retiredTombstones: [],
  };
  await createManifest(store, manifestKey(collection), m);
}
