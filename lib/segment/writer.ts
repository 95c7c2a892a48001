/**
 * Writes one immutable segment (DESIGN.md §3) from points the optimizer sealed: HNSW (unless the segment is below
 * `indexing_threshold` KB, as in Qdrant; it is then always searched exactly), int8 codes when quantization is
 * configured (the graph is then built on those codes, as Qdrant builds a quantized segment's), and the segment's
 * objects:
 *
 * | object      | layout owner                              | read as                                          |
 * |-------------|-------------------------------------------|--------------------------------------------------|
 * | `quantized` | lib/quantization/format.ts                | whole, one GET, kept (always_ram)                |
 * | `graph`     | lib/index/graph-format.ts                 | whole (hnsw on_disk false) or header + pages      |
 * | `vectors`   | lib/index/vectors-format.ts               | whole (vectors on_disk false) or pages            |
 * | `ids`       | ids-format.ts                             | whole, kept                                      |
 * | `payload`   | payload-format.ts                         | index range kept; blobs by range, or whole to filter |
 * | `index/{f}` | field-index-format.ts (one per schema key) | whole, when a filter needs it; kept              |
 * | `meta.json` | meta.ts                                   | first, small                                     |
 *
 * Internal offsets follow a locality order (locality.ts) unless disabled: spatial neighbours share pages.
 *
 * Invariants: every object is written with a create-only put (a retried or racing optimizer can never overwrite a
 * segment someone may read); meta.json goes LAST, after every other object is durable, so a segment with a meta is
 * complete; the same input and seed produce the same bytes. No tombstones at birth.
 */
import type { CollectionConfig } from '../model/collection-config.js';
import type { Payload } from '../model/payload.js';
import type { PointId } from '../model/point-id.js';
import { internal } from '../model/errors.js';
import { buildHnsw } from '../index/build.js';
import { DEFAULT_PAGE_SIZE, graphByteLength, parseGraphHeader, serializeGraph } from '../index/graph-format.js';
import { serializeVectors, vectorsLayout } from '../index/vectors-format.js';
import { encodeAll, type QuantizedSet, serializeQuantized, trainScalar } from '../quantization/index.js';
import type { ObjectStore } from '../storage/object-store.js';
import { encodeIds } from './ids-format.js';
import { localityOrder, permuteRows } from './locality.js';
import { GRAPH, IDS, META, PAYLOAD, QUANTIZED, VECTORS, fieldIndexName, segmentObjectKey } from './keys.js';
import { encodeFieldIndex } from './field-index-format.js';
import { parsePayloadPath } from './payload-path.js';
import { schemaType, textIndexOf } from '../model/payload-schema.js';
import { SEGMENT_FORMAT, type SegmentMeta, encodeMeta, vectorKb } from './meta.js';
import { encodePayloads, payloadIndexBytes } from './payload-format.js';
import { putCreateOnly } from './store-io.js';

export interface SegmentInput {
  config: CollectionConfig;
  ids: readonly PointId[];
  versions: ArrayLike<number>;
  /** n × dim row-major; Cosine rows already normalized */
  vectors: Float32Array;
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
   * build a graph (true) or not (false) whatever the size; default: Qdrant's threshold rule (`shouldIndex`). The
   * optimizer sets it when it rebuilds a segment that has a graph, so a rebuild never drops an index (rebuild.ts).
   * No graph is built when `hnsw_config.m` is 0 either way.
   */
  index?: boolean;
}

export const DEFAULT_VECTORS_PAGE_SIZE = 16 * 1024;

/** Qdrant's rule: build a graph only when the vectors exceed indexing_threshold KB (0 disables indexing) and m > 0. */
export function shouldIndex(config: CollectionConfig, count: number): boolean {
  const threshold = config.optimizers_config.indexing_threshold;
  return threshold > 0 && config.hnsw_config.m > 0 && vectorKb(count, config.vectors.size) >= threshold;
}

/** The bytes of a segment and its meta, without I/O (the writer and tests share it). */
export function encodeSegment(
  raw: SegmentInput,
  options: WriteOptions = {},
): { meta: SegmentMeta; objects: Map<string, Uint8Array> } {
  const { config } = raw;
  const dim = config.vectors.size;
  const distance = config.vectors.distance;
  const n = raw.ids.length;
  if (raw.vectors.length !== n * dim) throw internal(`segment: ${raw.vectors.length} floats for ${n} × ${dim}`);
  if (raw.payloads.length !== n) throw internal(`segment: ${raw.payloads.length} payloads for ${n} points`);
  if (raw.versions.length !== n) throw internal(`segment: ${raw.versions.length} versions for ${n} points`);
  const input = options.localityOrder === false ? raw : reorder(raw, localityOrder(raw.vectors, dim, raw.seed));
  const objects = new Map<string, Uint8Array>();

  let quantization: SegmentMeta['quantization'] = null;
  // a quantized segment's graph is built on its int8 codes, as Qdrant builds it (lib/index/build.ts explains)
  let codes: QuantizedSet | undefined;
  const scalar = config.quantization_config?.scalar;
  if (scalar) {
    const params = trainScalar(input.vectors, dim, distance, { quantile: scalar.quantile, seed: input.seed });
    codes = encodeAll(params, input.vectors);
    const bytes = serializeQuantized(codes);
    objects.set(QUANTIZED, bytes);
    quantization = {
      type: 'int8',
      quantile: params.quantile,
      alpha: params.alpha,
      offset: params.offset,
      alwaysRam: true,
      bytes: bytes.byteLength,
    };
  }

  let hnsw: SegmentMeta['hnsw'] = null;
  if (n > 0 && config.hnsw_config.m > 0 && (options.index ?? shouldIndex(config, n))) {
    const graph = buildHnsw(input.vectors, dim, distance, {
      m: config.hnsw_config.m,
      efConstruct: config.hnsw_config.ef_construct,
      seed: input.seed,
      codes,
    });
    const bytes = serializeGraph(graph, options.graphPageSize ?? DEFAULT_PAGE_SIZE);
    const { meta: g } = parseGraphHeader(bytes);
    if (graphByteLength(g) !== bytes.byteLength) throw internal('segment: graph layout and bytes disagree');
    objects.set(GRAPH, bytes);
    hnsw = {
      m: g.m,
      m0: g.m0,
      efConstruct: config.hnsw_config.ef_construct,
      entryPoint: g.entryPoint,
      maxLevel: g.maxLevel,
      pageSize: g.pageSize,
      nodesPerPage: g.nodesPerPage,
      pageCount: g.pageCount,
      headerBytes: g.headerBytes,
      bytes: bytes.byteLength,
    };
  }

  const vectorsPageSize = options.vectorsPageSize ?? DEFAULT_VECTORS_PAGE_SIZE;
  const vectorBytes = serializeVectors(input.vectors, dim, vectorsPageSize);
  const vl = vectorsLayout(n, dim, vectorsPageSize);
  objects.set(VECTORS, vectorBytes);
  const idsBytes = encodeIds(input.ids, input.versions);
  objects.set(IDS, idsBytes);
  const payloadBytes = encodePayloads(input.payloads);
  objects.set(PAYLOAD, payloadBytes);

  const meta: SegmentMeta = {
    format: SEGMENT_FORMAT,
    count: n,
    dim,
    distance,
    seed: input.seed,
    tiers: { vectorsOnDisk: config.vectors.on_disk, graphOnDisk: config.hnsw_config.on_disk },
    fullScanThresholdKb: config.hnsw_config.full_scan_threshold,
    quantization,
    hnsw,
    vectors: {
      pageSize: vl.pageSize,
      rowsPerPage: vl.rowsPerPage,
      pageCount: vl.pageCount,
      bytes: vectorBytes.byteLength,
    },
    idsBytes: idsBytes.byteLength,
    payloadBytes: payloadBytes.byteLength,
    payloadIndexBytes: payloadIndexBytes(n),
  };
  // payload field indexes: one immutable object per key of the schema, over the payloads in offset order
  const schema = config.payload_schema ?? {};
  if (Object.keys(schema).length > 0) {
    for (const [field, s] of Object.entries(schema)) {
      const index = encodeFieldIndex(
        schemaType(s),
        parsePayloadPath(field),
        input.payloads,
        textIndexOf(schema, field),
      );
      objects.set(fieldIndexName(field), index);
    }
    meta.fieldIndexes = schema;
  }
  return { meta, objects };
}

function reorder(input: SegmentInput, order: Uint32Array): SegmentInput {
  const dim = input.config.vectors.size;
  return {
    ...input,
    ids: Array.from(order, (i) => input.ids[i]),
    versions: Array.from(order, (i) => input.versions[i]),
    vectors: permuteRows(input.vectors, dim, order),
    payloads: Array.from(order, (i) => input.payloads[i]),
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
