/**
 * Merging candidates from segments and the WAL tail into one ranked list.
 *
 * Invariants:
 * - One result per point id: the copy with the newest version wins, whatever its score (a stale copy never
 *   outranks the write that replaced it, §4.2). Segments never hold two live copies of a point (the optimizer
 *   tombstones the older), and the WAL tail is excluded from segments through the task's `exclude`, so this rule
 *   only decides the rare late-WAL case (tail.ts) and guards against a worker that returns a shadowed id.
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
 * a few times m, a bounded priority queue (tinyqueue) of the m best so far instead of sorting everything: a query
 * under a writer merges a WAL tail of thousands of scored points for its top 10 (the sort was ~5% of the local
 * server's main thread under query load).
 */
function topOf<C extends Candidate>(all: C[], m: number): C[] {
  if (all.length <= 4 * m) return all.sort(compareCandidates).slice(0, m);
  // the worst kept candidate on top
  const kept = new TinyQueue<C>([], (a, b) => compareCandidates(b, a));
  for (const c of all) {
    if (kept.length < m) kept.push(c);
    else if (m > 0 && compareCandidates(c, kept.peek() as C) < 0) {
      kept.pop();
      kept.push(c);
    }
  }
  const out: C[] = [];
  while (kept.length > 0) out.push(kept.pop() as C);
  return out.reverse();
}
