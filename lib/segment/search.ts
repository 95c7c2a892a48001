/**
 * Search inside ONE opened segment: HNSW or exact, on int8 codes or float32 originals, with the filter, tombstones
 * and the task's `exclude` applied during the walk through the engine's accept(offset) hook, then rescoring.
 *
 * Path choice (Qdrant's rules):
 * - exact when `params.exact`, when the segment has no graph (it was below indexing_threshold), or when a filter is
 *   selective: the filter's cardinality over this segment (counted exactly, from the payloads) times the vector
 *   size is below `hnsw_config.full_scan_threshold` KB; the exact scan then visits only the matching offsets;
 * - otherwise HNSW with ef = max(hnsw_ef ?? ef_construct, candidates).
 * Scorer: int8 codes when the segment is quantized and `quantization.ignore` is not set; float originals otherwise.
 * Candidates on int8: ceil(limit × oversampling).
 *
 * RESCORE DEFAULT RULE: when `quantization.rescore` is unset, a quantized search IS rescored with the originals,
 * whichever tier holds them (Qdrant's documented default is to rescore; int8 scores only rank). Rescoring with
 * originals on disk costs one batched, coalesced ranged read of the candidates' pages. Set `rescore: false`
 * explicitly for the zero-I/O warm path (int8 in RAM, graph in RAM).
 *
 * Invariants: results are identical whichever tier holds the graph or the originals (the same async walk and the
 * same kernels run over in-memory arrays or resident pages); returned similarities are final (rescored when asked),
 * larger = closer; ties order by offset ascending so repeated runs agree.
 */
import type { Filter } from '../model/filter.js';
import type { PointId } from '../model/point-id.js';
import type { SearchParams } from '../model/search.js';
import { internal } from '../model/errors.js';
import { MinHeap, type SearchResult } from '../index/heap.js';
import { oversampledCount } from '../index/rescore.js';
import type { QueryScorer } from '../index/scorer.js';
import type { GraphAccessor } from '../index/graph.js';
import { type AcceptFn, SearchContext, searchHnswAsync } from '../index/search.js';
import type { PointOffset } from './ids-format.js';
import { vectorKb } from './meta.js';
import type { QueryIo, Segment } from './segment.js';

export interface SegmentQuery {
  /** already normalized for Cosine */
  vector: Float32Array;
  /** results wanted after rescoring */
  limit: number;
  params: SearchParams;
  filter?: Filter;
  exclude?: readonly PointId[];
  /** tombstone version to apply; 0 = none */
  deletedVersion: number;
  minSimilarity?: number;
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
/**
 * Frontier nodes whose layer-0 pages ride along with each page miss (see FrontierPrefetch). Measured cold, graph on
 * disk, 16 KiB pages (GloVe-100 20k / Fashion-MNIST 5k): W=0 → 42 / 11.7 rounds per query, W=8 → 17 / 7.9,
 * W=32 → 11 / 6.0, for +12% / +0% GETs at W=32 and identical results.
 */
const FRONTIER_PREFETCH = 32;

/**
 * A paged graph whose every miss also fetches the pages of the best frontier candidates (the first entries of the
 * search's candidate heap: the nodes it will expand next), in the same coalesced round. The walk then finds most
 * next pages resident: fewer sequential rounds for a few more, parallel, GETs. Results are unchanged (only what is
 * resident changes).
 */
class FrontierPrefetch implements GraphAccessor {
  readonly meta: GraphAccessor['meta'];
  readonly upper: GraphAccessor['upper'];
  private readonly batch: number[] = [];

  constructor(
    private readonly inner: GraphAccessor,
    private readonly ctx: SearchContext,
  ) {
    this.meta = inner.meta;
    this.upper = inner.upper;
  }

  layer0(id: number): Uint32Array | null {
    return this.inner.layer0(id);
  }

  layer0Offset(id: number): number {
    return this.inner.layer0Offset(id);
  }

  load(ids: ArrayLike<number>): Promise<void> {
    const b = this.batch;
    b.length = 0;
    for (let i = 0; i < ids.length; i++) b.push(ids[i]);
    const heap = this.ctx.candidates;
    const extra = Math.min(heap.size, FRONTIER_PREFETCH);
    for (let i = 0; i < extra; i++) if (this.inner.layer0(heap.ids[i]) === null) b.push(heap.ids[i]);
    return this.inner.load!(b.slice());
  }
}

const EXACT_BATCH = 1024;

export async function searchSegment(seg: Segment, q: SegmentQuery, io: QueryIo): Promise<SegmentHits> {
  const { meta } = seg;
  if (q.vector.length !== meta.dim) throw internal(`query has ${q.vector.length} dimensions, segment has ${meta.dim}`);
  const empty: SegmentHits = {
    offsets: new Uint32Array(0),
    similarities: new Float64Array(0),
    distances: 0,
    path: 'exact',
    rescored: false,
    roundsBeforeFirstDistance: -1,
  };
  if (meta.count === 0 || q.limit <= 0) return empty;

  const quantizedSearch = seg.quantized !== null && q.params.quantization?.ignore !== true;
  const rescore = shouldRescore(q.params, quantizedSearch);
  const candidates = quantizedSearch ? oversampledCount(q.limit, q.params.quantization?.oversampling ?? 1) : q.limit;

  // tombstones and payloads (for a filter) not yet resident are read in one parallel round
  const [tomb, filtered] = await Promise.all([
    seg.tombstones(q.deletedVersion, io),
    q.filter ? seg.filterMask(q.filter, io) : null,
  ]);
  const excluded = excludeMask(seg, q.exclude);
  const accept = acceptFn(tomb, excluded, filtered?.mask ?? null);

  const scorer = new FirstDistanceProbe(quantizedSearch ? seg.int8Scorer(q.vector) : seg.floatScorer(q.vector, io), io);
  let found: SearchResult;
  let distances = 0;
  let path: SegmentHits['path'];
  const selective = filtered !== null && vectorKb(filtered.cardinality, meta.dim) < meta.fullScanThresholdKb;
  if (q.params.exact || meta.hnsw === null || selective) {
    path = selective && !q.params.exact && meta.hnsw !== null ? 'exact-filtered' : 'exact';
    const domain = filtered !== null ? filtered.offsets : null;
    const r = await exactTopK(meta.count, domain, scorer, candidates, accept);
    found = r.result;
    distances += r.distances;
  } else {
    path = 'hnsw';
    const ef = Math.max(q.params.hnsw_ef ?? meta.hnsw.efConstruct, candidates);
    const ctx = contexts.pop() ?? new SearchContext(meta.count);
    const paged = seg.graphAccessor(io);
    const graph = paged.load ? new FrontierPrefetch(paged, ctx) : paged;
    try {
      found = await searchHnswAsync(graph, scorer, { k: candidates, ef, accept }, ctx);
      distances += ctx.distances;
    } finally {
      contexts.push(ctx);
    }
  }

  let offsets = found.ids;
  let sims = found.scores;
  if (rescore && offsets.length > 0) {
    const originals = seg.floatScorer(q.vector, io);
    if (originals.prefetch) await originals.prefetch(offsets, 0, offsets.length);
    sims = new Float64Array(offsets.length);
    for (let i = 0; i < offsets.length; i++) sims[i] = originals.score(offsets[i]);
    distances += offsets.length;
  }
  const order = Array.from(offsets.keys()).sort((a, b) => sims[b] - sims[a] || offsets[a] - offsets[b]);
  const min = q.minSimilarity ?? Number.NEGATIVE_INFINITY;
  const keep = order.filter((i) => sims[i] >= min).slice(0, q.limit);
  offsets = Uint32Array.from(keep, (i) => offsets[i]);
  sims = Float64Array.from(keep, (i) => sims[i]);
  return { offsets, similarities: sims, distances, path, rescored: rescore, roundsBeforeFirstDistance: scorer.rounds };
}

function excludeMask(seg: Segment, exclude: readonly PointId[] | undefined): Uint8Array | null {
  if (!exclude || exclude.length === 0) return null;
  const offsets = seg.ids.offsetsOf(exclude);
  if (offsets.length === 0) return null;
  const mask = new Uint8Array(seg.meta.count);
  for (const o of offsets) mask[o] = 1;
  return mask;
}

/** One closure per query (not per vector): the hot loop calls it once per candidate that could enter the results. */
function acceptFn(
  tomb: { has(o: PointOffset): boolean } | null,
  excluded: Uint8Array | null,
  filter: Uint8Array | null,
): AcceptFn | null {
  if (tomb === null && excluded === null && filter === null) return null;
  return (o: number) =>
    (filter === null || filter[o] === 1) && (excluded === null || excluded[o] === 0) && (tomb === null || !tomb.has(o));
}

/**
 * Exact top-k over all offsets (domain null) or over a list of offsets, in batches so a paged scorer fetches each
 * batch's pages in one coalesced read before scoring it.
 */
async function exactTopK(
  n: number,
  domain: Uint32Array | null,
  scorer: QueryScorer,
  k: number,
  accept: AcceptFn | null,
): Promise<{ result: SearchResult; distances: number }> {
  const heap = new MinHeap(k + 1);
  const total = domain === null ? n : domain.length;
  const batch = new Uint32Array(Math.min(EXACT_BATCH, total));
  let distances = 0;
  for (let start = 0; start < total; start += EXACT_BATCH) {
    let len = 0;
    const end = Math.min(total, start + EXACT_BATCH);
    for (let i = start; i < end; i++) {
      const o = domain === null ? i : domain[i];
      if (accept === null || accept(o)) batch[len++] = o;
    }
    if (len === 0) continue;
    if (scorer.prefetch) {
      const p = scorer.prefetch(batch, 0, len);
      if (p) await p;
    }
    for (let i = 0; i < len; i++) {
      const o = batch[i];
      const s = scorer.score(o);
      if (heap.size < k) heap.push(o, s);
      else if (s > heap.topScore()) {
        heap.pop();
        heap.push(o, s);
      }
    }
    distances += len;
  }
  return { result: heap.drainDescending(), distances };
}
