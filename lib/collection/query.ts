/**
 * One vector query: the WAL tail searched exactly here, the segments fanned out to workers, one merge.
 *
 * Invariants:
 * - §4.2: tail winners are scored here (exact) and their ids are excluded from every segment task, so a segment
 *   never returns a version the tail replaced or deleted.
 * - §4.5: every segment of the snapshot is in exactly one task (planner.ts); if any task fails after the invoker's
 *   retry, the whole query fails with 'unavailable'. No partial top-k is ever returned.
 * - Each task asks for offset + limit candidates, so the merged page is the exact page of the union.
 * - Scores stay internal similarities (larger = closer) until the final conversion to Qdrant's score.
 * - Payloads/vectors are fetched for the final page only.
 */
import { normalizeInPlace, similarityFn, similarityToScore, thresholdToSimilarity } from '../distance/index.js';
import { dimensionMismatch, isStrataError, malformed, unavailable } from '../model/errors.js';
import { compileFilter } from '../segment/filter.js';
import type { IoScope } from '../storage/io-stats.js';
import type { ServiceContext } from './context.js';
import { mergeCandidates } from './merge.js';
import type { Candidate } from './merge.js';
import { wantsPayload } from './payload-ops.js';
import { planTasks } from './planner.js';
import { loadPoints, toRecord } from './reads.js';
import type { Located } from './reads.js';
import { addSegmentStats, emptySegmentStats } from '../segment/task-contract.js';
import type { SegmentCandidate, SegmentSearchResult, SegmentSearchStats } from '../segment/task-contract.js';
import type { Snapshot } from './snapshot.js';
import type { QueryRequest, ScoredPoint } from '../model/search.js';

/** A WAL-tail point scored here; segment candidates (lib/segment/task-contract.ts) also carry their offset. */
type TailCandidate = Candidate & { segment: null };

/** What one query cost (DESIGN.md §8): workers' stats summed (rounds and millis: the slowest task) plus the tail. */
export interface QueryStats extends SegmentSearchStats {
  tasks: number;
  tailPoints: number;
  /** wall time per stage of the coordinator (ms): snapshot (manifest + WAL), tail search, fan-out, final fetch */
  stageMs: { snapshot: number; tail: number; fanOut: number; fetch: number };
}

/** Optional per-query instrumentation: worker stats, and the coordinator's own reads charged to `io`. */
export interface QueryTrace {
  stats?: QueryStats;
  io?: IoScope;
}

export function checkQueryVector(vector: unknown, dim: number): Float32Array {
  if (!Array.isArray(vector)) throw malformed('query', 'expected a vector: an array of numbers');
  if (vector.length !== dim) throw dimensionMismatch(dim, vector.length, 'query');
  const q = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    const x = vector[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw malformed(`query[${i}]`, 'expected a finite number');
    q[i] = x;
  }
  return q;
}

export async function runQuery(
  ctx: ServiceContext,
  snap: Snapshot,
  req: QueryRequest,
  trace: QueryTrace = {},
): Promise<ScoredPoint[]> {
  const { stats, io } = trace;
  let mark = performance.now();
  const lap = (stage: keyof QueryStats['stageMs']): void => {
    const t = performance.now();
    if (stats) stats.stageMs[stage] += t - mark;
    mark = t;
  };
  const { config } = snap.manifest;
  const { size: dim, distance } = config.vectors;
  const q = checkQueryVector(req.vector, dim);
  if (distance === 'Cosine') normalizeInPlace(q, 0, dim);
  const want = req.offset + req.limit;
  if (req.limit <= 0) return [];
  const minSimilarity =
    req.score_threshold === undefined || req.score_threshold === null
      ? undefined
      : thresholdToSimilarity(distance, req.score_threshold);

  // the WAL tail, exactly
  const sim = similarityFn(distance);
  const pred = req.filter ? compileFilter(req.filter) : null;
  const tailCandidates: TailCandidate[] = [];
  for (const e of snap.winners.values()) {
    if (e.vector === null) continue;
    if (pred !== null && !pred(e.id, e.payload)) continue;
    const s = sim(q, 0, e.vector, 0, dim);
    if (minSimilarity !== undefined && s < minSimilarity) continue;
    tailCandidates.push({ id: e.id, version: e.version, similarity: s, segment: null });
  }

  lap('tail');

  // the segments, fanned out
  const tasks = planTasks(snap.collection, snap.manifest, ctx.invoker.workers, {
    vector: Array.from(q),
    limit: want,
    params: req.params,
    filter: req.filter,
    exclude: snap.winners.size > 0 ? [...snap.winners.keys()] : undefined,
    minSimilarity,
  });
  let results: SegmentSearchResult[];
  try {
    results = await Promise.all(tasks.map((t) => ctx.invoker.invoke(t.worker, t.task, ctx.queryDeadlineMs)));
  } catch (e) {
    if (isStrataError(e, 'invalid')) throw e;
    throw unavailable(`segment search failed: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (stats) {
    stats.tasks += tasks.length;
    stats.tailPoints += snap.winners.size;
    for (const r of results) addSegmentStats(stats, r.stats);
  }
  lap('fanOut');
  const lists: (readonly (TailCandidate | SegmentCandidate)[])[] = [tailCandidates];
  for (const r of results) lists.push(r.candidates);
  const page = mergeCandidates(lists, req.offset, req.limit);

  // payloads and vectors of the final page only, by the offsets the workers found them at (no id table read)
  const fetchPayload = wantsPayload(req.with_payload);
  const rows = new Map(snap.manifest.segments.map((s) => [s.id, s.points]));
  const located: Located[] = page.map((c) => {
    if (c.segment === null) {
      const tail = snap.winners.get(c.id);
      if (tail === undefined) throw unavailable(`tail point ${String(c.id)} vanished during the query`);
      return { id: c.id, version: c.version, tail };
    }
    const n = rows.get(c.segment);
    if (n === undefined || c.offset >= n) {
      throw unavailable(`segment ${c.segment} returned point ${String(c.id)} at offset ${c.offset} it does not hold`);
    }
    return { id: c.id, version: c.version, segment: c.segment, offset: c.offset };
  });
  const points = await loadPoints(ctx, snap, located, { payload: fetchPayload, vector: req.with_vector }, io);
  lap('fetch');
  return page.map((c, i): ScoredPoint => {
    const { payload, vector } = toRecord(points[i], req.with_payload, req.with_vector);
    return { id: c.id, version: c.version, score: similarityToScore(distance, c.similarity), payload, vector };
  });
}

export function emptyQueryStats(): QueryStats {
  return {
    tasks: 0,
    tailPoints: 0,
    ...emptySegmentStats(),
    stageMs: { snapshot: 0, tail: 0, fanOut: 0, fetch: 0 },
  };
}
