/**
 * Merging candidates from segments and the WAL tail into one ranked list.
 *
 * Invariants:
 * - One result per point id: the copy with the newest version wins, whatever its score (a stale copy never
 *   outranks the write that replaced it, §4.2). Segments never hold two live copies of a point (the optimizer
 *   tombstones the older), and the WAL tail is excluded from segments through the task's `exclude` (a segment
 *   copy of a tail winner that comes back anyway is dropped before the merge, query.ts), so this rule only decides
 *   the rare late-WAL case (tail.ts).
 * - Order: similarity descending (larger = closer, lib/distance), ties by id so pages are stable across calls.
 */
import TinyQueue from 'tinyqueue';
import { compareIds } from '../model/point-id.js';
import type { PointId } from '../model/point-id.js';

// the id order lives in lib/model so segment workers break ties the same way the merge does
export { compareIds };

export interface Candidate {
  id: PointId;
  version: number;
  similarity: number;
  /** segment id, or null for a WAL-tail point */
  segment: string | null;
}

export function compareCandidates(a: Candidate, b: Candidate): number {
  if (a.similarity !== b.similarity) return b.similarity - a.similarity;
  return compareIds(a.id, b.id);
}

/** Dedupes by id (newest version wins) and ranks; returns the page [offset, offset + limit). */
export function mergeCandidates<C extends Candidate>(
  lists: Iterable<readonly C[]>,
  offset: number,
  limit: number,
): C[] {
  const best = new Map<PointId, C>();
  for (const list of lists) {
    for (const c of list) {
      const prev = best.get(c.id);
      if (
        prev === undefined ||
        c.version > prev.version ||
        (c.version === prev.version && prev.segment !== null && c.segment === null)
      ) {
        best.set(c.id, c);
      }
    }
  }
  return topOf([...best.values()], offset + limit).slice(offset, offset + limit);
}

/**
 * The first `m` of `all` in compareCandidates order (a total order: ids are unique after the dedupe), sorted. Past
 * a few times m, a bounded priority queue of the m best so far instead of sorting everything: a query under a
 * writer merges a WAL tail of thousands of scored points for its top 10 (the sort was ~5% of the local server's main
 * thread under query load).
 */
function topOf<C extends Candidate>(all: C[], m: number): C[] {
  if (all.length <= 4 * m) return all.sort(compareCandidates).slice(0, m);
  const top = new TopCandidates<C>(m);
  for (const c of all) top.offer(c);
  return top.sorted();
}

/** The m best candidates offered so far (compareCandidates order), in a bounded priority queue (tinyqueue). */
export class TopCandidates<C extends Candidate> {
  /** the worst kept candidate on top */
  private readonly kept = new TinyQueue<C>([], (a, b) => compareCandidates(b, a));

  constructor(private readonly m: number) {}

  /**
   * Whether a candidate of this similarity may enter: a caller scoring many points checks it before building the
   * candidate object (ties are left to offer, which breaks them by id).
   */
  admits(similarity: number): boolean {
    const worst = this.kept.peek();
    return this.kept.length < this.m || (worst !== undefined && similarity >= worst.similarity);
  }

  offer(c: C): void {
    if (this.kept.length < this.m) this.kept.push(c);
    else if (this.m > 0 && compareCandidates(c, this.kept.peek() as C) < 0) {
      this.kept.pop();
      this.kept.push(c);
    }
  }

  /** The kept candidates, best first; empties the queue. */
  sorted(): C[] {
    const out: C[] = [];
    while (this.kept.length > 0) out.push(this.kept.pop() as C);
    return out.reverse();
  }
}
