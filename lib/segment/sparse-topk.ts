/**
 * The exact top-k of a sparse query over an inverted index, whichever reader holds the lists (the whole object in
 * memory, or the query's lists paged in: sparse-index.ts, sparse-paged.ts). Pure: typed arrays in, typed arrays out.
 *
 * Invariants: search is exact (Qdrant's sparse search is): every point sharing a query dimension is scored with
 * the full dot product, accumulated in float64 over the query's posting lists only; a point sharing none is never
 * a result (as in Qdrant's inverted index). List maxima bound a dimension's contribution: a list whose bound cannot
 * lift any point into the top-k once k candidates are known adds no new candidate (MaxScore pruning), so skipping
 * never changes the answer.
 */
import type { SparseVector } from '../model/sparse-vector.js';
import { type PostingList, type SparseDirectory, slotOf } from './sparse-format.js';

/** What one sparse search did (counters for the cost report and the benchmark). */
export interface SparseSearchStats {
  /** postings read (the engine's "distances") */
  postings: number;
  /** query lists that could add no new candidate (MaxScore pruning) */
  skippedLists: number;
}

export interface SparseHits {
  offsets: Uint32Array;
  scores: Float64Array;
  stats: SparseSearchStats;
}

/** One query dimension present in the index: its list's slot, the query weight and its largest contribution. */
export interface SparseTerm {
  d: number;
  w: number;
  bound: number;
}

/** The query's dimensions that have a list (zero weights dropped), largest bound first. */
export function queryTerms(dir: SparseDirectory, q: SparseVector): SparseTerm[] {
  const terms: SparseTerm[] = [];
  for (let i = 0; i < q.indices.length; i++) {
    const d = slotOf(dir, q.indices[i]);
    if (d < 0 || q.values[i] === 0) continue;
    const w = q.values[i];
    terms.push({ d, w, bound: Math.max(w * dir.listMax[d], w * dir.listMin[d]) });
  }
  return terms.sort((a, b) => b.bound - a.bound);
}

/**
 * The exact top `limit` points by dot product among those `accept` allows (null: all), best first, ties by offset;
 * `minScore` drops lower scores. Term-at-a-time over `terms` (queryTerms' order); once k candidates are known, a
 * list whose remaining bound (the sum of its and every later list's largest contribution) cannot beat the k-th
 * score adds no NEW candidate, only scores of points already seen.
 */
export function sparseTopK(
  dir: SparseDirectory,
  terms: readonly SparseTerm[],
  listOf: (d: number) => PostingList,
  limit: number,
  accept: ((o: number) => boolean) | null,
  count: number,
  minScore?: number,
): SparseHits {
  const stats = { postings: 0, skippedLists: 0 };
  // partial scores are lower bounds of final ones only when every contribution is non-negative
  const prunable = terms.every((t) => t.w > 0 && dir.listMin[t.d] >= 0);
  // remaining[t] = Σ bounds of terms t.. (what a point first seen at term t can still reach)
  const remaining = new Float64Array(terms.length + 1);
  for (let t = terms.length - 1; t >= 0; t--) remaining[t] = remaining[t + 1] + Math.max(0, terms[t].bound);
  const scores = new Float64Array(count);
  const seen = new Uint8Array(count);
  const touched: number[] = [];
  let kth = Number.NEGATIVE_INFINITY;
  for (let t = 0; t < terms.length; t++) {
    const { d, w } = terms[t];
    const { points, weights } = listOf(d);
    // new points cannot enter the top-k any more: only points already seen are updated
    const closed = prunable && touched.length >= limit && remaining[t] < kth;
    if (closed) stats.skippedLists++;
    for (let k = 0; k < points.length; k++) {
      const o = points[k];
      if (seen[o] === 0) {
        if (closed) continue;
        if (accept !== null && !accept(o)) {
          seen[o] = 2;
          continue;
        }
        seen[o] = 1;
        touched.push(o);
      } else if (seen[o] === 2) continue;
      scores[o] += w * weights[k];
      stats.postings++;
    }
    if (prunable && !closed && touched.length >= limit && t + 1 < terms.length) {
      kth = kthLargest(scores, touched, limit);
    }
  }
  const out = touched.filter((o) => minScore === undefined || scores[o] >= minScore);
  out.sort((a, b) => (scores[b] !== scores[a] ? scores[b] - scores[a] : a - b));
  const top = out.slice(0, limit);
  return { offsets: Uint32Array.from(top), scores: Float64Array.from(top, (o) => scores[o]), stats };
}

/** The k-th largest score among `touched`: a lower bound of the final k-th score when contributions are ≥ 0. */
function kthLargest(scores: Float64Array, touched: readonly number[], k: number): number {
  const s = Float64Array.from(touched, (o) => scores[o]).sort();
  return s[s.length - k];
}
