/**
 * The merge step (Qdrant's merge optimizer): where a seal's fresh points go, and which small segments join them so
 * the segment count stays at `default_segment_number`.
 * - First seal (no segments yet): the fresh points are split into `target` balanced segments, more when
 *   `max_segment_size` demands.
 * - Later seals: the fresh points become one new segment; when that makes more than `target`, the smallest
 *   segments are merged with them (the fresh points counting as one segment of their own size), never past
 *   `max_segment_size` (a merge that would pass it is skipped and the count stays above target).
 * - A run with nothing to seal starts no merge (those come with the next seal).
 * Pure: live counts after this run's tombstones are given.
 */
import type { SegmentEntry } from '../manifest.js';

export interface MergeStep {
  kind: 'merge';
  /** segments whose live points are rewritten together with the seal's fresh points, then retired */
  sources: SegmentEntry[];
}

export interface Layout {
  /** first seal: split the fresh points into this many segments; null: write them (with any merge) by max size */
  firstSealParts: number | null;
  merge: MergeStep | null;
}

export function planLayout(args: {
  segments: readonly SegmentEntry[];
  /** segments that keep live points after this run's tombstones */
  kept: readonly SegmentEntry[];
  live: (s: SegmentEntry) => number;
  fresh: number;
  sealing: boolean;
  target: number;
  maxPoints: number;
}): Layout {
  const { kept, live, fresh, target, maxPoints } = args;
  if (args.segments.length === 0) {
    return { firstSealParts: fresh > 0 ? Math.max(target, Math.ceil(fresh / maxPoints)) : null, merge: null };
  }
  const count = kept.length + (fresh > 0 ? 1 : 0);
  if (!args.sealing || count <= target) return { firstSealParts: null, merge: null };
  const sizes = kept.map((s) => ({ s, n: live(s) })).sort((a, b) => a.n - b.n);
  const mergeCount = count - target + 1 - (fresh > 0 ? 1 : 0);
  const sources: SegmentEntry[] = [];
  let total = fresh;
  for (const x of sizes.slice(0, Math.max(0, mergeCount))) {
    if (total + x.n > maxPoints) break;
    total += x.n;
    sources.push(x.s);
  }
  return { firstSealParts: null, merge: sources.length > 0 ? { kind: 'merge', sources } : null };
}
