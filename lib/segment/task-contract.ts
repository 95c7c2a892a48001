/**
 * The segment search task: the contract between the coordinator (lib/collection) and the segment workers (lib/runtime
 * invokers, the segment-search function). The segment layer owns it, because a task is what one segment search
 * needs (task.ts runs it, task-schema.ts validates it on the wire); the coordinator only builds tasks and merges
 * results. A task crosses a process boundary (worker thread or Lambda invoke), so every field is
 * plain JSON: no typed arrays, no class instances, no bigint.
 *
 * Invariants:
 * - A worker searches exactly the segments named in the task, with the tombstone version named for each; it never
 *   reads the manifest (the coordinator's snapshot of it is the truth for one query).
 * - Candidate scores are internal similarities (larger = closer, lib/distance), final after rescoring when the
 *   task asks for it, so the coordinator merges segments by plain comparison.
 * - `exclude` lists external ids that the WAL tail shadows; a worker never returns them.
 * - A candidate names where it lives (`segment`, `offset`), so the coordinator fetches its payload/vector by offset
 *   without reading the segment's `ids` table.
 * - `searches` (a multi-stage query's leaves, lib/collection/query-api) are run in the same invocation over the same
 *   opened segments, each with its own vector, limit, params, filter and threshold; the result then carries one
 *   candidate list per sub-search in `lists` (same order) and the top-level fields only describe the first one.
 * - A sub-search with `scoring` (scoring.ts: best_score, sum_scores, discover, context, order_by, sample, no query)
 *   is an exact scan of the segment's originals/payloads with that scoring instead of a nearest search; its
 *   `vector` is empty and its candidates' `similarity` is the scoring's score (larger = earlier). A task whose
 *   searches are all scored has an empty top-level `vector`.
 */
import type { Filter } from '../model/filter.js';
import type { PayloadSchema } from '../model/payload-schema.js';
import type { PointId } from '../model/point-id.js';
import type { QueryRequest } from '../model/search.js';
import type { MetaJson } from './meta.js';
import type { ScoringSpec } from './scoring.js';

export interface SegmentRef {
  /** segment id as named by the manifest (also the folder under segments/) */
  id: string;
  /** tombstone bitmap version to apply; 0 = none */
  deletedVersion: number;
  /**
   * the segment's meta.json content as its manifest entry carries it (meta.ts metaJson): a cold open then reads
   * every other object in ONE round; absent: the worker reads meta.json first
   */
  meta?: MetaJson;
}

export interface SegmentSearchTask {
  /** object-key prefix of the collection: `{prefix}/collections/{name}` */
  collectionPrefix: string;
  segments: SegmentRef[];
  /** query vector, already normalized for Cosine (empty when `searches` holds only scored searches) */
  vector: number[];
  /** vector name searched; absent or '': the unnamed vector */
  using?: string;
  /** candidates wanted per segment after rescoring: the coordinator's offset + limit */
  limit: number;
  params: QueryRequest['params'];
  filter?: Filter;
  exclude?: readonly PointId[];
  /**
   * names the content of `exclude`: tasks with the same key carry the same ids (the coordinator's process nonce and
   * its tail winners' generation), so a worker may reuse what it derived from them (excluded offsets per segment)
   */
  excludeKey?: string;
  /** internal similarity threshold (larger = closer); candidates below it are dropped */
  minSimilarity?: number;
  /** several searches in one invocation (see header); `exclude` applies to every one of them */
  searches?: SubSearch[];
  /**
   * the time this attempt may take, in ms from its arrival (relative: a worker's clock need not agree with the
   * coordinator's). The worker stops cooperatively between store rounds once it is spent (fails 'unavailable'),
   * keeping every page it fetched cached, so a retry of the same query costs less. Absent: no limit.
   */
  budgetMs?: number;
  /**
   * the collection's payload_schema (the snapshot's): its text indexes change what text conditions of every filter
   * of the task mean (filter.ts); its keys tell which filters the segments' field indexes serve; absent = none
   */
  payloadSchema?: PayloadSchema;
  /**
   * the snapshot's non-zero vector name generations (lib/model/vector-generations.ts): a segment's space of a
   * searched name written under another generation (absent: 0) is stale and finds nothing; absent = all 0
   */
  generations?: Record<string, number>;
}

/** One search of a batched task. */
export interface SubSearch {
  /** query vector, already normalized for Cosine; empty when `scoring` is set */
  vector: number[];
  /** vector name searched; absent or '': the unnamed vector */
  using?: string;
  limit: number;
  params: QueryRequest['params'];
  filter?: Filter;
  minSimilarity?: number;
  /** score every live point with this instead of searching nearest to `vector` (see header) */
  scoring?: ScoringSpec;
  /**
   * a sparse query (sorted indices, weights already IDF-weighted by the coordinator) over the sparse name `using`:
   * an exact inverted-index search (sparse-search.ts); `vector` is then empty
   */
  sparse?: { indices: number[]; values: number[] };
}

export interface SegmentCandidate {
  id: PointId;
  version: number;
  similarity: number;
  /** the segment (a manifest id) the candidate was found in */
  segment: string;
  /**
   * the candidate's internal offset within `segment`: the dense u32 row index of every per-point object of that
   * segment (ids, payload, vectors, tombstones). Meaningful only together with `segment`; never an external id.
   */
  offset: number;
}

/** What one segment search cost (DESIGN.md §8); summed by the coordinator. */
export interface SegmentSearchStats {
  segments: number;
  distances: number;
  gets: number;
  bytes: number;
  rounds: number;
  cold: number;
  millis: number;
  /** the slowest segment's sequential store rounds before its first similarity (cold-path invariant: ≤ 3) */
  roundsBeforeFirstDistance?: number;
}

export function emptySegmentStats(): SegmentSearchStats {
  return { segments: 0, distances: 0, gets: 0, bytes: 0, rounds: 0, cold: 0, millis: 0 };
}

/**
 * Adds the cost of one task (or group) into `into`. Tasks run concurrently, so `rounds` and `millis` (the critical
 * path) take the slowest one; everything else is summed.
 */
export function addSegmentStats(into: SegmentSearchStats, from: SegmentSearchStats): void {
  into.segments += from.segments;
  into.distances += from.distances;
  into.gets += from.gets;
  into.bytes += from.bytes;
  into.rounds = Math.max(into.rounds, from.rounds);
  into.cold += from.cold;
  into.millis = Math.max(into.millis, from.millis);
  if (from.roundsBeforeFirstDistance !== undefined)
    into.roundsBeforeFirstDistance = Math.max(into.roundsBeforeFirstDistance ?? 0, from.roundsBeforeFirstDistance);
}

export interface SegmentSearchResult {
  candidates: SegmentCandidate[];
  stats: SegmentSearchStats;
  /** one list per sub-search of a batched task, in the task's order */
  lists?: SegmentCandidate[][];
}

/** Concatenates the candidates of results for disjoint segment groups and sums their costs. */
export function mergeResults(results: readonly SegmentSearchResult[]): SegmentSearchResult {
  const stats = emptySegmentStats();
  const candidates = [];
  let lists: SegmentCandidate[][] | undefined;
  for (const r of results) {
    candidates.push(...r.candidates);
    addSegmentStats(stats, r.stats);
    if (r.lists) {
      lists ??= r.lists.map(() => []);
      r.lists.forEach((l, i) => lists?.[i].push(...l));
    }
  }
  return lists ? { candidates, stats, lists } : { candidates, stats };
}
