/**
 * Qdrant's additional payload links (`hnsw_config.payload_m`; its hnsw/build.rs `build_additional_links`): a filtered
 * walk only follows links between points that pass the filter, and when a filter keeps a small share of the points
 * (a tenant) the main graph restricted to them falls apart into islands. So, for each block of points sharing one
 * value of an indexed keyword/integer field, a small HNSW is built over the block alone (m = payload_m) and its
 * layer-0 links are added to the main graph's, as Qdrant's `merge_from_other` does: the union, not re-pruned.
 *
 * Which blocks (Qdrant's rules, the caller's job except the connectivity check here): blocks larger than
 * PERCOLATION_MULTIPLIER · n / (average layer-0 degree) are skipped (the main graph keeps them connected), so are
 * blocks a filter would scan anyway (at most a quarter of the full-scan threshold's points). A block of a tenant
 * field (`is_tenant`) is always linked; a block of another field only when the main graph restricted to it is not
 * already connected: Qdrant samples percolated connectivity, Strata counts what one breadth-first walk inside the
 * block reaches from its first point (below CONNECTED_SHARE: linked).
 *
 * Layer-0 records keep their fixed size (graph.ts): m0 grows to the largest degree after the merge, so the graph
 * format and every reader stay as they are; only records get longer. Upper levels are the main graph's.
 */
import type { HnswGraph } from './graph.js';

export interface PayloadBlock {
  /** main-graph node ids of the block's points, ascending */
  rows: Uint32Array;
  /** a block of an `is_tenant` field: linked whatever the main graph's connectivity */
  tenant: boolean;
}

/** Qdrant's multiplier on 1/(average degree), past which a block needs no extra links. */
export const PERCOLATION_MULTIPLIER = 4;
/** a non-tenant block whose induced main graph reaches this share of it from one point is left as is */
export const CONNECTED_SHARE = 0.95;

/** Average layer-0 degree of a graph. */
export function averageDegree0(g: HnswGraph): number {
  const rec = 1 + g.m0;
  let links = 0;
  for (let i = 0; i < g.n; i++) links += g.layer0[i * rec];
  return g.n === 0 ? 0 : links / g.n;
}

/** The largest block that still gets links (Qdrant's max_block_size). */
export function maxBlockSize(g: HnswGraph): number {
  const degree = Math.max(1, Math.floor(averageDegree0(g)));
  return Math.floor(g.n / degree) * PERCOLATION_MULTIPLIER;
}

/** Share of a block reached by a breadth-first walk of the main graph's layer 0 restricted to the block. */
export function blockConnectivity(g: HnswGraph, rows: Uint32Array): number {
  if (rows.length === 0) return 1;
  const rec = 1 + g.m0;
  const inBlock = new Set<number>(rows);
  const seen = new Set<number>([rows[0]]);
  const queue = [rows[0]];
  for (let q = 0; q < queue.length; q++) {
    const at = queue[q] * rec;
    for (let k = 1; k <= g.layer0[at]; k++) {
      const nb = g.layer0[at + k];
      if (inBlock.has(nb) && !seen.has(nb)) {
        seen.add(nb);
        queue.push(nb);
      }
    }
  }
  return seen.size / rows.length;
}

/**
 * The main graph with each block's links merged into layer 0. `buildBlock(rows)` builds the HNSW of a block's
 * points (node i of it = rows[i]). Returns the graph unchanged (same object) when no block needed links.
 */
export function withPayloadLinks(
  g: HnswGraph,
  blocks: readonly PayloadBlock[],
  buildBlock: (rows: Uint32Array) => HnswGraph,
): HnswGraph {
  const rec = 1 + g.m0;
  const extra = new Map<number, Set<number>>();
  for (const b of blocks) {
    if (!b.tenant && blockConnectivity(g, b.rows) >= CONNECTED_SHARE) continue;
    const sub = buildBlock(b.rows);
    const subRec = 1 + sub.m0;
    for (let i = 0; i < sub.n; i++) {
      const from = b.rows[i];
      let set = extra.get(from);
      for (let k = 1; k <= sub.layer0[i * subRec]; k++) {
        const to = b.rows[sub.layer0[i * subRec + k]];
        if (set === undefined) {
          set = new Set<number>();
          extra.set(from, set);
        }
        set.add(to);
      }
    }
  }
  if (extra.size === 0) return g;
  // union per node: the main links first (their order is the heuristic's), then the new ones
  const merged: number[][] = [];
  let m0 = g.m0;
  for (let i = 0; i < g.n; i++) {
    const own = Array.from(g.layer0.subarray(i * rec + 1, i * rec + 1 + g.layer0[i * rec]));
    const add = extra.get(i);
    if (add !== undefined) {
      const have = new Set(own);
      for (const x of add) if (!have.has(x) && x !== i) own.push(x);
    }
    merged.push(own);
    if (own.length > m0) m0 = own.length;
  }
  const layer0 = new Uint32Array(g.n * (1 + m0));
  for (let i = 0; i < g.n; i++) {
    layer0[i * (1 + m0)] = merged[i].length;
    layer0.set(merged[i], i * (1 + m0) + 1);
  }
  return { ...g, m0, layer0 };
}
