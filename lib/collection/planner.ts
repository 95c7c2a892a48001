/**
 * Query planning: which worker searches which segments (DESIGN.md §5).
 *
 * Invariants:
 * - A segment always goes to worker hash(segmentId) mod K (routing.ts), so that worker's warm memory
 *   keeps serving it; planning never balances load by moving a segment elsewhere.
 * - With at most K segments every segment is its own task (maximum parallelism); with more segments than workers,
 *   the segments of one worker are grouped into one task (one invoke per worker, never more than K in flight).
 * - Every task carries the snapshot's payload_schema, so workers and the coordinator give text conditions one
 *   meaning, and a worker knows before opening a segment whether its filters can do without the payloads.
 * - Every segment of the manifest snapshot appears in exactly one task, with the tombstone version that snapshot
 *   names: a plan never skips a segment (§4.5 starts here).
 */
import { groupByWorker, workerFor } from './routing.js';
import type { Manifest } from './manifest.js';
import type { SegmentRef, SegmentSearchTask } from '../segment/task-contract.js';

export interface PlannedTask {
  worker: number;
  task: SegmentSearchTask;
}

export type TaskTemplate = Omit<SegmentSearchTask, 'segments' | 'collectionPrefix'>;

export function segmentRefs(manifest: Manifest): SegmentRef[] {
  return manifest.segments.map((s) => ({ id: s.id, deletedVersion: s.deletedVersion }));
}

export function planTasks(
  collectionPrefix: string,
  manifest: Manifest,
  workers: number,
  template: TaskTemplate,
): PlannedTask[] {
  const refs = segmentRefs(manifest);
  const schema = manifest.config.payload_schema;
  const withSchema = schema !== undefined && Object.keys(schema).length > 0;
  const make = (worker: number, segments: SegmentRef[]): PlannedTask => ({
    worker,
    task: { ...template, collectionPrefix, segments, ...(withSchema ? { payloadSchema: schema } : {}) },
  });
  if (refs.length <= workers) return refs.map((r) => make(workerFor(r.id, workers), [r]));
  return [...groupByWorker(refs, workers)].map(([w, group]) => make(w, group));
}
