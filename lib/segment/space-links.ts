/**
 * `hnsw_config.payload_m` of one vector space at seal time, as Qdrant's hnsw/build.rs applies it: the links per node
 * of the extra graph built per payload block (payload-blocks.ts) and merged into layer 0 (lib/index/payload-links.ts).
 *
 * Qdrant's rules kept here:
 * - unset, payload_m is `m` (`config.payload_m.unwrap_or(config.m)`); 0 builds no block graph;
 * - blocks come from the indexed fields that yield them (keyword and integer values, not `enable_hnsw: false`);
 * - a multivector space's blocks are built on MaxSim like its main graph (Qdrant builds every space's payload links
 *   with the same builder).
 * Not kept: `m: 0` with payload_m > 0 (Qdrant's multitenancy layout, block graphs without a main graph) builds no
 * graph here: a graph with no main links needs an entry point per block, which the graph format does not hold.
 *
 * A segment records the payload_m it applied (meta `hnsw.payloadM`) when its schema has a field that yields blocks,
 * so a PATCH of payload_m (or of m, when payload_m is unset) rebuilds it (collection/rebuild.ts).
 */
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
