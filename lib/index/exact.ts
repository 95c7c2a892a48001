/**
 * Exact (brute-force) top-k over a QueryScorer: the `exact: true` path and the ground truth HNSW is tested against.
 * Same accept filter semantics as the HNSW walk. Ties at the k-th place keep whichever id came first.
 */
import { invalid } from '../model/errors.js';
import { MinHeap, type SearchResult } from './heap.js';
import type { QueryScorer } from './scorer.js';
import type { AcceptFn } from './search.js';

const sharedHeap = new MinHeap(256);
const CHUNK = 256;

export function exactSearch(
  n: number,
  scorer: QueryScorer,
  k: number,
  accept: AcceptFn | null = null,
  heap: MinHeap = sharedHeap,
): SearchResult {
  if (!(Number.isInteger(k) && k > 0)) throw invalid(`k must be a positive integer, got ${k}`);
  heap.clear();
  if (scorer.scoreMany !== undefined) {
    // accepted ids in chunks, one batched (SIMD) call each; the same scores met in the same order as below
    const chunkIds = new Uint32Array(Math.min(CHUNK, Math.max(n, 1)));
    const chunkScores = new Float64Array(chunkIds.length);
    for (let id = 0; id < n; ) {
      let c = 0;
      for (; id < n && c < chunkIds.length; id++) if (accept === null || accept(id)) chunkIds[c++] = id;
      if (c === 0) continue;
      scorer.scoreMany(chunkIds, 0, c, chunkScores);
      for (let j = 0; j < c; j++) {
        const s = chunkScores[j];
        if (heap.size < k) heap.push(chunkIds[j], s);
        else if (s > heap.topScore()) {
          heap.pop();
          heap.push(chunkIds[j], s);
        }
      }
    }
    return heap.drainDescending();
  }
  for (let id = 0; id < n; id++) {
    if (accept !== null && !accept(id)) continue;
    const s = scorer.score(id);
    if (heap.size < k) heap.push(id, s);
    else if (s > heap.topScore()) {
      heap.pop();
      heap.push(id, s);
    }
  }
  return heap.drainDescending();
}
