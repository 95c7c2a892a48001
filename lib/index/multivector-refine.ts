/**
 * Reverse-nearest-neighbour links for a finished multivector graph's layer 0 (lib/index/multivector-build.ts calls
 * it after the build), deciding on the build's similarity (mutual MaxSim):
 *
 * 1. each node's 1.5·m0 nearest nodes (OFFERS_PER_M0), from a beam search (width ef_construct) for it in the
 *    finished graph, seeded with its own list;
 * 2. each node offers itself as an in-link to those nearest. A node keeps the list the build gave it and takes the
 *    offers it does not hold, closest first: those the build's heuristic keeps (tested against the whole list so
 *    far), then the pruned closest, until m0.
 *
 * Why, measured on the GloVe token matrices (bench/multivector.ts, m 16, ef_construct 100, 300 queries): the true
 * top-10 documents a walk at hnsw_ef 100 missed had been reached only through in-neighbours that scored far below the
 * beam's last result (so never expanded), while ~8 of each one's 32 nearest documents (mutual MaxSim) scored above it
 * and did not link to it. The heuristic's "c is closer to a kept neighbour than to the base" drops links that a
 * non-metric similarity does not route around. recall@10 at hnsw_ef 100: 0.911 -> 0.948 at +17% documents scored
 * per query, where raising hnsw_ef to the same work gives 0.934; at 150 / 256: 0.950 -> 0.971, 0.984 -> 0.993.
 * Tried and not kept: re-choosing each node's own list from the search's candidates (the second pass of
 * Vamana/DiskANN) drops the long links early nodes got while the graph was small: on clustered data (the unit test's)
 * recall fell 0.956 -> 0.878, on GloVe it gained 0.008; offering to m0 nearest without the fill (0.935 at +11%), or
 * filling to 24 (0.940 at +14%), sit between; filling every list to m0 with pruned candidates and no offers stays on
 * the hnsw_ef curve. Offering to the 1.5·m0 nearest instead of the m0 nearest (from the same searches: the beam
 * holds ef_construct ≥ 48 results anyway) lets a node whose closest documents' lists are full (the build gave them m0
 * links) find room in the next ones: 0.948 -> 0.956 at hnsw_ef 100 for +4% documents scored (the m0 graph's curve
 * gives ~0.951 at that work; 0.993 -> 0.994 at 256, 0.999 at 512; the int8 walk 0.924 -> 0.936), build CPU within
 * the runs' noise (22.5 -> 22.5 s, 23.1 -> 25.4 s); 2·m0 gains 0.001 more at +7%, on the curve; a second refine pass
 * (beam 50 each, 1.5·m0) 0.954 at +5% and +22% build CPU.
 *
 * Invariants: deterministic (phase 1 reads the build's lists, which change only in phase 2; offers are taken closest
 * first, ties by id); a build link is never removed; no self loops or duplicates; count ≤ m0; upper levels and the
 * entry point are untouched; only the given similarity is used, so every tier that walks the graph (float32 in memory
 * or paged, int8 codes) walks the same graph.
 */
import type { PairBatch } from './build.js';
import { type HnswGraph, takeUnvisited } from './graph.js';
import { MaxHeap, MinHeap } from './heap.js';

/** How many of its nearest nodes a node offers itself to, per m0 (the header says why 1.5). */
const OFFERS_PER_M0 = 1.5;

/** Adds reverse-nearest-neighbour links to graph.layer0 in place (see the header); `ef` is the build's ef_construct. */
export function refineLayer0(graph: HnswGraph, batch: PairBatch, ef: number): void {
  const n = graph.n;
  const m0 = graph.m0;
  const rec0 = 1 + m0;
  const layer0 = graph.layer0;
  // the beam's width is unchanged; it holds the offers unless ef_construct is below 1.5·m0
  const beam = Math.max(ef, m0);
  const offers = Math.min(Math.ceil(OFFERS_PER_M0 * m0), beam);
  const refiner = new Refiner(n, m0, beam, batch);
  // phase 1: each node's nearest, by a search in the finished graph (lists unchanged until phase 2)
  const near = new Uint32Array(n * offers);
  const nearSims = new Float64Array(n * offers);
  const nearCount = new Uint16Array(n);
  for (let q = 0; q < n; q++) {
    const top = Math.min(offers, refiner.search(q, layer0, rec0));
    for (let j = 0; j < top; j++) {
      near[q * offers + j] = refiner.ids[j];
      nearSims[q * offers + j] = refiner.sims[j];
    }
    nearCount[q] = top;
  }
  // offers by receiving node (counting sort over q, so each node's offers come in offering-node order)
  const offerStart = new Uint32Array(n + 1);
  for (let q = 0; q < n; q++) for (let j = 0; j < nearCount[q]; j++) offerStart[near[q * offers + j] + 1]++;
  for (let e = 0; e < n; e++) offerStart[e + 1] += offerStart[e];
  const fill = offerStart.slice(0, n);
  const offerIds = new Uint32Array(offerStart[n]);
  const offerSims = new Float64Array(offerStart[n]);
  for (let q = 0; q < n; q++) {
    for (let j = 0; j < nearCount[q]; j++) {
      const e = near[q * offers + j];
      offerIds[fill[e]] = q;
      offerSims[fill[e]++] = nearSims[q * offers + j];
    }
  }
  // phase 2: the build's list, then the offers it does not hold, closest first: the heuristic's picks (tested
  // against the whole list so far), then the pruned closest, up to m0
  for (let e = 0; e < n; e++) {
    const off = e * rec0;
    const own = layer0[off];
    if (own >= m0) continue;
    refiner.startUnion();
    for (let j = 0; j < own; j++) refiner.holds(layer0[off + 1 + j]);
    for (let o = offerStart[e]; o < offerStart[e + 1]; o++) refiner.addToUnion(offerIds[o], offerSims[o]);
    const kept = refiner.extend(layer0.subarray(off + 1, off + 1 + own), refiner.sortUnion(), m0);
    layer0[off] = own + kept;
    for (let j = 0; j < kept; j++) layer0[off + 1 + own + j] = refiner.keptIds[j];
  }
}

/** One node's scratch, reused for every node: the beam's heaps and marks, candidates, the heuristic's picks. */
class Refiner {
  private readonly visited: Uint32Array;
  private tag = 0;
  private readonly candidates = new MaxHeap(256);
  private readonly results = new MinHeap(256);
  /** candidates closest first (search results, or a sorted union); grown on demand */
  ids: Uint32Array;
  sims: Float64Array;
  /** the offers extend() added, in order */
  readonly keptIds: Uint32Array;
  /** the list being extended: held links, then the kept offers */
  private readonly listIds: Uint32Array;
  private pruned: Uint32Array;
  private readonly batchIds: Uint32Array;
  private readonly batchSims: Float64Array;
  /** the union's members are marked with unionTag so a node offered twice (or offered and owned) counts once */
  private readonly inUnion: Uint32Array;
  private unionTag = 0;
  private unionSize = 0;

  constructor(
    n: number,
    m0: number,
    private readonly ef: number,
    private readonly batch: PairBatch,
  ) {
    this.visited = new Uint32Array(n);
    this.inUnion = new Uint32Array(n);
    this.ids = new Uint32Array(ef + 1);
    this.sims = new Float64Array(ef + 1);
    this.keptIds = new Uint32Array(m0);
    this.listIds = new Uint32Array(m0);
    this.pruned = new Uint32Array(ef + 1);
    this.batchIds = new Uint32Array(ef + m0 + 1);
    this.batchSims = new Float64Array(ef + m0 + 1);
  }

  /**
   * Beam search of width ef for node q over layer 0 `links`, seeded with q's own list (q excluded): leaves the
   * results in ids/sims closest first (ties by id) and returns their count.
   */
  search(q: number, links: Uint32Array, rec0: number): number {
    this.tag++;
    const visited = this.visited;
    const tag = this.tag;
    const candidates = this.candidates;
    const results = this.results;
    candidates.clear();
    results.clear();
    visited[q] = tag;
    this.expand(q, q, links, rec0);
    while (candidates.size > 0) {
      if (candidates.topScore() < results.topScore() && results.size >= this.ef) break;
      const c = candidates.topId();
      candidates.pop();
      this.expand(q, c, links, rec0);
    }
    const found = results.size;
    for (let i = found - 1; i >= 0; i--) {
      this.ids[i] = results.topId();
      this.sims[i] = results.topScore();
      results.pop();
    }
    sortClosestFirst(this.ids, this.sims, found);
    return found;
  }

  /** Scores c's unvisited neighbours from q's side in one batch; the beam's usual admission rule. */
  private expand(q: number, c: number, links: Uint32Array, rec0: number): void {
    const ids = this.batchIds;
    const fresh = takeUnvisited(links, c * rec0, this.visited, this.tag, ids);
    if (fresh === 0) return;
    this.batch(q, ids, fresh, this.batchSims);
    const results = this.results;
    for (let j = 0; j < fresh; j++) {
      const s = this.batchSims[j];
      if (results.size < this.ef || s > results.topScore()) {
        this.candidates.push(ids[j], s);
        results.push(ids[j], s);
        if (results.size > this.ef) results.pop();
      }
    }
  }

  /** Marks id as already in the list being extended, so an offer of it is ignored. */
  holds(id: number): void {
    this.inUnion[id] = this.unionTag;
  }

  startUnion(): void {
    this.unionTag++;
    this.unionSize = 0;
  }

  addToUnion(id: number, sim: number): void {
    if (this.inUnion[id] === this.unionTag) return;
    this.inUnion[id] = this.unionTag;
    if (this.unionSize === this.ids.length) {
      const ids = new Uint32Array(this.ids.length * 2);
      const sims = new Float64Array(this.ids.length * 2);
      ids.set(this.ids);
      sims.set(this.sims);
      this.ids = ids;
      this.sims = sims;
    }
    this.ids[this.unionSize] = id;
    this.sims[this.unionSize++] = sim;
  }

  /** Sorts the union closest first (ties by id) into ids/sims; returns its size. */
  sortUnion(): number {
    sortClosestFirst(this.ids, this.sims, this.unionSize);
    return this.unionSize;
  }

  /**
   * The build's heuristic over the offers ids/sims[0, count) (closest first) after the `held` list: keep c unless a
   * node already in the list (held or kept) has sim(c, r) > sim(c, base); stop when the list has maxLinks. Then the
   * pruned offers, closest first, until maxLinks. Writes the added links to keptIds; returns how many.
   */
  extend(held: Uint32Array, count: number, maxLinks: number): number {
    if (this.pruned.length < count) this.pruned = new Uint32Array(count * 2);
    const room = maxLinks - held.length;
    const list = this.listIds;
    list.set(held);
    let size = held.length;
    let kept = 0;
    let pruned = 0;
    let i = 0;
    for (; i < count && kept < room; i++) {
      const c = this.ids[i];
      const sc = this.sims[i];
      let good = true;
      if (size > 0) {
        this.batch(c, list, size, this.batchSims);
        for (let r = 0; r < size; r++) {
          if (this.batchSims[r] > sc) {
            good = false;
            break;
          }
        }
      }
      if (good) {
        list[size++] = c;
        this.keptIds[kept++] = c;
      } else this.pruned[pruned++] = i;
    }
    for (let p = 0; p < pruned && kept < room; p++) {
      this.keptIds[kept++] = this.ids[this.pruned[p]];
    }
    return kept;
  }
}

/** Insertion sort of ids/sims[0, count) by similarity descending, ties by id (lists here are ≤ a few hundred). */
function sortClosestFirst(ids: Uint32Array, sims: Float64Array, count: number): void {
  for (let i = 1; i < count; i++) {
    const id = ids[i];
    const s = sims[i];
    let p = i;
    while (p > 0 && (sims[p - 1] < s || (sims[p - 1] === s && ids[p - 1] > id))) {
      ids[p] = ids[p - 1];
      sims[p] = sims[p - 1];
      p--;
    }
    ids[p] = id;
    sims[p] = s;
  }
}
