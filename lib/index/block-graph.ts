/**
 * A BLOCK GRAPH: Qdrant's multitenancy layout (`hnsw_config: {m: 0, payload_m: M}`), where no main graph is built and
 * each payload block (the points sharing one value of an indexed keyword/integer field) gets its own HNSW with
 * m = payload_m. Qdrant's hnsw/build.rs builds every block into a graph of all the segment's points and merges it
 * with `merge_from_other`: per node and per level, the union of the links (the node's own first, no re-pruning), and
 * the block's entry point appended to the graph's entry points. Strata does the same on every level, so a filtered
 * walk descends a block's own upper levels before its layer 0 (block-entry.ts).
 *
 * Which blocks: the caller's (lib/segment/space-links.ts). With m = 0 Qdrant has no block size limit (its
 * max_block_size is unbounded without a main graph) and no connectivity shortcut: every block past a quarter of the
 * full-scan threshold is built.
 *
 * Records keep their fixed size (graph.ts): m0 and m grow to the largest degree after the merge (a node in blocks of
 * two fields holds both blocks' links). A node in no block has empty records. The entry table lists, per block, its
 * sub-graph's entry point and level, in build order; the graph's own entry point is the first of the highest.
 */
import { type HnswGraph, NO_NODE } from './graph.js';
import type { PayloadBlock } from './payload-links.js';

/**
 * The block graph over n nodes: `buildBlock(rows)` builds the HNSW of a block's points (node i of it = rows[i]).
 * `m` sizes the records of a graph without any block (every record empty).
 */
export function blockGraph(
  n: number,
  m: number,
  blocks: readonly PayloadBlock[],
  buildBlock: (rows: Uint32Array) => HnswGraph,
): HnswGraph {
  // links[node][level]: the merged lists, created on the first block that gives the node links at that level
  const links: number[][][] = new Array(n);
  const entries: number[] = [];
  let recM = m;
  let recM0 = 2 * m;
  const merge = (node: number, level: number, from: Uint32Array, at: number, rows: Uint32Array): void => {
    let levels = links[node];
    if (levels === undefined) {
      levels = [];
      links[node] = levels;
    }
    while (levels.length <= level) levels.push([]);
    const own = levels[level];
    const have = new Set(own);
    for (let k = 1; k <= from[at]; k++) {
      const to = rows[from[at + k]];
      if (to !== node && !have.has(to)) {
        have.add(to);
        own.push(to);
      }
    }
  };
  for (const b of blocks) {
    if (b.rows.length === 0) continue;
    const sub = buildBlock(b.rows);
    if (sub.entryPoint === NO_NODE) continue;
    recM = Math.max(recM, sub.m);
    recM0 = Math.max(recM0, sub.m0);
    const rec0 = 1 + sub.m0;
    for (let i = 0; i < sub.n; i++) merge(b.rows[i], 0, sub.layer0, i * rec0, b.rows);
    const u = sub.upper;
    for (let j = 0; j < u.ids.length; j++) {
      for (let level = 1; level <= u.levels[j]; level++) {
        merge(b.rows[u.ids[j]], level, u.links, u.offsets[j] + (level - 1) * (1 + sub.m), b.rows);
      }
    }
    entries.push(b.rows[sub.entryPoint], sub.maxLevel);
  }
  for (const levels of links) {
    if (levels === undefined) continue;
    recM0 = Math.max(recM0, levels[0].length);
    for (let l = 1; l < levels.length; l++) recM = Math.max(recM, levels[l].length);
  }
  return pack(n, recM, recM0, links, Uint32Array.from(entries));
}

function pack(n: number, m: number, m0: number, links: number[][][], blockEntries: Uint32Array): HnswGraph {
  const layer0 = new Uint32Array(n * (1 + m0));
  const upperIds: number[] = [];
  let words = 0;
  for (let i = 0; i < n; i++) {
    const levels = links[i];
    if (levels === undefined) continue;
    layer0[i * (1 + m0)] = levels[0].length;
    layer0.set(levels[0], i * (1 + m0) + 1);
    if (levels.length > 1) {
      upperIds.push(i);
      words += (levels.length - 1) * (1 + m);
    }
  }
  const ids = Uint32Array.from(upperIds);
  const levels = new Uint8Array(ids.length);
  const offsets = new Uint32Array(ids.length + 1);
  const upperLinks = new Uint32Array(words);
  let at = 0;
  ids.forEach((id, j) => {
    const own = links[id];
    levels[j] = own.length - 1;
    offsets[j] = at;
    for (let l = 1; l < own.length; l++, at += 1 + m) {
      upperLinks[at] = own[l].length;
      upperLinks.set(own[l], at + 1);
    }
  });
  offsets[ids.length] = at;
  // the graph's entry point: the first block entry of the highest level (Qdrant's entry points keep build order)
  let entryPoint = NO_NODE;
  let maxLevel = -1;
  for (let e = 0; e < blockEntries.length; e += 2) {
    if (blockEntries[e + 1] > maxLevel) {
      entryPoint = blockEntries[e];
      maxLevel = blockEntries[e + 1];
    }
  }
  return {
    n,
    m,
    m0,
    entryPoint,
    maxLevel,
    layer0,
    upper: { ids, levels, offsets, links: upperLinks, blockEntries },
  };
}
