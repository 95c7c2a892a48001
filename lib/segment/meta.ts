/**
 * `meta.json`: the one JSON object of a segment, small, written LAST (after every object it names), so a segment
 * whose meta exists is complete. The optimizer copies it into the manifest; a worker handed it skips one round.
 *
 * It records everything a reader needs to plan its reads without touching other objects first: counts, dims,
 * distance, tiers, the quantization params, the HNSW params and entry point, page sizes and every object's size
 * (so ranged GETs of headers and pages can be issued in the same round as whole-object GETs).
 *
 * Invariant: `format` changes whenever any object layout of the segment changes; readers reject other formats.
 */
import type { PayloadSchema } from '../model/payload-schema.js';
import { DISTANCES } from '../distance/index.js';
import type { Distance } from '../model/distance.js';
import { internal } from '../model/errors.js';

export const SEGMENT_FORMAT = 1;

export interface SegmentTiers {
  /** float32 originals paged from the store (true) or loaded whole (false): `vectors.on_disk` */
  vectorsOnDisk: boolean;
  /** layer-0 adjacency paged from the store (true) or loaded whole (false): `hnsw_config.on_disk` */
  graphOnDisk: boolean;
}

export interface SegmentQuantizationMeta {
  type: 'int8';
  quantile: number;
  alpha: number;
  offset: number;
  alwaysRam: boolean;
  /** size of the `quantized` object */
  bytes: number;
}

export interface SegmentHnswMeta {
  m: number;
  m0: number;
  efConstruct: number;
  entryPoint: number;
  maxLevel: number;
  /** configured page size of the `graph` object (the engine's layout derives pages from it) */
  pageSize: number;
  /** layer-0 nodes per page */
  nodesPerPage: number;
  pageCount: number;
  /** bytes [0, headerBytes) of `graph`: fixed header + upper levels, read by one ranged GET */
  headerBytes: number;
  /** size of the `graph` object */
  bytes: number;
}

export interface SegmentVectorsMeta {
  /** configured page size of the `vectors` object (the engine's layout derives pages from it) */
  pageSize: number;
  rowsPerPage: number;
  pageCount: number;
  bytes: number;
}

export interface SegmentMeta {
  format: number;
  count: number;
  dim: number;
  distance: Distance;
  /** seed of the HNSW build and the quantile sample: the same input and seed give the same objects */
  seed: number;
  tiers: SegmentTiers;
  /** Qdrant's hnsw full_scan_threshold (KB of vectors): a filter matching fewer points is searched exactly */
  fullScanThresholdKb: number;
  quantization: SegmentQuantizationMeta | null;
  /** null: the segment was below indexing_threshold and is always searched exactly */
  hnsw: SegmentHnswMeta | null;
  vectors: SegmentVectorsMeta;
  idsBytes: number;
  payloadBytes: number;
  /** bytes [0, payloadIndexBytes) of `payload`: header + offsets + checksums */
  payloadIndexBytes: number;
  /** the payload field indexes written (`index/{field}`), with the schema each was built with; absent = none */
  fieldIndexes?: PayloadSchema;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNat = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Parses and validates meta.json bytes (or an already-parsed object handed over by the coordinator). */
export function parseMeta(input: Uint8Array | unknown, what = 'meta.json'): SegmentMeta {
  let m: unknown = input;
  if (input instanceof Uint8Array) {
    try {
      m = JSON.parse(new TextDecoder().decode(input));
    } catch (e) {
      throw internal(`${what}: not valid JSON`, e);
    }
  }
  const bad = (why: string) => internal(`${what}: ${why}`);
  if (!isObj(m)) throw bad('not an object');
  if (m.format !== SEGMENT_FORMAT) throw bad(`segment format ${String(m.format)}, this build reads ${SEGMENT_FORMAT}`);
  if (!isNat(m.count) || !isNat(m.dim) || m.dim === 0) throw bad('count/dim missing');
  if (!DISTANCES.includes(m.distance as Distance)) throw bad(`unknown distance ${String(m.distance)}`);
  if (!isObj(m.tiers) || typeof m.tiers.vectorsOnDisk !== 'boolean' || typeof m.tiers.graphOnDisk !== 'boolean') {
    throw bad('tiers missing');
  }
  if (!isObj(m.vectors) || !isNat(m.vectors.pageSize) || !isNat(m.vectors.bytes)) throw bad('vectors layout missing');
  if (m.hnsw !== null && (!isObj(m.hnsw) || !isNat(m.hnsw.nodesPerPage) || !isNat(m.hnsw.headerBytes))) {
    throw bad('hnsw layout missing');
  }
  if (m.quantization !== null && (!isObj(m.quantization) || m.quantization.type !== 'int8')) {
    throw bad('quantization params missing');
  }
  if (!isNat(m.idsBytes) || !isNat(m.payloadBytes) || !isNat(m.payloadIndexBytes)) throw bad('object sizes missing');
  return m as unknown as SegmentMeta;
}

export function encodeMeta(meta: SegmentMeta): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(meta));
}

/** Bytes of float32 originals in a segment, in KB as Qdrant's thresholds count them. */
export function vectorKb(count: number, dim: number): number {
  return (count * dim * 4) / 1024;
}
