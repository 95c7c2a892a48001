/**
 * The seal step (Qdrant's flush of the appendable segment, here the WAL tail): every unsealed WAL object is recorded
 * as sealed, every tail entry that beats the live copy of its point in the segments (readers' rule, snapshot.ts:
 * the newer version wins) becomes a fresh point (or, for a delete, nothing), and the copy it beats is tombstoned.
 * A late, older write loses to the sealed copy and is dropped. Pure: the tail and the live copies are read before.
 */
import type { LiveCopy } from '../segment-access.js';
import type { Tail, TailEntry } from '../tail.js';
import type { PointId } from '../../model/point-id.js';
import { emptyPoints } from './points.js';
import type { NewPoints } from './points.js';

export interface SealStep {
  kind: 'seal';
  /** WAL object names recorded as sealed by the swap (this incarnation's and foreign leftovers) */
  wal: string[];
  /** winning upserts, sorted by id (numbers first), to be written into new segments */
  fresh: NewPoints;
  /** per kept segment id: offsets of copies beaten by a tail entry */
  tombstones: Map<string, number[]>;
  /** how many offsets `tombstones` holds */
  tombstoned: number;
  /** unsealed WAL object names this seal leaves for a later run (the WAL floor must stay at or below them) */
  left: string[];
}

function byId(a: TailEntry, b: TailEntry): number {
  if (typeof a.id !== typeof b.id) return typeof a.id === 'number' ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function planSeal(tail: Tail, copies: ReadonlyMap<PointId, LiveCopy>, left: string[] = []): SealStep {
  const fresh = emptyPoints();
  const tombstones = new Map<string, number[]>();
  let tombstoned = 0;
  for (const e of [...tail.entries.values()].sort(byId)) {
    const copy = copies.get(e.id);
    if (copy !== undefined && copy.version >= e.version) continue; // a late, older write: the sealed copy stays
    if (copy !== undefined) {
      const list = tombstones.get(copy.segment.id) ?? [];
      list.push(copy.offset);
      tombstones.set(copy.segment.id, list);
      tombstoned++;
    }
    if (e.vectors !== null) {
      fresh.ids.push(e.id);
      fresh.versions.push(e.version);
      fresh.payloads.push(e.payload);
      fresh.vectors.push(e.vectors);
    }
  }
  return { kind: 'seal', wal: [...tail.names, ...tail.foreign], fresh, tombstones, tombstoned, left };
}
