/**
 * The worker entry (task-contract.ts is the contract): open or reuse each segment of the task, search them
 * concurrently, return candidates with internal similarities and what it cost.
 *
 * Cost accounting: one IoScope per segment (segments run concurrently, so a shared scope would chain independent
 * requests into false rounds); GETs and bytes are summed, `rounds` is the deepest segment's. A segment is `cold`
 * when this call (or the open it joined) had to read it. The per-process registry makes the next query warm.
 *
 * Invariants: a segment that fails fails the task (no silent partial answer, DESIGN.md §4.5); candidates never
 * include tombstoned or excluded points; similarities are final for the task's params (rescored when asked).
 */
import type { SegmentCandidate, SegmentRef, SegmentSearchResult, SegmentSearchTask } from './task-contract.js';
import { invalid } from '../model/errors.js';
import { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import { segmentPrefix } from './keys.js';
import { openSegment } from './open.js';
import type { PageSource } from './page-io.js';
import type { SegmentRegistry } from './registry.js';
import { type SegmentHits, searchSegment } from './search.js';
import type { Segment } from './segment.js';

export interface SegmentTaskContext {
  store: ObjectStore;
  /** the process's page cache for the paged tiers */
  cache: PageSource;
  registry: SegmentRegistry<Segment>;
  /** injected clock (ms) for `millis`; default performance.now */
  now?: () => number;
}

/** What one segment of a task did, for tests and traces. */
export interface SegmentTaskDetail {
  segment: string;
  cold: boolean;
  path: SegmentHits['path'];
  rescored: boolean;
  distances: number;
  gets: number;
  bytes: number;
  rounds: number;
  roundsBeforeFirstDistance: number;
}

export async function runSegmentTask(task: SegmentSearchTask, ctx: SegmentTaskContext): Promise<SegmentSearchResult> {
  return (await runSegmentTaskDetailed(task, ctx)).result;
}

export async function runSegmentTaskDetailed(
  task: SegmentSearchTask,
  ctx: SegmentTaskContext,
): Promise<{ result: SegmentSearchResult; details: SegmentTaskDetail[] }> {
  const now = ctx.now ?? (() => performance.now());
  const started = now();
  if (!Number.isInteger(task.limit) || task.limit < 0)
    throw invalid(`task limit ${task.limit} must be a non-negative integer`);
  const vector = Float32Array.from(task.vector);
  const perSegment = await Promise.all(task.segments.map((ref) => searchOne(task, ref, vector, ctx)));

  const candidates: SegmentCandidate[] = [];
  const stats = { segments: task.segments.length, distances: 0, gets: 0, bytes: 0, rounds: 0, cold: 0, millis: 0 };
  for (const { candidates: c, detail } of perSegment) {
    for (const x of c) candidates.push(x);
    stats.distances += detail.distances;
    stats.gets += detail.gets;
    stats.bytes += detail.bytes;
    stats.rounds = Math.max(stats.rounds, detail.rounds);
    if (detail.cold) stats.cold++;
  }
  stats.millis = now() - started;
  return { result: { candidates, stats }, details: perSegment.map((p) => p.detail) };
}

async function searchOne(
  task: SegmentSearchTask,
  ref: SegmentRef,
  vector: Float32Array,
  ctx: SegmentTaskContext,
): Promise<{ candidates: SegmentCandidate[]; detail: SegmentTaskDetail }> {
  const io = new IoScope();
  const prefix = segmentPrefix(task.collectionPrefix, ref.id);
  const { value: seg, cold } = await ctx.registry.getOrOpen(prefix, () =>
    openSegment(ctx.store, ctx.cache, prefix, undefined, {
      deletedVersion: ref.deletedVersion,
      withPayloads: task.filter !== undefined,
      io,
    }),
  );
  const hits = await searchSegment(
    seg,
    {
      vector,
      limit: task.limit,
      params: task.params,
      filter: task.filter,
      exclude: task.exclude,
      deletedVersion: ref.deletedVersion,
      minSimilarity: task.minSimilarity,
    },
    io,
  );
  // tombstone versions and filter state may have grown the segment
  ctx.registry.touch(prefix);
  const candidates: SegmentCandidate[] = [];
  for (let i = 0; i < hits.offsets.length; i++) {
    const o = hits.offsets[i];
    candidates.push({
      id: seg.externalId(o),
      version: seg.version(o),
      similarity: hits.similarities[i],
      segment: ref.id,
      offset: o,
    });
  }
  const c = io.counts;
  return {
    candidates,
    detail: {
      segment: ref.id,
      cold,
      path: hits.path,
      rescored: hits.rescored,
      distances: hits.distances,
      gets: c.gets + c.rangedGets + c.conditionalGets + c.heads,
      bytes: c.bytesIn,
      rounds: io.rounds,
      roundsBeforeFirstDistance: hits.roundsBeforeFirstDistance,
    },
  };
}
