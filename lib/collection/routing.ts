/**
 * Segment → worker routing (DESIGN.md §5). A segment always goes to the same worker so that worker's warm memory
 * (its int8 set, its page cache) keeps serving it: Lambda function `hash(id) mod K` in AWS, worker thread
 * `hash(id) mod K` locally. It lives beside the planner (planner.ts), the one place that decides routing; the
 * runtime's invokers only carry a task to the worker index they are given.
 *
 * Invariant: the hash is a pure function of the segment id's UTF-8 bytes (FNV-1a, 32 bits), identical in every
 * process, every Node version and every deployment; changing it would cold-start every segment at once.
 */
import type { SegmentRef } from '../segment/task-contract.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const encoder = new TextEncoder();

/** FNV-1a over the UTF-8 bytes of `s`, as an unsigned 32-bit integer. */
export function fnv1a32(s: string): number {
  const bytes = encoder.encode(s);
  let h = FNV_OFFSET;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** The worker (0 ≤ w < K) that owns `segmentId`. */
export function workerFor(segmentId: string, workers: number): number {
  if (!Number.isInteger(workers) || workers < 1)
    throw new RangeError(`worker count must be a positive integer, got ${workers}`);
  return fnv1a32(segmentId) % workers;
}

/** Segments grouped by owning worker; workers with no segment are absent. Order within a group follows the input. */
export function groupByWorker(segments: readonly SegmentRef[], workers: number): Map<number, SegmentRef[]> {
  const groups = new Map<number, SegmentRef[]>();
  for (const s of segments) {
    const w = workerFor(s.id, workers);
    const group = groups.get(w);
    if (group) group.push(s);
    else groups.set(w, [s]);
  }
  return groups;
}
