/**
 * `meta.json`: the one JSON object of a segment, small, written LAST (after every object it names), so a segment
 * whose meta exists is complete. The optimizer copies it into the manifest; a worker handed it skips one round.
 *
 * It records everything a reader needs to plan its reads without touching other objects first: counts, dims,
 * distance, tiers, the quantization params, the HNSW params and entry point, page sizes and every object's size
 * (so ranged GETs of headers and pages can be issued in the same round as whole-object GETs).
 *
 * Invariant: `format` changes whenever any object layout of the segment changes; readers reject other formats.
 * Format 1 describes one unnamed vector at the top level (the segments of unnamed collections are still written so,
 * byte for byte); format 2 holds `spaces`, one entry per vector name, each with its own tiers, quantization, graph
 * and originals under `vectors/{name}/` (keys.ts); format 3 is format 2 with at least one multivector space (its
 * `multivector` entry and `multi` object), written only then, so a reader that predates multivectors refuses the
 * segment instead of misreading its rows; format 4 is format 3 (multivector spaces or not) plus `sparse`, one entry
 * per sparse vector name with its `vectors/{name}/sparse` index, written only when some point of the segment holds a
 * sparse vector (the sparse branch first wrote these as format 2; multivectors took 3 on main first, so a reader that
 * predates sparse vectors must refuse them rather than drop them silently). In memory every meta has `spaces`
 * (format 1's top level is the space ''). A space whose originals are stored as float16 or uint8 records `datatype`
 * (a segment with one is written as format 2 or above, never 1, which has no field for it); its `vectors` object is
 * version 2, which a reader that predates datatypes refuses, so it never reads bytes as float32. A space (dense or
 * sparse) of a vector name added to the live collection records its `generation` (absent: 0); `liveMeta` hides the
 * spaces a config no longer has at that generation. The space '' of a segment that also holds named dense spaces
 * (a config with the unnamed vector beside names) records `nested`: its objects are under `vectors/%unnamed/`
 * (keys.ts); format 2 and above only, and no reader before it met such a segment (no config could make one).
 */
import type { PayloadSchema } from '../model/payload-schema.js';
import { DISTANCES, elementBytes } from '../distance/index.js';
import type { VectorDatatype } from '../model/collection-config.js';
import type { Distance } from '../model/distance.js';
import { internal } from '../model/errors.js';
import { isLiveGeneration } from '../model/vector-generations.js';
import {
  MEMORY_PLACEMENTS,
  type Memory,
  type SpacePlacement,
  isOnDiskMemory,
  memoryFromOnDisk,
} from '../model/memory.js';

export const SEGMENT_FORMAT = 1;
export const NAMED_SEGMENT_FORMAT = 2;
export const MULTI_SEGMENT_FORMAT = 3;
export const SPARSE_SEGMENT_FORMAT = 4;

export interface SegmentTiers {
  /** float32 originals paged from the store (true) or loaded whole (false): `vectors.on_disk` */
  vectorsOnDisk: boolean;
  /** layer-0 adjacency paged from the store (true) or loaded whole (false): `hnsw_config.on_disk` */
  graphOnDisk: boolean;
  /**
   * the placement of each component (lib/model/memory.ts), written only when the two flags above and the int8
   * set's `alwaysRam` do not already say it (legacyPlacement), so segments of configs without `memory` keep their
   * bytes; readers take `placementOf`
   */
  memory?: SpacePlacement;
}

/**
 * The codes of a space, as its codec records them (lib/quantization/codes.ts `meta`): `type` names the codec. int8
 * records quantile, alpha and offset (unchanged since format 1); binary its encoding and query bits.
 */
export type SegmentQuantizationMeta = Int8QuantizationMeta | CodesQuantizationMeta;

export interface Int8QuantizationMeta {
  type: 'int8';
  quantile: number;
  alpha: number;
  offset: number;
  /** the codes are pinned (held by the opened segment); false: they follow the originals' placement */
  alwaysRam: boolean;
  /** size of the `quantized` object */
  bytes: number;
}

/** Any other codec's params; `type` is its name, the other fields are its own. */
export interface CodesQuantizationMeta {
  type: 'binary' | 'product' | 'turbo';
  alwaysRam: boolean;
  bytes: number;
  [param: string]: unknown;
}

const CODE_TYPES = new Set(['int8', 'binary', 'product', 'turbo']);

export interface SegmentHnswMeta {
  /** the m built with; 0 for a block graph (m 0 + payload_m: its blocks' graphs only, lib/index/block-graph.ts) */
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
  /**
   * U when the seal numbered the graph's upper-level nodes first (rows 0..U-1, entry-order.ts): a cold open of a
   * paged space reads that region with its header. Absent in segments written before (their walk reads as it goes).
   */
  entryRows?: number;
  /**
   * the payload_m its payload-block links were built with (space-links.ts), present when the schema had a field
   * that yields blocks; absent in segments written before it was recorded
   */
  payloadM?: number;
}

export interface SegmentVectorsMeta {
  /** configured page size of the `vectors` object (the engine's layout derives pages from it) */
  pageSize: number;
  rowsPerPage: number;
  pageCount: number;
  bytes: number;
}

/** One vector name's part of a segment: its rows, tiers, quantization, graph and originals. */
export interface SpaceMeta {
  /** rows stored: the points that hold this vector (all of them unless some lack it) */
  count: number;
  dim: number;
  distance: Distance;
  tiers: SegmentTiers;
  /** Qdrant's hnsw full_scan_threshold (KB of vectors): a filter matching fewer points is searched exactly */
  fullScanThresholdKb: number;
  quantization: SegmentQuantizationMeta | null;
  /** null: below indexing_threshold (or m = 0 without payload_m blocks): always searched exactly */
  hnsw: SegmentHnswMeta | null;
  vectors: SegmentVectorsMeta;
  /** size of the `offsets` object (row -> point offset); 0: every point has this vector and row = offset */
  offsetsBytes: number;
  /**
   * a multivector space: a row is one point's list of vectors; `quantized` and `vectors` hold `vectors` inner rows
   * (every vector of every row, row by row) and `multi` (multi-rows.ts, `bytes` long) maps rows to them
   */
  multivector?: { vectors: number; bytes: number };
  /**
   * the type `vectors` stores its rows in (vectors-format.ts version 2); absent: float32, as every segment written
   * before datatypes. A uint8 Cosine space stores the bytes (not normalized) and scores the full cosine.
   */
  datatype?: 'float16' | 'uint8';
  /**
   * the generation of the vector name the rows were written under (lib/model/vector-generations.ts); absent: 0. A
   * reader whose config gives the name another generation treats the space as absent (`liveMeta`).
   */
  generation?: number;
  /**
   * the unnamed vector ('') of a segment that also holds named dense vectors: its objects are under
   * `vectors/%unnamed/` instead of the top level (keys.ts); absent: top level. Only ever true for the space ''.
   */
  nested?: true;
}

/** One sparse vector name's part of a segment (sparse-format.ts): its rows and its object's size. */
export interface SparseSpaceMeta {
  /** points holding this vector */
  count: number;
  /** bytes of `vectors/{name}/sparse` */
  bytes: number;
  /** the index tier configured when the segment was written */
  onDisk: boolean;
  /**
   * bytes [0, directoryBytes) of the object: header and directory (sparse-format.ts version 2); absent: a version 1
   * object, always read whole
   */
  directoryBytes?: number;
  /** the index placement when `onDisk` does not say it (onDisk false and not pinned); absent: cold or pinned */
  memory?: Memory;
  /** as SpaceMeta's `generation`; absent: 0 */
  generation?: number;
}

export interface SegmentMeta {
  format: number;
  /** points in the segment */
  count: number;
  /** seed of the HNSW build and the quantile sample: the same input and seed give the same objects */
  seed: number;
  /** vector spaces by name ('' = the unnamed vector); a name no point of the segment holds is absent */
  spaces: Record<string, SpaceMeta>;
  idsBytes: number;
  payloadBytes: number;
  /** bytes [0, payloadIndexBytes) of `payload`: header + offsets + checksums */
  payloadIndexBytes: number;
  /** the payload field indexes written (`index/{field}`), with the schema each was built with; absent = none */
  fieldIndexes?: PayloadSchema;
  /**
   * bytes of each `memory: cached` field index object (the page cache reads it whole by this length); absent for the
   * other placements and in segments written before cached indexes went to the page cache (those are held)
   */
  fieldIndexBytes?: Record<string, number>;
  /** sparse vector names some point of the segment holds (format 4 only); absent = none */
  sparse?: Record<string, SparseSpaceMeta>;
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
  const formats = [SEGMENT_FORMAT, NAMED_SEGMENT_FORMAT, MULTI_SEGMENT_FORMAT, SPARSE_SEGMENT_FORMAT];
  if (!formats.includes(m.format as number)) {
    throw bad(`segment format ${String(m.format)}, this build reads ${SEGMENT_FORMAT} to ${SPARSE_SEGMENT_FORMAT}`);
  }
  if (m.sparse !== undefined && m.format !== SPARSE_SEGMENT_FORMAT) throw bad(`sparse vectors in format ${m.format}`);
  if (!isNat(m.count)) throw bad('count missing');
  if (!isNat(m.idsBytes) || !isNat(m.payloadBytes) || !isNat(m.payloadIndexBytes)) throw bad('object sizes missing');
  if (m.format === SEGMENT_FORMAT) {
    const space = checkSpace({ ...m, offsetsBytes: 0 }, bad);
    return {
      format: SEGMENT_FORMAT,
      count: m.count,
      seed: m.seed as number,
      spaces: { '': space },
      idsBytes: m.idsBytes,
      payloadBytes: m.payloadBytes,
      payloadIndexBytes: m.payloadIndexBytes,
      ...(isObj(m.fieldIndexes) ? { fieldIndexes: m.fieldIndexes as PayloadSchema } : {}),
      ...(isObj(m.fieldIndexBytes) ? { fieldIndexBytes: m.fieldIndexBytes as Record<string, number> } : {}),
    };
  }
  if (!isObj(m.spaces)) throw bad('spaces missing');
  const spaces: Record<string, SpaceMeta> = {};
  for (const [name, s] of Object.entries(m.spaces)) {
    if (!isObj(s)) throw bad(`space ${name} is not an object`);
    spaces[name] = checkSpace(s, (why) => bad(`space ${name}: ${why}`));
  }
  return { ...(m as unknown as SegmentMeta), spaces };
}

function checkSpace(m: Record<string, unknown>, bad: (why: string) => Error): SpaceMeta {
  if (!isNat(m.count) || !isNat(m.dim) || m.dim === 0) throw bad('count/dim missing');
  if (!DISTANCES.includes(m.distance as Distance)) throw bad(`unknown distance ${String(m.distance)}`);
  if (!isObj(m.tiers) || typeof m.tiers.vectorsOnDisk !== 'boolean' || typeof m.tiers.graphOnDisk !== 'boolean') {
    throw bad('tiers missing');
  }
  if (m.tiers.memory !== undefined) {
    const p = m.tiers.memory;
    const ok = (v: unknown) => MEMORY_PLACEMENTS.includes(v as never);
    if (!isObj(p) || !ok(p.vectors) || !ok(p.graph) || !ok(p.quantized)) throw bad('tiers.memory is not a placement');
  }
  if (!isObj(m.vectors) || !isNat(m.vectors.pageSize) || !isNat(m.vectors.bytes)) throw bad('vectors layout missing');
  if (m.hnsw !== null && (!isObj(m.hnsw) || !isNat(m.hnsw.nodesPerPage) || !isNat(m.hnsw.headerBytes))) {
    throw bad('hnsw layout missing');
  }
  if (m.hnsw !== null && m.hnsw.entryRows !== undefined && !(isNat(m.hnsw.entryRows) && m.hnsw.entryRows <= m.count)) {
    throw bad('hnsw entry rows out of range');
  }
  if (m.quantization !== null && (!isObj(m.quantization) || !CODE_TYPES.has(m.quantization.type as string))) {
    throw bad('quantization params missing');
  }
  if (!isNat(m.offsetsBytes)) throw bad('offsets size missing');
  const multi = m.multivector;
  if (multi !== undefined && (!isObj(multi) || !isNat(multi.vectors) || !isNat(multi.bytes))) {
    throw bad('multivector layout missing');
  }
  if (m.datatype !== undefined && m.datatype !== 'float16' && m.datatype !== 'uint8') {
    throw bad(`unknown datatype ${String(m.datatype)}`);
  }
  if (m.generation !== undefined && !(isNat(m.generation) && m.generation > 0)) throw bad('generation out of range');
  if (m.nested !== undefined && m.nested !== true) throw bad('nested is not true');
  return {
    count: m.count,
    dim: m.dim,
    distance: m.distance as Distance,
    tiers: m.tiers as unknown as SegmentTiers,
    fullScanThresholdKb: m.fullScanThresholdKb as number,
    quantization: m.quantization as SegmentQuantizationMeta | null,
    hnsw: m.hnsw as SegmentHnswMeta | null,
    vectors: m.vectors as unknown as SegmentVectorsMeta,
    offsetsBytes: m.offsetsBytes,
    ...(multi !== undefined ? { multivector: multi as { vectors: number; bytes: number } } : {}),
    ...(m.datatype !== undefined ? { datatype: m.datatype } : {}),
    ...(m.generation !== undefined ? { generation: m.generation } : {}),
    ...(m.nested === true ? { nested: true as const } : {}),
  };
}

/**
 * The meta as a reader of a config with vector names `live` (name -> generation, vector-generations.ts) must see
 * it: the spaces and sparse spaces of a deleted name, or of an earlier creation of a re-created one, removed, so
 * nothing reads their rows. The same object when every space is live (or `live` is undefined: no check).
 */
export function liveMeta(meta: SegmentMeta, live: ReadonlyMap<string, number> | undefined): SegmentMeta {
  if (live === undefined) return meta;
  const keep = (name: string, s: { generation?: number }) => isLiveGeneration(live, name, s.generation);
  const spaces = Object.entries(meta.spaces).filter(([n, s]) => keep(n, s));
  const sparse = Object.entries(meta.sparse ?? {}).filter(([n, s]) => keep(n, s));
  if (spaces.length === Object.keys(meta.spaces).length && sparse.length === Object.keys(meta.sparse ?? {}).length) {
    return meta;
  }
  const { sparse: _all, ...rest } = meta;
  return {
    ...rest,
    spaces: Object.fromEntries(spaces),
    ...(sparse.length > 0 ? { sparse: Object.fromEntries(sparse) } : {}),
  };
}

/**
 * What the flags of a meta say without `tiers.memory`: on disk = cold, else cached; int8 codes pinned when
 * `alwaysRam` (every segment written before placements had it), else where the originals are.
 */
export function legacyPlacement(tiers: SegmentTiers, quantization: { alwaysRam: boolean } | null): SpacePlacement {
  const vectors = memoryFromOnDisk(tiers.vectorsOnDisk);
  return {
    vectors,
    graph: memoryFromOnDisk(tiers.graphOnDisk),
    quantized: quantization === null || quantization.alwaysRam ? 'pinned' : vectors,
  };
}

/** Where each component of a space lives. */
export function placementOf(s: Pick<SpaceMeta, 'tiers' | 'quantization'>): SpacePlacement {
  return s.tiers.memory ?? legacyPlacement(s.tiers, s.quantization);
}

/** The tiers a writer records for `placement` (`alwaysRam` of the int8 meta: `placement.quantized === 'pinned'`). */
export function tiersOf(placement: SpacePlacement, quantized: boolean): SegmentTiers {
  const tiers: SegmentTiers = {
    vectorsOnDisk: isOnDiskMemory(placement.vectors),
    graphOnDisk: isOnDiskMemory(placement.graph),
  };
  const legacy = legacyPlacement(tiers, quantized ? { alwaysRam: placement.quantized === 'pinned' } : null);
  const same =
    legacy.vectors === placement.vectors &&
    legacy.graph === placement.graph &&
    (!quantized || legacy.quantized === placement.quantized);
  return same ? tiers : { ...tiers, memory: { ...placement } };
}

/** Whether a meta is written as format 1: one unnamed space held by every point. */
export function isUnnamedMeta(meta: SegmentMeta): boolean {
  const names = Object.keys(meta.spaces);
  return (
    names.length === 1 &&
    names[0] === '' &&
    meta.spaces[''].offsetsBytes === 0 &&
    meta.spaces[''].multivector === undefined &&
    meta.spaces[''].datatype === undefined &&
    meta.spaces[''].nested === undefined &&
    // format 1 has no field for it: '' re-created on a live collection (gRPC's CreateVectorName "") has one
    meta.spaces[''].generation === undefined &&
    meta.sparse === undefined
  );
}

/** The format a meta is written as (see the header): the lowest that can describe it. */
export function formatOf(meta: SegmentMeta): number {
  if (isUnnamedMeta(meta)) return SEGMENT_FORMAT;
  if (meta.sparse !== undefined) return SPARSE_SEGMENT_FORMAT;
  return Object.values(meta.spaces).some((s) => s.multivector !== undefined)
    ? MULTI_SEGMENT_FORMAT
    : NAMED_SEGMENT_FORMAT;
}

export function encodeMeta(meta: SegmentMeta): Uint8Array {
  if (!isUnnamedMeta(meta)) return new TextEncoder().encode(JSON.stringify({ ...meta, format: formatOf(meta) }));
  const s = meta.spaces[''];
  // format 1, with its fields in the order this module always wrote them, so the bytes do not change
  const v1 = {
    format: SEGMENT_FORMAT,
    count: meta.count,
    dim: s.dim,
    distance: s.distance,
    seed: meta.seed,
    tiers: s.tiers,
    fullScanThresholdKb: s.fullScanThresholdKb,
    quantization: s.quantization,
    hnsw: s.hnsw,
    vectors: s.vectors,
    idsBytes: meta.idsBytes,
    payloadBytes: meta.payloadBytes,
    payloadIndexBytes: meta.payloadIndexBytes,
    // set last by the writer, so it stays the last key
    ...(meta.fieldIndexes !== undefined ? { fieldIndexes: meta.fieldIndexes } : {}),
    ...(meta.fieldIndexBytes !== undefined ? { fieldIndexBytes: meta.fieldIndexBytes } : {}),
  };
  return new TextEncoder().encode(JSON.stringify(v1));
}

/** meta.json's content as a JSON value, as written: what a manifest entry carries so a worker skips reading it. */
export type MetaJson = Record<string, unknown>;

export function metaJson(meta: SegmentMeta): MetaJson {
  return JSON.parse(new TextDecoder().decode(encodeMeta(meta))) as MetaJson;
}

/**
 * Bytes of originals in a segment, in KB as Qdrant's thresholds count them: in the stored type (Qdrant's
 * size_of_available_vectors_in_bytes), so float16 counts 2 bytes a value and uint8 1.
 */
export function vectorKb(count: number, dim: number, datatype?: VectorDatatype): number {
  return (count * dim * elementBytes(datatype ?? 'float32')) / 1024;
}
