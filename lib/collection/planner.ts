/**
 * Query planning: which worker searches which segments (DESIGN.md §5).
 *
 * Invariants:
 * - A segment always goes to worker hash(segmentId) mod K (routing.ts), so that worker's warm memory
 *   keeps serving it; planning never balances load by moving a segment elsewhere.
 * - With at most K segments every segment is its own task (maximum parallelism); with more segments than workers,
 *   the segments of one worker are grouped into one task (one invoke per worker, never more than K in flight).
 * - Every task carries the snapshot's text indexes, so workers and the coordinator give text conditions one meaning.
 * - Every segment of the manifest snapshot appears in exactly one task, with the tombstone version that snapshot
 *   names: a plan never skips a segment (§4.5 starts here).
 */
import { groupByWorker, workerFor } from './routing.js';
import type { Manifest } from './manifest.js';
import { type PayloadSchema, schemaType } from '../model/payload-schema.js';
import type { SegmentRef, SegmentSearchTask } from '../segment/task-contract.js';

export interface PlannedTask {
  worker: number;
  task: SegmentSearchTask;
}

export type TaskTemplate = Omit<SegmentSearchTask, 'segments' | 'collectionPrefix'>;

export function segmentRefs(manifest: Manifest): SegmentRef[] {
  return manifest.segments.map((s) => ({ id: s.id, deletedVersion: s.deletedVersion }));
}

/** The text indexes of a schema (the only kind that changes a filter's answer), or undefined when there is none. */
export function textSchemaOf(schema: PayloadSchema | undefined): PayloadSchema | undefined {
  if (schema === undefined) return undefined;
  const text = Object.entries(schema).filter(([, s]) => schemaType(s) === 'text');
  return text.length > 0 ? Object.fromEntries(text) : undefined;
}

export function planTasks(
  collectionPrefix: string,
  manifest: Manifest,
  workers: number,
  template: TaskTemplate,
): PlannedTask[] {
  const refs = segmentRefs(manifest);
  const text = textSchemaOf(manifest.config.payload_schema);
  const make = (worker: number, segments: SegmentRef[]): PlannedTask => ({
    worker,
    task: { ...template, collectionPrefix, segments, ...(text !== undefined ? { payloadSchema: text } : {}) },
  });
  if (refs.length <= workers) return refs.map((r) => make(workerFor(r.id, workers), [r]));
  return [...groupByWorker(refs, workers)].map(([w, group]) => make(w, group));
}
