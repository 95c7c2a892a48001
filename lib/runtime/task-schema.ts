/**
 * Validation of what crosses a worker boundary (thread or Lambda), in both directions. A worker rejects a malformed
 * task before touching storage; an invoker treats a malformed result (truncated JSON, wrong shape, non-finite
 * scores) as a failed attempt, never as an answer: a garbage response must not become a silently partial top-k
 * (DESIGN.md §4.5).
 *
 * `params` and `filter` are checked for shape only (plain objects); their semantics belong to lib/segment.
 */
import { z } from 'zod';
import type { SegmentSearchResult, SegmentSearchTask } from '../collection/segment-task.js';
import { internal, invalid } from '../errors.js';

const pointId = z.union([z.number().int().nonnegative(), z.string().min(1)]);
const plainObject = z.record(z.string(), z.unknown());

const taskSchema = z.object({
  collectionPrefix: z.string(),
  segments: z.array(z.object({ id: z.string().min(1), deletedVersion: z.number().int().nonnegative() })).min(1),
  vector: z.array(z.number()).min(1),
  limit: z.number().int().positive(),
  params: plainObject,
  filter: plainObject.optional().nullable(),
  exclude: z.array(pointId).optional().nullable(),
  minSimilarity: z.number().optional().nullable(),
});

const statsSchema = z.object({
  segments: z.number(),
  distances: z.number(),
  gets: z.number(),
  bytes: z.number(),
  rounds: z.number(),
  cold: z.number(),
  millis: z.number(),
});

const resultSchema = z.object({
  candidates: z.array(
    z.object({ id: pointId, version: z.number(), similarity: z.number().refine(Number.isFinite, 'not finite'), segment: z.string() }),
  ),
  stats: statsSchema,
});

function describe(error: z.ZodError): string {
  const first = error.issues[0];
  return first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'malformed';
}

/** A task as received by a worker; throws 'invalid' with the first offending field. */
export function parseSegmentTask(value: unknown): SegmentSearchTask {
  const parsed = taskSchema.safeParse(value);
  if (!parsed.success) throw invalid(`malformed segment search task: ${describe(parsed.error)}`);
  const t = parsed.data;
  return {
    collectionPrefix: t.collectionPrefix,
    segments: t.segments,
    vector: t.vector,
    limit: t.limit,
    params: t.params as unknown as SegmentSearchTask['params'],
    ...(t.filter ? { filter: t.filter as unknown as SegmentSearchTask['filter'] } : {}),
    ...(t.exclude ? { exclude: t.exclude } : {}),
    ...(t.minSimilarity !== undefined && t.minSimilarity !== null ? { minSimilarity: t.minSimilarity } : {}),
  };
}

/** A result as received by an invoker; throws 'internal' (a failed attempt, retried by the fault policy). */
export function parseSegmentResult(value: unknown): SegmentSearchResult {
  const parsed = resultSchema.safeParse(value);
  if (!parsed.success) throw internal(`garbage segment search result: ${describe(parsed.error)}`);
  return parsed.data;
}

/** Concatenates the candidates of results for disjoint segment groups and sums their costs. */
export function mergeResults(results: readonly SegmentSearchResult[]): SegmentSearchResult {
  const stats = { segments: 0, distances: 0, gets: 0, bytes: 0, rounds: 0, cold: 0, millis: 0 };
  const candidates = [];
  for (const r of results) {
    candidates.push(...r.candidates);
    stats.segments += r.stats.segments;
    stats.distances += r.stats.distances;
    stats.gets += r.stats.gets;
    stats.bytes += r.stats.bytes;
    // groups run concurrently: the critical path is the slowest one, not the sum
    stats.rounds = Math.max(stats.rounds, r.stats.rounds);
    stats.cold += r.stats.cold;
    stats.millis = Math.max(stats.millis, r.stats.millis);
  }
  return { candidates, stats };
}
