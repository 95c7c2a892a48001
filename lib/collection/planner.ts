/**
 * Query planning: which worker searches which segments (DESIGN.md §5).
 *
 * Invariants:
 * - A segment always goes to the worker its manifest entry's slot names (routing.ts: slot mod K, or the hash of its
 *   id for entries without a slot), so that worker's warm memory keeps serving it; planning never balances load by
 *   moving a segment elsewhere (the optimizer balances when it places a new segment: placement.ts).
 * - At most one task per worker per query: the segments of one worker go in one task. In Lambda two concurrent
 *   invokes of one function are two execution environments, and only one of them has the segment warm.
 * - Every task carries the snapshot's payload_schema, so workers and the coordinator give text conditions one
 *   meaning, and a worker knows before opening a segment whether its filters can do without the payloads.
 * - Every task carries the snapshot's vector name generations, so a worker finds nothing in a space whose name was
 *   deleted or re-created since its segment was written (lib/model/vector-generations.ts).
 * - Every segment of the manifest snapshot appears in exactly one task, with the tombstone version that snapshot
 *   names: a plan never skips a segment (§4.5 starts here).
 */
import { workerOf } from './routing.js';
import { nonZeroGenerations } from '../model/vector-generations.js';
import type { Manifest, SegmentEntry } from './manifest.js';
import type { SegmentRef, SegmentSearchTask } from '../segment/task-contract.js';

export interface PlannedTask {
  worker: number;
  task: SegmentSearchTask;
}

export type TaskTemplate = Omit<SegmentSearchTask, 'segments' | 'collectionPrefix'>;

/** A segment as a task names it: with its meta when the manifest carries it (the worker's open skips a round). */
function segmentRef(s: SegmentEntry): SegmentRef {
  const ref: SegmentRef = { id: s.id, deletedVersion: s.deletedVersion };
  if (s.meta !== undefined) ref.meta = s.meta;
  return ref;
}

export function segmentRefs(manifest: Manifest): SegmentRef[] {
  return manifest.segments.map(segmentRef);
}

export function planTasks(
  collectionPrefix: string,
  manifest: Manifest,
  workers: number,
  template: TaskTemplate,
): PlannedTask[] {
  const schema = manifest.config.payload_schema;
  const withSchema = schema !== undefined && Object.keys(schema).length > 0;
  const groups = new Map<number, SegmentRef[]>();
  for (const s of manifest.segments) {
    const w = workerOf(s, workers);
    const ref = segmentRef(s);
    const group = groups.get(w);
    if (group) group.push(ref);
    else groups.set(w, [ref]);
  }
  const generations = nonZeroGenerations(manifest.config);
  return [...groups].map(([worker, segments]) => ({
    worker,
    task: {
      ...template,
      collectionPrefix,
      segments,
      ...(withSchema ? { payloadSchema: schema } : {}),
      ...(generations !== undefined ? { generations } : {}),
    },
  }));
}
