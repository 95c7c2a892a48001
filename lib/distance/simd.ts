/**
 * WebAssembly SIMD (128-bit) kernels that score a whole batch of rows against one query in ONE call, so the JS↔wasm
 * boundary is crossed once per neighbour list instead of once per vector. The module (source: simd-kernels.wat,
 * compiled by wabt into simd-kernels-wasm.ts with `npm run build:kernels`) uses only fixed-width SIMD, which V8
 * supports on x86_64 (SSE4.1) and arm64 (NEON) alike; where the module does not validate or compile,
 * `simdAvailable()` is false and every caller keeps its JS kernel.
 *
 * An arena is one WebAssembly.Memory holding a data area (code rows or float32 rows) and a small scratch area (the
 * query, a batch of ids, a batch of results). Invariants: an arena is sized once and NEVER grown (growing would
 * detach every JS view of its buffer, including the caller's rows); a caller finds the arena of its rows from the
 * rows' buffer (`simdArenaOf`); the scratch query belongs to whichever scorer wrote it last (`owner`), so scorers
 * sharing an arena (interleaved async searches) re-copy their query when they find another owner.
 *
 * | arena bytes                  | content                                   |
 * |------------------------------|-------------------------------------------|
 * | [0, dataBytes)               | rows, row-major                           |
 * | queryOffset (16-aligned)     | query row (queryBytes)                    |
 * | idsOffset                    | SIMD_BATCH u32 ids                        |
 * | outOffset                    | SIMD_BATCH results (i32, f32 or f64)      |
 */
import { SIMD_KERNELS_WASM } from './simd-kernels-wasm.js';

/** A batch kernel: for i < count, out[i] = kernel(rows + ids[i]·rowBytes, q). All arguments are byte addresses. */
type BatchKernel = (rows: number, rowBytes: number, q: number, ids: number, count: number, out: number) => void;

export interface SimdKernels {
  /** i32 out: Σ of u8 code products (codes ≤ 127); rowBytes a multiple of 4 */
  dot_u8: BatchKernel;
  /** f32 out: dot product; rowBytes a multiple of 16 */
  dot_f32: BatchKernel;
  /** f32 out: squared L2; rowBytes a multiple of 16 */
  l2_f32: BatchKernel;
  /** f64 out: q·row summed exactly as lib/distance's JS dot (bit-identical); rowBytes a multiple of 16 */
  dot_f64: BatchKernel;
  /** f64 out: Σ(q − row)² summed exactly as the JS l2sq (bit-identical); rowBytes a multiple of 16 */
  l2_f64: BatchKernel;
  /**
   * i32 out: Σ_b 2^b · popcount(row XOR plane b) over `planes` query planes of rowBytes each (plane-major at q);
   * rowBytes a multiple of 4 and < 65,536 (binary codes)
   */
  xor_popcnt: (
    rows: number,
    rowBytes: number,
    q: number,
    ids: number,
    count: number,
    out: number,
    planes: number,
  ) => void;
  /**
   * i32 out: Σ q_i · book[code_i] over packed `bits`-bit codes (1, 2, 4), q an i16 query in the kernel's block order,
   * book 16 i8 codebook values; may read 15 bytes past a row (TurboQuant codes; see simd-kernels.wat)
   */
  tq_dot: (
    rows: number,
    rowBytes: number,
    q: number,
    ids: number,
    count: number,
    out: number,
    bits: number,
    book: number,
  ) => void;
  /** f64 out: Σ_j lut[j·256 + row[j]] over one-byte codes, lut float32 at q, summed as the JS loop (product codes) */
  lut_f32: BatchKernel;
  /**
   * f64 out: Σ q ⊙ f16(row) over float16 rows (rowBytes = 2·dim, dim a multiple of 4) for `op` 0 dot, 1 squared L2,
   * 2 L1, bit-identical to lib/distance's dotF16 / l2sqF16 / l1F16
   */
  f16_f64: (rows: number, rowBytes: number, q: number, ids: number, count: number, out: number, op: number) => void;
  /** f64 out: as f16_f64 over uint8 rows (rowBytes = dim, a multiple of 4), bit-identical to dotU8 / l2sqU8 / l1U8 */
  u8_f64: (rows: number, rowBytes: number, q: number, ids: number, count: number, out: number, op: number) => void;
  /** f64 out: Qdrant's uint8 cosine of q (Σq² = aa) and each row, bit-identical to cosineU8 */
  cos_u8_f64: (rows: number, rowBytes: number, q: number, ids: number, count: number, out: number, aa: number) => void;
  /**
   * f64 out: the int8 estimate (mult·Σ q_i·c_i + kq) + corr, the same double operations in the same order as
   * Int8Scorer.score: the first `codes` bytes of each row (a multiple of 4) against the i16 query at q, the f32
   * correction of row r at corr + r·corrStride (a code set: corrections apart, stride 4; the walk arena: in the row)
   */
  est_u8_wide: (
    rows: number,
    rowBytes: number,
    codes: number,
    q: number,
    ids: number,
    count: number,
    out: number,
    corr: number,
    corrStride: number,
    mult: number,
    kq: number,
  ) => void;
  /**
   * int8 codes: clamp(round((x − offset)/alpha), 0, 127) of `dim` float32 values at q as u8 at codes and (wide ≠ 0)
   * i16 at wide, zero from dim to stride; returns Σ code² and (sums ≠ 0) stores Σ code as i32 at sums (JS Math.round
   * and double arithmetic, so the codes are the JS loop's)
   */
  enc_u8: (
    q: number,
    dim: number,
    stride: number,
    offset: number,
    alpha: number,
    codes: number,
    wide: number,
    sums: number,
  ) => number;
  /** pops the walk's result heap (ids u32 at ids, scores f64 at sc, size n) down to k as MinHeap.pop; the new size */
  heap_trim: (ids: number, sc: number, n: number, k: number) => number;
  /** sorts the walk's result heap (ids u32 at ids, scores f64 at sc, size n) in place, closest first, as MinHeap pops */
  heap_drain: (ids: number, sc: number, n: number) => void;
  /**
   * The whole layer-0 HNSW walk of one query over a graph and rows in this memory (lib/index/wasm-walk.ts, which
   * documents the layout); `kind` 1 scores with dot_f64, 2 l2_f64 negated, 3 est_u8_wide over rows carrying their
   * correction, 0 est_u8_wide over code rows with their f32 corrections at `corr` (the int8 build, build-walk.ts).
   * Returns the result heap's size.
   */
  walk: (
    kind: number,
    rows: number,
    rowBytes: number,
    q: number,
    corr: number,
    mult: number,
    kq: number,
    adj: number,
    recBytes: number,
    vis: number,
    tag: number,
    reject: number,
    heaps: number,
    cap: number,
    ids: number,
    out: number,
    stats: number,
    ep: number,
    epScore: number,
    ef: number,
  ) => number;
  /**
   * f64 out, three per row: the smallest and second smallest squared L2 distance of row(ids[i]) to k centroids held
   * transposed at `cents` (f64, coordinate d of centroid c at cents + 8·(d·k + c)) and the index of the nearest (first
   * on ties), each distance bit-identical to the JS loop's; k a multiple of 8 (k-means, lib/quantization/kmeans.ts)
   */
  km_nearest: (
    rows: number,
    rowBytes: number,
    cents: number,
    ids: number,
    count: number,
    out: number,
    k: number,
  ) => void;
  /**
   * f32 out: product quantization's per-query table of `dim` f32 q against 256 centroids transposed at t (f32,
   * coordinate i of centroid c at t + 4·(i·256 + c)) for `op` 0 dot, 1 negated squared L2, 2 negated L1, each entry
   * bit-identical to lib/quantization's productLookupTable
   */
  pq_lut: (t: number, q: number, dim: number, chunkSize: number, op: number, lut: number) => void;
  /**
   * The HNSW build's neighbour heuristic over int8 code rows (lib/index/build.ts): `count` candidates sorted closest
   * first (u32 ids at `ids`, f64 similarities to the base at `sims`); keeps c unless a kept r has (mult·Σ c_c·c_r +
   * corr[c]) + corr[r] > sim(c), stopping at maxLinks; compacts the kept ids and similarities to the front of both
   * arrays and returns how many (corrections f32 per row at byte address `corr`)
   */
  heur_u8: (
    rows: number,
    rowBytes: number,
    corr: number,
    ids: number,
    sims: number,
    count: number,
    maxLinks: number,
    mult: number,
  ) => number;
}

/** The `op` argument of f16_f64 and u8_f64. */
export const STORED_OP = { dot: 0, l2sq: 1, l1: 2 } as const;

/** Most ids one kernel call takes; callers chunk longer lists. */
export const SIMD_BATCH = 512;

/** The slice of the WebAssembly JS API used here (the project's TS lib has no DOM typings for it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
  Instance: new (module: object, imports: object) => { exports: unknown };
}

const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | null | undefined;

function kernelsModule(): object | null {
  if (compiled === undefined) {
    compiled = null;
    try {
      const bin = atob(SIMD_KERNELS_WASM);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      if (wasm?.validate(bytes)) compiled = new wasm.Module(bytes);
    } catch {
      compiled = null;
    }
  }
  return compiled ?? null;
}

/** True when the SIMD kernels run on this platform. */
export function simdAvailable(): boolean {
  return kernelsModule() !== null;
}

const PAGE = 65536;

export class SimdArena {
  readonly kernels: SimdKernels;
  readonly buffer: ArrayBuffer;
  readonly queryOffset: number;
  readonly idsOffset: number;
  readonly outOffset: number;
  /** the scratch id batch (SIMD_BATCH u32) */
  readonly ids: Uint32Array;
  readonly outI32: Int32Array;
  readonly outF32: Float32Array;
  readonly outF64: Float64Array;
  /** scorer whose query is in the query slot */
  owner: unknown = null;

  constructor(api: WasmApi, module: object, dataBytes: number, queryBytes: number) {
    const align = (x: number): number => (x + 15) & ~15;
    this.queryOffset = align(dataBytes);
    this.idsOffset = align(this.queryOffset + queryBytes);
    this.outOffset = this.idsOffset + 4 * SIMD_BATCH;
    const total = this.outOffset + 8 * SIMD_BATCH;
    const memory = new api.Memory({ initial: Math.ceil(total / PAGE) });
    const instance = new api.Instance(module, { env: { memory } });
    this.kernels = instance.exports as unknown as SimdKernels;
    this.buffer = memory.buffer;
    this.ids = new Uint32Array(this.buffer, this.idsOffset, SIMD_BATCH);
    this.outI32 = new Int32Array(this.buffer, this.outOffset, SIMD_BATCH);
    this.outF32 = new Float32Array(this.buffer, this.outOffset, SIMD_BATCH);
    this.outF64 = new Float64Array(this.buffer, this.outOffset, SIMD_BATCH);
  }
}

const arenas = new WeakMap<ArrayBufferLike, SimdArena>();

/**
 * A fresh arena with room for dataBytes of rows (at byte 0) and a query of queryBytes, or null without SIMD (or
 * beyond what a 32-bit memory can address).
 */
export function allocateSimdArena(dataBytes: number, queryBytes: number): SimdArena | null {
  const module = kernelsModule();
  if (module === null || wasm === undefined || dataBytes + queryBytes + 12 * SIMD_BATCH + 64 > 0xffff0000) return null;
  try {
    const arena = new SimdArena(wasm, module, dataBytes, queryBytes);
    arenas.set(arena.buffer, arena);
    return arena;
  } catch {
    // out of memory for a wasm memory of this size: the JS kernels still work on ordinary arrays
    return null;
  }
}

/** The arena whose memory holds this view, if any. */
export function simdArenaOf(view: ArrayBufferView): SimdArena | undefined {
  return arenas.get(view.buffer);
}

/**
 * A copy of float16 (bit patterns) or uint8 rows placed in an arena (the stored-type scorers then use the SIMD
 * kernels on them), or the array itself when SIMD is unavailable or dim is not a multiple of 4.
 */
export function simdStoredRows<R extends Uint16Array | Uint8Array>(data: R, dim: number): R {
  if (dim % 4 !== 0 || simdArenaOf(data)) return data;
  const arena = allocateSimdArena(data.byteLength, dim * 4);
  if (arena === null) return data;
  const rows = (
    data instanceof Uint16Array
      ? new Uint16Array(arena.buffer, 0, data.length)
      : new Uint8Array(arena.buffer, 0, data.length)
  ) as R;
  rows.set(data);
  return rows;
}

/**
 * A copy of a flat n × dim float32 matrix placed in an arena (so the float scorers use the SIMD kernels on it), or
 * the array itself when SIMD is unavailable or dim is not a multiple of 4. The values are unchanged.
 */
export function simdRows(data: Float32Array, dim: number): Float32Array {
  if (dim % 4 !== 0 || simdArenaOf(data)) return data;
  const arena = allocateSimdArena(data.byteLength, dim * 4);
  if (arena === null) return data;
  const rows = new Float32Array(arena.buffer, 0, data.length);
  rows.set(data);
  return rows;
}
