/**
 * The ENTRY REGION of a segment: its graph's upper-level nodes (level ≥ 1, about n/m of them) numbered first, rows
 * 0..U-1, so that a cold walk over paged originals and a paged layer 0 reads the rows and records its descent needs
 * as ONE contiguous range each, in its first round (lib/index/beam-search.ts entryRegion), instead of one dependent
 * round per greedy hop of the descent (~10 at 25k points, GloVe-100, m 16).
 *
 * The seal decides this order after the build: the graph is built on the locality-ordered rows (locality.ts), its
 * upper nodes are moved to the front (each group keeping its locality order), and then every row-keyed input (ids,
 * versions, payloads, every space's rows, sparse rows; field indexes are built from the payloads in that order) and
 * the graph's node ids are permuted once (writer.ts). Nothing in the format changes: a reader recognises the region
 * by the graph header alone (upper ids = 0..U-1), and segments written before it still read and search as before.
 *
 * Cost: U rows of originals (n/m × 4·dim bytes: 0.6 MB at 25k × dim 100) and U layer-0 records read by the cold
 * walk's first round; measured at 25k GloVe points the descent's ~10 rounds drop to 0.
 */
import type { HnswGraph } from '../index/graph.js';

/** order[newRow] = row: the graph's upper-level nodes first; null when they already are (or there are none). */
export function entryOrder(g: HnswGraph): Uint32Array | null {
  const upper = g.upper.ids;
  const u = upper.length;
  if (u === 0 || upper[u - 1] === u - 1) return null;
  const order = new Uint32Array(g.n);
  order.set(upper);
  const isUpper = new Uint8Array(g.n);
  for (const id of upper) isUpper[id] = 1;
  let at = u;
  for (let i = 0; i < g.n; i++) if (isUpper[i] === 0) order[at++] = i;
  return order;
}

/** U when the graph's upper-level nodes are exactly rows 0..U-1 (the entry region), else 0. */
export function entryRegionRows(g: HnswGraph): number {
  const upper = g.upper.ids;
  const u = upper.length;
  return u > 0 && upper[u - 1] === u - 1 ? u : 0;
}

/** The composition of two orders: row `inner[outer[i]]` of the input becomes row i. */
export function composeOrders(inner: Uint32Array | null, outer: Uint32Array): Uint32Array {
  return inner === null ? outer : Uint32Array.from(outer, (r) => inner[r]);
}
