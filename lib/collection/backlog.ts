/**
 * What the optimizer still has to do for one collection, read from a snapshot: the unsealed WAL tail (a seal) and the
 * segments built with parameters the config no longer has (rebuilds). It backs `GET /collections/{c}/optimizations`
 * (the queued part; what is running is known only to the process running it) and the WAL-backlog metrics.
 *
 * Invariant: it reads, never writes; the counts are those of one snapshot (manifest + WAL listing taken together).
 */
import { entryDiffers } from './rebuild.js';
import type { Snapshot } from './snapshot.js';

export interface SegmentWork {
  id: string;
  /** live points (rows minus tombstoned) */
  points: number;
}

export interface OptimizerBacklog {
  /** unsealed WAL objects and the distinct points they hold (the next seal's input) */
  walObjects: number;
  walPoints: number;
  /** segments the next runs rebuild to the current config */
  stale: SegmentWork[];
  /** segments with nothing to do */
  idle: SegmentWork[];
}

export function backlogOf(snap: Snapshot): OptimizerBacklog {
  const { config, segments } = snap.manifest;
  const stale: SegmentWork[] = [];
  const idle: SegmentWork[] = [];
  for (const s of segments) (entryDiffers(config, s) ? stale : idle).push({ id: s.id, points: s.points - s.deleted });
  return { walObjects: snap.tail.names.length, walPoints: snap.tail.entries.size, stale, idle };
}
