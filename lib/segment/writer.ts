/**
 * Writes one immutable segment (DESIGN.md §3) from points the optimizer sealed: HNSW (unless the segment is below
 * `indexing_threshold` KB, as in Qdrant; it is then always searched exactly), quantized codes of the configured kind
 * (int8: the graph is then built on those codes, as Qdrant builds a quantized segment's), and the segment's
 * objects:
 *
 * | object      | layout owner                              | read as                                          |
 * |-------------|-------------------------------------------|--------------------------------------------------|
 * | `quantized` | lib/quantization (codes.ts picks the codec)| whole, one GET, kept (always_ram)                |
 * | `graph`     | lib/index/graph-format.ts                 | whole (hnsw on_disk false) or header + pages      |
 * | `vectors`   | lib/index/vectors-format.ts               | whole (vectors on_disk false) or pages            |
 * | `ids`       | ids-format.ts                             | whole, kept                                      |
 * | `payload`   | payload-format.ts                         | index range kept; blobs by range, or whole to filter |
 * | `index/{f}` | field-index-format.ts (one per schema key) | whole, when a filter needs it; kept              |
 * |             | field-index-paged.ts (a cold index)        | directory, then the posting pages a filter needs |
 * | `meta.json` | meta.ts                                   | first, small                                     |
 * | `offsets`   | space-offsets.ts                          | whole, kept (a named vector some points lack)    |
 * | `multi`     | multi-rows.ts                             | whole, kept (a multivector space)                |
 *
 * `quantized`, `graph` and `vectors` are per vector space: the unnamed vector's at the segment's top level, each
 * named vector's under `vectors/{name}/` (keys.ts), each built with that vector's own parameters (its HNSW and
 * quantization overrides, its tiers, its own indexing-threshold decision over the rows it holds). A point that lacks
 * a named vector has no row in that space; `offsets` maps rows to point offsets then.
 *
 * A multivector space (`counts` given) stores every vector of every row as an inner row of `quantized` and
 * `vectors` (int8 per vector, as Qdrant quantizes multivectors) plus `multi`; its graph links rows, built with
 * MaxSim (lib/index/multivector-build.ts) on the float32 originals, or on the int8 codes' estimates when int8; the
 * indexing threshold counts inner rows, the bytes Qdrant's threshold measures.
 *
 * A float16 or uint8 vector's originals are stored in that type (2 or 1 bytes per value, meta `datatype`); the values
 * given are already the type's (the WAL applied Qdrant's conversion). uint8 Cosine rows are the bytes as given,
 * not normalized (retrieve returns them, as Qdrant's); its codes and graph are built on normalized copies.
 *
 * Internal offsets follow a locality order (locality.ts) unless disabled: spatial neighbours share pages; then the
 * graph's upper-level nodes are numbered first (entry-order.ts: the entry region a cold paged walk reads at once),
 * except in a block-graph segment with a tenant field, whose points are grouped by tenant instead (tenant-order.ts).
 *
 * Invariants: every object is written with a create-only put (a retried or racing optimizer can never overwrite a
 * segment someone may read); meta.json goes LAST, after every other object is durable, so a segment with a meta is
 * complete; the same input and seed produce the same bytes. No tombstones at birth.
 */
import type { CollectionConfig } from '../model/collection-config.js';
import { vectorGeneration } from '../model/vector-generations.js';
import type { Payload } from '../model/payload.js';
import type { PointId } from '../model/point-id.js';
import { internal } from '../model/errors.js';
import { normalizeRows, representableAs } from '../distance/index.js';
import { buildHnsw } from '../index/build.js';
import { buildMultivectorHnsw } from '../index/multivector-build.js';
import { effectivePayloadM, graphWanted, hasBlockFields, spaceBlockGraph, withSpaceLinks } from './space-links.js';
import type { HnswGraph } from '../index/graph.js';
import { permuteGraph } from '../index/graph-permute.js';
import { DEFAULT_PAGE_SIZE, graphByteLength, parseGraphHeader, serializeGraph } from '../index/graph-format.js';
import { serializeVectors, vectorsLayout } from '../index/vectors-format.js';
import { type CodeSet, codeMeta, encodeCodes, int8Set, serializeCodes } from '../quantization/index.js';
import type { ObjectStore } from '../storage/object-store.js';
import { encodeIds } from './ids-format.js';
import { composeOrders, entryOrder, entryRegionRows } from './entry-order.js';
import { localityOrder, permuteRows } from './locality.js';
import { tenantField, tenantOrder } from './tenant-order.js';
import {
  GRAPH,
  IDS,
  META,
  MULTI,
  OFFSETS,
  PAYLOAD,
  QUANTIZED,
  VECTORS,
  fieldIndexName,
  segmentObjectKey,
  spaceObjectKey,
  sparseObjectName,
} from './keys.js';
import { encodeFieldIndex } from './field-index-format.js';
import { encodePagedFieldIndex } from './field-index-paged.js';
import { parsePayloadPath } from './payload-path.js';
import { fieldIndexMemory, schemaType, textIndexOf } from '../model/payload-schema.js';
import {
  SEGMENT_FORMAT,
  type SegmentMeta,
  type SpaceMeta,
  type SparseSpaceMeta,
  encodeMeta,
  formatOf,
  tiersOf,
  vectorKb,
} from './meta.js';
import { encodeSpaceOffsets } from './space-offsets.js';
import { encodeMultiRows, startsOf } from './multi-rows.js';
import { vectorSpace, vectorSpaces } from '../model/vector-spaces.js';
import { encodePayloads, payloadIndexBytes } from './payload-format.js';
import { putCreateOnly } from './store-io.js';
import { directoryBytes, encodeSparseIndex, readSparseHeader } from './sparse-format.js';
import type { SparseVector } from '../model/sparse-vector.js';
import { findSparseSpace } from '../model/sparse-spaces.js';

/** The rows of one vector space of a segment's input. */
export interface SpaceInput {
  /** '' = the unnamed vector */
  name: string;
  /** indices (into the input's points, ascending) of the points holding this vector; null: every point */
  points: Uint32Array | null;
  /** rows × dim row-major; Cosine rows already normalized (a multivector space: every holder's vectors in order) */
  data: Float32Array;
  /** a multivector space: how many vectors (of dim) each holder has; absent: one each */
  counts?: Uint32Array;
}

/** The vectors of one sparse name of a segment's input. */
export interface SparseInput {
  name: string;
  /** indices (into the input's points, ascending) of the points holding this vector */
  points: Uint32Array;
  /** row r belongs to points[r]; indices sorted */
  rows: SparseVector[];
}

export interface SegmentInput {
  config: CollectionConfig;
  ids: readonly PointId[];
  versions: ArrayLike<number>;
  /** n × dim row-major, the unnamed vector of every point (Cosine rows already normalized); or give `spaces` */
  vectors?: Float32Array;
  /** every vector space's rows (named configs); takes precedence over `vectors` */
  spaces?: SpaceInput[];
  /** every sparse name's vectors; absent or empty: none */
  sparse?: SparseInput[];
  payloads: readonly (Payload | null | undefined)[];
  seed: number;
}

export interface WriteOptions {
  /** bytes per page of `graph` (layer 0); default 64 KiB */
  graphPageSize?: number;
  /** bytes per page of `vectors`; default 16 KiB */
  vectorsPageSize?: number;
  /**
   * number internal offsets in locality order (locality.ts) so the paged tiers read few, adjacent pages; default
   * true. false keeps the input order (offset i = input row i).
   */
  localityOrder?: boolean;
  /**
   * number the graph's upper-level nodes first (entry-order.ts), so a cold paged walk reads its descent's rows in
   * one range; default true. Applies to the first vector space every point holds, when it gets a graph.
   */
  entryOrder?: boolean;
  /**
   * build a graph (true) or not (false) whatever the size; default: Qdrant's threshold rule (`shouldIndex`). The
   * optimizer sets it when it rebuilds a segment that has a graph, so a rebuild never drops an index (rebuild.ts).
   * No graph is built when `hnsw_config.m` is 0 either way, unless payload_m builds block graphs (space-links.ts).
   */
  index?: boolean;
}

export const DEFAULT_VECTORS_PAGE_SIZE = 16 * 1024;

/**
 * Qdrant's rule: build a graph only when a vector's rows exceed indexing_threshold KB (0 disables indexing) and its
 * m > 0 (or m = 0 with payload_m building block graphs: space-links.ts graphWanted); the KB are those of the vector's datatype (float16: 2 bytes a value, uint8: 1). `name` picks the vector space (default: the unnamed vector, or the config's first).
 */
export function shouldIndex(config: CollectionConfig, count: number, name?: string, vectors = count): boolean {
  const space = name === undefined ? vectorSpaces(config)[0] : vectorSpace(config, name);
  const threshold = config.optimizers_config.indexing_threshold;
  return (
    threshold > 0 &&
    graphWanted(space.hnsw, config.payload_schema) &&
    count > 0 &&
    vectorKb(vectors, space.size, space.datatype) >= threshold
  );
}

/** The bytes of a segment and its meta, without I/O (the writer and tests share it). */
export function encodeSegment(
  raw: SegmentInput,
  options: WriteOptions = {},
): { meta: SegmentMeta; objects: Map<string, Uint8Array> } {
  const { config } = raw;
  const n = raw.ids.length;
  const spacesIn = raw.spaces ?? [{ name: '', points: null, data: raw.vectors ?? new Float32Array(0) }];
  if (raw.payloads.length !== n) throw internal(`segment: ${raw.payloads.length} payloads for ${n} points`);
  if (raw.versions.length !== n) throw internal(`segment: ${raw.versions.length} versions for ${n} points`);
  for (const s of spacesIn) {
    const dim = vectorSpace(config, s.name).size;
    const holders = s.points === null ? n : s.points.length;
    if (s.counts !== undefined && s.counts.length !== holders) throw internal(`segment: ${s.name} counts`);
    const rows = s.counts === undefined ? holders : s.counts.reduce((t, c) => t + c, 0);
    if (s.data.length !== rows * dim) throw internal(`segment: ${s.data.length} floats for ${rows} × ${dim}`);
  }
  // locality follows the first dense vector every point holds; without one, the input order is kept
  const full = spacesIn.find((s) => s.points === null && s.counts === undefined);
  let order =
    options.localityOrder === false || full === undefined
      ? null
      : localityOrder(full.data, vectorSpace(config, full.name).size, raw.seed);
  // a block-graph space (m 0 + payload_m) with a tenant field: points grouped by tenant (tenant-order.ts)
  const fullHnsw = full === undefined ? undefined : vectorSpace(config, full.name).hnsw;
  const tenant =
    fullHnsw !== undefined && fullHnsw.m === 0 && graphWanted(fullHnsw, config.payload_schema)
      ? tenantField(config.payload_schema)
      : undefined;
  if (tenant !== undefined) order = tenantOrder(order, raw.payloads, tenant);
  let input = order === null ? { ...raw, spaces: spacesIn } : reorder(raw, spacesIn, order);
  // the entry region (entry-order.ts): the full space's graph is built now, on the locality order (inserted in
  // shuffled blocks of it: lib/index/build.ts), and its upper nodes numbered first; every row-keyed input below is
  // then written in that final order
  let prebuilt: { name: string; graph: HnswGraph } | null = null;
  if (full !== undefined && options.entryOrder !== false && tenant === undefined) {
    const s = input.spaces.find((x) => x.name === full.name) as SpaceInput;
    let graph = buildSpaceGraph(config, s, n, raw.seed, options, undefined, input.payloads);
    const entry = graph === null ? null : entryOrder(graph);
    if (graph !== null && entry !== null) {
      order = composeOrders(order, entry);
      input = reorder(raw, spacesIn, order);
      graph = permuteGraph(graph, entry);
    }
    if (graph !== null) prebuilt = { name: full.name, graph };
  }
  const objects = new Map<string, Uint8Array>();
  const spaces: Record<string, SpaceMeta> = {};
  // the unnamed vector beside named dense ones keeps its objects in a folder of its own (keys.ts)
  const held = input.spaces.filter((s) => s.points === null || s.points.length > 0).map((s) => s.name);
  const nested = held.includes('') && held.some((name) => name !== '');
  for (const s of input.spaces) {
    if (s.points !== null && s.points.length === 0) continue;
    const graph = prebuilt !== null && prebuilt.name === s.name ? prebuilt.graph : undefined;
    const { meta, objects: own } = encodeSpace(config, s, n, input.seed, options, input.payloads, graph);
    // the name's generation, so a reader of a later config tells this data from a re-created name's (absent: 0)
    const generation = vectorGeneration(config, s.name);
    const inFolder = nested && s.name === '';
    spaces[s.name] = { ...meta, ...(generation > 0 ? { generation } : {}), ...(inFolder ? { nested: true } : {}) };
    for (const [file, bytes] of own) objects.set(spaceFile(s.name, file, inFolder), bytes);
  }

  const sparse: Record<string, SparseSpaceMeta> = {};
  const inverse = order === null ? null : inversePermutation(order);
  for (const s of raw.sparse ?? []) {
    if (s.rows.length === 0) continue;
    // rows follow the (maybe reordered) point offsets, ascending, as the index's row table requires
    const offs = Array.from(s.points, (i) => (inverse === null ? i : inverse[i]));
    const byOffset = offs.map((_, r) => r).sort((a, b) => offs[a] - offs[b]);
    const bytes = encodeSparseIndex(
      Uint32Array.from(byOffset, (r) => offs[r]),
      byOffset.map((r) => s.rows[r]),
    );
    objects.set(sparseObjectName(s.name), bytes);
    const memory = findSparseSpace(config, s.name)?.memory ?? 'pinned';
    sparse[s.name] = {
      count: s.rows.length,
      bytes: bytes.byteLength,
      onDisk: memory === 'cold',
      directoryBytes: directoryBytes(readSparseHeader(bytes, s.name).D),
      // pinned and cold are what `onDisk` says; only cached needs its own word
      ...(memory === 'cached' ? { memory } : {}),
    };
    const generation = vectorGeneration(config, s.name);
    if (generation > 0) sparse[s.name].generation = generation;
  }

  const idsBytes = encodeIds(input.ids, input.versions);
  objects.set(IDS, idsBytes);
  const payloadBytes = encodePayloads(input.payloads);
  objects.set(PAYLOAD, payloadBytes);

  const meta: SegmentMeta = {
    format: SEGMENT_FORMAT,
    count: n,
    seed: input.seed,
    spaces,
    idsBytes: idsBytes.byteLength,
    payloadBytes: payloadBytes.byteLength,
    payloadIndexBytes: payloadIndexBytes(n),
  };
  if (Object.keys(sparse).length > 0) meta.sparse = sparse;
  meta.format = formatOf(meta);
  // payload field indexes: one immutable object per key of the schema, over the payloads in offset order
  const schema = config.payload_schema ?? {};
  if (Object.keys(schema).length > 0) {
    const cachedBytes: Record<string, number> = {};
    for (const [field, s] of Object.entries(schema)) {
      const index = encodeFieldIndex(
        schemaType(s),
        parsePayloadPath(field),
        input.payloads,
        textIndexOf(schema, field),
      );
      // a cold index is read by the pages a query selects (field-index-paged.ts); the others whole
      objects.set(fieldIndexName(field), fieldIndexMemory(s) === 'cold' ? encodePagedFieldIndex(index) : index);
      // a cached one through the page cache, which reads it by its length
      if (fieldIndexMemory(s) === 'cached') cachedBytes[field] = index.byteLength;
    }
    meta.fieldIndexes = schema;
    if (Object.keys(cachedBytes).length > 0) meta.fieldIndexBytes = cachedBytes;
  }
  return { meta, objects };
}

/** An object name relative to the segment folder: keys.ts places the unnamed vector's at the top (or in its folder). */
const spaceFile = (name: string, file: string, nested: boolean): string =>
  spaceObjectKey('', name, file, nested).slice(1);

/** One vector space's objects: int8 codes, graph, originals and (when some points lack it) its offsets. */
function encodeSpace(
  config: CollectionConfig,
  s: SpaceInput,
  points: number,
  seed: number,
  options: WriteOptions,
  /** the points' payloads in offset order, for payload links */
  payloads?: readonly (Payload | null | undefined)[],
  /** the space's graph when the seal built it first (entry order), else built here */
  prebuilt?: HnswGraph,
): { meta: SpaceMeta; objects: Map<string, Uint8Array> } {
  const space = vectorSpace(config, s.name);
  const { size: dim, distance } = space;
  const n = s.points === null ? points : s.points.length;
  // inner rows: what `quantized` and `vectors` hold (a multivector's vectors, else one per row)
  const inner = s.data.length / dim;
  const starts = s.counts === undefined ? null : startsOf(s.counts);
  const objects = new Map<string, Uint8Array>();
  const stored = storedDatatype(space, s.data);
  const rows = graphRows(space, s.data);
  let quantization: SpaceMeta['quantization'] = null;
  // a segment's codes come from its vector's quantization kind through the one codec seam (quantization/codes.ts);
  // an int8 segment's graph is built on its int8 codes, as Qdrant builds it (lib/index/build.ts explains)
  let codes: CodeSet | undefined;
  if (space.quantization) {
    codes = encodeCodes(space.quantization, { data: rows, dim, distance, seed });
    const bytes = serializeCodes(codes);
    objects.set(QUANTIZED, bytes);
    // the placement decides alwaysRam (memory.ts); int8's meta keeps its field order byte for byte
    quantization = {
      ...codeMeta(codes, space.quantization),
      alwaysRam: space.placement.quantized === 'pinned',
      bytes: bytes.byteLength,
    } as SpaceMeta['quantization'];
  }

  let hnsw: SpaceMeta['hnsw'] = null;
  const graph = prebuilt ?? buildSpaceGraph(config, s, points, seed, options, codes, payloads);
  if (graph !== null) {
    const bytes = serializeGraph(graph, options.graphPageSize ?? DEFAULT_PAGE_SIZE);
    const { meta: g } = parseGraphHeader(bytes);
    if (graphByteLength(g) !== bytes.byteLength) throw internal('segment: graph layout and bytes disagree');
    objects.set(GRAPH, bytes);
    hnsw = {
      // a block graph records the m it was asked for, 0 (its records' width is the graph header's m)
      m: graph.upper.blockEntries !== undefined ? 0 : g.m,
      m0: g.m0,
      efConstruct: space.hnsw.ef_construct,
      entryPoint: g.entryPoint,
      maxLevel: g.maxLevel,
      pageSize: g.pageSize,
      nodesPerPage: g.nodesPerPage,
      pageCount: g.pageCount,
      headerBytes: g.headerBytes,
      bytes: bytes.byteLength,
      // the entry region (entry-order.ts) when this graph's upper nodes are rows 0..U-1
      ...(entryRegionRows(graph) > 0 ? { entryRows: entryRegionRows(graph) } : {}),
      // the payload_m applied, when some field yields blocks (a PATCH of it rebuilds: collection/rebuild.ts)
      ...(hasBlockFields(config.payload_schema) ? { payloadM: effectivePayloadM(space.hnsw) } : {}),
    };
  }

  const vectorsPageSize = options.vectorsPageSize ?? DEFAULT_VECTORS_PAGE_SIZE;
  const vectorBytes = serializeVectors(s.data, dim, vectorsPageSize, stored);
  const vl = vectorsLayout(inner, dim, vectorsPageSize, stored);
  objects.set(VECTORS, vectorBytes);
  let offsetsBytes = 0;
  if (s.points !== null) {
    const bytes = encodeSpaceOffsets(points, s.points);
    objects.set(OFFSETS, bytes);
    offsetsBytes = bytes.byteLength;
  }
  let multivector: SpaceMeta['multivector'];
  if (starts !== null) {
    const bytes = encodeMultiRows(starts);
    objects.set(MULTI, bytes);
    multivector = { vectors: inner, bytes: bytes.byteLength };
  }
  return {
    meta: {
      count: n,
      dim,
      distance,
      tiers: tiersOf(space.placement, quantization !== null),
      fullScanThresholdKb: space.hnsw.full_scan_threshold,
      quantization,
      hnsw,
      vectors: {
        pageSize: vl.pageSize,
        rowsPerPage: vl.rowsPerPage,
        pageCount: vl.pageCount,
        bytes: vectorBytes.byteLength,
      },
      offsetsBytes,
      ...(multivector !== undefined ? { multivector } : {}),
      ...(stored !== 'float32' ? { datatype: stored } : {}),
    },
    objects,
  };
}

/**
 * The space's HNSW graph, or null when it gets none (Qdrant's threshold rule, `options.index`, m = 0). An int8
 * space's graph is built on its int8 codes (encoded here when not given: the codes of the same rows).
 */
function buildSpaceGraph(
  config: CollectionConfig,
  s: SpaceInput,
  points: number,
  seed: number,
  options: WriteOptions,
  codes?: CodeSet,
  /** the points' payloads in offset order, for payload links */
  payloads?: readonly (Payload | null | undefined)[],
): HnswGraph | null {
  const space = vectorSpace(config, s.name);
  const { size: dim, distance } = space;
  const n = s.points === null ? points : s.points.length;
  const inner = s.data.length / dim;
  if (
    !(
      n > 0 &&
      graphWanted(space.hnsw, config.payload_schema) &&
      (options.index ?? shouldIndex(config, n, s.name, inner))
    )
  )
    return null;
  // m = 0: Qdrant's multitenancy layout, the payload blocks' graphs without a main graph (space-links.ts)
  const blockOnly = space.hnsw.m === 0;
  const build = { m: space.hnsw.m, efConstruct: space.hnsw.ef_construct, seed };
  const rows = graphRows(space, s.data);
  const links = {
    schema: config.payload_schema,
    payloads: payloads ?? [],
    pointOfRow: s.points,
    hnsw: space.hnsw,
    // Qdrant's full_scan_threshold over the space's average vector size
    fullScanPoints: Math.floor((space.hnsw.full_scan_threshold * 1024 * n) / (inner * dim * 4)),
  };
  const q = space.quantization;
  // the main graph's int8 codes (block graphs are built on the float rows, as payload links always were)
  const own = blockOnly
    ? undefined
    : (codes ?? (q !== null && 'scalar' in q ? encodeCodes(q, { data: rows, dim, distance, seed }) : undefined));
  if (s.counts !== undefined) {
    // int8: MaxSim over the inner rows' code estimates, as Qdrant builds a quantized multivector segment's graph
    const int8 = own === undefined ? undefined : (int8Set(own) ?? undefined);
    const counts = s.counts;
    const starts = startsOf(counts);
    // a block's graph on MaxSim of its documents' float rows (the codes are the whole space's)
    const multiLinks = {
      ...links,
      buildBlock: (block: Uint32Array, m: number) => {
        const sub = new Float32Array(block.reduce((t, r) => t + counts[r], 0) * dim);
        let at = 0;
        for (const r of block) {
          sub.set(rows.subarray(starts[r] * dim, starts[r + 1] * dim), at);
          at += counts[r] * dim;
        }
        const subStarts = startsOf(Array.from(block, (r) => counts[r]));
        return buildMultivectorHnsw(sub, subStarts, dim, distance, { ...build, m });
      },
    };
    if (blockOnly) return spaceBlockGraph(n, multiLinks);
    const graph = buildMultivectorHnsw(rows, starts, dim, distance, { ...build, codes: int8 });
    if (payloads === undefined) return graph;
    return withSpaceLinks(graph, multiLinks);
  }
  const denseLinks = {
    ...links,
    buildBlock: (block: Uint32Array, m: number) =>
      buildHnsw(gatherRows(rows, dim, block), dim, distance, { ...build, m }),
  };
  if (blockOnly) return spaceBlockGraph(n, denseLinks);
  const graph = buildHnsw(rows, dim, distance, {
    ...build,
    codes: own === undefined ? undefined : (int8Set(own) ?? undefined),
  });
  // hnsw_config.payload_m: extra layer-0 links per keyword/integer value block (space-links.ts)
  if (payloads === undefined) return graph;
  return withSpaceLinks(graph, denseLinks);
}

/** The rows codes and graph compare: normalized Cosine rows (uint8 Cosine originals are the bytes, so a copy). */
function graphRows(space: ReturnType<typeof vectorSpace>, data: Float32Array): Float32Array {
  const stored = storedDatatype(space, data);
  return stored === 'uint8' && space.distance === 'Cosine' ? normalizedRows(data, space.size) : data;
}

/**
 * Originals in the vector's datatype, unless a row is not one of its values (a uint8 Cosine row a WAL record wrote
 * normalized before the bytes were kept): then float32, as every segment before datatypes.
 */
function storedDatatype(space: ReturnType<typeof vectorSpace>, data: Float32Array) {
  return space.datatype !== 'float32' && representableAs(space.datatype, data) ? space.datatype : 'float32';
}

/** A copy of rows × dim `data` with every row normalized. */
function normalizedRows(data: Float32Array, dim: number): Float32Array {
  const out = Float32Array.from(data);
  normalizeRows(out, dim);
  return out;
}

function inversePermutation(order: Uint32Array): Uint32Array {
  const inverse = new Uint32Array(order.length);
  order.forEach((old, i) => {
    inverse[old] = i;
  });
  return inverse;
}

/** The input with its points in `order`; a space some points lack keeps its rows in the new point order. */
function reorder(
  input: SegmentInput,
  spaces: readonly SpaceInput[],
  order: Uint32Array,
): SegmentInput & { spaces: SpaceInput[] } {
  const inverse = new Uint32Array(order.length);
  order.forEach((old, i) => {
    inverse[old] = i;
  });
  return {
    ...input,
    ids: Array.from(order, (i) => input.ids[i]),
    versions: Array.from(order, (i) => input.versions[i]),
    payloads: Array.from(order, (i) => input.payloads[i]),
    spaces: spaces.map((s) => {
      const dim = vectorSpace(input.config, s.name).size;
      if (s.counts !== undefined) return reorderMulti(s, dim, inverse);
      if (s.points === null) return { ...s, data: permuteRows(s.data, dim, order) };
      const rows = Array.from(s.points, (_, r) => r).sort((a, b) => inverse[s.points![a]] - inverse[s.points![b]]);
      return {
        name: s.name,
        points: Uint32Array.from(rows, (r) => inverse[s.points![r]]),
        data: permuteRows(s.data, dim, Uint32Array.from(rows)),
      };
    }),
  };
}

/** A multivector space's holders in the new point order, each keeping its vectors (inverse: old -> new offset). */
function reorderMulti(s: SpaceInput, dim: number, inverse: Uint32Array): SpaceInput {
  const counts = s.counts as Uint32Array;
  const starts = startsOf(counts);
  const pointOf = (k: number) => (s.points === null ? k : s.points[k]);
  const holders = Array.from(counts, (_, k) => k).sort((a, b) => inverse[pointOf(a)] - inverse[pointOf(b)]);
  const data = new Float32Array(s.data.length);
  let at = 0;
  for (const k of holders) {
    data.set(s.data.subarray(starts[k] * dim, starts[k + 1] * dim), at);
    at += counts[k] * dim;
  }
  return {
    name: s.name,
    points: s.points === null ? null : Uint32Array.from(holders, (k) => inverse[pointOf(k)]),
    data,
    counts: Uint32Array.from(holders, (k) => counts[k]),
  };
}

/**
 * Builds and writes a segment under `segmentPrefix`; returns its meta (the optimizer records it in the manifest).
 * Data objects go out in parallel, meta.json after all of them succeeded.
 */
export async function writeSegment(
  store: ObjectStore,
  segmentPrefix: string,
  input: SegmentInput,
  options: WriteOptions = {},
): Promise<SegmentMeta> {
  const { meta, objects } = encodeSegment(input, options);
  await Promise.all(
    [...objects].map(([name, bytes]) => putCreateOnly(store, segmentObjectKey(segmentPrefix, name), bytes)),
  );
  await putCreateOnly(store, segmentObjectKey(segmentPrefix, META), encodeMeta(meta), 'application/json');
  return meta;
}

/** The rows `rows` of a row-major matrix, as one contiguous copy. */
function gatherRows(data: Float32Array, dim: number, rows: Uint32Array): Float32Array {
  const out = new Float32Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) out.set(data.subarray(rows[i] * dim, (rows[i] + 1) * dim), i * dim);
  return out;
}
