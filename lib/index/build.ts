/**
 * HNSW construction (Malkov & Yashunin; hnswlib's algorithm with Qdrant's parameters), single-threaded and
 * deterministic: the insertion order and the levels come from a seeded PRNG, so the same seed and inputs give the same
 * graph, byte for byte.
 *
 * - insertion order (insertionOrder): blocks of 64 consecutive ids, the blocks in a seeded random order. A sealed
 *   segment's ids are in locality order (lib/segment/locality.ts: points close in space get close ids), and a graph
 *   inserted in that order sweeps space region by region: a region inserted late finds only far nodes to link to, and
 *   those links are pruned again as the far nodes' lists fill, so some draws leave regions the walk barely reaches.
 *   Fashion-MNIST 60k int8, recall@10 at ef 64 / 128 / 256, 14 seeds: in locality order three draws fell short (seed
 *   42 .9899 / .9918 / .9933, seed 7 .9849 / .9882 / .9897, seed 4 .9755 / .9786 / .9793) while the others gave
 *   ~.9905 / .9925 / .9931; in shuffled blocks every draw gave .9899-.9913 / .9922-.9928 / .9929-.9933, as inserting
 *   in dataset order does (Qdrant's engine on the same data: .9908 / .9923 / .9928). A block is one leaf of the
 *   locality order, so consecutive insertions still search one neighbourhood (build time within ~6% of the
 *   sequential order's; a fully shuffled order cost ~30%);
 *
 * - m links per node on upper levels, m0 = 2·m on layer 0 (a new node also takes up to m0 links on layer 0, as Qdrant
 *   does; hnswlib gives it m);
 * - level of a node: floor(−ln(U) · mL) with mL = 1/ln(m);
 * - neighbours chosen by the heuristic (hnswlib's getNeighborsByHeuristic2): walk candidates closest first, keep c
 *   unless it is closer to an already kept neighbour than to the new node; a full neighbour list is re-pruned with
 *   the same heuristic when a back link is added.
 * Built over float32 originals (Cosine rows already normalized). Internally the build ranks by a distance (smaller =
 * closer) so far candidates can be abandoned early: squared L2 for Euclid and for Cosine (on unit vectors
 * |a − b|² = 2 − 2·a·b, the same order as the cosine), L1 for Manhattan, −dot for Dot (no early exit). Every decision
 * the build takes is a comparison against a bound (the worst kept result, the distance to the base node), which an
 * abandoned partial sum answers exactly as the full sum would. Profiling showed distance work is ~95% of build time.
 *
 * Where WebAssembly SIMD is available (lib/distance/simd.ts; every Node Strata targets), Cosine/Euclid/Dot builds
 * instead score each neighbour list in one f32x4 kernel call, unbounded, and take the same decisions on the full
 * distances: ~2–4× faster than early abandoning in JS. Its sums are float32 (the JS kernels sum in float64), so the
 * graph can differ from a JS-kernel build by rounding-level ties; it is still deterministic and identical on x86_64
 * and arm64 (fixed-width wasm SIMD is IEEE-exact, no fused multiply-add).
 *
 * int8 build (`codes`): when the collection is quantized, the segment writer passes the segment's int8 set and the
 * build scores every pair on codes, as Qdrant builds the graph of a quantized segment: the estimate between two stored
 * vectors a, b is multiplier·Σ c_a c_b + k_a + k_b (lib/quantization's algebra with the second vector's correction in
 * place of the query's; for Dot/Cosine that counts the constant d·o² twice, a shift every comparison cancels). One
 * dot_u8 call per neighbour list sums exact integers over a quarter of the float bytes, so distance work, ~95% of a
 * build, costs less; the graph's neighbour choices follow the code estimates, which is the order the int8 walk over
 * this graph uses anyway. Without SIMD, or for Manhattan (no code kernel), the build stays on float32. The neighbour
 * heuristic on codes runs whole in one wasm call (heur_u8): a kernel call per candidate, scoring it against the few
 * neighbours kept so far, cost more in crossings than in scoring (Fashion-MNIST 784-d, 20k: ~2.9M calls of ~4 rows).
 * So does each insertion's layer-0 search (build-walk.ts: the walk kernel in a build arena holding the codes and
 * layer 0), which takes the JS search's decisions on the same estimates, so the graph is the same byte for byte.
 *
 * Pairwise build (`buildHnswWith`): nodes that are not one float32 row each (multivectors, scored by MaxSim) are
 * built with a given similarity of two nodes, larger = closer, taking every decision on full similarities (no early
 * exit, no SIMD batch); the inserted node is the query side, as Qdrant scores an inserted multivector against the
 * graph's, the candidate is the query side in the heuristic's candidate-to-kept scores, and a full list re-pruned
 * for a back link is scored from its owner's side, the new node included (Qdrant's score_internal(target, ·)): for
 * an asymmetric similarity such as MaxSim those are not the scores of the inserted node's search. Everything else
 * (levels, heuristic, links) is the same algorithm.
 */
import { dot, l1Bounded, l2sqBounded, SIMD_BATCH, type SimdArena, simdArenaOf, simdRows } from '../distance/index.js';
import type { Distance } from '../model/distance.js';
import { invalid } from '../model/errors.js';
import type { QuantizedSet } from '../quantization/index.js';
import { codeMultiplier } from '../quantization/index.js';
import { BuildWalk } from './build-walk.js';
import { type HnswGraph, NO_NODE, takeUnvisited, type UpperLevels } from './graph.js';
import { MaxHeap, MinHeap } from './heap.js';
import { mulberry32 } from './rng.js';

export interface BuildOptions {
  /** links per node on upper levels (Qdrant's default 16) */
  m?: number;
  /** candidate list size while building (Qdrant's default 100) */
  efConstruct?: number;
  /** PRNG seed of the level draw. Default 42 */
  seed?: number;
  /**
   * Build over a copy whose dimensions are ordered by decreasing variance (Euclid, Cosine, Manhattan), so bounded
   * distances abandon far candidates after fewer dimensions. Exact (a sum does not depend on the order of its terms,
   * up to float rounding) at the cost of one n × dim copy during the build. Default true
   */
  reorderDims?: boolean;
  /**
   * The segment's int8 codes of the same rows (Cosine rows normalized before encoding): score the build on them (see
   * the header). Ignored for Manhattan and where the codes have no SIMD arena.
   */
  codes?: QuantizedSet;
  /**
   * The order the nodes are inserted in, a permutation of 0..n-1 (order[i] is the i-th inserted). Default
   * insertionOrder(n, seed); see the header
   */
  insertOrder?: Uint32Array;
}

export const DEFAULT_M = 16;
export const DEFAULT_EF_CONSTRUCT = 100;
const MAX_LEVEL = 31;

export function buildHnsw(data: Float32Array, dim: number, distance: Distance, options: BuildOptions = {}): HnswGraph {
  const m = options.m ?? DEFAULT_M;
  const efc = Math.max(options.efConstruct ?? DEFAULT_EF_CONSTRUCT, 1);
  if (!(Number.isInteger(m) && m >= 2)) throw invalid(`m must be an integer ≥ 2, got ${m}`);
  if (!(Number.isInteger(dim) && dim > 0) || data.length % dim !== 0) {
    throw invalid(`data length ${data.length} is not a multiple of dim ${dim}`);
  }
  // SIMD: rows placed in a wasm arena and scored unbounded, a neighbour list per call (the f32x4 kernels beat early
  // abandoning in JS ~3×); otherwise the JS bounded kernels over dims reordered by variance.
  const seed = options.seed ?? 42;
  const order = insertionOrderOf(options, data.length / dim, seed);
  if (distance !== 'Manhattan' && 2 * m <= SIMD_BATCH) {
    const codes = options.codes;
    if (codes !== undefined) {
      if (codes.n * dim !== data.length || codes.params.dim !== dim) {
        throw invalid(`int8 codes hold ${codes.n} × ${codes.params.dim}, the data ${data.length / dim} × ${dim}`);
      }
      const codeArena = simdArenaOf(codes.codes);
      if (codeArena !== undefined) {
        // layer 0 searched in one wasm call where the corrections can be copied beside the codes (see build-walk.ts)
        const walk = codes.corrections.buffer === codes.codes.buffer ? BuildWalk.create(codes, 2 * m) : null;
        if (walk !== null)
          return new Builder(data, dim, distance, m, efc, seed, walk.arena, walk.codes, walk).run(order);
        return new Builder(data, dim, distance, m, efc, seed, codeArena, codes, null).run(order);
      }
    }
    const rows = simdRows(data, dim);
    const arena = simdArenaOf(rows);
    if (arena !== undefined) return new Builder(rows, dim, distance, m, efc, seed, arena, null, null).run(order);
  }
  const reorder = (options.reorderDims ?? true) && distance !== 'Dot' && dim >= 32;
  return new Builder(reorder ? byVariance(data, dim) : data, dim, distance, m, efc, seed, null, null, null).run(order);
}

/**
 * The similarities of node a (the query side) to nodes ids[0, count), into out[0, count): the same values
 * `similarity(a, ids[j])` gives, computed in one call so a kernel can score a whole neighbour list at once.
 */
export type PairBatch = (a: number, ids: Uint32Array, count: number, out: Float64Array) => void;

/**
 * HNSW over n nodes scored by `similarity(a, b)` (a is the node being inserted): see the header. With `batch`, every
 * neighbour list is scored in one call to it (it must agree with `similarity`).
 */
export function buildHnswWith(
  n: number,
  similarity: (a: number, b: number) => number,
  options: BuildOptions = {},
  batch: PairBatch | null = null,
): HnswGraph {
  const m = options.m ?? DEFAULT_M;
  const efc = Math.max(options.efConstruct ?? DEFAULT_EF_CONSTRUCT, 1);
  if (!(Number.isInteger(m) && m >= 2)) throw invalid(`m must be an integer ≥ 2, got ${m}`);
  const seed = options.seed ?? 42;
  const order = insertionOrderOf(options, n, seed);
  const b = new Builder(new Float32Array(0), 1, 'Dot', m, efc, seed, null, null, null, n, similarity, batch);
  return b.run(order);
}

/** Ids in a block of an insertion order (one leaf of lib/segment/locality.ts). */
export const INSERT_BLOCK = 64;

/**
 * The build's insertion order of n nodes for a seed: blocks of INSERT_BLOCK consecutive ids (the last one shorter),
 * the blocks shuffled (Fisher-Yates) by a PRNG apart from the level draw's. Fewer than two blocks: 0..n-1.
 */
export function insertionOrder(n: number, seed: number): Uint32Array {
  const blocks = Math.ceil(n / INSERT_BLOCK);
  const shuffled = Uint32Array.from({ length: blocks }, (_, b) => b);
  const rng = mulberry32(seed ^ 0x0dd5);
  for (let i = blocks - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = shuffled[i];
    shuffled[i] = shuffled[j];
    shuffled[j] = t;
  }
  const order = new Uint32Array(n);
  let at = 0;
  for (const b of shuffled)
    for (let id = b * INSERT_BLOCK; id < Math.min(n, (b + 1) * INSERT_BLOCK); id++) order[at++] = id;
  return order;
}

/** The caller's insertion order, checked to be a permutation of the n nodes, or insertionOrder(n, seed). */
function insertionOrderOf(options: BuildOptions, n: number, seed: number): Uint32Array {
  const order = options.insertOrder;
  if (order === undefined) return insertionOrder(n, seed);
  const seen = new Uint8Array(n);
  let ok = order.length === n;
  for (let i = 0; ok && i < n; i++) {
    ok = order[i] < n && seen[order[i]] === 0;
    seen[order[i]] = 1;
  }
  if (!ok) throw invalid(`the insertion order is not a permutation of the ${n} nodes`);
  return order;
}

/** A copy of data with each row's dimensions permuted to decreasing variance (estimated on ≤ 4096 rows). */
function byVariance(data: Float32Array, dim: number): Float32Array {
  const n = data.length / dim;
  const step = Math.max(1, Math.floor(n / 4096));
  const sum = new Float64Array(dim);
  const sumSq = new Float64Array(dim);
  let rows = 0;
  for (let i = 0; i < n; i += step, rows++) {
    for (let j = 0; j < dim; j++) {
      const v = data[i * dim + j];
      sum[j] += v;
      sumSq[j] += v * v;
    }
  }
  const variance = new Float64Array(dim);
  for (let j = 0; j < dim; j++) variance[j] = rows > 0 ? sumSq[j] / rows - (sum[j] / rows) ** 2 : 0;
  const order = Array.from({ length: dim }, (_, j) => j).sort((a, b) => variance[b] - variance[a] || a - b);
  const out = new Float32Array(data.length);
  for (let i = 0; i < n; i++) {
    const at = i * dim;
    for (let j = 0; j < dim; j++) out[at + j] = data[at + order[j]];
  }
  return out;
}

class Builder {
  private readonly n: number;
  private readonly m0: number;
  private readonly rec0: number;
  private readonly recU: number;
  private readonly layer0: Uint32Array;
  private readonly levels: Uint8Array;
  private readonly upperLinks: (Uint32Array | null)[];
  /** which build distance: L2 (Euclid, Cosine), L1 (Manhattan) or −dot (Dot); see distanceOf */
  private readonly kind: number;
  private readonly visited: Uint32Array;
  private tag = 0;
  private readonly candidates = new MaxHeap(256);
  private readonly results = new MinHeap(256);
  // scratch for the neighbour heuristic (sized for the largest list + 1)
  private readonly scratchIds: Uint32Array;
  private readonly scratchSims: Float64Array;
  private readonly keptIds: Uint32Array;
  private readonly keptSims: Float64Array;
  private entryPoint = NO_NODE;
  private maxLevel = -1;
  /** similarities of the last kernel batch (arena.ids order) */
  private readonly batchSims = new Float64Array(SIMD_BATCH);
  /** int8 mode: Σ-of-products multiplier and the per-vector corrections of `codes` */
  private readonly codeMult: number;
  private readonly corrections: Float32Array | null;
  /** int8 mode: byte address of `corrections` in the arena when they live there (heur_u8 reads them), else −1 */
  private readonly corrOffset: number;
  /** pairwise batch mode: the ids of one pairBatch call and their similarities */
  private readonly pairIds: Uint32Array;
  private readonly pairSims: Float64Array;

  constructor(
    private readonly data: Float32Array,
    private readonly dim: number,
    distance: Distance,
    private readonly m: number,
    private readonly efc: number,
    private readonly seed: number,
    /** the SIMD arena holding data (or, in int8 mode, the codes), or null for the JS kernels */
    private readonly arena: SimdArena | null,
    /** int8 mode: the codes every pair is scored on (in `arena`), else null */
    private readonly codes: QuantizedSet | null,
    /** int8 mode: the build arena (`arena`) whose walk searches layer 0 and which holds layer0, or null */
    private readonly walk: BuildWalk | null,
    nodes = data.length / dim,
    /** pairwise mode (buildHnswWith): the similarity of two nodes, used for every decision; else null */
    private readonly pairSim: ((a: number, b: number) => number) | null = null,
    /** pairwise mode: the same similarity over a neighbour list in one call, or null to score pair by pair */
    private readonly pairBatch: PairBatch | null = null,
  ) {
    this.n = nodes;
    this.m0 = 2 * m;
    this.rec0 = 1 + this.m0;
    this.recU = 1 + m;
    this.layer0 = walk !== null ? walk.layer0 : new Uint32Array(this.n * this.rec0);
    this.levels = new Uint8Array(this.n);
    this.upperLinks = new Array<Uint32Array | null>(this.n).fill(null);
    this.kind = distance === 'Manhattan' ? KIND_L1 : distance === 'Dot' ? KIND_DOT : KIND_L2;
    this.visited = new Uint32Array(this.n);
    const scratch = Math.max(efc, this.m0) + 1;
    this.scratchIds = new Uint32Array(scratch);
    this.scratchSims = new Float64Array(scratch);
    this.keptIds = new Uint32Array(scratch);
    this.keptSims = new Float64Array(scratch);
    this.pairIds = new Uint32Array(pairBatch === null ? 0 : scratch);
    this.pairSims = new Float64Array(pairBatch === null ? 0 : scratch);
    this.codeMult = codes === null ? 0 : codeMultiplier(codes.params);
    this.corrections = codes === null ? null : codes.corrections;
    this.corrOffset =
      codes !== null && arena !== null && codes.corrections.buffer === arena.buffer ? codes.corrections.byteOffset : -1;
  }

  run(order: Uint32Array): HnswGraph {
    const rng = mulberry32(this.seed);
    const mL = 1 / Math.log(this.m);
    for (let i = 0; i < this.n; i++) {
      const level = Math.min(Math.floor(-Math.log(1 - rng()) * mL), MAX_LEVEL);
      this.insert(order[i], level);
    }
    return {
      n: this.n,
      m: this.m,
      m0: this.m0,
      entryPoint: this.entryPoint,
      maxLevel: this.maxLevel,
      // a copy out of the build arena, so the graph does not hold the arena's memory
      layer0: this.walk !== null ? this.layer0.slice() : this.layer0,
      upper: this.packUpper(),
    };
  }

  /** similarity (−distance) of two nodes; exact when the distance is < bound */
  private simNodes(a: number, b: number, bound = Number.POSITIVE_INFINITY): number {
    if (this.pairSim !== null) return this.pairSim(a, b);
    const arena = this.arena;
    if (arena !== null) {
      arena.ids[0] = b;
      this.simdSims(arena, a, 1);
      return this.batchSims[0];
    }
    return -distanceOf(this.kind, this.data, a * this.dim, b * this.dim, this.dim, bound);
  }

  /**
   * batchSims[j] = similarity of node a and node arena.ids[j], for j < count, in one kernel call: −squared L2 or dot
   * on float32 rows, or the int8 estimate (see the header) on codes.
   */
  private simdSims(arena: SimdArena, a: number, count: number): void {
    const sims = this.batchSims;
    const codes = this.codes;
    if (codes !== null) {
      const stride = codes.params.stride;
      const rows = codes.codes.byteOffset;
      arena.kernels.dot_u8(rows, stride, rows + a * stride, arena.idsOffset, count, arena.outOffset);
      const sums = arena.outI32;
      const ids = arena.ids;
      const corr = this.corrections as Float32Array;
      const mult = this.codeMult;
      const ka = corr[a];
      for (let j = 0; j < count; j++) sims[j] = mult * sums[j] + ka + corr[ids[j]];
      return;
    }
    const rowBytes = this.dim * 4;
    const rows = this.data.byteOffset;
    const dot = this.kind === KIND_DOT;
    const kernel = dot ? arena.kernels.dot_f32 : arena.kernels.l2_f32;
    kernel(rows, rowBytes, rows + a * rowBytes, arena.idsOffset, count, arena.outOffset);
    const out = arena.outF32;
    if (dot) for (let j = 0; j < count; j++) sims[j] = out[j];
    else for (let j = 0; j < count; j++) sims[j] = -out[j];
  }

  /** The array and offset of node's record at level (layer0 or its upper links). */
  private recordArray(node: number, level: number): Uint32Array {
    return level === 0 ? this.layer0 : (this.upperLinks[node] as Uint32Array);
  }

  private recordOffset(node: number, level: number): number {
    return level === 0 ? node * this.rec0 : (level - 1) * this.recU;
  }

  private insert(q: number, level: number): void {
    this.levels[q] = level;
    if (level > 0) this.upperLinks[q] = new Uint32Array(level * this.recU);
    if (this.entryPoint === NO_NODE) {
      this.entryPoint = q;
      this.maxLevel = level;
      return;
    }
    let cur = this.entryPoint;
    let curSim = this.simNodes(q, cur);
    for (let lc = this.maxLevel; lc > level; lc--) {
      let changed = true;
      while (changed) {
        changed = false;
        const arr = this.recordArray(cur, lc);
        const off = this.recordOffset(cur, lc);
        const count = arr[off];
        for (let j = 1; j <= count; j++) {
          const nb = arr[off + j];
          const s = this.simNodes(q, nb, -curSim);
          if (s > curSim) {
            curSim = s;
            cur = nb;
            changed = true;
          }
        }
      }
    }
    for (let lc = Math.min(level, this.maxLevel); lc >= 0; lc--) {
      const ids = this.scratchIds;
      const sims = this.scratchSims;
      const found =
        lc === 0 && this.walk !== null
          ? this.walk.search(q, cur, curSim, this.efc, this.codeMult, ids, sims)
          : this.closestFirst(this.searchLayer(q, cur, curSim, lc));
      cur = ids[0];
      curSim = sims[0];
      const maxLinks = lc === 0 ? this.m0 : this.m;
      const kept = this.selectNeighbours(ids, sims, found, maxLinks);
      const arr = this.recordArray(q, lc);
      const off = this.recordOffset(q, lc);
      arr[off] = kept;
      for (let j = 0; j < kept; j++) arr[off + 1 + j] = this.keptIds[j];
      // copy: linking back reuses the scratch arrays
      const linkIds = this.keptIds.slice(0, kept);
      const linkSims = this.keptSims.slice(0, kept);
      for (let j = 0; j < kept; j++) this.linkBack(linkIds[j], q, linkSims[j], lc);
    }
    if (level > this.maxLevel) {
      this.entryPoint = q;
      this.maxLevel = level;
    }
  }

  /** The `found` results searchLayer left, closest first, into scratchIds / scratchSims; returns found. */
  private closestFirst(found: number): number {
    const ids = this.scratchIds;
    const sims = this.scratchSims;
    for (let i = found - 1; i >= 0; i--) {
      ids[i] = this.results.topId();
      sims[i] = this.results.topScore();
      this.results.pop();
    }
    return found;
  }

  /** Beam search for q on level lc from ep; leaves up to efc results in this.results; returns their count. */
  private searchLayer(q: number, ep: number, epSim: number, lc: number): number {
    this.tag++;
    if (this.tag === 0xffffffff) {
      this.visited.fill(0);
      this.tag = 1;
    }
    const visited = this.visited;
    const tag = this.tag;
    const candidates = this.candidates;
    const results = this.results;
    candidates.clear();
    results.clear();
    visited[ep] = tag;
    candidates.push(ep, epSim);
    results.push(ep, epSim);
    const efc = this.efc;
    const data = this.data;
    const dim = this.dim;
    const kind = this.kind;
    const qOff = q * dim;
    while (candidates.size > 0) {
      const c = candidates.topId();
      if (candidates.topScore() < results.topScore() && results.size >= efc) break;
      candidates.pop();
      const arr = lc === 0 ? this.layer0 : (this.upperLinks[c] as Uint32Array);
      const off = lc === 0 ? c * this.rec0 : (lc - 1) * this.recU;
      const count = arr[off];
      const arena = this.arena;
      const pairBatch = this.pairBatch;
      if (arena !== null || pairBatch !== null) {
        // one kernel call for the unvisited neighbours; then the same decisions, in order, on full distances
        const batch = arena !== null ? arena.ids : this.pairIds;
        const nNew = takeUnvisited(arr, off, visited, tag, batch);
        if (nNew === 0) continue;
        if (arena !== null) this.simdSims(arena, q, nNew);
        else (pairBatch as PairBatch)(q, batch, nNew, this.pairSims);
        const sims = arena !== null ? this.batchSims : this.pairSims;
        for (let j = 0; j < nNew; j++) {
          const s = sims[j];
          if (results.size < efc || s > results.topScore()) {
            candidates.push(batch[j], s);
            results.push(batch[j], s);
            if (results.size > efc) results.pop();
          }
        }
        continue;
      }
      for (let j = 1; j <= count; j++) {
        const nb = arr[off + j];
        if (visited[nb] === tag) continue;
        visited[nb] = tag;
        const full = results.size < efc;
        const s =
          this.pairSim !== null
            ? this.pairSim(q, nb)
            : -distanceOf(kind, data, qOff, nb * dim, dim, full ? Number.POSITIVE_INFINITY : -results.topScore());
        if (full || s > results.topScore()) {
          candidates.push(nb, s);
          results.push(nb, s);
          if (results.size > efc) results.pop();
        }
      }
    }
    return results.size;
  }

  /**
   * The heuristic over candidates ids/sims[0, count) sorted closest first: keep c unless some kept r has
   * sim(c, r) > sim(c, base), i.e. c is closer to a kept neighbour than to the base node. Writes keptIds/keptSims.
   */
  private selectNeighbours(ids: Uint32Array, sims: Float64Array, count: number, maxLinks: number): number {
    const keptIds = this.keptIds;
    const keptSims = this.keptSims;
    const arena = this.pairSim === null ? this.arena : null;
    if (arena !== null && this.corrOffset >= 0 && count <= SIMD_BATCH)
      return this.selectInWasm(arena, ids, sims, count, maxLinks);
    let kept = 0;
    for (let i = 0; i < count && kept < maxLinks; i++) {
      const c = ids[i];
      const sc = sims[i];
      let good = true;
      if (arena !== null && kept > 0) {
        // c against every kept neighbour in ONE kernel call (the same values as pair by pair, so the same choice):
        // a call per pair cost more in crossing into wasm than in scoring, and the early break saved less
        const batch = arena.ids;
        for (let r = 0; r < kept; r++) batch[r] = keptIds[r];
        this.simdSims(arena, c, kept);
        const toKept = this.batchSims;
        for (let r = 0; r < kept; r++) {
          if (toKept[r] > sc) {
            good = false;
            break;
          }
        }
      } else if (this.pairBatch !== null && kept > 0) {
        this.pairBatch(c, keptIds, kept, this.pairSims);
        const toKept = this.pairSims;
        for (let r = 0; r < kept; r++) {
          if (toKept[r] > sc) {
            good = false;
            break;
          }
        }
      } else {
        for (let r = 0; r < kept; r++) {
          if (this.simNodes(c, keptIds[r], -sc) > sc) {
            good = false;
            break;
          }
        }
      }
      if (good) {
        keptIds[kept] = c;
        keptSims[kept] = sc;
        kept++;
      }
    }
    return kept;
  }

  /**
   * selectNeighbours on int8 codes in ONE wasm call (heur_u8): the same estimates in the same double operations, the
   * same candidates in the same order, so the same kept list; the kernel stops scoring c at the first kept neighbour
   * that beats it (Qdrant's early exit), which the decision does not depend on.
   */
  private selectInWasm(
    arena: SimdArena,
    ids: Uint32Array,
    sims: Float64Array,
    count: number,
    maxLinks: number,
  ): number {
    const codes = this.codes as QuantizedSet;
    arena.ids.set(ids.subarray(0, count));
    arena.outF64.set(sims.subarray(0, count));
    const kept = arena.kernels.heur_u8(
      codes.codes.byteOffset,
      codes.params.stride,
      this.corrOffset,
      arena.idsOffset,
      arena.outOffset,
      count,
      maxLinks,
      this.codeMult,
    );
    this.keptIds.set(arena.ids.subarray(0, kept));
    this.keptSims.set(arena.outF64.subarray(0, kept));
    return kept;
  }

  /** Adds q to e's list on level lc; a full list is re-pruned with the heuristic over its members plus q. */
  private linkBack(e: number, q: number, simEQ: number, lc: number): void {
    const arr = this.recordArray(e, lc);
    const off = this.recordOffset(e, lc);
    const maxLinks = lc === 0 ? this.m0 : this.m;
    const count = arr[off];
    if (count < maxLinks) {
      arr[off + 1 + count] = q;
      arr[off] = count + 1;
      return;
    }
    // e is the base of this re-pruning, so the query side of every score, q's included (Qdrant scores the back link
    // as score_internal(e, q)); simEQ came from q's search, scored from q's side, which differs for MaxSim
    if (this.pairSim !== null) simEQ = this.pairSim(e, q);
    // candidates = current neighbours + q, sorted closest to e first (insertion sort: ≤ m0 + 1 items)
    const ids = this.scratchIds;
    const sims = this.scratchSims;
    // e against its current neighbours in one kernel call where there is an arena (see selectNeighbours)
    const arena = this.pairSim === null ? this.arena : null;
    if (arena !== null) {
      for (let j = 0; j < count; j++) arena.ids[j] = arr[off + 1 + j];
      this.simdSims(arena, e, count);
    } else if (this.pairBatch !== null) {
      // a copy of the list: the scores land in pairSims, which the loop below reads before anything reuses it
      for (let j = 0; j < count; j++) this.pairIds[j] = arr[off + 1 + j];
      this.pairBatch(e, this.pairIds, count, this.pairSims);
    }
    const batched = arena !== null || this.pairBatch !== null;
    const toE = arena !== null ? this.batchSims : this.pairSims;
    let size = 0;
    for (let j = 0; j <= count; j++) {
      const id = j < count ? arr[off + 1 + j] : q;
      const s = j < count ? (batched ? toE[j] : this.simNodes(e, id)) : simEQ;
      let p = size++;
      while (p > 0 && sims[p - 1] < s) {
        ids[p] = ids[p - 1];
        sims[p] = sims[p - 1];
        p--;
      }
      ids[p] = id;
      sims[p] = s;
    }
    const kept = this.selectNeighbours(ids, sims, size, maxLinks);
    arr[off] = kept;
    for (let j = 0; j < kept; j++) arr[off + 1 + j] = this.keptIds[j];
  }

  private packUpper(): UpperLevels {
    let nodes = 0;
    let words = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.levels[i] > 0) {
        nodes++;
        words += this.levels[i] * this.recU;
      }
    }
    const ids = new Uint32Array(nodes);
    const levels = new Uint8Array(nodes);
    const offsets = new Uint32Array(nodes + 1);
    const links = new Uint32Array(words);
    let j = 0;
    let at = 0;
    for (let i = 0; i < this.n; i++) {
      const l = this.levels[i];
      if (l === 0) continue;
      ids[j] = i;
      levels[j] = l;
      offsets[j] = at;
      links.set(this.upperLinks[i] as Uint32Array, at);
      at += l * this.recU;
      j++;
    }
    offsets[nodes] = at;
    return { ids, levels, offsets, links };
  }
}

const KIND_L2 = 0;
const KIND_L1 = 1;
const KIND_DOT = 2;

/**
 * Distance between two rows of data (smaller = closer), early-abandoned against bound where the metric allows. The
 * kernels are called directly (not through a function value) so V8 inlines them into the hot loops: profiling showed
 * an indirect kernel call costs ~1.3× in search.
 */
function distanceOf(kind: number, data: Float32Array, aOff: number, bOff: number, dim: number, bound: number): number {
  if (kind === KIND_L2) return l2sqBounded(data, aOff, data, bOff, dim, bound);
  if (kind === KIND_L1) return l1Bounded(data, aOff, data, bOff, dim, bound);
  return -dot(data, aOff, data, bOff, dim);
}
