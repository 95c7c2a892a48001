/**
 * Segment → worker routing (DESIGN.md §5). A segment always goes to the same worker so that worker's warm memory
 * (its int8 set, its page cache) keeps serving it: Lambda function `w` of K in AWS, worker thread `w` locally. It
 * lives beside the planner (planner.ts), the one place that decides routing; the runtime's invokers only carry a
 * task to the worker index they are given.
 *
 * Which worker: the slot the optimizer recorded in the segment's manifest entry (placement.ts balances them), taken
 * mod K so a slot recorded under a larger K still lands on a worker that exists; an entry written before slots
 * were recorded falls back to `hash(id) mod K`.
 *
 * Invariant: the hash is a pure function of the segment id's UTF-8 bytes (FNV-1a, 32 bits), identical in every
 * process, every Node version and every deployment; changing it would cold-start every unslotted segment at once.
 */
import type { SegmentRef } from '../segment/task-contract.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const encoder = new TextEncoder();

/** What routing needs of a segment: its id, and the slot its manifest entry records (absent in older entries). */
export interface Routable {
  id: string;
  slot?: number;
}

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

function checkWorkers(workers: number): void {
  if (!Number.isInteger(workers) || workers < 1)
    throw new RangeError(`worker count must be a positive integer, got ${workers}`);
}

/** The hash fallback: the worker (0 ≤ w < K) of a segment whose entry records no slot. */
export function workerFor(segmentId: string, workers: number): number {
  checkWorkers(workers);
  return fnv1a32(segmentId) % workers;
}

/** The worker (0 ≤ w < K) that serves `segment`: its recorded slot mod K, else the hash of its id. */
export function workerOf(segment: Routable, workers: number): number {
  checkWorkers(workers);
  const slot = segment.slot;
  if (slot !== undefined && Number.isInteger(slot) && slot >= 0) return slot % workers;
  return fnv1a32(segment.id) % workers;
}

/**
 * Segment refs grouped by serving worker (`route` gives each ref's worker); workers with no segment are absent.
 * Order within a group follows the input.
 */
export function groupByWorker<T extends SegmentRef>(
  segments: readonly T[],
  workers: number,
  route: (s: T) => number = (s) => workerFor(s.id, workers),
): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const s of segments) {
    const w = route(s);
    const group = groups.get(w);
    if (group) group.push(s);
    else groups.set(w, [s]);
  }
  return groups;
}
