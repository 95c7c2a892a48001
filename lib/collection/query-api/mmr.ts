/**
 * Maximal marginal relevance (Qdrant's lib/shard/src/query/mmr): from candidates that carry their vectors, pick
 * the most relevant first, then repeatedly the candidate maximizing λ·sim(query) − (1 − λ)·max sim(selected),
 * with λ = 1 − diversity (diversity defaults to 0.5). Candidates keep their own scores (the nearest-search score),
 * as Qdrant returns them: MMR chooses and orders, it does not re-score.
 *
 * Invariants: fewer than two candidates are returned as given; ties go to the earlier candidate (input order is
 * the search order, best first); pairwise similarities are computed lazily, each pair at most once.
 */
export const DEFAULT_MMR_DIVERSITY = 0.5;

export function mmrSelect<T>(
  candidates: readonly T[],
  relevance: readonly number[],
  pairSim: (a: T, b: T) => number,
  diversity: number,
  limit: number,
): T[] {
  const n = candidates.length;
  if (limit <= 0 || n === 0) return [];
  if (n < 2) return candidates.slice(0, limit);
  const lambda = 1 - diversity;
  // max similarity of each remaining candidate to the selected set, updated with each new selection
  const maxSimToSelected = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  const taken = new Uint8Array(n);
  const order: number[] = [];
  let first = 0;
  for (let i = 1; i < n; i++) if (relevance[i] > relevance[first]) first = i;
  let last = first;
  taken[first] = 1;
  order.push(first);
  while (order.length < limit && order.length < n) {
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      if (taken[i]) continue;
      const s = pairSim(candidates[i], candidates[last]);
      if (s > maxSimToSelected[i]) maxSimToSelected[i] = s;
      const score = lambda * relevance[i] - (1 - lambda) * maxSimToSelected[i];
      if (best < 0 || score > bestScore) {
        best = i;
        bestScore = score;
      }
    }
    taken[best] = 1;
    order.push(best);
    last = best;
  }
  return order.map((i) => candidates[i]);
}
