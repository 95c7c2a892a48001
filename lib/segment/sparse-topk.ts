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
 * Scratch of every search in this process, grown to the largest segment seen and never shrunk: per point a score
 * and a mark (0 unseen, 1 candidate, 2 refused by `accept`), the points marked, and room to select the k-th score.
 * Searches are synchronous, so no two use it at once; each resets exactly the points it marked, so a search costs
 * what its postings cost, not what the segment's size costs.
 */
const scratch = {
  scores: new Float64Array(0),
  seen: new Uint8Array(0),
  marked: new Uint32Array(0),
  select: new Float64Array(0),
};

function grow(count: number): void {
  if (scratch.scores.length >= count) return;
  const size = Math.max(count, 2 * scratch.scores.length);
  scratch.scores = new Float64Array(size);
  scratch.seen = new Uint8Array(size);
  scratch.marked = new Uint32Array(size);
  scratch.select = new Float64Array(size);
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
  grow(count);
  const { scores, seen, marked } = scratch;
  let nMarked = 0;
  let candidates = 0;
  try {
    let kth = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < terms.length; t++) {
      const { d, w } = terms[t];
      const { points, weights } = listOf(d);
      // new points cannot enter the top-k any more: only points already seen are updated
      const closed = prunable && candidates >= limit && remaining[t] < kth;
      if (closed) stats.skippedLists++;
      for (let k = 0; k < points.length; k++) {
        const o = points[k];
        const mark = seen[o];
        if (mark === 0) {
          if (closed) continue;
          marked[nMarked++] = o;
          if (accept !== null && !accept(o)) {
            seen[o] = 2;
            continue;
          }
          seen[o] = 1;
          candidates++;
        } else if (mark === 2) continue;
        scores[o] += w * weights[k];
        stats.postings++;
      }
      if (prunable && !closed && candidates >= limit && t + 1 < terms.length) {
        kth = kthLargest(marked, nMarked, limit);
      }
    }
    return best(marked, nMarked, limit, minScore, stats);
  } finally {
    for (let i = 0; i < nMarked; i++) {
      scores[marked[i]] = 0;
      seen[marked[i]] = 0;
    }
  }
}

/** The k-th largest score among the candidates marked: a lower bound of the final k-th when contributions are ≥ 0. */
function kthLargest(marked: Uint32Array, nMarked: number, k: number): number {
  const { scores, seen, select } = scratch;
  let n = 0;
  for (let i = 0; i < nMarked; i++) if (seen[marked[i]] === 1) select[n++] = scores[marked[i]];
  // quickselect of index n - k in ascending order (Hoare partitions, middle pivot)
  const target = n - k;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = select[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (select[i] < pivot) i++;
      while (select[j] > pivot) j--;
      if (i <= j) {
        const x = select[i];
        select[i++] = select[j];
        select[j--] = x;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return select[target];
}

/** The best `limit` candidates (score, then offset), through a bounded heap: O(candidates · log limit). */
function best(
  marked: Uint32Array,
  nMarked: number,
  limit: number,
  minScore: number | undefined,
  stats: SparseSearchStats,
): SparseHits {
  const { scores, seen } = scratch;
  const heap: number[] = [];
  // heap[0] is the worst kept: lower score, or equal score and larger offset
  const worse = (a: number, b: number) => scores[a] < scores[b] || (scores[a] === scores[b] && a > b);
  for (let i = 0; i < nMarked; i++) {
    const o = marked[i];
    if (seen[o] !== 1 || (minScore !== undefined && scores[o] < minScore)) continue;
    if (heap.length < limit) {
      heap.push(o);
      let c = heap.length - 1;
      while (c > 0 && worse(heap[c], heap[(c - 1) >> 1])) {
        const p = (c - 1) >> 1;
        [heap[c], heap[p]] = [heap[p], heap[c]];
        c = p;
      }
    } else if (limit > 0 && worse(heap[0], o)) {
      heap[0] = o;
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        let m = c;
        if (l < heap.length && worse(heap[l], heap[m])) m = l;
        if (l + 1 < heap.length && worse(heap[l + 1], heap[m])) m = l + 1;
        if (m === c) break;
        [heap[c], heap[m]] = [heap[m], heap[c]];
        c = m;
      }
    }
  }
  heap.sort((a, b) => (scores[b] !== scores[a] ? scores[b] - scores[a] : a - b));
  return { offsets: Uint32Array.from(heap), scores: Float64Array.from(heap, (o) => scores[o]), stats };
}
