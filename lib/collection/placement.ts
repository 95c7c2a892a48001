/**
 * Segment placement: which worker slot a new segment lives on (DESIGN.md §5). The optimizer places every segment it
 * writes and records the slot in the manifest entry; queries then route by the recorded slot (routing.ts), so a
 * segment stays on one worker for its whole life and its int8 set stays warm in that worker's containers.
 *
 * Why placement instead of `hash(id) mod K` alone: a hash puts a handful of segments on few workers (8 segments on
 * 3 of 8 functions, 4 on one of them, in issue 20's measurements), and in Lambda every extra concurrent invoke of
 * one function is another container, another cold start, another copy of the same int8 set.
 *
 * Rule: new segments are placed one by one, largest first, each on the slot with the fewest segments, then the
 * fewest vector bytes, then the lowest index, counting the segments that stay (at the slot they route to now, legacy
 * entries included). So with at most K segments every segment has a worker of its own, and a merge's new segment
 * takes a slot its sources freed.
 *
 * Invariants:
 * - Pure: the same segments and K give the same slots.
 * - A kept segment's slot never changes (placing only ever touches the new entries), so a merge or rebuild never
 *   moves another segment off its warm worker.
 */
import type { SegmentEntry } from './manifest.js';
import { workerOf } from './routing.js';

/** `added` with a slot each (same order), balanced against `kept` over `workers` slots. */
export function placeSegments(
  kept: readonly SegmentEntry[],
  added: readonly SegmentEntry[],
  workers: number,
): SegmentEntry[] {
  const count = new Array<number>(workers).fill(0);
  const bytes = new Array<number>(workers).fill(0);
  for (const s of kept) {
    const w = workerOf(s, workers);
    count[w]++;
    bytes[w] += s.vectorBytes;
  }
  const order = added.map((_s, i) => i).sort((a, b) => added[b].vectorBytes - added[a].vectorBytes || a - b);
  const slots = new Array<number>(added.length);
  for (const i of order) {
    let best = 0;
    for (let w = 1; w < workers; w++) {
      if (count[w] < count[best] || (count[w] === count[best] && bytes[w] < bytes[best])) best = w;
    }
    slots[i] = best;
    count[best]++;
    bytes[best] += added[i].vectorBytes;
  }
  return added.map((s, i) => ({ ...s, slot: slots[i] }));
}
