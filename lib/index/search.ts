/**
 * HNSW search, generic over a QueryScorer (int8 or float, in memory or paged) and a GraphAccessor (layer 0 in memory
 * or in pages). One expansion step (`expand`) is shared by the sync and the async walk:
 * - searchHnsw: in memory; no await anywhere; throws if a record is not resident.
 * - searchHnswAsync: awaits only on a miss — at most one graph load per hop (the popped node's page) and one scorer
 *   prefetch per hop (its neighbours' rows, for paged float originals).
 *
 * `accept(id)` filters DURING the walk: a rejected node is still scored and expanded (it guides the walk) but never
 * enters the results. This serves payload filters and tombstones.
 *
 * Over an in-memory graph with a scorer whose rows sit in a SIMD arena, both walks hand layer 0 to ONE wasm call
 * (wasm-walk.ts) after the JS descent, when there is no accept test or the caller also gives it as a bitmap
 * (`rejected`, e.g. tombstones): the same decisions, scores, tie order and counters as the loop below.
 */
import { internal, invalid } from '../model/errors.js';
import { type GraphAccessor, NO_NODE, type UpperLevels, upperRecordOffset } from './graph.js';
import { MaxHeap, MinHeap, type SearchResult } from './heap.js';
import type { QueryScorer, WalkSource } from './scorer.js';
import { type WalkArena, walkArenaFor } from './wasm-walk.js';

export type AcceptFn = (id: number) => boolean;

export interface SearchOptions {
  /** results wanted */
  k: number;
  /** size of the dynamic candidate list (Qdrant's hnsw_ef); raised to k when smaller */
  ef: number;
  accept?: AcceptFn | null;
  /**
   * `accept` as a bitmap, when the caller has one at hand (tombstones): bit (id & 7) of byte id >> 3 set = id may
   * not enter the results, exactly where accept(id) is false. With it an in-memory walk may run in wasm
   * (wasm-walk.ts) although accept is set; without it such a walk stays in JS.
   */
  rejected?: Uint8Array | null;
  /**
   * Called by the async walks between store rounds (never inside the hot loop); throwing cancels the walk there. A
   * deadline check: the pages already fetched stay in the page cache for the next attempt.
   */
  checkpoint?: (() => void) | null;
  /**
   * A layer-0 entry the caller found (a block graph's filtered descent, block-entry.ts): the walk starts there and
   * skips its own descent from the graph's entry point. Null/absent: the usual descent.
   */
  entry?: LayerZeroEntry | null;
}

/** A layer-0 entry point and its score. */
export interface LayerZeroEntry {
  id: number;
  score: number;
}

/**
 * Per-query scratch, reused: visited marks reset in O(1) by bumping a tag, typed-array heaps, and the cost counters
 * of the last query. Not shareable between concurrent async searches.
 */
export class SearchContext {
  /**
   * visited[id] === tag marks id visited in the current query (read directly by expand's hot loop). One byte a node:
   * half the cache footprint of u16 marks, for one fill every 255 queries (measured: +1–2% QPS on GloVe 100k).
   */
  visited: Uint8Array;
  tag = 0;
  readonly candidates = new MaxHeap(256);
  readonly results = new MinHeap(256);
  /** nodes expanded (popped and their neighbour lists read) */
  hops = 0;
  /** similarity computations */
  distances = 0;
  /** scratch for batched scoring (scoreMany): a neighbour list's unvisited ids and their scores */
  batchIds = new Uint32Array(64);
  batchScores = new Float64Array(64);
  /** scratch of the async descent's prefetch: neighbour ids over several levels, and how many */
  descentIds = new Uint32Array(64);
  descentCount = 0;
  /** sink of the walk's record touches (see touchNext): stored so the loads are not optimised away; meaningless */
  touched = 0;

  constructor(n = 0) {
    this.visited = new Uint8Array(n);
  }

  /** Starts a query over a graph of n nodes: fresh visited marks, empty heaps, zeroed counters. */
  prepare(n: number): void {
    if (this.visited.length < n) {
      this.visited = new Uint8Array(Math.max(n, this.visited.length * 2));
      this.tag = 0;
    }
    this.tag++;
    if (this.tag === 0x100) {
      this.visited.fill(0);
      this.tag = 1;
    }
    this.candidates.clear();
    this.results.clear();
    this.hops = 0;
    this.distances = 0;
  }

  /** Marks id visited; returns false when it already was. */
  visit(id: number): boolean {
    if (this.visited[id] === this.tag) return false;
    this.visited[id] = this.tag;
    return true;
  }
}

const sharedContext = new SearchContext();

/**
 * Scores the unvisited neighbours of one node (its record at records[off]) into the heaps. Hot loop: the visited
 * marks, the tag and the result bar (is the result set full, and its worst score) are held in locals, re-read only
 * after a push into the results, which is the only thing that changes them.
 */
export function expand(
  ctx: SearchContext,
  records: Uint32Array,
  off: number,
  scorer: QueryScorer,
  ef: number,
  accept: AcceptFn | null,
): void {
  const count = records[off];
  const visited = ctx.visited;
  const tag = ctx.tag;
  const candidates = ctx.candidates;
  const results = ctx.results;
  if (scorer.scoreMany !== undefined) {
    // the same decisions in the same order as the loop below: scores do not depend on the heaps
    if (ctx.batchIds.length < count) {
      ctx.batchIds = new Uint32Array(count);
      ctx.batchScores = new Float64Array(count);
    }
    // ids go straight into the scorer's scratch (the wasm arena) when it has room: no copy; all of it synchronous
    const scratch = scorer.scratchIds;
    const batch = scratch !== undefined && scratch.length >= count ? scratch : ctx.batchIds;
    // results in place in the scorer's result slot when the ids are in its id slot (no copy out of the arena)
    const inPlace = scorer.scratchScores;
    const scores = batch === scratch && inPlace !== undefined && inPlace.length >= count ? inPlace : ctx.batchScores;
    let n = 0;
    for (let j = off + 1, end = off + count; j <= end; j++) {
      const nb = records[j];
      if (visited[nb] !== tag) {
        visited[nb] = tag;
        batch[n++] = nb;
      }
    }
    if (n === 0) return;
    scorer.scoreMany(batch, 0, n, scores);
    ctx.distances += n;
    let full = results.size >= ef;
    let bar = results.scores[0];
    for (let j = 0; j < n; j++) {
      const s = scores[j];
      if (full && !(s > bar)) continue;
      const nb = batch[j];
      candidates.push(nb, s);
      if (accept === null || accept(nb)) {
        results.push(nb, s);
        if (results.size > ef) results.pop();
        full = results.size >= ef;
        bar = results.scores[0];
      }
    }
    return;
  }
  for (let j = off + 1, end = off + count; j <= end; j++) {
    const nb = records[j];
    if (visited[nb] === tag) continue;
    visited[nb] = tag;
    const s = scorer.score(nb);
    ctx.distances++;
    if (results.size < ef || s > results.topScore()) {
      candidates.push(nb, s);
      if (accept === null || accept(nb)) {
        results.push(nb, s);
        if (results.size > ef) results.pop();
      }
    }
  }
}

/**
 * A software prefetch: reads the first word of the layer-0 record of the best remaining candidate, the node most
 * likely expanded next, before the current node's expansion. The record is a cache miss on any graph larger than
 * the caches, and the load overlaps with that expansion instead of stalling the next hop. Changes no decision.
 */
function touchNext(graph: GraphAccessor, candidates: MaxHeap): number {
  if (candidates.size === 0) return 0;
  const next = candidates.topId();
  const records = graph.layer0(next);
  return records === null ? 0 : records[graph.layer0Offset(next)];
}

export function checkOptions(options: SearchOptions): void {
  if (!(Number.isInteger(options.k) && options.k > 0)) throw invalid(`k must be a positive integer, got ${options.k}`);
  if (!(Number.isInteger(options.ef) && options.ef > 0))
    throw invalid(`ef must be a positive integer, got ${options.ef}`);
}

/** Greedy descent through one upper level (all in memory): move to the best neighbour until none is better. */
function greedyStep(
  graph: GraphAccessor,
  scorer: QueryScorer,
  ctx: SearchContext,
  cur: number,
  curScore: number,
  level: number,
): [number, number] {
  for (;;) {
    const off = upperRecordOffset(graph.upper, graph.meta.m, cur, level);
    if (off < 0) return [cur, curScore];
    const before = cur;
    [cur, curScore] = greedyOnce(graph, scorer, ctx, cur, curScore, off);
    if (cur === before) return [cur, curScore];
  }
}

export function seedLayer0(ctx: SearchContext, ep: number, epScore: number, accept: AcceptFn | null): void {
  ctx.visit(ep);
  ctx.candidates.push(ep, epScore);
  if (accept === null || accept(ep)) ctx.results.push(ep, epScore);
}

/**
 * The walk arena and source for a layer-0 walk in one wasm call (wasm-walk.ts), when the graph is in memory, the
 * scorer's rows are in a SIMD arena and the accept test (if any) comes as a bitmap; null otherwise.
 */
function wasmWalk(
  graph: GraphAccessor,
  scorer: QueryScorer,
  options: SearchOptions,
): { walk: WalkArena; src: WalkSource } | null {
  if ((options.accept ?? null) !== null && (options.rejected ?? null) === null) return null;
  const src = scorer.walkSource?.();
  const walk = walkArenaFor(graph, src);
  return walk === null || src === undefined ? null : { walk, src };
}

/** The layer-0 walk of the query begun on `walk`, from (ep, epScore); ctx left as the JS walk leaves it. */
function walkInWasm(
  walk: WalkArena,
  src: WalkSource,
  options: SearchOptions,
  ctx: SearchContext,
  ep: number,
  epScore: number,
  ef: number,
): SearchResult {
  walk.run(src, ep, epScore, ef, options.k, options.rejected ?? null, ctx);
  ctx.touched = 0;
  return finish(ctx, options.k);
}

export function finish(ctx: SearchContext, k: number): SearchResult {
  const results = ctx.results;
  while (results.size > k) results.pop();
  return results.drainDescending();
}

/** In-memory HNSW search: top-k by similarity, best first. */
export function searchHnsw(
  graph: GraphAccessor,
  scorer: QueryScorer,
  options: SearchOptions,
  ctx: SearchContext = sharedContext,
): SearchResult {
  checkOptions(options);
  const { meta } = graph;
  ctx.prepare(meta.n);
  const entry = options.entry ?? null;
  if (meta.entryPoint === NO_NODE && entry === null) return { ids: new Uint32Array(0), scores: new Float64Array(0) };
  const ef = Math.max(options.ef, options.k);
  const accept = options.accept ?? null;
  // in wasm, the descent scores the walk arena's rows (the same values) and the walk runs in one call
  const inWasm = wasmWalk(graph, scorer, options);
  const descent = inWasm === null ? scorer : inWasm.walk.begin(inWasm.src);
  let cur = entry?.id ?? meta.entryPoint;
  let curScore: number;
  if (entry !== null) curScore = entry.score;
  else {
    curScore = descent.score(cur);
    ctx.distances++;
    for (let level = meta.maxLevel; level >= 1; level--)
      [cur, curScore] = greedyStep(graph, descent, ctx, cur, curScore, level);
  }
  if (inWasm !== null) return walkInWasm(inWasm.walk, inWasm.src, options, ctx, cur, curScore, ef);
  seedLayer0(ctx, cur, curScore, accept);
  const { candidates, results } = ctx;
  let touched = 0;
  while (candidates.size > 0) {
    const c = candidates.topId();
    if (results.size >= ef && candidates.topScore() < results.topScore()) break;
    candidates.pop();
    const records = graph.layer0(c);
    if (records === null) throw internal(`layer-0 record of node ${c} is not resident; use searchHnswAsync`);
    touched ^= touchNext(graph, candidates);
    ctx.hops++;
    expand(ctx, records, graph.layer0Offset(c), scorer, ef, accept);
  }
  ctx.touched = touched;
  return finish(ctx, options.k);
}

/**
 * The same walk over a paged graph and/or paged scorer. Pass a context per concurrent query (a fresh one is made
 * when omitted).
 */
export async function searchHnswAsync(
  graph: GraphAccessor,
  scorer: QueryScorer,
  options: SearchOptions,
  ctx: SearchContext = new SearchContext(graph.meta.n),
): Promise<SearchResult> {
  checkOptions(options);
  const { meta } = graph;
  ctx.prepare(meta.n);
  const entry = options.entry ?? null;
  if (meta.entryPoint === NO_NODE && entry === null) return { ids: new Uint32Array(0), scores: new Float64Array(0) };
  const ef = Math.max(options.ef, options.k);
  const accept = options.accept ?? null;
  const checkpoint = options.checkpoint ?? null;
  const [cur, curScore] =
    entry !== null ? [entry.id, entry.score] : await descendAsync(graph, scorer, ctx, options.checkpoint ?? null);
  // an in-memory graph and scorer never await in the walk: the same one-call walk as searchHnsw's (begun after the
  // descent's awaits, so interleaved searches sharing the arena cannot swap queries in between)
  const inWasm = scorer.prefetch === undefined ? wasmWalk(graph, scorer, options) : null;
  if (inWasm !== null) {
    inWasm.walk.begin(inWasm.src);
    return walkInWasm(inWasm.walk, inWasm.src, options, ctx, cur, curScore, ef);
  }
  seedLayer0(ctx, cur, curScore, accept);
  const { candidates, results } = ctx;
  let touched = 0;
  while (candidates.size > 0) {
    const c = candidates.topId();
    if (results.size >= ef && candidates.topScore() < results.topScore()) break;
    candidates.pop();
    let records = graph.layer0(c);
    if (records === null) {
      if (!graph.load) throw internal(`layer-0 record of node ${c} is not resident and the graph cannot load pages`);
      await graph.load([c]);
      checkpoint?.();
      records = graph.layer0(c);
      if (records === null) throw internal(`layer-0 record of node ${c} still missing after load`);
    }
    const off = graph.layer0Offset(c);
    if (scorer.prefetch) {
      const p = scorer.prefetch(records, off + 1, records[off]);
      if (p) {
        await p;
        checkpoint?.();
      }
    }
    touched ^= touchNext(graph, candidates);
    ctx.hops++;
    expand(ctx, records, off, scorer, ef, accept);
  }
  ctx.touched = touched;
  return finish(ctx, options.k);
}

/**
 * The async walk's descent through the upper levels (all in memory): greedy, with the scorer's rows fetched one
 * neighbour list per hop when they are paged. Returns the layer-0 entry and its score. Shared with beam-search.ts.
 */
export async function descendAsync(
  graph: GraphAccessor,
  scorer: QueryScorer,
  ctx: SearchContext,
  checkpoint: (() => void) | null,
): Promise<[number, number]> {
  const { meta, upper } = graph;
  let cur = meta.entryPoint;
  if (scorer.prefetch) await scorer.prefetch(Uint32Array.of(cur), 0, 1);
  let curScore = scorer.score(cur);
  ctx.distances++;
  for (let level = meta.maxLevel; level >= 1; level--) {
    if (scorer.prefetch) {
      // upper levels are in memory; only the scorer may need rows, one batch per hop
      for (;;) {
        const off = upperRecordOffset(upper, meta.m, cur, level);
        if (off < 0) break;
        const p = scorer.prefetch(lowerNeighbours(upper, meta.m, cur, level, ctx), 0, ctx.descentCount);
        if (p) {
          await p;
          checkpoint?.();
        }
        const before = cur;
        [cur, curScore] = greedyOnce(graph, scorer, ctx, cur, curScore, off);
        if (cur === before) break;
      }
    } else {
      [cur, curScore] = greedyStep(graph, scorer, ctx, cur, curScore, level);
    }
  }
  return [cur, curScore];
}

/**
 * The neighbours of `cur` at `level` AND at every level below it (≥ 1), into ctx's scratch (count in
 * ctx.descentCount): fetched in one round, they spare the descent a round wherever the greedy step stays at `cur`
 * (the last hop of a level and the first of the next are then the same node's), for m rows per level.
 */
function lowerNeighbours(upper: UpperLevels, m: number, cur: number, level: number, ctx: SearchContext): Uint32Array {
  let n = 0;
  for (let l = level; l >= 1; l--) {
    const off = upperRecordOffset(upper, m, cur, l);
    if (off < 0) continue;
    const count = upper.links[off];
    if (ctx.descentIds.length < n + count) {
      const grown = new Uint32Array(2 * (n + count));
      grown.set(ctx.descentIds.subarray(0, n));
      ctx.descentIds = grown;
    }
    ctx.descentIds.set(upper.links.subarray(off + 1, off + 1 + count), n);
    n += count;
  }
  ctx.descentCount = n;
  return ctx.descentIds;
}

/** One greedy hop from cur (its upper record at links[off]): the best of cur and its neighbours. */
function greedyOnce(
  graph: GraphAccessor,
  scorer: QueryScorer,
  ctx: SearchContext,
  cur: number,
  curScore: number,
  off: number,
): [number, number] {
  const links = graph.upper.links;
  const count = links[off];
  ctx.hops++;
  let best = cur;
  if (scorer.scoreMany !== undefined) {
    if (ctx.batchScores.length < count) {
      ctx.batchIds = new Uint32Array(count);
      ctx.batchScores = new Float64Array(count);
    }
    const scores = ctx.batchScores;
    scorer.scoreMany(links, off + 1, count, scores);
    ctx.distances += count;
    for (let j = 0; j < count; j++) {
      if (scores[j] > curScore) {
        curScore = scores[j];
        best = links[off + 1 + j];
      }
    }
    return [best, curScore];
  }
  for (let j = 1; j <= count; j++) {
    const nb = links[off + j];
    const s = scorer.score(nb);
    ctx.distances++;
    if (s > curScore) {
      curScore = s;
      best = nb;
    }
  }
  return [best, curScore];
}
