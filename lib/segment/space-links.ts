/**
 * `hnsw_config.payload_m` of one vector space at seal time, as Qdrant's hnsw/build.rs applies it: the links per node
 * of the extra graph built per payload block (payload-blocks.ts) and merged into layer 0 (lib/index/payload-links.ts).
 *
 * Qdrant's rules kept here:
 * - unset, payload_m is `m` (`config.payload_m.unwrap_or(config.m)`); 0 builds no block graph;
 * - blocks come from the indexed fields that yield them (keyword and integer values, not `enable_hnsw: false`);
 * - a multivector space's blocks are built on MaxSim like its main graph (Qdrant builds every space's payload links
 *   with the same builder).
 * - `m: 0` with payload_m > 0 (Qdrant's multitenancy layout): no main graph; the blocks' graphs alone, merged on every
 *   level with an entry point per block (lib/index/block-graph.ts), every block past a quarter of the full-scan
 *   threshold built whatever its size or connectivity (Qdrant's max_block_size is unbounded then). Such a space gets
 *   a graph whenever its schema has a block field (`graphWanted`), even one whose blocks are all too small (an empty
 *   block graph), so a seal's decision stays stable; a search walks it only for a filter one block serves
 *   (block-walk.ts), else scans, as Qdrant's planner leaves an unfiltered query no main graph to walk.
 *
 * A segment records the payload_m it applied (meta `hnsw.payloadM`) when its schema has a field that yields blocks,
 * so a PATCH of payload_m (or of m, when payload_m is unset) rebuilds it (collection/rebuild.ts).
 */
import { blockGraph } from '../index/block-graph.js';
import type { HnswGraph } from '../index/graph.js';
import { maxBlockSize, withPayloadLinks } from '../index/payload-links.js';
import type { HnswConfig } from '../model/collection-config.js';
import { type PayloadSchema, schemaType } from '../model/payload-schema.js';
import type { Payload } from '../model/payload.js';
import { payloadBlocks } from './payload-blocks.js';

/** The payload_m a seal applies: Qdrant's fallback to m when unset. */
export function effectivePayloadM(hnsw: Pick<HnswConfig, 'm' | 'payload_m'>): number {
  return hnsw.payload_m ?? hnsw.m;
}

/** Whether some field of the schema yields payload blocks (so payload_m changes the graph). */
export function hasBlockFields(schema: PayloadSchema | undefined): boolean {
  return Object.values(schema ?? {}).some((s) => {
    const type = schemaType(s);
    return (type === 'keyword' || type === 'integer') && !(typeof s !== 'string' && s.enable_hnsw === false);
  });
}

/**
 * Whether a space with these HNSW params gets a graph (when its size asks for one): a main graph (m > 0), or block
 * graphs only (m = 0, payload_m > 0 and a field that yields blocks).
 */
export function graphWanted(hnsw: Pick<HnswConfig, 'm' | 'payload_m'>, schema: PayloadSchema | undefined): boolean {
  return hnsw.m > 0 || (effectivePayloadM(hnsw) > 0 && hasBlockFields(schema));
}

export interface SpaceLinks {
  schema: PayloadSchema | undefined;
  /** the points' payloads in offset order */
  payloads: readonly (Payload | null | undefined)[];
  /** the point of each row of the space (null: row r is point r) */
  pointOfRow: Uint32Array | null;
  hnsw: Pick<HnswConfig, 'm' | 'payload_m'>;
  /** Qdrant's full_scan_threshold in points of this space (blocks a filter scans get no links) */
  fullScanPoints: number;
  /** builds the HNSW of a block's rows with `m` links per node (node i = rows[i]) */
  buildBlock: (rows: Uint32Array, m: number) => HnswGraph;
}

/** The main graph with its payload blocks' links merged in (the same object when none applies). */
export function withSpaceLinks(graph: HnswGraph, links: SpaceLinks): HnswGraph {
  const m = effectivePayloadM(links.hnsw);
  if (m === 0 || !hasBlockFields(links.schema)) return graph;
  const blocks = payloadBlocks(
    links.schema,
    links.payloads,
    links.pointOfRow,
    links.fullScanPoints,
    maxBlockSize(graph),
  );
  return withPayloadLinks(graph, blocks, (rows) => links.buildBlock(rows, Math.max(2, m)));
}

/** The block graph of an `m: 0` space over its n rows: every block's HNSW (payload_m links), merged. */
export function spaceBlockGraph(n: number, links: SpaceLinks): HnswGraph {
  const m = Math.max(2, effectivePayloadM(links.hnsw));
  const blocks = payloadBlocks(
    links.schema,
    links.payloads,
    links.pointOfRow,
    links.fullScanPoints,
    Number.POSITIVE_INFINITY,
  );
  return blockGraph(n, m, blocks, (rows) => links.buildBlock(rows, m));
}
