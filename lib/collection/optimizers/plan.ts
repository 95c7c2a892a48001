/**
 * The optimizer's planner: a PURE function from what a run read (manifest, WAL tail, live copies of the tail's
 * points, build parameters of legacy entries) to the steps that bring the collection to its config, as Qdrant
 * splits its optimizers: seal (seal.ts), merge (merge.ts), rebuild (rebuild.ts), vacuum (vacuum.ts). The executor
 * (execute.ts) carries the steps out and commits them in ONE conditional manifest swap.
 *
 * Invariants:
 * - No I/O, no clock: the same inputs give the same plan (unit-tested per step).
 * - `commits` is false when there is nothing to seal and nothing to rebuild: such a run only collects garbage (it
 *   never starts a merge or drops a segment on its own).
 * - The live count of a segment is its manifest count less this run's new tombstones; a segment at 0 is dropped,
 *   never merged or rebuilt.
 */
import type { Manifest, SegmentBuild, SegmentEntry } from '../manifest.js';
import { DEFAULT_REBUILD_BUDGET } from '../rebuild.js';
import type { RebuildBudget } from '../rebuild.js';
import type { LiveCopy } from '../segment-access.js';
import type { Tail } from '../tail.js';
import type { PointId } from '../../model/point-id.js';
import { planLayout } from './merge.js';
import type { MergeStep } from './merge.js';
import { maxSegmentPoints } from './points.js';
import { planRebuilds } from './rebuild.js';
import type { RebuildStep } from './rebuild.js';
import { planSeal } from './seal.js';
import type { SealStep } from './seal.js';
import { planVacuum } from './vacuum.js';
import type { VacuumStep } from './vacuum.js';

export type { MergeStep, RebuildStep, SealStep, VacuumStep };
export type Step = SealStep | MergeStep | RebuildStep | VacuumStep;

export interface PlanInput {
  manifest: Manifest;
  tail: Tail;
  /** live copies in the manifest's segments of the tail's point ids */
  copies: ReadonlyMap<PointId, LiveCopy>;
  /** build parameters of segments whose entry lacks `build` */
  builds: ReadonlyMap<string, SegmentBuild>;
  /** unsealed WAL objects beyond this pass's slice (`tail` holds the slice only), sealed by a later pass */
  left?: string[];
}

export interface PlanOptions {
  /** segment count when `default_segment_number` is 0 (engine chooses) @default 1 */
  autoSegments?: number;
  rebuild?: RebuildBudget;
  /** @default true */
  gc?: boolean;
}

export interface Plan {
  seal: SealStep;
  /** first seal: the fresh points are split into this many segments; null: written with the merge by max size */
  firstSealParts: number | null;
  merge: MergeStep | null;
  rebuilds: RebuildStep[];
  vacuum: VacuumStep;
  /** stale segments left for later runs by the rebuild budget */
  pendingRebuilds: number;
  /** points per new segment allowed by max_segment_size */
  maxPoints: number;
  /** whether the plan changes the manifest (else the run only collects garbage) */
  commits: boolean;
  /** every step in execution order (seal, merge, rebuilds, vacuum), for logs and tests */
  steps: Step[];
}

/** Segments whose live count `plan` would compute: the manifest's less this run's tombstones. */
export function liveAfter(seal: SealStep): (s: SegmentEntry) => number {
  return (s) => s.points - s.deleted - (seal.tombstones.get(s.id)?.length ?? 0);
}

export function plan(input: PlanInput, options: PlanOptions = {}): Plan {
  const { manifest: m } = input;
  const config = m.config;
  const seal = planSeal(input.tail, input.copies, input.left ?? []);
  const live = liveAfter(seal);
  const target = Math.max(1, config.optimizers_config.default_segment_number || (options.autoSegments ?? 1));
  const maxPoints = maxSegmentPoints(config);
  const kept = m.segments.filter((s) => live(s) > 0);
  const sealing = seal.wal.length > 0;
  const layout = planLayout({
    segments: m.segments,
    kept,
    live,
    fresh: seal.fresh.ids.length,
    sealing,
    target,
    maxPoints,
  });
  const merging = new Set(layout.merge?.sources.map((s) => s.id) ?? []);
  const { steps: rebuilds, pending } = planRebuilds({
    config,
    candidates: kept.filter((s) => !merging.has(s.id)),
    live,
    builds: input.builds,
    budget: options.rebuild ?? DEFAULT_REBUILD_BUDGET,
  });
  const commits = sealing || rebuilds.length > 0;
  // a run that commits nothing drops nothing either: it only collects garbage
  const vacuum = planVacuum(commits ? m.segments : [], live, options.gc ?? true);
  const steps: Step[] = [...(sealing ? [seal] : []), ...(layout.merge ? [layout.merge] : []), ...rebuilds, vacuum];
  return {
    seal,
    firstSealParts: layout.firstSealParts,
    merge: layout.merge,
    rebuilds,
    vacuum,
    pendingRebuilds: pending,
    maxPoints,
    commits,
    steps,
  };
}
