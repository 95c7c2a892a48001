/**
 * THE search pipeline: every search of a segment — and every test and benchmark that measures one — runs these
 * stages, whatever tier holds the data:
 *   1. candidates: a graph walk (HNSW, ef = max(hnsw_ef, candidates)) or an exact scan (every id, or a domain of
 *      ids such as a selective filter's matches), both scored in batches through QueryScorer.scoreMany, i.e. the
 *      WebAssembly SIMD kernels wherever the scorer's rows live in an arena (int8 codes, in-memory originals);
 *   2. rescoring, when a rescorer is given: the candidates re-scored with the originals. A paged rescorer is
 *      prefetched ONCE with every candidate: one batched, coalesced read of their pages;
 *   3. the final order: similarity descending, ties by id ascending (repeated runs agree), the best k.
 * With int8 codes the first stage keeps ceil(k × oversampling) candidates (Qdrant's rule; `oversampledCount`).
 *
 * The sync entry point serves data already in memory (the engine benchmark, ground truth in tests); the async one
 * awaits only where a paged graph or scorer must fetch. Both compose the same stage functions, so they agree.
 */
import { invalid } from '../model/errors.js';
import { searchHnswBeam } from './beam-search.js';
import type { GraphAccessor } from './graph.js';
import { MinHeap, resultArrays, type SearchResult } from './heap.js';
import type { QueryScorer } from './scorer.js';
import { type AcceptFn, type LayerZeroEntry, SearchContext, searchHnsw, searchHnswAsync } from './search.js';

export function oversampledCount(limit: number, oversampling = 1): number {
  if (!(oversampling >= 1)) throw invalid(`oversampling must be ≥ 1, got ${oversampling}`);
  return Math.ceil(limit * oversampling);
}

/** What stage 1 searches: n ids, and the graph over them, or null for an exact scan. */
export interface SearchSpace {
  n: number;
  graph: GraphAccessor | null;
}

export interface PipelineOptions {
  /** results wanted */
  k: number;
  /** candidates stage 1 keeps (≥ k); default k */
  candidates?: number;
  /** the walk's hnsw_ef; default the candidate count */
  ef?: number;
  accept?: AcceptFn | null;
  /** `accept` as a reject bitmap, when the caller has one (SearchOptions.rejected): lets the walk run in wasm */
  rejected?: Uint8Array | null;
  /** an exact scan visits only these ids (ascending); default every id < n */
  domain?: Uint32Array | null;
  /**
   * the async walk expands this many candidates per store round (beam-search.ts); 1 (default) is the sequential
   * walk, which the sync pipeline always runs
   */
  beamWidth?: number;
  /** called between store rounds of the async pipeline; throwing cancels the search there (a deadline) */
  checkpoint?: (() => void) | null;
  /** the walk's layer-0 entry when the caller found it (a block graph's, block-entry.ts); default the descent's */
  entry?: LayerZeroEntry | null;
}

export interface PipelineResult extends SearchResult {
  /** similarity computations: stage 1 plus rescoring */
  distances: number;
}

/** The sync pipeline's context when the caller brings none (sync: no two searches interleave on it). */
const syncContext = new SearchContext();

/** In-memory pipeline: no await anywhere (scorers and graph must be resident). */
export function searchPipelineSync(
  space: SearchSpace,
  primary: QueryScorer,
  rescorer: QueryScorer | null,
  options: PipelineOptions,
  ctx: SearchContext = syncContext,
): PipelineResult {
  const { candidates, ef, accept } = stageOne(options);
  let found: SearchResult;
  let distances: number;
  if (space.graph === null) {
    const scan = exactScan(space.n, primary, candidates, accept, options.domain ?? null);
    found = scan;
    distances = scan.distances;
  } else {
    const rejected = options.rejected ?? null;
    found = searchHnsw(
      space.graph,
      primary,
      { k: candidates, ef, accept, rejected, entry: options.entry ?? null },
      ctx,
    );
    distances = ctx.distances;
  }
  return finish(found, rescorer, options.k, distances);
}

/** The pipeline over paged tiers: awaits only when a page must be fetched. */
export async function searchPipeline(
  space: SearchSpace,
  primary: QueryScorer,
  rescorer: QueryScorer | null,
  options: PipelineOptions,
  ctx?: SearchContext,
): Promise<PipelineResult> {
  const { candidates, ef, accept } = stageOne(options);
  const checkpoint = options.checkpoint ?? null;
  let found: SearchResult;
  let distances: number;
  if (space.graph === null) {
    const scan = await exactSearchAsync(space.n, primary, candidates, accept, options.domain ?? null, checkpoint);
    found = scan;
    distances = scan.distances;
  } else {
    const walk = ctx ?? new SearchContext(space.n);
    // a beam wider than the candidate list would expand nodes the list could never keep
    const beamWidth = Math.min(options.beamWidth ?? 1, ef);
    const search = {
      k: candidates,
      ef,
      accept,
      rejected: options.rejected ?? null,
      checkpoint,
      entry: options.entry ?? null,
    };
    found =
      beamWidth > 1
        ? await searchHnswBeam(space.graph, primary, { ...search, beamWidth }, walk)
        : await searchHnswAsync(space.graph, primary, search, walk);
    distances = walk.distances;
  }
  if (rescorer?.prefetch && found.ids.length > 0) {
    const p = rescorer.prefetch(found.ids, 0, found.ids.length);
    if (p) {
      await p;
      checkpoint?.();
    }
  }
  return finish(found, rescorer, options.k, distances);
}

function stageOne(o: PipelineOptions): { candidates: number; ef: number; accept: AcceptFn | null } {
  const candidates = Math.max(o.candidates ?? o.k, o.k);
  return { candidates, ef: Math.max(o.ef ?? candidates, candidates), accept: o.accept ?? null };
}

function finish(found: SearchResult, rescorer: QueryScorer | null, k: number, distances: number): PipelineResult {
  if (rescorer === null) return { ...topK(found.ids, found.scores, k), distances };
  return { ...rescore(found.ids, rescorer, k), distances: distances + found.ids.length };
}

/** Re-scores ids with `scorer` (resident rows: prefetch first when paged) in batches; the best k, final order. */
export function rescore(ids: Uint32Array, scorer: QueryScorer, k: number): SearchResult {
  // scratch reused across calls (an off-heap allocation per query saved): filled, read and dropped synchronously
  if (rescoreScratch.length < ids.length)
    rescoreScratch = new Float64Array(Math.max(ids.length, 2 * rescoreScratch.length));
  const scores = rescoreScratch.length === ids.length ? rescoreScratch : rescoreScratch.subarray(0, ids.length);
  scoreBatch(scorer, ids, ids.length, scores);
  return topK(ids, scores, k);
}

/** rescore's scores; never escapes (topK copies what it keeps) */
let rescoreScratch = new Float64Array(64);

/** rescore after one batched prefetch of every candidate's row (originals paged from the object store). */
export async function rescoreAsync(ids: Uint32Array, scorer: QueryScorer, k: number): Promise<SearchResult> {
  if (scorer.prefetch && ids.length > 0) await scorer.prefetch(ids, 0, ids.length);
  return rescore(ids, scorer, k);
}

/** Up to this many results, topK keeps them by insertion (no array of indices, no comparator closure). */
const INSERTION_TOP_K = 64;

/** The final order: similarity descending, ties by id ascending; the first k. */
function topK(ids: Uint32Array, scores: Float64Array, k: number): SearchResult {
  if (k <= INSERTION_TOP_K) return topKByInsertion(ids, scores, k);
  const order = Array.from(ids.keys()).sort((a, b) => scores[b] - scores[a] || ids[a] - ids[b]);
  const keep = order.length > k ? order.slice(0, k) : order;
  return { ids: Uint32Array.from(keep, (i) => ids[i]), scores: Float64Array.from(keep, (i) => scores[i]) };
}

/**
 * topK for a small k: a sorted buffer of the best k met so far, each newcomer shifted into place, in the same total
 * order as topK's sort (so the same ids and scores come out). Once the buffer is full, a newcomer that does not beat
 * its last entry costs one comparison: the common case when rescoring ceil(k × oversampling) candidates.
 */
function topKByInsertion(ids: Uint32Array, scores: Float64Array, k: number): SearchResult {
  const keep = Math.min(k, ids.length);
  const { ids: outIds, scores: outScores } = resultArrays(keep);
  let size = 0;
  for (let i = 0; i < ids.length; i++) {
    const s = scores[i];
    const id = ids[i];
    if (size === keep) {
      const last = outScores[keep - 1];
      if (s < last || (s === last && id >= outIds[keep - 1])) continue;
    } else size++;
    let j = size - 1;
    for (; j > 0; j--) {
      const t = outScores[j - 1];
      if (t > s || (t === s && outIds[j - 1] <= id)) break;
      outIds[j] = outIds[j - 1];
      outScores[j] = t;
    }
    outIds[j] = id;
    outScores[j] = s;
  }
  return { ids: outIds, scores: outScores };
}

function scoreBatch(scorer: QueryScorer, ids: Uint32Array, count: number, out: Float64Array): void {
  if (scorer.scoreMany !== undefined) scorer.scoreMany(ids, 0, count, out);
  else for (let j = 0; j < count; j++) out[j] = scorer.score(ids[j]);
}

/** Ids an exact scan scores per batch: one scoreMany call and, for a paged scorer, one prefetch (one round) each. */
const EXACT_BATCH = 1024;

/** Accepted ids of the scan (all of 0..n-1, or `domain`) in batches; yields each batch's length in `batch`. */
function* exactBatches(
  n: number,
  domain: Uint32Array | null,
  accept: AcceptFn | null,
  batch: Uint32Array,
): Generator<number> {
  const total = domain === null ? n : domain.length;
  for (let at = 0; at < total; ) {
    let len = 0;
    for (; at < total && len < batch.length; at++) {
      const id = domain === null ? at : domain[at];
      if (accept === null || accept(id)) batch[len++] = id;
    }
    if (len > 0) yield len;
  }
}

/** Pushes a scored batch into the bounded result heap (ties at the k-th place keep the id met first). */
function keepBest(heap: MinHeap, k: number, batch: Uint32Array, scores: Float64Array, len: number): void {
  for (let j = 0; j < len; j++) {
    const s = scores[j];
    if (heap.size < k) heap.push(batch[j], s);
    else if (s > heap.topScore()) {
      heap.pop();
      heap.push(batch[j], s);
    }
  }
}

interface Scan {
  heap: MinHeap;
  batch: Uint32Array;
  scores: Float64Array;
}

function startScan(n: number, domain: Uint32Array | null, k: number): Scan {
  if (!(Number.isInteger(k) && k > 0)) throw invalid(`k must be a positive integer, got ${k}`);
  const size = Math.max(1, Math.min(EXACT_BATCH, domain === null ? n : domain.length));
  return { heap: new MinHeap(k + 1), batch: new Uint32Array(size), scores: new Float64Array(size) };
}

/**
 * Exact top-k over every id < n (or over `domain`), best first: the `exact: true` path and the ground truth HNSW is
 * tested against. The scorer's rows must be resident.
 */
export function exactSearch(
  n: number,
  scorer: QueryScorer,
  k: number,
  accept: AcceptFn | null = null,
  domain: Uint32Array | null = null,
): SearchResult {
  const { ids, scores } = exactScan(n, scorer, k, accept, domain);
  return { ids, scores };
}

function exactScan(
  n: number,
  scorer: QueryScorer,
  k: number,
  accept: AcceptFn | null,
  domain: Uint32Array | null,
): PipelineResult {
  const scan = startScan(n, domain, k);
  let scored = 0;
  for (const len of exactBatches(n, domain, accept, scan.batch)) {
    scoreBatch(scorer, scan.batch, len, scan.scores);
    keepBest(scan.heap, k, scan.batch, scan.scores, len);
    scored += len;
  }
  return { ...scan.heap.drainDescending(), distances: scored };
}

/** exactSearch over a scorer that may be paged: each batch's rows are fetched (one coalesced read) before scoring. */
export async function exactSearchAsync(
  n: number,
  scorer: QueryScorer,
  k: number,
  accept: AcceptFn | null = null,
  domain: Uint32Array | null = null,
  checkpoint: (() => void) | null = null,
): Promise<PipelineResult> {
  const scan = startScan(n, domain, k);
  let scored = 0;
  for (const len of exactBatches(n, domain, accept, scan.batch)) {
    const fetching = scorer.prefetch?.(scan.batch, 0, len);
    if (fetching) {
      await fetching;
      checkpoint?.();
    }
    scoreBatch(scorer, scan.batch, len, scan.scores);
    keepBest(scan.heap, k, scan.batch, scan.scores, len);
    scored += len;
  }
  return { ...scan.heap.drainDescending(), distances: scored };
}
