/**
 * The HNSW graph as flat typed arrays, and the accessor interface searches read it through.
 *
 * Layer 0: ONE Uint32Array of n records of (1 + m0) u32: [count, neighbour_1 … neighbour_count, unused…]. Fixed-size
 * records let the file format cut layer 0 into pages without a record straddling a page.
 * Upper levels (≈ n/m nodes in all, small): nodes with level ≥ 1 sorted by id in `ids`; node ids[j] has levels[j]
 * upper levels, whose records of (1 + m) u32 sit in `links` from offsets[j], level 1 first.
 *
 * BLOCK GRAPH (`hnsw_config.m: 0` with `payload_m`, Qdrant's multitenancy layout): no main graph, only the merged
 * HNSWs of payload blocks (payload-links.ts `blockGraph`); a node outside every block has no links. Such a graph has
 * `upper.blockEntries`: each block's entry point and its level, from which a filtered walk inside that block starts
 * (lib/index/block-entry.ts). A graph with a main graph has none (undefined).
 *
 * Invariants: no self loops; every neighbour id < n; count ≤ m0 on layer 0 and ≤ m above; entryPoint has level
 * maxLevel; an empty graph has entryPoint = NO_NODE and maxLevel = -1; a block graph's entryPoint is its first
 * highest block entry (NO_NODE when it has no block).
 */
export const NO_NODE = 0xffffffff;

export interface GraphMeta {
  n: number;
  m: number;
  m0: number;
  entryPoint: number;
  maxLevel: number;
}

export interface UpperLevels {
  ids: Uint32Array;
  levels: Uint8Array;
  /** length ids.length + 1 */
  offsets: Uint32Array;
  links: Uint32Array;
  /** a block graph's entry points: pairs (node, level), one per block, in build order; undefined otherwise */
  blockEntries?: Uint32Array;
}

export interface HnswGraph extends GraphMeta {
  layer0: Uint32Array;
  upper: UpperLevels;
}

/** Offset in upper.links of node id's record at `level` (≥ 1), or -1 when the node does not reach that level. */
export function upperRecordOffset(upper: UpperLevels, m: number, id: number, level: number): number {
  const slot = upperSlot(upper, id);
  return slot >= 0 && level <= upper.levels[slot] ? upper.offsets[slot] + (level - 1) * (1 + m) : -1;
}

/** Where node `id` sits in the upper levels' sorted ids (binary search), or -1 when it has no upper level. */
export function upperSlot(upper: UpperLevels, id: number): number {
  const ids = upper.ids;
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = ids[mid];
    if (v < id) lo = mid + 1;
    else if (v > id) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/**
 * How a search reads the graph. Upper levels are always in memory. Layer-0 records may be paged: layer0(id) returns
 * the array holding id's record (at layer0Offset(id)) or null when its page is not resident; load(ids) makes the
 * pages of those nodes resident. An in-memory accessor never returns null and has no load.
 */
export interface GraphAccessor {
  readonly meta: GraphMeta;
  readonly upper: UpperLevels;
  layer0(id: number): Uint32Array | null;
  layer0Offset(id: number): number;
  load?(ids: ArrayLike<number>): Promise<void>;
}

export class InMemoryGraph implements GraphAccessor {
  readonly meta: GraphMeta;
  readonly upper: UpperLevels;
  /** every layer-0 record, node id at id·(1 + m0) (read whole by the wasm walk, wasm-walk.ts) */
  readonly records: Uint32Array;
  private readonly recordLength: number;

  constructor(graph: HnswGraph) {
    this.meta = { n: graph.n, m: graph.m, m0: graph.m0, entryPoint: graph.entryPoint, maxLevel: graph.maxLevel };
    this.upper = graph.upper;
    this.records = graph.layer0;
    this.recordLength = 1 + graph.m0;
  }

  layer0(_id: number): Uint32Array {
    return this.records;
  }

  layer0Offset(id: number): number {
    return id * this.recordLength;
  }
}

/**
 * The build-time visit of one record (count, then ids) at `off` of `links`: writes the neighbours not yet marked
 * `tag` in `visited` to `out` in record order, marks them, and returns how many it wrote.
 */
export function takeUnvisited(
  links: Uint32Array,
  off: number,
  visited: Uint32Array,
  tag: number,
  out: Uint32Array,
): number {
  const count = links[off];
  let fresh = 0;
  for (let j = 1; j <= count; j++) {
    const nb = links[off + j];
    if (visited[nb] === tag) continue;
    visited[nb] = tag;
    out[fresh++] = nb;
  }
  return fresh;
}
