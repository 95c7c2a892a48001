/**
 * Renumbering a built HNSW graph: the same graph under new node ids. A seal that decides its row order after the
 * build (lib/segment/entry-order.ts) permutes the graph once, with every row-keyed input, instead of building twice.
 *
 * Invariants: the result is the input graph up to the id map (same edges, same neighbour order in every list, same
 * levels), so a walk over it makes the same decisions, node for node, except where it breaks ties by id; the
 * unused slots of a record stay zero; `upper` keeps its contract (ids ascending, records level 1 first).
 */
import type { HnswGraph } from './graph.js';

/** The graph with node `order[i]` renamed i (order: a permutation of 0..n-1). */
export function permuteGraph(g: HnswGraph, order: Uint32Array): HnswGraph {
  const n = g.n;
  const inv = new Uint32Array(n);
  for (let i = 0; i < n; i++) inv[order[i]] = i;
  const rec = 1 + g.m0;
  const layer0 = new Uint32Array(g.layer0.length);
  for (let i = 0; i < n; i++) {
    const from = order[i] * rec;
    const to = i * rec;
    const count = g.layer0[from];
    layer0[to] = count;
    for (let j = 1; j <= count; j++) layer0[to + j] = inv[g.layer0[from + j]];
  }

  const u = g.upper;
  const byNewId = Array.from(u.ids, (_, j) => j).sort((a, b) => inv[u.ids[a]] - inv[u.ids[b]]);
  const ids = new Uint32Array(u.ids.length);
  const levels = new Uint8Array(u.levels.length);
  const offsets = new Uint32Array(u.offsets.length);
  const links = new Uint32Array(u.links.length);
  const upperRec = 1 + g.m;
  let at = 0;
  byNewId.forEach((j, k) => {
    ids[k] = inv[u.ids[j]];
    levels[k] = u.levels[j];
    offsets[k] = at;
    for (let level = 0; level < u.levels[j]; level++) {
      const from = u.offsets[j] + level * upperRec;
      const count = u.links[from];
      links[at] = count;
      for (let c = 1; c <= count; c++) links[at + c] = inv[u.links[from + c]];
      at += upperRec;
    }
  });
  offsets[ids.length] = at;
  // a block graph's entry table names nodes too (levels unchanged)
  const entries = u.blockEntries;
  const blockEntries = entries?.map((v, i) => (i % 2 === 0 ? inv[v] : v));
  return {
    n,
    m: g.m,
    m0: g.m0,
    entryPoint: g.n === 0 ? g.entryPoint : inv[g.entryPoint],
    maxLevel: g.maxLevel,
    layer0,
    upper: blockEntries === undefined ? { ids, levels, offsets, links } : { ids, levels, offsets, links, blockEntries },
  };
}
