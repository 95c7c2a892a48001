/**
 * Garbage collection of a collection's objects that no current manifest needs:
 * - merged-away segments and superseded tombstone versions, once they left the manifest more than `graceMs` ago
 *   (a reader or worker holding an older manifest may still read them);
 * - sealed WAL objects once they were sealed more than `walGraceMs` ago. A reader whose manifest predates the seal
 *   needs the object between its manifest read and its WAL read (one query, seconds), so this grace can be far
 *   shorter, which keeps the WAL listing every query makes short: it holds the unsealed tail plus only the last
 *   `walGraceMs` of sealed objects;
 * - orphans: segment folders and tombstone versions no manifest ever named (an optimizer crashed or lost its swap),
 *   once they are older than `graceMs` by the time in their name (keys.ts segment ids, optimizer tombstone
 *   versions), or by the store's lastModified for names that carry no time.
 *
 * - never an object a collection snapshot pins (collection-snapshots.ts): the segments, tombstone versions and WAL
 *   objects its manifest and WAL list name. Their entries stay in the manifest's retired/sealed lists until the
 *   snapshot is deleted, so the first run after that frees them (a sealed WAL entry must outlive its object: a
 *   reader would otherwise fold a still-listed object in again).
 *
 * Order: objects are deleted FIRST, then their names leave the manifest in one conditional swap. A crash in
 * between leaves names of missing objects, which the next run deletes again (deletes are idempotent) and drops; the
 * reverse order could leave a listed WAL object that no manifest records as sealed, and readers would fold it in
 * again.
 * An orphan is never younger than the grace period, and an optimizer gives up on a plan older than half of it
 * (optimizer.ts), so an in-flight optimizer's segments are never collected.
 */
import type { ObjectStore } from '../storage/object-store.js';
import { loadPins } from './collection-snapshots.js';
import { manifestKey, segmentIdTime, walPrefix } from './keys.js';
import { segmentIdOfKey, segmentsRoot } from '../segment/keys.js';
import type { Manifest } from './manifest.js';
import { loadManifest, updateManifest } from './manifest.js';

export interface GcOptions {
  now: () => number;
  graceMs: number;
  /** @default graceMs */
  walGraceMs?: number;
}

export interface GcResult {
  deletedWal: number;
  deletedSegments: number;
  deletedTombstones: number;
  deletedOrphans: number;
}

const TOMBSTONE_RE = /\/deleted\.([0-9]+)$/;

export async function collectGarbage(store: ObjectStore, collection: string, o: GcOptions): Promise<GcResult> {
  const result: GcResult = { deletedWal: 0, deletedSegments: 0, deletedTombstones: 0, deletedOrphans: 0 };
  const key = manifestKey(collection);
  const [current, segmentObjects, pins] = await Promise.all([
    loadManifest(store, key),
    store.list(segmentsRoot(collection)),
    loadPins(store, collection),
  ]);
  if (current === null) return result;
  const pinnedSegments = new Set(pins.flatMap((p) => p.manifest.segments.map((s) => s.id)));
  const pinnedTomb = new Set(
    pins.flatMap((p) =>
      p.manifest.segments.filter((s) => s.deletedVersion > 0).map((s) => `${s.id}/${s.deletedVersion}`),
    ),
  );
  const pinnedWal = new Set(pins.flatMap((p) => p.wal));
  const m: Manifest = current.manifest;
  const cutoff = o.now() - o.graceMs;
  const walCutoff = o.now() - (o.walGraceMs ?? o.graceMs);

  const walDone = m.sealedWal.filter((w) => w.at < walCutoff && !pinnedWal.has(w.name)).map((w) => w.name);
  const segDone = new Set(m.retiredSegments.filter((s) => s.at < cutoff && !pinnedSegments.has(s.id)).map((s) => s.id));
  const tombDone = m.retiredTombstones.filter((t) => t.at < cutoff && !pinnedTomb.has(`${t.segment}/${t.version}`));
  const tombDoneKeys = new Set(tombDone.map((t) => `${t.segment}/${t.version}`));

  const named = new Set<string>([
    ...m.segments.map((s) => s.id),
    ...m.retiredSegments.map((s) => s.id),
    ...pinnedSegments,
  ]);
  const liveTomb = new Map(m.segments.map((s) => [s.id, s.deletedVersion]));
  const retiredTomb = new Set(m.retiredTombstones.map((t) => `${t.segment}/${t.version}`));
  const doomed: string[] = [];
  for (const obj of segmentObjects) {
    const id = segmentIdOfKey(collection, obj.key);
    if (id === null) continue;
    if (segDone.has(id)) {
      doomed.push(obj.key);
      continue;
    }
    if (!named.has(id)) {
      const born = segmentIdTime(id) ?? obj.lastModified.getTime();
      if (born < cutoff) {
        doomed.push(obj.key);
        result.deletedOrphans++;
      }
      continue;
    }
    const t = TOMBSTONE_RE.exec(obj.key);
    if (t === null) continue;
    const version = Number(t[1]);
    const tk = `${id}/${version}`;
    if (tombDoneKeys.has(tk)) {
      doomed.push(obj.key);
      continue;
    }
    // a tombstone version of a named segment that no manifest names: a losing or crashed optimizer's
    if (liveTomb.get(id) !== version && !retiredTomb.has(tk) && !pinnedTomb.has(tk) && version < cutoff) {
      doomed.push(obj.key);
      result.deletedOrphans++;
    }
  }
  const walKeys = walDone.map((n) => walPrefix(collection) + n);
  const all = [...walKeys, ...doomed];
  for (let i = 0; i < all.length; i += 32) await Promise.all(all.slice(i, i + 32).map((k) => store.delete(k)));

  if (walDone.length + segDone.size + tombDone.length > 0) {
    const walSet = new Set(walDone);
    await updateManifest(store, key, (cur) => ({
      ...cur,
      sealedWal: cur.sealedWal.filter((w) => !walSet.has(w.name)),
      retiredSegments: cur.retiredSegments.filter((s) => !segDone.has(s.id)),
      retiredTombstones: cur.retiredTombstones.filter((t) => !tombDoneKeys.has(`${t.segment}/${t.version}`)),
    }));
  }
  result.deletedWal = walDone.length;
  result.deletedSegments = segDone.size;
  result.deletedTombstones = tombDone.length;
  return result;
}
