/**
 * Search inside ONE opened segment: HNSW or exact, on int8 codes or float32 originals, with the filter, tombstones
 * and the task's `exclude` applied during the walk through the engine's accept(offset) hook, then rescoring.
 * The search itself is lib/index's one pipeline (searchPipeline); this module keeps the segment's concerns only:
 * which path and scorers a query gets, tombstones, filters, exclusions, the tier's page access and the I/O stats.
 *
 * Path choice (Qdrant's rules):
 * - exact when `params.exact`, when the segment has no graph (it was below indexing_threshold), or when a filter is
 *   selective: the filter's cardinality over this segment (counted exactly, from the payloads) times the vector
 *   size is below `hnsw_config.full_scan_threshold` KB; the exact scan then visits only the matching offsets;
 * - otherwise HNSW with ef = max(hnsw_ef ?? ef_construct, candidates);
 * - a BLOCK GRAPH (`m: 0` + payload_m: block graphs, no main graph) is walked only for a filter one block serves
 *   (block-walk.ts), from the block's entry point (lib/index/block-entry.ts); every other query on it is exact (the
 *   filter's matches, or every point).
 * Scorer: the space's codes (any kind, quantization/codes.ts) when the segment is quantized and `quantization.ignore` is not set; float originals otherwise.
 * Candidates on int8: ceil(limit × oversampling).
 *
 * RESCORE DEFAULT RULE: when `quantization.rescore` is unset, a quantized search IS rescored with the originals,
 * whichever tier holds them (Qdrant's documented default is to rescore; int8 scores only rank). Rescoring with
 * originals on disk costs one batched, coalesced ranged read of the candidates' pages. Set `rescore: false`
 * explicitly for the zero-I/O warm path (int8 in RAM, graph in RAM).
 *
 * Vector names: a query searches one vector space (`using`, '' = the unnamed vector) over that space's rows; a point
 * without that vector has no row and is never returned; returned offsets are point offsets (space.ts maps rows).
 *
 * Invariants: results are identical whichever tier holds the graph or the originals (the same async walk and the
 * same kernels run over in-memory arrays or resident pages); returned similarities are final (rescored when asked),
 * larger = closer; ties order by offset ascending so repeated runs agree.
 */
import type { Filter } from '../model/filter.js';
import type { PayloadSchema } from '../model/payload-schema.js';
import type { PointId } from '../model/point-id.js';
import type { SearchParams } from '../model/search.js';
import { internal } from '../model/errors.js';
import { oversampledCount, searchPipeline } from '../index/pipeline.js';
import type { QueryScorer } from '../index/scorer.js';
import { type AcceptFn, SearchContext } from '../index/search.js';
import { findBlockEntry } from '../index/block-entry.js';
import { blockServes } from './block-walk.js';
import type { PointOffset } from './ids-format.js';
import { vectorKb } from './meta.js';
import type { QueryIo, Segment } from './segment.js';
import type { SegmentSpace } from './space.js';

export interface SegmentQuery {
  /** already normalized for Cosine (each row, for a multivector space: rows × dim, row-major) */
  vector: Float32Array;
  /** vector name searched; '' or absent: the unnamed vector */
  using?: string;
  /** results wanted after rescoring */
  limit: number;
  params: SearchParams;
  filter?: Filter;
  /** the collection's text indexes, which change what the filter's text conditions mean */
  payloadSchema?: PayloadSchema;
  exclude?: readonly PointId[];
  /** tombstone version to apply; 0 = none */
  deletedVersion: number;
  minSimilarity?: number;
  /** called between store rounds; throws to cancel the search (the task's deadline) */
  checkpoint?: () => void;
}

export interface SegmentHits {
  offsets: Uint32Array;
  similarities: Float64Array;
  /** similarity computations, int8 and float, walk + rescoring */
  distances: number;
  path: 'hnsw' | 'exact' | 'exact-filtered';
  rescored: boolean;
  /** sequential store rounds of this query's scope when the first similarity was computed (-1: none computed) */
  roundsBeforeFirstDistance: number;
}

/**
 * Records the query's rounds at the first similarity computed, then forwards. One predictable branch per score is
 * cheap next to a dim-wide kernel, and it measures the cold-path invariant (≤ 3 rounds) on real queries.
 */
class FirstDistanceProbe implements QueryScorer {
  rounds = -1;
  readonly prefetch?: QueryScorer['prefetch'];
  /** forwarded so the walk keeps the inner scorer's batched (SIMD) path */
  readonly scoreMany?: QueryScorer['scoreMany'];
  /** forwarded so an in-memory walk can run in wasm (lib/index/wasm-walk.ts) */
  readonly walkSource?: QueryScorer['walkSource'];

  constructor(
    private readonly inner: QueryScorer,
    private readonly io: QueryIo,
  ) {
    if (inner.prefetch) this.prefetch = (ids, start, count) => inner.prefetch!(ids, start, count);
    if (inner.scoreMany) {
      this.scoreMany = (ids, start, count, out) => {
        if (this.rounds < 0) this.rounds = this.io?.rounds ?? 0;
        inner.scoreMany!(ids, start, count, out);
      };
    }
    // the wasm layer-0 walk scores inside one call; asked for its source, it is about to compute distances. Only
    // int8 codes (kind 0): the walk arena holds a copy of its rows, which for codes (a quarter of the originals'
    // bytes) buys 1.2-1.4x queries per CPU-second, while for float32 originals it measured 0.94-1.22x (noise) at
    // four times the copy; float walks stay in JS
    if (inner.walkSource) {
      this.walkSource = () => {
        const src = inner.walkSource!();
        if (src?.kind !== 0) return undefined;
        if (this.rounds < 0) this.rounds = this.io?.rounds ?? 0;
        return src;
      };
    }
  }

  score(id: number): number {
    if (this.rounds < 0) this.rounds = this.io?.rounds ?? 0;
    return this.inner.score(id);
  }
}

/** The rescore rule of the module header: unset means rescore. */
export function shouldRescore(params: SearchParams, quantizedSearch: boolean): boolean {
  return quantizedSearch && params.quantization?.rescore !== false;
}

const contexts: SearchContext[] = [];

/** How a segment search uses the store (the worker's settings; DEFAULT_TUNING otherwise). */
export interface SearchTuning {
  /** W: candidates the walk expands per store round when it reads pages (lib/index/beam-search.ts), at least */
  beamWidth: number;
  /**
   * W grows with ef past `beamWidth` to ceil(ef × beamPerEf): a walk's expansions grow with ef, its rounds should not
   * (a `beamWidth` of 1 stays the sequential walk)
   */
  beamPerEf: number;
  /** G: a paged layer 0 of at most this many bytes is read whole on first touch (whole-graph.ts); 0 = never */
  wholeGraphBytes: number;
  /** V: paged originals of at most this many bytes are read whole when a float walk first misses (whole-rows.ts) */
  wholeVectorsBytes: number;
  /** G and V from a space's second walk in this worker (at least the first walk's: the worker keeps it warm) */
  warmWholeGraphBytes: number;
  warmWholeVectorsBytes: number;
  /** ranged GETs of one rescoring read of paged originals, at most (nearest page runs merged) */
  rescoreMaxGets: number;
  /**
   * how a walk reads a paged tier too large for the size rule: its records (rows, layer-0 records: fewest bytes,
   * most GETs; cold-records.ts) or their pages (fewer GETs, more bytes)
   */
  coldReads: 'records' | 'pages';
  /** records at most this many bytes apart share one ranged GET (coldReads 'records') */
  recordGapBytes: number;
}

/**
 * Two tunings, chosen by STRATA_COLD_READS (lib/runtime/config.ts). The default, `records` (RECORD_TUNING below),
 * designs for a bound on a cold scenario-2 query, at most 10 rounds and 4 MB per 25k-point segment with the
 * coordinator's snapshot round: a first walk reads whole only under 1 MiB / 2 MiB and otherwise fetches the very
 * records a beam step needs. Over 20 queries on each of 3 graphs of 25k GloVe-100 points (the id seeds the build),
 * through the collection path: 7-10 rounds (mean 8.22), 2.8-3.7 MB, 1,540-3,730 GETs a query
 * (test/unit/collection/cold-scenario2-rounds.test.ts); it meets the rounds only since the task carries the meta
 * (open.ts: the open is one round, not two; 8-11 before). `pages` (PAGE_TUNING) designs for few GETs (what S3 bills):
 * a layer-0 graph under 4 MiB and originals under 16 MiB are read whole in one round on the first walk (the same
 * queries: 3 rounds, 21 GETs, 14.5 MB), larger tiers page by page. In-region transfer is free and a GET costs
 * $0.4 per million, so records cost ~$0.001 more per cold segment walk; over moto behind the latency fixture
 * (bench/storage.ts, 50k in 2 segments) records are far slower, since moto serves GETs one at a time where S3 serves
 * a round's few hundred in parallel (bench/README.md).
 *
 * W = 32: measured cold over a paged graph (GloVe-100, 25k points, 16 KiB vector pages, ef 128, float walk on
 * paged originals), the sequential walk paid one round per hop (~135); the beam pays about hops / W plus the
 * descent, at equal recall (test/unit/segment/paged-walk.test.ts). W widens with ef (3/8 of it): the walk expands
 * more nodes at a larger ef, and its step count is what S3 latency multiplies. At ef 128 (W 48), records read, the
 * same segment's cold query costs 8.35 rounds (7-10 over 20 queries, with an open that reads meta.json first: one
 * less when the task carries the meta) for 3.19 MB and ~2,450 GETs; at W 32, 8.95 rounds (7-11) for 3.16 MB and
 * ~2,530 GETs. W 64 / 96 gave 8.05 / 7.75 rounds (still up to 10: the last steps expand the few nodes the step
 * before found, one generation a round) for 3.3 / 3.6 MB.
 * The cold size rule, G = 1 MiB and V = 2 MiB: a first walk reads whole only what keeps it under 4 MB a segment
 * (the bound above); past it, records (cold-records.ts): a 25k × 100-d segment's walk at ef 128 reads 1.1 MB of
 * rows and records in ~2,500 GETs instead of 13.3 MB whole in ~14 (in-memory store, 20 queries, same hits). Gap 1 KiB:
 * 0 / 1 / 2 / 4 KiB gave 3,075 / 2,523 / 2,120 / 1,698 GETs for 0.87 / 1.14 / 1.76 / 3.04 MB, and the open reads
 * ~2 MB more (ids, payload index, entry region), so 2 KiB would sit at the bound. Whole cold queries (60 over 3
 * graphs, test/unit/collection/cold-scenario2-rounds.test.ts) at 1 / 1.25 / 1.5 KiB: mean 2,513 / 2,334 / 2,258 GETs,
 * at most 3.73 / 3.90 / 3.98 MB, the same rounds; 1 KiB keeps 7% of the bound spare for other graphs and queries.
 * The warm size rule, 4 MiB and 16 MiB: from a worker's second walk over a segment, the layer 0 of a 25k-point
 * segment at m = 16 (3.3 MB) and its originals up to dim 160 are read whole in one round, and the worker answers
 * every later query from memory (records alone would cost each new query its unseen records).
 */
export const RECORD_TUNING: SearchTuning = {
  beamWidth: 32,
  beamPerEf: 0.375,
  wholeGraphBytes: 1024 * 1024,
  wholeVectorsBytes: 2 * 1024 * 1024,
  warmWholeGraphBytes: 4 * 1024 * 1024,
  warmWholeVectorsBytes: 16 * 1024 * 1024,
  rescoreMaxGets: 8,
  coldReads: 'records',
  recordGapBytes: 1024,
};

/** `pages` (see above): the warm size rule from the first walk, pages past it. */
export const PAGE_TUNING: SearchTuning = {
  ...RECORD_TUNING,
  wholeGraphBytes: RECORD_TUNING.warmWholeGraphBytes,
  wholeVectorsBytes: RECORD_TUNING.warmWholeVectorsBytes,
  coldReads: 'pages',
};

/** The default: `records` (see above). */
export const DEFAULT_TUNING: SearchTuning = RECORD_TUNING;

export async function searchSegment(
  seg: Segment,
  q: SegmentQuery,
  io: QueryIo,
  tuning: SearchTuning = DEFAULT_TUNING,
): Promise<SegmentHits> {
  const empty: SegmentHits = {
    offsets: new Uint32Array(0),
    similarities: new Float64Array(0),
    distances: 0,
    path: 'exact',
    rescored: false,
    roundsBeforeFirstDistance: -1,
  };
  const space = seg.space(q.using ?? '');
  // no point of this segment holds the vector: nothing to find (the coordinator checked the name exists)
  if (space === undefined) return empty;
  const meta = space.meta;
  // a multivector space takes a query of any number of rows of its dim
  const dimOk = meta.multivector !== undefined ? q.vector.length % meta.dim === 0 : q.vector.length === meta.dim;
  if (!dimOk || q.vector.length === 0) {
    throw internal(`query has ${q.vector.length} dimensions, segment has ${meta.dim}`);
  }
  if (meta.count === 0 || q.limit <= 0) return empty;

  // exact means exact (Qdrant turns quantization off for exact search): the originals are scored, every tier
  const quantizedSearch = space.isQuantized && q.params.quantization?.ignore !== true && !q.params.exact;
  const rescore = shouldRescore(q.params, quantizedSearch);
  const candidates = quantizedSearch ? oversampledCount(q.limit, q.params.quantization?.oversampling ?? 1) : q.limit;

  // tombstones, payloads (for a filter) and cold or evicted codes not yet resident are read in one round
  const [tomb, filtered, codes] = await Promise.all([
    seg.tombstones(q.deletedVersion, io),
    q.filter ? seg.filterMask(q.filter, io, q.payloadSchema) : null,
    quantizedSearch ? space.quantizedSet(io) : null,
  ]);
  const excluded = excludeMask(seg, q.exclude);
  const pointAccept = acceptFn(tomb, excluded, filtered?.mask ?? null);
  const rowOffsets = space.offsets?.rowOffsets ?? null;
  const accept: AcceptFn | null =
    pointAccept === null || rowOffsets === null ? pointAccept : (r: number) => pointAccept(rowOffsets[r]);
  // tombstones and excluded ids on a space whose rows are the point offsets: accept is a bitmap of both, which lets
  // an in-memory walk run in wasm (lib/index/wasm-walk.ts), rejecting the same points as accept
  const rejected = filtered === null && rowOffsets === null ? rejectBits(tomb, excluded) : null;

  q.checkpoint?.();
  const selective =
    filtered !== null && vectorKb(filtered.cardinality, meta.dim, meta.datatype) < meta.fullScanThresholdKb;
  // a block graph (m 0) has nothing to walk but the block a served filter confines the query to
  const blockGraph = meta.hnsw !== null && meta.hnsw.m === 0;
  const blockWalk = blockGraph && filtered !== null && blockServes(q.filter, seg.meta.fieldIndexes);
  const exact = q.params.exact || meta.hnsw === null || selective || (blockGraph && !blockWalk);
  // a graph walk on small paged originals reads them whole at its first miss (whole-rows.ts); a scan reads them anyway
  // the size rule: the first walk of this space in this worker reads whole only what is under the cold bound; a
  // later one reads whole what the worker can keep (one round, then every later query is free)
  const warm = space.walksDone > 0;
  const wholeGraph = warm ? Math.max(tuning.wholeGraphBytes, tuning.warmWholeGraphBytes) : tuning.wholeGraphBytes;
  const wholeVectors = warm
    ? Math.max(tuning.wholeVectorsBytes, tuning.warmWholeVectorsBytes)
    : tuning.wholeVectorsBytes;
  const walkWhole = exact ? 0 : wholeVectors;
  // larger paged tiers under a walk: record by record (cold-records.ts); a scan reads pages
  const recordGap = !exact && tuning.coldReads === 'records' ? tuning.recordGapBytes : null;
  const scorer = new FirstDistanceProbe(
    codes !== null
      ? space.codeScorer(codes, q.vector)
      : space.floatScorer(q.vector, io, undefined, walkWhole, recordGap),
    io,
  );
  const rescorer = rescore ? space.floatScorer(q.vector, io, tuning.rescoreMaxGets) : null;
  const options = { k: q.limit, candidates, accept, rejected, checkpoint: q.checkpoint ?? null };
  let path: SegmentHits['path'];
  let found: Awaited<ReturnType<typeof searchPipeline>>;
  const graph = exact || meta.hnsw === null ? null : space.graphAccessor(io, wholeGraph, recordGap);
  // a served filter's walk starts in its block (found before the walk; null: nothing passes the filter)
  const entry =
    graph !== null && blockWalk && filtered !== null
      ? await findBlockEntry(
          graph,
          scorer,
          rowFilter(space, filtered.mask),
          rowsOf(space, filtered.offsets),
          q.checkpoint,
        )
      : null;
  if (graph === null || meta.hnsw === null || (blockWalk && entry === null)) {
    path = filtered !== null && !q.params.exact && meta.hnsw !== null ? 'exact-filtered' : 'exact';
    const domain = filtered !== null ? rowsOf(space, filtered.offsets) : null;
    found = await searchPipeline({ n: meta.count, graph: null }, scorer, rescorer, { ...options, domain });
  } else {
    path = 'hnsw';
    const ef = q.params.hnsw_ef ?? meta.hnsw.efConstruct;
    const ctx = contexts.pop() ?? new SearchContext(meta.count);
    // a walk that reads pages (graph or originals) expands a beam per round; an in-memory one stays sequential
    const beamWidth =
      graph.load === undefined && scorer.prefetch === undefined
        ? 1
        : tuning.beamWidth <= 1
          ? tuning.beamWidth
          : Math.max(tuning.beamWidth, Math.ceil(ef * tuning.beamPerEf));
    try {
      const walk = { ...options, ef, beamWidth, entry };
      found = await searchPipeline({ n: meta.count, graph }, scorer, rescorer, walk, ctx);
      space.walksDone += 1;
    } finally {
      contexts.push(ctx);
    }
    // the block entry's descent is part of this query's work
    if (entry !== null) found = { ...found, distances: found.distances + entry.distances };
  }

  // the pipeline's order is final (similarity descending, ties by offset); the threshold only cuts its tail
  const min = q.minSimilarity ?? Number.NEGATIVE_INFINITY;
  let keep = found.ids.length;
  while (keep > 0 && !(found.scores[keep - 1] >= min)) keep--;
  const rows = found.ids.subarray(0, keep);
  return {
    offsets: rowOffsets === null ? rows : rows.map((r) => rowOffsets[r]),
    similarities: found.scores.subarray(0, keep),
    distances: found.distances,
    path,
    rescored: rescore,
    roundsBeforeFirstDistance: scorer.rounds,
  };
}

/** The filter's mask as a test on the space's rows. */
function rowFilter(space: SegmentSpace, mask: Uint8Array): (row: number) => boolean {
  const rowOffsets = space.offsets?.rowOffsets ?? null;
  return rowOffsets === null ? (r) => mask[r] === 1 : (r) => mask[rowOffsets[r]] === 1;
}

/** The space's rows of matching point offsets (ascending in, ascending out), skipping points without the vector. */
function rowsOf(space: SegmentSpace, offsets: Uint32Array): Uint32Array {
  if (space.offsets === null) return offsets;
  const out: number[] = [];
  for (const o of offsets) {
    const r = space.rowOf(o);
    if (r >= 0) out.push(r);
  }
  return Uint32Array.from(out);
}

/** masks per exclude array and segment: both immutable, and tasks share an array per excludeKey (task.ts) */
const masks = new WeakMap<readonly PointId[], WeakMap<Segment, Uint8Array | null>>();

/** The task's `exclude` ids as an offset mask of this segment (null: none of them is here). Callers never mutate it. */
export function excludeMask(seg: Segment, exclude: readonly PointId[] | undefined): Uint8Array | null {
  if (!exclude || exclude.length === 0) return null;
  let bySegment = masks.get(exclude);
  if (bySegment === undefined) masks.set(exclude, (bySegment = new WeakMap()));
  let mask = bySegment.get(seg);
  if (mask === undefined) {
    const offsets = seg.ids.offsetsOf(exclude);
    mask = offsets.length === 0 ? null : new Uint8Array(seg.meta.count);
    for (const o of offsets) (mask as Uint8Array)[o] = 1;
    bySegment.set(seg, mask);
  }
  return mask;
}

/** reject bitmaps per exclude mask and tombstones (both immutable and shared: excludeMask, the segment's cache) */
const rejects = new WeakMap<Uint8Array, WeakMap<object, Uint8Array>>();
const NO_TOMBSTONES = {};

/**
 * The walk's reject set (bit o & 7 of byte o >> 3 = offset o may not enter the results) of tombstones and an exclude
 * mask: the tombstones' own bitmap when nothing is excluded, else their union, built once per pair.
 */
export function rejectBits(tomb: { bitmap: Uint8Array } | null, excluded: Uint8Array | null): Uint8Array | null {
  if (excluded === null) return tomb?.bitmap ?? null;
  let byTomb = rejects.get(excluded);
  if (byTomb === undefined) rejects.set(excluded, (byTomb = new WeakMap()));
  let bits = byTomb.get(tomb ?? NO_TOMBSTONES);
  if (bits === undefined) {
    bits = new Uint8Array((excluded.length + 7) >> 3);
    if (tomb !== null) bits.set(tomb.bitmap.subarray(0, bits.length));
    for (let o = 0; o < excluded.length; o++) if (excluded[o] === 1) bits[o >> 3] |= 1 << (o & 7);
    byTomb.set(tomb ?? NO_TOMBSTONES, bits);
  }
  return bits;
}

/** One closure per query (not per vector): the hot loop calls it once per candidate that could enter the results. */
export function acceptFn(
  tomb: { has(o: PointOffset): boolean } | null,
  excluded: Uint8Array | null,
  filter: Uint8Array | null,
): AcceptFn | null {
  if (tomb === null && excluded === null && filter === null) return null;
  return (o: number) =>
    (filter === null || filter[o] === 1) && (excluded === null || excluded[o] === 0) && (tomb === null || !tomb.has(o));
}
