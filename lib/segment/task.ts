/**
 * The worker entry (task-contract.ts is the contract): open or reuse each segment of the task, search them
 * concurrently, return candidates with internal similarities and what it cost.
 *
 * Cost accounting: one IoScope per segment (segments run concurrently, so a shared scope would chain independent
 * requests into false rounds); GETs and bytes are summed, `rounds` is the deepest segment's. A segment is `cold`
 * when this call (or the open it joined) had to read it. The per-process registry makes the next query warm.
 *
 * A batched task (`searches`) opens each segment once and runs every sub-search over it in this one invocation:
 * a multi-stage query pays one invoke per worker and one cold load per segment, whatever its number of leaves.
 * A sub-search with a `scoring` (scoring.ts) is a custom-scored exact scan of the segment (scan.ts) instead of a
 * nearest search (over a sparse name: a scan of the points' sparse vectors, sparse-scan.ts); its spec is compiled for
 * each segment's dimension, distance and shape (known once it is open) before anything is scored, so a malformed one fails the task ('invalid') and never yields a partial list.
 *
 * Invariants: a segment that fails fails the task (no silent partial answer, DESIGN.md §4.5); candidates never
 * include tombstoned or excluded points; similarities are final for the task's params (rescored when asked).
 */
import { withStaleVectorsAbsent } from './filter.js';
import { planFilter } from './index-filter.js';
import type {
  SegmentCandidate,
  SegmentRef,
  SegmentSearchResult,
  SegmentSearchTask,
  SubSearch,
} from './task-contract.js';
import { LRUCache } from 'lru-cache';
import { invalid, unavailable } from '../model/errors.js';
import type { PointId } from '../model/point-id.js';
import { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import { segmentPrefix } from './keys.js';
import { type SegmentMeta, parseMeta } from './meta.js';
import { openSegment } from './open.js';
import type { PageSource } from './page-io.js';
import type { SegmentRegistry } from './registry.js';
import { scanSegment } from './scan.js';
import { type CompiledScoring, compileScoring, compileSparseScoring, scoringReadsVector } from './scoring.js';
import { scanSparseSegment } from './sparse-scan.js';
import { type SearchTuning, type SegmentHits, searchSegment } from './search.js';
import type { Segment } from './segment.js';
import { searchSparseSegment } from './sparse-search.js';
import type { SparseVector } from '../model/sparse-vector.js';

/** A task's sparse query as typed arrays (the coordinator sent it sorted and checked). */
const sparseOf = (s: { indices: number[]; values: number[] }): SparseVector => ({
  indices: Uint32Array.from(s.indices),
  values: Float32Array.from(s.values),
});

const NO_HITS: SegmentHits = {
  offsets: new Uint32Array(0),
  similarities: new Float64Array(0),
  distances: 0,
  path: 'exact',
  rescored: false,
  roundsBeforeFirstDistance: -1,
};

export interface SegmentTaskContext {
  store: ObjectStore;
  /** the process's page cache for the paged tiers */
  cache: PageSource;
  registry: SegmentRegistry<Segment>;
  /** injected clock (ms) for `millis` and the task's budget; default performance.now */
  now?: () => number;
  /** how searches use the store (beam width, whole-graph size rule, rescoring GETs); default DEFAULT_TUNING */
  tuning?: SearchTuning;
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

/**
 * exclude lists by their task's `excludeKey`, the first array received for each: a later task with the same key gets
 * that very array back, so excludeMask (search.ts), which keeps its masks per array, maps its ids to a segment's
 * offsets once per key instead of once per task. Why: under a writer every query's tasks carry the tail winners'
 * ids, thousands, and the same list comes back with each query until the next WAL object; mapping them was most of
 * a worker's time. A list whose length or ends differ from the cached one under its key is taken as sent.
 */
const excludes = new LRUCache<string, readonly PointId[]>({ max: 8 });

function sharedExclude(key: string | undefined, exclude: readonly PointId[] | undefined) {
  if (key === undefined || exclude === undefined || exclude.length === 0) return exclude;
  const known = excludes.get(key);
  const n = exclude.length;
  if (known !== undefined && known.length === n && known[0] === exclude[0] && known[n - 1] === exclude[n - 1])
    return known;
  excludes.set(key, exclude);
  return exclude;
}

/**
 * Runs one task. `signal` (an in-process caller that stopped waiting) cancels it like its budget does: between store
 * rounds, keeping what it fetched.
 */
export async function runSegmentTask(
  task: SegmentSearchTask,
  ctx: SegmentTaskContext,
  signal?: AbortSignal,
): Promise<SegmentSearchResult> {
  return (await runSegmentTaskDetailed(task, ctx, signal)).result;
}

export async function runSegmentTaskDetailed(
  task: SegmentSearchTask,
  ctx: SegmentTaskContext,
  signal?: AbortSignal,
): Promise<{ result: SegmentSearchResult; details: SegmentTaskDetail[] }> {
  const now = ctx.now ?? (() => performance.now());
  const started = now();
  if (!Number.isInteger(task.limit) || task.limit < 0)
    throw invalid(`task limit ${task.limit} must be a non-negative integer`);
  const searches: readonly SubSearch[] = task.searches ?? [task];
  const vectors = searches.map((q) => Float32Array.from(q.vector));
  for (let k = 0; k < searches.length; k++) {
    const q = searches[k];
    if (q.scoring === undefined && q.sparse === undefined && vectors[k].length === 0) {
      throw invalid(`search ${k} has no vector`);
    }
  }
  const budget = task.budgetMs;
  // cooperative cancellation: checked between store rounds, so a late task stops but what it fetched stays cached
  const checkpoint =
    budget === undefined && signal === undefined
      ? undefined
      : () => {
          if (budget !== undefined && now() - started > budget)
            throw unavailable(`segment task passed its budget of ${budget} ms`);
          if (signal?.aborted) throw unavailable('segment task abandoned by its caller');
        };
  const keyed = { ...task, exclude: sharedExclude(task.excludeKey, task.exclude) };
  const perSegment = await Promise.all(
    task.segments.map((ref) => searchOne(keyed, searches, ref, vectors, ctx, checkpoint)),
  );

  const lists: SegmentCandidate[][] = searches.map(() => []);
  const stats = {
    segments: task.segments.length,
    distances: 0,
    gets: 0,
    bytes: 0,
    rounds: 0,
    cold: 0,
    millis: 0,
    roundsBeforeFirstDistance: -1,
  };
  for (const { candidates: c, detail } of perSegment) {
    c.forEach((list, i) => {
      for (const x of list) lists[i].push(x);
    });
    stats.distances += detail.distances;
    stats.gets += detail.gets;
    stats.bytes += detail.bytes;
    stats.rounds = Math.max(stats.rounds, detail.rounds);
    stats.roundsBeforeFirstDistance = Math.max(stats.roundsBeforeFirstDistance, detail.roundsBeforeFirstDistance);
    if (detail.cold) stats.cold++;
  }
  stats.millis = now() - started;
  const result: SegmentSearchResult = task.searches
    ? { candidates: [], stats, lists }
    : { candidates: lists[0], stats };
  return { result, details: perSegment.map((p) => p.detail) };
}

/** An example scoring over a sparse name: a stored sparse vector's score (sparse-scan.ts). */
interface SparseScoring {
  sparse: (v: SparseVector) => number;
}

/** The meta a task hands over, checked as meta.json is; undefined: the open reads meta.json. */
function metaOf(ref: SegmentRef, prefix: string): SegmentMeta | undefined {
  return ref.meta === undefined ? undefined : parseMeta(ref.meta, `${prefix}/meta.json (as the manifest carries it)`);
}

async function searchOne(
  task: SegmentSearchTask,
  searches: readonly SubSearch[],
  ref: SegmentRef,
  vectors: readonly Float32Array[],
  ctx: SegmentTaskContext,
  checkpoint: (() => void) | undefined,
): Promise<{ candidates: SegmentCandidate[][]; detail: SegmentTaskDetail }> {
  const io = new IoScope();
  const prefix = segmentPrefix(task.collectionPrefix, ref.id);
  const { value: seg, cold } = await ctx.registry.getOrOpen(prefix, () =>
    // the manifest's copy of meta.json, when the task carries it: the open's one round (open.ts)
    openSegment(ctx.store, ctx.cache, prefix, metaOf(ref, prefix), {
      deletedVersion: ref.deletedVersion,
      // payloads are read at open for order_by and for a filter the field indexes cannot serve whole
      // (index-filter.ts)
      withPayloads: searches.some(
        (q) =>
          q.scoring?.kind === 'order_by' ||
          (q.filter !== undefined &&
            planFilter(
              q.filter,
              { count: 0, schemaOf: (k) => task.payloadSchema?.[k], externalId: () => 0 },
              task.payloadSchema,
            ).payloads),
      ),
      io,
    }),
  );
  // a space of a name deleted or re-created since the segment was written (vector-generations.ts) holds no live data:
  // not searched, and no point of it holds that name for has_vector
  const stale = (using: string | undefined): boolean => {
    const name = using ?? '';
    const held = seg.meta.spaces[name] ?? seg.meta.sparse?.[name];
    return held !== undefined && (held.generation ?? 0) !== (task.generations?.[name] ?? 0);
  };
  // compiled per segment (each vector space knows its own dimension, distance and shape); rejected before anything
  // is scored. 'none': a form that scores vectors, over a vector no point of this segment holds, finds nothing here
  const scorings = searches.map((q): CompiledScoring | SparseScoring | null | 'none' => {
    if (q.scoring === undefined || q.sparse !== undefined) return null;
    const using = q.using ?? '';
    if (stale(using)) return scoringReadsVector(q.scoring) ? 'none' : compileScoring(q.scoring, 0, 'Dot');
    const space = seg.space(using);
    if (space !== undefined) {
      const { dim, distance, datatype } = space.meta;
      return compileScoring(q.scoring, dim, distance, undefined, datatype, space.starts !== null);
    }
    if (!scoringReadsVector(q.scoring)) return compileScoring(q.scoring, 0, 'Dot');
    return seg.meta.sparse?.[using] !== undefined ? { sparse: compileSparseScoring(q.scoring) } : 'none';
  });
  // the sub-searches of one segment run one after another: they share its warm memory and page cache, and a later
  // one finds the pages an earlier one read
  const all: SegmentHits[] = [];
  for (let k = 0; k < searches.length; k++) {
    const q = searches[k];
    const scoring = scorings[k];
    const common = {
      limit: q.limit,
      filter: q.filter && withStaleVectorsAbsent(q.filter, stale),
      exclude: task.exclude,
      deletedVersion: ref.deletedVersion,
      minSimilarity: q.minSimilarity,
      payloadSchema: task.payloadSchema,
      using: q.using ?? '',
    };
    // a scan has no rounds of its own to check between: a late task stops before it, like between leaves
    if (scoring !== null) checkpoint?.();
    if (q.sparse !== undefined) {
      checkpoint?.();
      all.push(
        stale(q.using) ? NO_HITS : await searchSparseSegment(seg, { ...common, vector: sparseOf(q.sparse) }, io),
      );
      continue;
    }
    if (scoring !== null && scoring !== 'none' && 'sparse' in scoring) {
      all.push(await scanSparseSegment(seg, { ...common, score: scoring.sparse }, io));
      continue;
    }
    all.push(
      scoring === 'none' || (scoring === null && stale(q.using))
        ? NO_HITS
        : scoring !== null
          ? await scanSegment(seg, { ...common, scoring }, io)
          : await searchSegment(
              seg,
              { ...common, vector: vectors[k], params: q.params, ...(checkpoint ? { checkpoint } : {}) },
              io,
              ctx.tuning,
            ),
    );
  }
  // tombstone versions and filter state may have grown the segment
  ctx.registry.touch(prefix);
  const candidates = all.map((hits) => {
    const list: SegmentCandidate[] = [];
    for (let i = 0; i < hits.offsets.length; i++) {
      const o = hits.offsets[i];
      list.push({
        id: seg.externalId(o),
        version: seg.version(o),
        similarity: hits.similarities[i],
        segment: ref.id,
        offset: o,
      });
    }
    return list;
  });
  const hits = all[0];
  const distances = all.reduce((n, h) => n + h.distances, 0);
  const c = io.counts;
  return {
    candidates,
    detail: {
      segment: ref.id,
      cold,
      path: hits.path,
      rescored: hits.rescored,
      distances,
      gets: c.gets + c.rangedGets + c.conditionalGets + c.heads,
      bytes: c.bytesIn,
      rounds: io.rounds,
      roundsBeforeFirstDistance: hits.roundsBeforeFirstDistance,
    },
  };
}
