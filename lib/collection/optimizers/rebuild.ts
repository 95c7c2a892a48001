/**
 * The rebuild step (Qdrant's config-mismatch and indexing optimizers): a kept segment whose build parameters
 * differ from the config (../rebuild.ts says what "differs" means) is rewritten from its live points into one
 * replacement segment and retired. Bounded per run by a budget (the first stale segment is always taken), oldest
 * first; what is left is reported as pending for the next run. A rebuild keeps an existing graph. Pure: the
 * segments' build parameters are given (entries without `build` are judged from their meta.json, read before).
 */
import type { SegmentBuild, SegmentEntry } from '../manifest.js';
import { differs, rebuildIndexes } from '../rebuild.js';
import type { RebuildBudget } from '../rebuild.js';
import type { CollectionConfig } from '../../model/collection-config.js';

export interface RebuildStep {
  kind: 'rebuild';
  segment: SegmentEntry;
  /** whether the replacement gets a graph (it keeps one it had; rebuild.ts `rebuildIndexes`); undefined: by the threshold rule */
  index: boolean | undefined;
}

export function planRebuilds(args: {
  config: CollectionConfig;
  /** segments kept by this run (not merged away, not dropped), oldest first */
  candidates: readonly SegmentEntry[];
  live: (s: SegmentEntry) => number;
  /** build parameters of entries that lack `build` (by segment id) */
  builds: ReadonlyMap<string, SegmentBuild>;
  budget: RebuildBudget;
}): { steps: RebuildStep[]; pending: number } {
  const { config, live, budget } = args;
  const stale = args.candidates.filter((s) => {
    const build = s.build ?? args.builds.get(s.id);
    // an entry whose build could not be learned is left alone rather than rebuilt blindly
    return build !== undefined && differs(config, s.indexed, live(s), build);
  });
  const steps: RebuildStep[] = [];
  let points = 0;
  for (const s of stale) {
    if (steps.length >= budget.segments) break;
    if (steps.length > 0 && points + live(s) > budget.points) break;
    steps.push({ kind: 'rebuild', segment: s, index: rebuildIndexes(config, s.indexed, live(s)) });
    points += live(s);
  }
  return { steps, pending: stale.length - steps.length };
}
