/**
 * The vacuum step: segments this run leaves with no live point leave the manifest in the run's swap (nothing is
 * rewritten for them), and afterwards garbage collection (../gc.ts) deletes what no manifest needs any more, each
 * a grace period after it left. Pure: live counts after this run's tombstones are given.
 */
import type { SegmentEntry } from '../manifest.js';

export interface VacuumStep {
  kind: 'vacuum';
  /** segment ids with no live point left: retired by the swap */
  drop: string[];
  /** collect garbage after the swap (tests that inspect leftovers turn it off) */
  gc: boolean;
}

export function planVacuum(
  segments: readonly SegmentEntry[],
  live: (s: SegmentEntry) => number,
  gc: boolean,
): VacuumStep {
  return { kind: 'vacuum', drop: segments.filter((s) => live(s) <= 0).map((s) => s.id), gc };
}
