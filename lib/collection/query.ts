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
import { randomBytes } from 'node:crypto';
import {
  maxSim,
  normalizeInPlace,
  similarityToScore,
  storedSimilarityFn,
  thresholdToSimilarity,
} from '../distance/index.js';
import { dimensionMismatch, isStrataError, malformed, unavailable } from '../model/errors.js';
import { isMultiValue, wrongMulti } from '../model/multivector.js';
import { compileFilter } from '../segment/filter.js';
import { compileScoring, compileSparseScoring, scoringReadsVector } from '../segment/scoring.js';
import { isSparseName } from '../model/sparse-spaces.js';
import type { ScoringSpec } from '../segment/scoring.js';
import type { IoScope } from '../storage/io-stats.js';
import type { ServiceContext } from './context.js';
import { mergeCandidates, TopCandidates } from './merge.js';
import { prepareQueryRow } from './wal.js';
import type { Candidate } from './merge.js';
import { wantsPayload } from './payload-ops.js';
import { planTasks } from './planner.js';
import { loadPoints, recordShape, toRecord, wantsVector } from './reads.js';
import { type VectorSpace, findVectorSpace, vectorSpace } from '../model/vector-spaces.js';
import type { Located } from './reads.js';
import { addSegmentStats, emptySegmentStats } from '../segment/task-contract.js';
import type { SegmentCandidate, SegmentSearchResult, SegmentSearchStats } from '../segment/task-contract.js';
import { type Snapshot, winnersLineage } from './snapshot.js';
import { packTail, scorePacked } from './tail-rows.js';
import type { TailEntry } from './tail.js';
import type { PointId } from '../model/point-id.js';
import type { QueryRequest, ScoredPoint } from '../model/search.js';
import { type SparseVector, isSparse, sparseDot, sparseOverlaps } from '../model/sparse-vector.js';

/** the row a vectorless scoring is handed for a point lacking the vector searched (it never reads it) */
const NO_ROW = new Float32Array(0);

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

/** A candidate of a merged search: a WAL-tail point or a segment point with its offset. */
export type SearchHit = TailCandidate | SegmentCandidate;

/** One nearest-neighbour search of a snapshot (tail exactly, segments fanned out), before any payload fetch. */
export interface CandidateSearch {
  /** the query vector, already normalized for Cosine; empty with `scoring` */
  vector: Float32Array;
  /** vector name searched ('' or absent: the unnamed vector); points without it are skipped */
  using?: string;
  /**
   * a custom scoring instead of a nearest search (lib/segment/scoring.ts): the tail is scored with it here, each
   * worker scans its segments with it; `similarity` is then that score
   */
  scoring?: ScoringSpec;
  /** draws the tail's sample keys (scoring `sample`); default Math.random */
  random?: () => number;
  /** candidates wanted: the merged list is exactly the top `want` of the union */
  want: number;
  params: QueryRequest['params'];
  filter?: QueryRequest['filter'];
  minSimilarity?: number;
  /** ids never returned (a recommend's own examples): added to the tail's shadowed ids */
  excludeIds?: readonly PointId[];
  /**
   * a sparse query over the sparse name `using` (sorted; IDF-weighted already when the name says so): the tail's
   * points sharing a dimension are scored by dot product here, the workers search their inverted indexes
   */
  sparse?: SparseVector;
}

export async function searchCandidates(
  ctx: ServiceContext,
  snap: Snapshot,
  search: CandidateSearch,
  trace: QueryTrace = {},
): Promise<SearchHit[]> {
  return (await searchCandidatesBatch(ctx, snap, [search], search.excludeIds, trace))[0];
}

/**
 * Several searches of one snapshot with ONE fan-out: each worker gets one task holding every search (task-contract.ts
 * `searches`), so a multi-stage query costs one invocation per worker, not one per leaf. `excludeIds` applies to all.
 * Scored searches (best_score, discover, order_by, sample, ...) ride in the same fan-out: the workers scan their
 * segments, the tail is scored here, and the merge is the same.
 */
export async function searchCandidatesBatch(
  ctx: ServiceContext,
  snap: Snapshot,
  searches: readonly CandidateSearch[],
  excludeIds: readonly PointId[] | undefined,
  trace: QueryTrace = {},
): Promise<SearchHit[][]> {
  const { stats } = trace;
  let mark = performance.now();
  const lap = (stage: keyof QueryStats['stageMs']): void => {
    const t = performance.now();
    if (stats) stats.stageMs[stage] += t - mark;
    mark = t;
  };
  if (searches.length === 0) return [];
  const excluded = excludeIds && excludeIds.length > 0 ? new Set(excludeIds) : null;

  // the WAL tail, exactly
  const tails = searches.map((search) => {
    const sparse = search.sparse;
    if (sparse !== undefined) {
      // nearest: only points sharing a query dimension are candidates (as the inverted index finds them)
      return sparseTail(
        snap,
        search,
        excluded,
        (v) => sparseDot(sparse, v),
        (v) => sparseOverlaps(sparse, v),
      );
    }
    const using = search.using ?? '';
    if (search.scoring !== undefined && scoringReadsVector(search.scoring) && isSparseName(snap.manifest.config, using))
      return sparseTail(snap, search, excluded, compileSparseScoring(search.scoring));
    const readsVector = search.scoring === undefined || scoringReadsVector(search.scoring);
    // a scoring that reads no vector needs no vector space (a named collection has no '' to default to)
    const space = readsVector ? vectorSpace(snap.manifest.config, using) : findVectorSpace(snap.manifest.config, using);
    const dim = space?.size ?? 0;
    const distance = space?.distance ?? 'Dot';
    // uint8 Cosine rows are bytes (full cosine); the others as similarityFn compares them
    const sim = storedSimilarityFn(distance, space?.datatype);
    const q = search.vector;
    const multi = space?.multivector === true;
    const qRows = multi ? q.length / dim : 1;
    const { minSimilarity } = search;
    const pred = search.filter ? compileFilter(search.filter, snap.manifest.config.payload_schema) : null;
    // the same scoring function the workers apply to their segments
    const scoring = search.scoring
      ? compileScoring(search.scoring, dim, distance, search.random, space?.datatype, multi)
      : null;
    // only the tail's own best `want` can reach the merged top `want`: its ids are in no segment list (exclude)
    const top = new TopCandidates<TailCandidate>(search.want);
    const packed = scoring === null && !multi ? packTail(snap.winners, using, dim, distance, space?.datatype) : null;
    if (packed !== null) {
      // a plain nearest search over rows packed for the wasm kernels: the same points, similarities and order
      const { entries } = packed;
      const idx = new Uint32Array(entries.length);
      let count = 0;
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i];
        if (e === null || excluded?.has(e.id)) continue;
        if (pred !== null && !pred(e.id, e.payload, e.vectors)) continue;
        idx[count++] = i;
      }
      const sims = new Float64Array(count);
      scorePacked(packed, q, distance, idx, count, sims);
      for (let j = 0; j < count; j++) {
        const s = sims[j];
        if (minSimilarity !== undefined && s < minSimilarity) continue;
        const e = entries[idx[j]] as TailEntry;
        if (top.admits(s)) top.offer({ id: e.id, version: e.version, similarity: s, segment: null });
      }
      return top.sorted();
    }
    for (const e of snap.winners.values()) {
      if (e.vectors === null) continue;
      const v = e.vectors.get(using);
      // a point without the vector searched is skipped, as Qdrant's scorers skip it
      if (v === undefined && readsVector) continue;
      if (excluded?.has(e.id)) continue;
      if (pred !== null && !pred(e.id, e.payload, e.vectors)) continue;
      // a sparse vector never meets a dense search: names are either dense or sparse
      if (v !== undefined && isSparse(v)) continue;
      const s =
        scoring !== null
          ? scoring.score(v ?? NO_ROW, 0, e.payload, multi && v !== undefined ? v.length / dim : 1)
          : multi
            ? maxSim(sim, q, 0, qRows, v as Float32Array, 0, (v as Float32Array).length / dim, dim)
            : sim(q, 0, v as Float32Array, 0, dim);
      if (s === undefined) continue;
      if (minSimilarity !== undefined && s < minSimilarity) continue;
      if (top.admits(s)) top.offer({ id: e.id, version: e.version, similarity: s, segment: null });
    }
    return top.sorted();
  });

  lap('tail');

  // the segments, fanned out: one task per worker whatever the number of searches
  const exclude = excluded
    ? [...winnerIds(snap.winners), ...[...excluded].filter((id) => !snap.winners.has(id))]
    : winnerIds(snap.winners);
  const subs = searches.map((s) => ({
    vector: Array.from(s.vector),
    // absent for the unnamed vector, so an unnamed collection's tasks stay as they were
    ...(s.using ? { using: s.using } : {}),
    limit: s.want,
    params: s.params,
    ...(s.filter ? { filter: s.filter } : {}),
    ...(s.minSimilarity !== undefined ? { minSimilarity: s.minSimilarity } : {}),
    ...(s.sparse !== undefined
      ? { sparse: { indices: Array.from(s.sparse.indices), values: Array.from(s.sparse.values) } }
      : {}),
  }));
  // a scored or sparse search always travels in `searches`: the top-level fields describe a dense nearest search
  const batched = subs.length > 1 || searches.some((s) => s.scoring !== undefined || s.sparse !== undefined);
  const tasks = planTasks(snap.collection, snap.manifest, ctx.invoker.workers, {
    ...subs[0],
    exclude: exclude.length > 0 ? exclude : undefined,
    ...(exclude.length > 0 && excluded === null ? excludeKeyOf(snap.winners) : {}),
    ...(batched
      ? { searches: subs.map((sub, k) => (searches[k].scoring ? { ...sub, scoring: searches[k].scoring } : sub)) }
      : {}),
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
  return searches.map((search, k) => {
    const lists: (readonly SearchHit[])[] = [tails[k]];
    for (const r of results) {
      const list = batched ? r.lists?.[k] : r.candidates;
      if (list === undefined) throw unavailable(`a segment worker answered no list for sub-search ${k}`);
      // a tail winner beats every segment copy, and the tail list holds only its best: a worker that answered a
      // shadowed id anyway must not put the stale copy in the tail winner's place
      lists.push(snap.winners.size > 0 ? list.filter((c) => !snap.winners.has(c.id)) : list);
    }
    return mergeCandidates(lists, 0, search.want);
  });
}

/** this process's tag in exclude keys: another coordinator's generations never name the same list */
const NONCE = randomBytes(8).toString('hex');

/**
 * The task's `excludeKey` when its exclude list is exactly the winners' ids: the winners map's generation (one map,
 * one id list) under this process's nonce, so workers map the list to offsets once per tail, not per query.
 */
function excludeKeyOf(winners: ReadonlyMap<PointId, TailEntry>): { excludeKey?: string } {
  const lineage = winnersLineage(winners);
  return lineage === undefined ? {} : { excludeKey: `${NONCE}.${lineage.gen}` };
}

const winnerIdLists = new WeakMap<ReadonlyMap<PointId, unknown>, readonly PointId[]>();

/** The ids of a snapshot's tail winners, listed once per winners map (snapshots share it: snapshot.ts). */
function winnerIds(winners: ReadonlyMap<PointId, unknown>): readonly PointId[] {
  let ids = winnerIdLists.get(winners);
  if (ids === undefined) winnerIdLists.set(winners, (ids = [...winners.keys()]));
  return ids;
}

/**
 * The tail's points holding the sparse name searched that `candidate` takes (every one when absent), scored by
 * `score`: the dot product for a nearest query, an example form's score otherwise.
 */
function sparseTail(
  snap: Snapshot,
  search: CandidateSearch,
  excluded: ReadonlySet<PointId> | null,
  score: (v: SparseVector) => number,
  candidate?: (v: SparseVector) => boolean,
): TailCandidate[] {
  const using = search.using ?? '';
  const pred = search.filter ? compileFilter(search.filter, snap.manifest.config.payload_schema) : null;
  const out: TailCandidate[] = [];
  for (const e of snap.winners.values()) {
    const v = e.vectors?.get(using);
    if (v === undefined || !isSparse(v) || (candidate !== undefined && !candidate(v))) continue;
    if (excluded?.has(e.id)) continue;
    if (pred !== null && !pred(e.id, e.payload, e.vectors)) continue;
    const s = score(v);
    if (search.minSimilarity !== undefined && s < search.minSimilarity) continue;
    out.push({ id: e.id, version: e.version, similarity: s, segment: null });
  }
  return out;
}

/** Where each hit of a final page lives, checked against the snapshot (a worker must not name a foreign offset). */
export function locateHits(snap: Snapshot, page: readonly SearchHit[]): Located[] {
  const rows = new Map(snap.manifest.segments.map((s) => [s.id, s.points]));
  return page.map((c) => {
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
}

/** The similarity of a prepared query to a stored value of `space`: MaxSim for a multivector name. */
export function vectorSimilarity(space: VectorSpace, q: Float32Array, v: Float32Array): number {
  const sim = storedSimilarityFn(space.distance, space.datatype);
  const dim = space.size;
  return space.multivector ? maxSim(sim, q, 0, q.length / dim, v, 0, v.length / dim, dim) : sim(q, 0, v, 0, dim);
}

/**
 * The query vector of a request, checked and normalized for the distance of the vector `using` names. A multivector
 * name takes a list of rows (or a dense vector: one row) and gets them flat, each row normalized for Cosine; a list
 * of rows for a dense name is Qdrant's WrongMulti.
 */
export function prepareQueryVector(snap: Snapshot, vector: unknown, using?: string): Float32Array {
  const space = vectorSpace(snap.manifest.config, using);
  const { size: dim, distance, multivector } = space;
  if (isMultiValue(vector)) {
    if (!multivector) throw wrongMulti();
    const q = new Float32Array(vector.length * dim);
    vector.forEach((row, r) => {
      q.set(checkQueryVector(row, dim), r * dim);
      prepareQueryRow(space, q, r * dim);
    });
    return q;
  }
  const q = checkQueryVector(vector, dim);
  // a float32 space keeps the plain path; others convert the query to the stored type, as Qdrant's scorers do
  if (space.datatype !== 'float32') prepareQueryRow(space, q, 0);
  else if (distance === 'Cosine') normalizeInPlace(q, 0, dim);
  return q;
}

export async function runQuery(
  ctx: ServiceContext,
  snap: Snapshot,
  req: QueryRequest,
  trace: QueryTrace = {},
): Promise<ScoredPoint[]> {
  const { stats, io } = trace;
  const { distance } = vectorSpace(snap.manifest.config, req.using);
  const q = prepareQueryVector(snap, req.vector, req.using);
  if (req.limit <= 0) return [];
  const minSimilarity =
    req.score_threshold === undefined || req.score_threshold === null
      ? undefined
      : thresholdToSimilarity(distance, req.score_threshold);
  const merged = await searchCandidates(
    ctx,
    snap,
    {
      vector: q,
      ...(req.using ? { using: req.using } : {}),
      want: req.offset + req.limit,
      params: req.params,
      filter: req.filter,
      minSimilarity,
    },
    trace,
  );
  const page = merged.slice(req.offset, req.offset + req.limit);

  // payloads and vectors of the final page only, by the offsets the workers found them at (no id table read)
  const t = performance.now();
  const fetchPayload = wantsPayload(req.with_payload);
  const located = locateHits(snap, page);
  const want = { payload: fetchPayload, vector: wantsVector(req.with_vector) };
  const points = await loadPoints(ctx, snap, located, want, io);
  if (stats) stats.stageMs.fetch += performance.now() - t;
  const named = recordShape(snap.manifest.config);
  return page.map((c, i): ScoredPoint => {
    const { payload, vector } = toRecord(points[i], req.with_payload, req.with_vector, named);
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
