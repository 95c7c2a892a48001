/**
 * Where a filtered walk of a BLOCK GRAPH (block-graph.ts: `m: 0` + payload_m, no main graph) starts, as Qdrant's
 * entry_points.rs and graph_layers.rs `search_entry` find it: the first block entry point (build order) that
 * satisfies the filter, then a greedy descent through the upper levels that moves only to points satisfying it
 * (Qdrant's filtered scorer scores no other point). The walk on layer 0 then starts from where the descent ends
 * (search.ts `entry`), with the filter applied as any filtered walk.
 *
 * When no entry point satisfies the filter (its block's entry was deleted, or the filter adds a condition the entry
 * fails), Qdrant returns nothing; here the caller's fallback is used: a point of the filter's domain, whose own
 * records are its block's. Null only when nothing in the domain satisfies the filter.
 *
 * Invariants: upper levels are in memory (the graph header); only the scorer may need rows, fetched one neighbour
 * list per hop through its prefetch; the distances computed are returned for the query's cost counters.
 */
import { type GraphAccessor, type UpperLevels, upperRecordOffset, upperSlot } from './graph.js';
import type { QueryScorer } from './scorer.js';
import type { LayerZeroEntry } from './search.js';

export interface BlockEntry extends LayerZeroEntry {
  /** similarity computations of the descent */
  distances: number;
}

/** The level of node `id` in a graph's upper levels (0 when it has none). */
export function upperLevelOf(upper: UpperLevels, id: number): number {
  const slot = upperSlot(upper, id);
  return slot >= 0 ? upper.levels[slot] : 0;
}

/** The first block entry satisfying `inFilter`, else the first id of `fallback` that does; null when none does. */
export function blockStart(
  upper: UpperLevels,
  inFilter: (id: number) => boolean,
  fallback: ArrayLike<number>,
): { id: number; level: number } | null {
  const entries = upper.blockEntries;
  if (entries !== undefined) {
    for (let e = 0; e < entries.length; e += 2) {
      if (inFilter(entries[e])) return { id: entries[e], level: entries[e + 1] };
    }
  }
  for (let i = 0; i < fallback.length; i++) {
    const id = fallback[i];
    if (inFilter(id)) return { id, level: upperLevelOf(upper, id) };
  }
  return null;
}

/** The layer-0 entry of a filtered walk of a block graph (see the header); null when no point satisfies the filter. */
export async function findBlockEntry(
  graph: GraphAccessor,
  scorer: QueryScorer,
  inFilter: (id: number) => boolean,
  fallback: ArrayLike<number>,
  checkpoint: (() => void) | null = null,
): Promise<BlockEntry | null> {
  const start = blockStart(graph.upper, inFilter, fallback);
  if (start === null) return null;
  const { upper, meta } = graph;
  let cur = start.id;
  if (scorer.prefetch) await scorer.prefetch(Uint32Array.of(cur), 0, 1);
  let curScore = scorer.score(cur);
  let distances = 1;
  const batch: number[] = [];
  for (let level = start.level; level >= 1; level--) {
    for (;;) {
      const off = upperRecordOffset(upper, meta.m, cur, level);
      if (off < 0) break;
      batch.length = 0;
      for (let k = 1; k <= upper.links[off]; k++) {
        const nb = upper.links[off + k];
        if (inFilter(nb)) batch.push(nb);
      }
      if (batch.length === 0) break;
      const ids = Uint32Array.from(batch);
      const p = scorer.prefetch?.(ids, 0, ids.length);
      if (p) {
        await p;
        checkpoint?.();
      }
      const before = cur;
      for (const nb of ids) {
        const s = scorer.score(nb);
        distances++;
        if (s > curScore) {
          curScore = s;
          cur = nb;
        }
      }
      if (cur === before) break;
    }
  }
  return { id: cur, score: curScore, distances };
}
