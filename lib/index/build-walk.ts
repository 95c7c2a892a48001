/**
 * The int8 build's layer-0 insertion search in ONE wasm call (simd-kernels.wat `walk`, kind 0), instead of a dot_u8
 * call per neighbour list plus the JS heaps, visited marks and estimate loop around it (those were ~45% of a
 * Fashion-MNIST build's profile, the kernels the rest). The walk kernel makes the build's beam-search decisions in its
 * order (the same seed, stop rule, admission test and heap sift rules as Builder.searchLayer) on the same estimates:
 * the inserted node's codes widened to i16 once per search (codes are 0..127, so exactly) and summed against each
 * row by est_u8_wide into the same integers as dot_u8's, then (mult·Σ c_q·c_v + corr[q]) + corr[v], the build's
 * double operations in its order, so the graph is the same byte for byte.
 *
 * A kernel reads one memory, so the build works in a fresh arena holding a copy of the codes and corrections, the
 * graph's layer 0 (the Builder writes its links there directly) and the walk's scratch, laid out as the query walk's
 * (wasm-walk.ts walkLayout):
 *
 * | build arena bytes   | content                                                               |
 * |---------------------|-----------------------------------------------------------------------|
 * | [0, n·stride)       | the code rows, as in the set                                          |
 * | corr                | n f32 corrections                                                     |
 * | adj (16-aligned)    | n layer-0 records of 4·(1 + m0) bytes (the graph being built)         |
 * | heaps (16-aligned)  | candidates f64 × cap, u32 × cap; results f64 × cap, u32 × cap         |
 * | vis                 | n u8 visited marks (tag per search, cleared on wrap)                  |
 * | reject              | n bits (unused here: the build filters nothing)                       |
 * | stats (16-aligned)  | the walk's counters (unused here)                                     |
 * | query, ids, out     | the SimdArena's slots: the inserted node's codes as i16; a batch      |
 *
 * Cost: one more copy of the code set for the length of the build (the segment writer drops it with the builder).
 */
import { allocateSimdArena, type SimdArena } from '../distance/index.js';
import type { QuantizedSet } from '../quantization/index.js';
import { walkLayout } from './wasm-walk.js';

export class BuildWalk {
  readonly arena: SimdArena;
  /** the set's views over this arena's copy */
  readonly codes: QuantizedSet;
  /** layer-0 records, n × (1 + m0) u32, in this arena */
  readonly layer0: Uint32Array;
  private readonly recBytes: number;
  private readonly adj: number;
  private readonly heaps: number;
  private readonly cap: number;
  private readonly vis: number;
  private readonly stats: number;
  private readonly visited: Uint8Array;
  private readonly resultIds: Uint32Array;
  private readonly resultScores: Float64Array;
  /** the inserted node's codes widened to i16, as est_u8_wide reads a query */
  private readonly query: Int16Array;
  private tag = 0;

  private constructor(arena: SimdArena, codes: QuantizedSet, m0: number) {
    const { n, params } = codes;
    const l = layout(n, params.stride, m0);
    this.arena = arena;
    const buffer = arena.buffer;
    const codeBytes = n * params.stride;
    const copy = new Uint8Array(buffer, 0, codeBytes);
    copy.set(codes.codes.subarray(0, codeBytes));
    const corrections = new Float32Array(buffer, l.corr, n);
    corrections.set(codes.corrections.subarray(0, n));
    this.codes = { ...codes, codes: copy, corrections };
    this.query = new Int16Array(buffer, arena.queryOffset, params.stride);
    this.recBytes = 4 * (1 + m0);
    this.layer0 = new Uint32Array(buffer, l.adj, n * (1 + m0));
    this.adj = l.adj;
    this.heaps = l.heaps;
    this.cap = l.cap;
    this.vis = l.vis;
    this.stats = l.stats;
    this.visited = new Uint8Array(buffer, l.vis, n);
    this.resultScores = new Float64Array(buffer, l.heaps + 12 * l.cap, l.cap);
    this.resultIds = new Uint32Array(buffer, l.heaps + 20 * l.cap, l.cap);
  }

  /** A build arena for this set and m0, or null (no wasm, or too large for one memory). */
  static create(codes: QuantizedSet, m0: number): BuildWalk | null {
    const stride = codes.params.stride;
    const arena = allocateSimdArena(layout(codes.n, stride, m0).end, 2 * stride);
    return arena === null ? null : new BuildWalk(arena, codes, m0);
  }

  /**
   * The layer-0 beam search for node q from (ep, epSim) with candidate list ef: its results, closest first, into
   * ids / sims (the order Builder.insert takes from popping its result heap); returns how many.
   */
  search(q: number, ep: number, epSim: number, ef: number, mult: number, ids: Uint32Array, sims: Float64Array): number {
    this.tag++;
    if (this.tag === 0x100) {
      this.visited.fill(0);
      this.tag = 1;
    }
    const arena = this.arena;
    const stride = this.codes.params.stride;
    const corr = this.codes.corrections;
    this.query.set(this.codes.codes.subarray(q * stride, (q + 1) * stride));
    const found = arena.kernels.walk(
      0,
      0,
      stride,
      arena.queryOffset,
      corr.byteOffset,
      mult,
      corr[q],
      this.adj,
      this.recBytes,
      this.vis,
      this.tag,
      0,
      this.heaps,
      this.cap,
      arena.idsOffset,
      arena.outOffset,
      this.stats,
      ep,
      epSim,
      ef,
    );
    arena.kernels.heap_drain(this.resultIds.byteOffset, this.resultScores.byteOffset, found);
    ids.set(this.resultIds.subarray(0, found));
    sims.set(this.resultScores.subarray(0, found));
    return found;
  }
}

/** The walk kernel's layout after the code rows and their corrections (at n·stride). */
function layout(n: number, stride: number, m0: number) {
  return { ...walkLayout(n, m0, n * stride + 4 * n), corr: n * stride };
}
