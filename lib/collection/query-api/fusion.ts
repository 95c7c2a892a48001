/**
 * Fusion of prefetch result lists into one ranking, with Qdrant's formulas (lib/segment/src/common/
 * reciprocal_rank_fusion.rs and score_fusion.rs):
 * - RRF: a point at 0-based position p of a list with weight w gains 1 / ((p + 1) / w + k - 1); k defaults to 2,
 *   so with weight 1 the top of a list gains 1/2. Input scores are ignored, only order matters. A weight ≤ 0 adds 0.
 * - DBSF: each list is normalized by its own mean ± 3 sample standard deviations to (score - lo) / (hi - lo)
 *   (unclamped; a list of one point, or of equal scores, normalizes to 0.5), then the scores of a point are summed.
 *
 * Invariants: one output entry per id (the first copy seen keeps its `item`); order by fused score descending,
 * ties by id so pages are stable. Inputs are ordered best first, as every prefetch returns them.
 */
import { compareIds } from '../merge.js';
import type { PointId } from '../../model/point-id.js';

export const DEFAULT_RRF_K = 2;

export interface Ranked<T> {
  id: PointId;
  score: number;
  item: T;
}

function collect<T>(lists: readonly (readonly Ranked<T>[])[], scoreOf: (list: number, pos: number) => number) {
  const fused = new Map<PointId, Ranked<T>>();
  lists.forEach((list, li) => {
    list.forEach((r, pos) => {
      const s = scoreOf(li, pos);
      const prev = fused.get(r.id);
      if (prev === undefined) fused.set(r.id, { id: r.id, score: s, item: r.item });
      else prev.score += s;
    });
  });
  return [...fused.values()].sort((a, b) => (a.score !== b.score ? b.score - a.score : compareIds(a.id, b.id)));
}

export function rrfPositionScore(position: number, k: number, weight: number): number {
  if (weight <= 0) return 0;
  return 1 / ((position + 1) / weight + k - 1);
}

/** Reciprocal rank fusion; `weights`, when given, has one entry per list (the caller checks the length). */
export function rrf<T>(lists: readonly (readonly Ranked<T>[])[], k = DEFAULT_RRF_K, weights?: readonly number[]) {
  return collect(lists, (li, pos) => rrfPositionScore(pos, k, weights?.[li] ?? 1));
}

/** One list's scores normalized by mean ± 3σ (sample variance, as Qdrant's Welford pass). */
export function distributionNormalize(scores: readonly number[]): number[] {
  if (scores.length < 2) return scores.map(() => 0.5);
  let mean = 0;
  for (const s of scores) mean += s;
  mean /= scores.length;
  let sq = 0;
  for (const s of scores) sq += (s - mean) * (s - mean);
  const std = Math.sqrt(sq / (scores.length - 1));
  const lo = mean - 3 * std;
  const hi = mean + 3 * std;
  if (lo === hi) return scores.map(() => 0.5);
  return scores.map((s) => (s - lo) / (hi - lo));
}

/** Distribution-based score fusion. */
export function dbsf<T>(lists: readonly (readonly Ranked<T>[])[]) {
  const normalized = lists.map((l) => distributionNormalize(l.map((r) => r.score)));
  return collect(lists, (li, pos) => normalized[li][pos]);
}
