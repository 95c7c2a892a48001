/**
 * Rescoring: candidates found on int8 codes are re-ranked with float32 originals. Both scorers report similarities
 * on the same scale, so a rescored list merges with other segments' lists directly.
 * Qdrant's rule: fetch ceil(limit × oversampling) candidates, search with ef = max(hnsw_ef, candidates).
 */
import { invalid } from '../model/errors.js';
import type { GraphAccessor } from './graph.js';
import { exactSearch } from './exact.js';
import { MinHeap, type SearchResult } from './heap.js';
import type { QueryScorer } from './scorer.js';
import { type AcceptFn, type SearchContext, searchHnsw, searchHnswAsync } from './search.js';

export function oversampledCount(limit: number, oversampling = 1): number {
  if (!(oversampling >= 1)) throw invalid(`oversampling must be ≥ 1, got ${oversampling}`);
  return Math.ceil(limit * oversampling);
}

/** Re-ranks ids with scorer and keeps the best k (in memory: the scorer needs no prefetch). */
export function rescore(ids: Uint32Array, scorer: QueryScorer, k: number): SearchResult {
  const heap = new MinHeap(Math.max(k, 1) + 1);
  let batch: Float64Array | null = null;
  if (scorer.scoreMany !== undefined) {
    batch = new Float64Array(ids.length);
    scorer.scoreMany(ids, 0, ids.length, batch);
  }
  for (let i = 0; i < ids.length; i++) {
    const s = batch === null ? scorer.score(ids[i]) : batch[i];
    if (heap.size < k) heap.push(ids[i], s);
    else if (s > heap.topScore()) {
      heap.pop();
      heap.push(ids[i], s);
    }
  }
  return heap.drainDescending();
}

/** rescore with one batched prefetch of all candidate rows first (originals paged from the object store). */
export async function rescoreAsync(ids: Uint32Array, scorer: QueryScorer, k: number): Promise<SearchResult> {
  if (scorer.prefetch) await scorer.prefetch(ids, 0, ids.length);
  return rescore(ids, scorer, k);
}

export interface RescoredSearchOptions {
  k: number;
  /** hnsw_ef */
  ef: number;
  /** default 1 */
  oversampling?: number;
  accept?: AcceptFn | null;
}

/** int8 HNSW search with ef = max(hnsw_ef, candidates) → rescore with originals → top-k. */
export function searchRescored(
  graph: GraphAccessor,
  quantized: QueryScorer,
  originals: QueryScorer,
  options: RescoredSearchOptions,
  ctx?: SearchContext,
): SearchResult {
  const candidates = oversampledCount(options.k, options.oversampling);
  const found = searchHnsw(
    graph,
    quantized,
    { k: candidates, ef: Math.max(options.ef, candidates), accept: options.accept ?? null },
    ctx,
  );
  return rescore(found.ids, originals, options.k);
}

export async function searchRescoredAsync(
  graph: GraphAccessor,
  quantized: QueryScorer,
  originals: QueryScorer,
  options: RescoredSearchOptions,
  ctx?: SearchContext,
): Promise<SearchResult> {
  const candidates = oversampledCount(options.k, options.oversampling);
  const found = await searchHnswAsync(
    graph,
    quantized,
    { k: candidates, ef: Math.max(options.ef, candidates), accept: options.accept ?? null },
    ctx,
  );
  return rescoreAsync(found.ids, originals, options.k);
}

/** `exact: true` with quantization: a full scan of the int8 codes for the candidates, then rescoring with originals. */
export function exactRescored(
  n: number,
  quantized: QueryScorer,
  originals: QueryScorer,
  options: { k: number; oversampling?: number; accept?: AcceptFn | null },
): SearchResult {
  const found = exactSearch(n, quantized, oversampledCount(options.k, options.oversampling), options.accept ?? null);
  return rescore(found.ids, originals, options.k);
}

export async function exactRescoredAsync(
  n: number,
  quantized: QueryScorer,
  originals: QueryScorer,
  options: { k: number; oversampling?: number; accept?: AcceptFn | null },
): Promise<SearchResult> {
  const found = exactSearch(n, quantized, oversampledCount(options.k, options.oversampling), options.accept ?? null);
  return rescoreAsync(found.ids, originals, options.k);
}
