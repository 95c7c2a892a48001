/**
 * The layer-0 walk of an in-memory graph in ONE wasm call per query (simd-kernels.wat `walk`), instead of one call
 * per neighbour list plus the JS heaps and visited marks around them. It serves searchHnsw / searchHnswAsync when
 * the graph is an InMemoryGraph and the scorer offers a WalkSource (int8 codes or float32 rows in a SIMD arena);
 * the upper-level descent stays in JS (a few dozen scores) and hands the walk its entry. The sync search scores
 * that descent on this arena's rows too (begin): the scorer's own arena would be a second copy competing for cache
 * (int8, Fashion-MNIST 20k: 1.05-1.16x queries per CPU-second; float32 unchanged).
 *
 * A kernel reads one memory, so a WalkArena copies, once per (rows, graph) pair, the scorer's rows and the graph's
 * layer 0 into a fresh arena with the walk's scratch beside them:
 *
 * | walk arena bytes            | content                                                          |
 * |-----------------------------|------------------------------------------------------------------|
 * | [0, rows)                   | the rows: float rows as in the source; int8 rows with their      |
 * |                             | correction appended (stride + 4 bytes; see rowsLayout)           |
 * | adj (16-aligned)            | n layer-0 records of 4·(1 + m0) bytes                            |
 * | heaps (16-aligned)          | candidates f64 × cap, u32 × cap; results f64 × cap, u32 × cap    |
 * | vis                         | n u8 visited marks (tag per query, cleared on wrap)              |
 * | reject                      | ⌈n/8⌉ bytes: the caller's reject bitmap, copied per query        |
 * | stats                       | hops, distances, a prefetch sink (i32)                           |
 * | query, ids, out             | the SimdArena's slots (the query's bytes as the source's: f64    |
 * |                             | or i16 values; a neighbour list's batch)                         |
 *
 * Invariants: the copies are immutable (segments are), so the arena answers exactly as the source; the walk makes
 * the JS walk's decisions in its order with kernels whose values are the JS scorer's (int8: est_u8_wide, the kernel
 * of Int8Scorer.scoreMany, over rows that carry their correction), and pops its results down to k with the JS
 * heap's sift rules (heap_trim), so ids, scores and tie order are identical (unit tests compare them); a query runs
 * from begin to the end of its walk synchronously, so arenas are shared by every query (no per-query state survives
 * it but the visited tag). Cost: the arena duplicates the rows' data and layer 0 while both are held, within a
 * per-thread budget (setWalkArenaBudget).
 */
import { allocateSimdArena, SIMD_BATCH, type SimdArena } from '../distance/index.js';
import { type GraphAccessor, InMemoryGraph } from './graph.js';
import type { QueryScorer, WalkSource } from './scorer.js';
import type { SearchContext } from './search.js';

const align16 = (x: number): number => (x + 15) & ~15;

export class WalkArena {
  private readonly arena: SimdArena;
  /** the walk kernel's `kind`, and where its rows are in this arena */
  private readonly kind: number;
  private readonly rowBytes: number;
  private readonly recBytes: number;
  private readonly adj: number;
  private readonly heaps: number;
  private readonly cap: number;
  private readonly vis: number;
  private readonly reject: number;
  private readonly stats: Int32Array;
  private readonly visited: Uint8Array;
  private readonly rejectBits: Uint8Array;
  private readonly resultScores: Float64Array;
  private readonly resultIds: Uint32Array;
  /** the query as the kernel reads it: the source's query bytes */
  private readonly querySlot: Uint8Array;
  private tag = 0;
  /** the current query's est_u8_wide multiplier and query term (int8), for the descent's batches */
  private mult = 0;
  private kq = 0;
  private readonly one = new Uint32Array(1);
  private readonly oneScore = new Float64Array(1);
  private readonly descent: QueryScorer = {
    score: (id) => {
      this.one[0] = id;
      this.scoreBatch(this.one, 0, 1, this.oneScore, 0);
      return this.oneScore[0];
    },
    scoreMany: (ids, start, count, out) => {
      for (let done = 0; done < count; done += SIMD_BATCH)
        this.scoreBatch(ids, start + done, Math.min(SIMD_BATCH, count - done), out, done);
    },
  };

  private constructor(arena: SimdArena, graph: InMemoryGraph, rows: RowsLayout, querySlot: Uint8Array) {
    const { n, m0 } = graph.meta;
    const l = walkLayout(n, m0, rows.bytes);
    this.arena = arena;
    this.kind = rows.kind;
    this.rowBytes = rows.rowBytes;
    this.recBytes = 4 * (1 + m0);
    this.cap = l.cap;
    this.adj = l.adj;
    this.heaps = l.heaps;
    this.vis = l.vis;
    this.reject = l.reject;
    const buffer = arena.buffer;
    this.stats = new Int32Array(buffer, l.stats, 3);
    this.visited = new Uint8Array(buffer, this.vis, n);
    this.rejectBits = new Uint8Array(buffer, this.reject, (n + 7) >> 3);
    this.resultScores = new Float64Array(buffer, this.heaps + 12 * this.cap, this.cap);
    this.resultIds = new Uint32Array(buffer, this.heaps + 20 * this.cap, this.cap);
    this.querySlot = querySlot;
  }

  /** A walk arena holding src's rows and the graph's layer 0, or null (no wasm, too large). */
  static build(src: WalkSource, graph: InMemoryGraph): WalkArena | null {
    const { n, m0 } = graph.meta;
    const rows = rowsLayout(src);
    const l = walkLayout(n, m0, rows.bytes);
    const bytes = l.end + rows.queryBytes;
    if (held + bytes > budget) return null;
    const arena = allocateSimdArena(l.end, rows.queryBytes);
    if (arena === null) return null;
    held += bytes;
    copyRows(src, rows, new Uint8Array(arena.buffer, 0, rows.bytes));
    new Uint32Array(arena.buffer, l.adj, n * (1 + m0)).set(graph.records.subarray(0, n * (1 + m0)));
    const querySlot = new Uint8Array(arena.buffer, arena.queryOffset, src.query.byteLength);
    const walk = new WalkArena(arena, graph, rows, querySlot);
    released.register(walk, bytes);
    return walk;
  }

  /**
   * Starts a query: writes src's query into the arena and returns the scorer of the upper-level descent, which scores
   * this arena's copy of the rows with the walk's kernel (the scorer's values: est_u8_wide is Int8Scorer's kernel,
   * here over rows that carry their correction; the float kernels read copies of the same rows). Why: the descent's rows then share the walk's cache lines instead of
   * being a second copy in the scorer's arena. Valid until the next begin.
   */
  begin(src: WalkSource): QueryScorer {
    this.querySlot.set(src.query);
    this.mult = src.mult;
    this.kq = src.kq;
    return this.descent;
  }

  /** out[at + j] = the walk kernel's score of row ids[start + j], j < count (count ≤ the arena's batch) */
  private scoreBatch(ids: Uint32Array, start: number, count: number, out: Float64Array, at: number): void {
    const arena = this.arena;
    const k = arena.kernels;
    const batch = arena.ids;
    for (let j = 0; j < count; j++) batch[j] = ids[start + j];
    if (this.kind === 3) {
      const codes = this.rowBytes - 4;
      const q = arena.queryOffset;
      k.est_u8_wide(
        0,
        this.rowBytes,
        codes,
        q,
        arena.idsOffset,
        count,
        arena.outOffset,
        codes,
        this.rowBytes,
        this.mult,
        this.kq,
      );
    } else if (this.kind === 1) k.dot_f64(0, this.rowBytes, arena.queryOffset, arena.idsOffset, count, arena.outOffset);
    else k.l2_f64(0, this.rowBytes, arena.queryOffset, arena.idsOffset, count, arena.outOffset);
    const scores = arena.outF64;
    if (this.kind === 2) for (let j = 0; j < count; j++) out[at + j] = -scores[j];
    else for (let j = 0; j < count; j++) out[at + j] = scores[j];
  }

  /**
   * The layer-0 walk from (ep, epScore) with candidate list ef, for the query of the last begin(src); `rejected`
   * (bit set = may not enter the results) or null. Leaves the result heap in ctx.results as the JS walk leaves it
   * after popping it down to k (the caller's finish pops no more), and adds hops and distances to ctx.
   */
  run(
    src: WalkSource,
    ep: number,
    epScore: number,
    ef: number,
    k: number,
    rejected: Uint8Array | null,
    ctx: SearchContext,
  ): void {
    const arena = this.arena;
    this.tag++;
    if (this.tag === 0x100) {
      this.visited.fill(0);
      this.tag = 1;
    }
    const bits = this.rejectBits;
    if (rejected !== null) bits.set(rejected.length > bits.length ? rejected.subarray(0, bits.length) : rejected);
    const walked = arena.kernels.walk(
      this.kind,
      0,
      this.rowBytes,
      arena.queryOffset,
      0,
      src.mult,
      src.kq,
      this.adj,
      this.recBytes,
      this.vis,
      this.tag,
      rejected === null ? 0 : this.reject,
      this.heaps,
      this.cap,
      arena.idsOffset,
      arena.outOffset,
      this.stats.byteOffset,
      ep,
      epScore,
      Math.min(ef, 0x7fffffff),
    );
    const size = arena.kernels.heap_trim(this.resultIds.byteOffset, this.resultScores.byteOffset, walked, k);
    ctx.hops += this.stats[0];
    ctx.distances += this.stats[1];
    const results = ctx.results;
    if (results.ids.length < size) {
      results.ids = new Uint32Array(size);
      results.scores = new Float64Array(size);
    }
    results.ids.set(this.resultIds.subarray(0, size));
    results.scores.set(this.resultScores.subarray(0, size));
    results.size = size;
  }
}

/** How the walk arena holds a source's rows (at byte 0). */
interface RowsLayout {
  kind: number;
  rowBytes: number;
  bytes: number;
  queryBytes: number;
}

/**
 * Float rows are copied as they are (kind 1 / 2). Int8 rows get their correction appended (kind 3, est_u8_wide:
 * rowBytes = stride + 4), so a neighbour costs one row's cache lines instead of those plus a corrections-array line.
 */
function rowsLayout(src: WalkSource): RowsLayout {
  if (src.kind !== 0) {
    return { kind: src.kind, rowBytes: src.rowBytes, bytes: src.dataBytes, queryBytes: src.query.byteLength };
  }
  const count = (src.dataBytes - src.corr) >> 2;
  const rowBytes = src.rowBytes + 4;
  return { kind: 3, rowBytes, bytes: count * rowBytes, queryBytes: src.query.byteLength };
}

function copyRows(src: WalkSource, rows: RowsLayout, dst: Uint8Array): void {
  const from = new Uint8Array(src.arena.buffer, 0, src.dataBytes);
  if (rows.kind !== 3) {
    dst.set(from);
    return;
  }
  const stride = src.rowBytes;
  const count = rows.bytes / rows.rowBytes;
  for (let i = 0, at = 0; i < count; i++, at += rows.rowBytes) {
    dst.set(from.subarray(src.rows + i * stride, src.rows + (i + 1) * stride), at);
    dst.set(from.subarray(src.corr + 4 * i, src.corr + 4 * i + 4), at + stride);
  }
}

/**
 * The walk kernel's memory after `dataBytes` of rows (simd-kernels.wat `walk` reads it so): layer-0 records, the
 * candidate and result heaps (f64 scores and u32 ids of `cap` entries each), visited tags, reject bits, counters.
 * The query walk and the int8 build's insertion search (build-walk.ts) share it.
 */
export function walkLayout(n: number, m0: number, dataBytes: number) {
  // > every heap size (each node is pushed once, the results one over ef before a pop), even so 12·cap is 8-aligned
  const cap = (n + 3) & ~1;
  const adj = align16(dataBytes);
  const heaps = align16(adj + 4 * n * (1 + m0));
  const vis = heaps + 24 * cap;
  const reject = vis + n;
  const stats = align16(reject + ((n + 7) >> 3));
  return { cap, adj, heaps, vis, reject, stats, end: stats + 16 };
}

/**
 * The memory every walk arena of this thread may hold together. Each one is a COPY beside its segment's own rows and
 * graph (counted by the registry and the page cache, not here), so without a bound the hot int8 sets a worker keeps
 * would take twice their budgeted bytes: past it, a segment's walk stays in JS (same results, ~1.3x the CPU) for as
 * long as that segment stays open (the refusal is remembered like any other, so no query retries the build).
 * Workers set it from their cache budget (lib/runtime/segment-context.ts); an arena's bytes return when the
 * collector takes it (its segment gone from the caches).
 */
export const DEFAULT_WALK_ARENA_BUDGET = 256 * 1024 * 1024;
let budget = DEFAULT_WALK_ARENA_BUDGET;
let held = 0;
const released = new FinalizationRegistry<number>((bytes) => {
  held -= bytes;
});

/** Sets this thread's walk-arena budget in bytes (arenas already built are kept). */
export function setWalkArenaBudget(bytes: number): void {
  budget = bytes;
}

/** Bytes of this thread's walk arenas not yet collected. */
export function walkArenaBytesHeld(): number {
  return held;
}

/** source arena buffer → graph records → its walk arena (null: it could not be built; do not retry) */
const arenas = new WeakMap<ArrayBufferLike, WeakMap<Uint32Array, WalkArena | null>>();

/**
 * The walk arena serving this graph and scorer with `src` (the scorer's walkSource()), built on first use, or null
 * when the walk cannot run in wasm (a paged graph, no source, a neighbour list longer than a kernel batch).
 */
export function walkArenaFor(graph: GraphAccessor, src: WalkSource | undefined): WalkArena | null {
  if (src === undefined || !(graph instanceof InMemoryGraph) || graph.meta.m0 > SIMD_BATCH) return null;
  let byGraph = arenas.get(src.arena.buffer);
  if (byGraph === undefined) {
    byGraph = new WeakMap();
    arenas.set(src.arena.buffer, byGraph);
  }
  let walk = byGraph.get(graph.records);
  if (walk === undefined) {
    walk = WalkArena.build(src, graph);
    byGraph.set(graph.records, walk);
  }
  return walk;
}

/** The scorer's walk source, if it has one. */
export function walkSourceOf(scorer: QueryScorer): WalkSource | undefined {
  return scorer.walkSource?.();
}
