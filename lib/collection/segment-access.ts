/**
 * Coordinator-side access to sealed segments for everything that is not a vector search: point lookups (get,
 * payload updates, late WAL entries), scroll and count. Vector search goes to the workers (segment-task.ts).
 *
 * Invariants:
 * - Only segments and tombstone versions named by the caller's manifest snapshot are read; nothing here lists the
 *   segments folder, so a segment no manifest names (an orphan of a crashed optimizer) is never read.
 * - Segment objects are immutable, so decoded `ids` tables and tombstone bitmaps are cached by key.
 */
import type { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import { IdTable } from '../segment/ids-format.js';
import type { PointOffset } from '../segment/ids-format.js';
import { IDS, segmentObjectKey, tombstoneKeyOf } from '../segment/keys.js';
import { decodeTombstones } from '../segment/tombstones.js';
import type { Tombstones } from '../segment/tombstones.js';
import { internal } from '../errors.js';
import { segmentPrefix } from './keys.js';
import type { SegmentEntry } from './manifest.js';
import type { PointId } from './types.js';

/** decoded id tables / tombstone bitmaps kept per process (each is a few bytes per point) */
const MAX_CACHED = 1024;

export interface LiveCopy {
  segment: SegmentEntry;
  offset: PointOffset;
  version: number;
}

export class SegmentAccess {
  private readonly idTables = new Map<string, Promise<IdTable>>();
  private readonly tombs = new Map<string, Promise<Tombstones>>();

  constructor(private readonly store: ObjectStore) {}

  ids(collection: string, segmentId: string, io?: IoScope): Promise<IdTable> {
    const key = segmentObjectKey(segmentPrefix(collection, segmentId), IDS);
    return this.cached(this.idTables, key, async () => {
      const got = await this.store.get(key, { io });
      if (got === null) throw internal(`segment object ${key} is missing`);
      return new IdTable(got.body, key);
    });
  }

  /** The tombstones of a segment at a version, or null for version 0 (nothing deleted). */
  async tombstones(collection: string, segmentId: string, version: number, io?: IoScope): Promise<Tombstones | null> {
    if (version === 0) return null;
    const key = tombstoneKeyOf(segmentPrefix(collection, segmentId), version);
    return this.cached(this.tombs, key, async () => {
      const got = await this.store.get(key, { io });
      if (got === null) throw internal(`tombstone object ${key} is missing`);
      return decodeTombstones(got.body, key);
    });
  }

  /** Live (not tombstoned) copies of `ids` among `segments`. A consistent manifest holds at most one per id. */
  async liveCopies(
    collection: string,
    segments: readonly SegmentEntry[],
    ids: readonly PointId[],
    io?: IoScope,
  ): Promise<Map<PointId, LiveCopy>> {
    const out = new Map<PointId, LiveCopy>();
    if (ids.length === 0) return out;
    await Promise.all(
      segments.map(async (segment) => {
        const [table, tomb] = await Promise.all([
          this.ids(collection, segment.id, io),
          this.tombstones(collection, segment.id, segment.deletedVersion, io),
        ]);
        for (const id of ids) {
          const offset = table.offsetOf(id);
          if (offset < 0 || (tomb !== null && tomb.has(offset))) continue;
          const version = table.version(offset);
          const prev = out.get(id);
          if (prev === undefined || version > prev.version) out.set(id, { segment, offset, version });
        }
      }),
    );
    return out;
  }

  /** Every live point of a segment as (id, offset, version), in offset order. */
  async livePoints(
    collection: string,
    segment: SegmentEntry,
    io?: IoScope,
  ): Promise<{ id: PointId; offset: PointOffset; version: number }[]> {
    const [table, tomb] = await Promise.all([
      this.ids(collection, segment.id, io),
      this.tombstones(collection, segment.id, segment.deletedVersion, io),
    ]);
    const out: { id: PointId; offset: PointOffset; version: number }[] = [];
    for (let o = 0; o < table.count; o++) {
      if (tomb !== null && tomb.has(o)) continue;
      out.push({ id: table.externalId(o), offset: o, version: table.version(o) });
    }
    return out;
  }

  /** Drops cached objects of a collection (after it was deleted). */
  forget(collection: string): void {
    for (const m of [this.idTables, this.tombs] as Map<string, unknown>[]) {
      for (const k of [...m.keys()]) if (k.startsWith(`${collection}/`)) m.delete(k);
    }
  }

  private cached<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    let p = map.get(key);
    if (p === undefined) {
      p = load();
      map.set(key, p);
      p.catch(() => map.delete(key));
      // segments merged away are never asked for again: keep the most recent entries only
      if (map.size > MAX_CACHED) map.delete(map.keys().next().value as string);
    } else {
      map.delete(key);
      map.set(key, p);
    }
    return p;
  }
}
