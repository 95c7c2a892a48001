/**
 * One opened, immutable segment: what a worker keeps in memory between queries, and the per-query accessors over
 * what it does not keep (paged graph and originals, read through the PageCache with the query's IoScope).
 *
 * Held in memory (the registry accounts for it): meta, ids, the payload index, the int8 set (always, when
 * quantized: always_ram), the graph header or the whole graph (hnsw on_disk false), the originals when
 * `vectors.on_disk` is false, every tombstone version asked for so far, and — once a filter needed them — the
 * decoded payloads plus a few recent filter masks.
 *
 * Invariant: the same segment answers identically whichever tier holds its data; the accessors differ only in
 * where bytes come from.
 */
import { LRUCache } from 'lru-cache';
import type { Filter } from '../model/filter.js';
import type { PayloadSchema } from '../model/payload-schema.js';
import type { Payload } from '../model/payload.js';
import type { PointId } from '../model/point-id.js';
import { internal } from '../model/errors.js';
import type { InMemoryGraph, GraphAccessor, UpperLevels } from '../index/graph.js';
import { type GraphFileMeta, PagedGraph, decodeGraphPage, graphPageRange } from '../index/graph-format.js';
import { PagedFloatScorer, type QueryScorer, floatScorer } from '../index/scorer.js';
import type { PagedRows, VectorsFileMeta } from '../index/vectors-format.js';
import { Int8Scorer, type QuantizedSet } from '../quantization/index.js';
import type { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import { FieldIndex } from './field-index-format.js';
import { filterMaskOf, planFilter } from './index-filter.js';
import type { IdTable, PointOffset } from './ids-format.js';
import { GRAPH, PAYLOAD, VECTORS, fieldIndexName, segmentObjectKey } from './keys.js';
import type { SegmentMeta, SegmentTiers } from './meta.js';
import { type PageSource, pageReader } from './page-io.js';
import type { PayloadIndex } from './payload-format.js';
import { type PointSource, pagedRows } from './points.js';
import { getWhole } from './store-io.js';
import { WholeGraphOnFirstTouch, layer0Bytes } from './whole-graph.js';
import { WholeRowsOnFirstTouch, vectorPagesBytes } from './whole-rows.js';
import { type Tombstones, readTombstones } from './tombstones.js';

/** What one query's reads are charged to (GETs, bytes, sequential rounds); undefined = not traced. */
export type QueryIo = IoScope | undefined;

export interface FilterMask {
  /** 1 = the point matches */
  mask: Uint8Array;
  /** matching offsets, ascending */
  offsets: Uint32Array;
  cardinality: number;
}

export interface SegmentParts {
  store: ObjectStore;
  pages: PageSource;
  prefix: string;
  meta: SegmentMeta;
  tiers: SegmentTiers;
  ids: IdTable;
  payloadIndex: PayloadIndex;
  quantized: QuantizedSet | null;
  graph: InMemoryGraph | null;
  graphHeader: { meta: GraphFileMeta; upper: UpperLevels } | null;
  vectors: Float32Array | null;
  vectorsHeader: VectorsFileMeta;
  tombstones: Map<number, Tombstones>;
}

const FILTER_MASKS_KEPT = 8;

export class Segment {
  readonly store: ObjectStore;
  /** the process's page cache (or a direct reader) serving the paged tiers */
  readonly pages: PageSource;
  readonly prefix: string;
  readonly meta: SegmentMeta;
  readonly tiers: SegmentTiers;
  readonly ids: IdTable;
  readonly payloadIndex: PayloadIndex;
  readonly quantized: QuantizedSet | null;
  private readonly graph: InMemoryGraph | null;
  private readonly graphHeader: { meta: GraphFileMeta; upper: UpperLevels } | null;
  private readonly vectors: Float32Array | null;
  private readonly vectorsHeader: VectorsFileMeta;
  private readonly tombs: Map<number, Tombstones>;
  private payloads: (Payload | null)[] | null = null;
  private payloadBytes = 0;
  /** field indexes read so far, by key */
  private readonly fieldIndexes = new Map<string, FieldIndex>();
  /** the last few filter masks, LRU */
  private readonly masks = new LRUCache<string, FilterMask>({ max: FILTER_MASKS_KEPT });

  constructor(p: SegmentParts) {
    this.store = p.store;
    this.pages = p.pages;
    this.prefix = p.prefix;
    this.meta = p.meta;
    this.tiers = p.tiers;
    this.ids = p.ids;
    this.payloadIndex = p.payloadIndex;
    this.quantized = p.quantized;
    this.graph = p.graph;
    this.graphHeader = p.graphHeader;
    this.vectors = p.vectors;
    this.vectorsHeader = p.vectorsHeader;
    this.tombs = p.tombstones;
  }

  key(object: string): string {
    return segmentObjectKey(this.prefix, object);
  }

  int8Scorer(vector: Float32Array): QueryScorer {
    if (this.quantized === null) throw internal(`segment ${this.prefix} is not quantized`);
    return new Int8Scorer(this.quantized, vector);
  }

  /**
   * Originals: in memory, or a paged row source charged to this query (`maxGets` per load, see rowSource). The size
   * rule of a walk over paged originals: pages of at most `wholeBytes` are read whole on the first miss
   * (whole-rows.ts).
   */
  floatScorer(vector: Float32Array, q: QueryIo, maxGets?: number, wholeBytes = 0): QueryScorer {
    if (this.vectors !== null) return floatScorer(this.vectors, this.meta.dim, this.meta.distance, vector);
    const rows = this.rowSource(q, maxGets);
    const source = vectorPagesBytes(rows) <= wholeBytes ? new WholeRowsOnFirstTouch(rows) : rows;
    return new PagedFloatScorer(source, this.meta.distance, vector);
  }

  /** Whether the originals are read from the store (`vectors.on_disk`). */
  get vectorsPaged(): boolean {
    return this.vectors === null;
  }

  /** The originals when `vectors.on_disk` is false, else null. */
  inMemoryVectors(): Float32Array | null {
    return this.vectors;
  }

  /**
   * A per-query paged view of the originals (rescoring and float search when `vectors.on_disk`); one load costs at
   * most `maxGets` ranged GETs when given.
   */
  rowSource(q: QueryIo, maxGets?: number): PagedRows {
    return pagedRows(this.pages, this.key(VECTORS), this.vectorsHeader, q, maxGets);
  }

  /** This segment as points.ts reads it: what it holds in memory is used, the rest is read. */
  pointSource(): PointSource {
    return {
      store: this.store,
      pages: this.pages,
      prefix: this.prefix,
      meta: this.meta,
      payloadIndex: async () => this.payloadIndex,
      payloads: () => this.payloads,
      vectors: () => this.vectors,
    };
  }

  /**
   * The in-memory graph, or a per-query paged accessor whose pages come through the PageCache. The size rule: a
   * layer 0 of at most `wholeBytes` is read whole on the first load that misses (whole-graph.ts), in one round.
   */
  graphAccessor(q: QueryIo, wholeBytes = 0): GraphAccessor {
    if (this.graph !== null) return this.graph;
    const header = this.graphHeader;
    if (header === null) throw internal(`segment ${this.prefix} has no graph`);
    const meta = header.meta;
    const paged = new PagedGraph(
      header,
      pageReader(
        this.pages,
        this.key(GRAPH),
        (p) => graphPageRange(meta, p),
        (p, bytes) => decodeGraphPage(meta, p, bytes),
        q,
      ),
    );
    return layer0Bytes(meta) <= wholeBytes ? new WholeGraphOnFirstTouch(paged) : paged;
  }

  /** Tombstones of `version` (0 = none): loaded once per container and kept. */
  async tombstones(version: number, q: QueryIo): Promise<Tombstones | null> {
    if (version === 0) return null;
    const hit = this.tombs.get(version);
    if (hit !== undefined) return hit;
    const t = await readTombstones(this.store, this.prefix, version, q, this.meta.count);
    this.tombs.set(version, t);
    return t;
  }

  /** Every payload decoded (one whole GET of `payload` per container), for filters and scrolls. */
  async allPayloads(q: QueryIo): Promise<(Payload | null)[]> {
    if (this.payloads !== null) return this.payloads;
    return this.adoptPayloads(await getWhole(this.store, this.key(PAYLOAD), q, 'payload'));
  }

  /** Decodes the whole `payload` object (read at open or later) and keeps the payloads. */
  adoptPayloads(bytes: Uint8Array): (Payload | null)[] {
    if (this.payloads !== null) return this.payloads;
    const idx = this.payloadIndex;
    const out = new Array<Payload | null>(this.meta.count);
    for (let o = 0; o < this.meta.count; o++) out[o] = idx.decode(bytes, 0, o, this.key(PAYLOAD));
    this.payloads = out;
    // decoded JSON costs roughly twice its UTF-8 size in V8
    this.payloadBytes = 2 * bytes.byteLength;
    return out;
  }

  /** A payload field index of this segment (one whole GET per container, then kept); meta.fieldIndexes names them. */
  async fieldIndex(field: string, q: QueryIo): Promise<FieldIndex> {
    const hit = this.fieldIndexes.get(field);
    if (hit !== undefined) return hit;
    if (this.meta.fieldIndexes?.[field] === undefined)
      throw internal(`segment ${this.prefix} has no index on ${field}`);
    const key = this.key(fieldIndexName(field));
    const index = FieldIndex.decode(await getWhole(this.store, key, q, `index ${field}`), key);
    this.fieldIndexes.set(field, index);
    return index;
  }

  /**
   * The points matching `filter`: the segment's field indexes answer the conditions they serve (index-filter.ts)
   * and the payloads, decoded once, the rest; a filter served whole reads no payload. The last few masks are kept.
   */
  async filterMask(filter: Filter, q: QueryIo, schema?: PayloadSchema): Promise<FilterMask> {
    const cacheKey = schema === undefined ? JSON.stringify(filter) : JSON.stringify([filter, schema]);
    const hit = this.masks.get(cacheKey);
    if (hit !== undefined) return hit;
    const fields = {
      count: this.meta.count,
      schemaOf: (k: string) => this.meta.fieldIndexes?.[k],
      externalId: (o: number) => this.ids.externalId(o),
    };
    const plan = planFilter(filter, fields, schema);
    const [first] = await Promise.all([
      plan.payloads ? this.allPayloads(q) : null,
      ...[...plan.keys].map((k) => this.fieldIndex(k, q)),
    ]);
    // a version 1 index has no emptiness flags: is_empty / is_null on its key read the payloads after all
    const flagless = new Set([...plan.keys].filter((k) => this.fieldIndexes.get(k)?.flags === null));
    const payloads =
      first ??
      (flagless.size > 0 && planFilter(filter, { ...fields, flagless }, schema).payloads
        ? await this.allPayloads(q)
        : null);
    const mask = filterMaskOf(
      filter,
      { ...fields, flagless, payloads, index: (k) => this.fieldIndexes.get(k) as FieldIndex },
      schema,
    );
    const matching: number[] = [];
    for (let o = 0; o < mask.length; o++) if (mask[o] === 1) matching.push(o);
    const m: FilterMask = { mask, offsets: Uint32Array.from(matching), cardinality: matching.length };
    this.masks.set(cacheKey, m);
    return m;
  }

  externalId(offset: PointOffset): PointId {
    return this.ids.externalId(offset);
  }

  version(offset: PointOffset): number {
    return this.ids.version(offset);
  }

  memoryBytes(): number {
    let b = this.ids.byteLength + this.payloadIndex.byteLength + 1024;
    if (this.quantized !== null) b += this.quantized.codes.byteLength + this.quantized.corrections.byteLength;
    if (this.graph !== null) b += graphBytes(this.graph);
    if (this.graphHeader !== null)
      b += 4 * (this.graphHeader.upper.links.length + 2 * this.graphHeader.upper.ids.length);
    if (this.vectors !== null) b += this.vectors.byteLength;
    for (const t of this.tombs.values()) b += t.byteLength;
    b += this.payloadBytes;
    for (const f of this.fieldIndexes.values()) b += f.byteLength;
    for (const m of this.masks.values()) b += m.mask.byteLength + m.offsets.byteLength;
    return b;
  }
}

function graphBytes(g: InMemoryGraph): number {
  const rec = 1 + g.meta.m0;
  return 4 * (g.meta.n * rec + g.upper.links.length + 2 * g.upper.ids.length);
}
