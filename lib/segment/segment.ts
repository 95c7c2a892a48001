/**
 * One opened, immutable segment: what a worker keeps in memory between queries, and the per-query accessors over
 * what it does not keep (paged graph and originals, read through the PageCache with the query's IoScope).
 *
 * Held in memory (the registry accounts for it): meta, ids, the payload index, per vector space (space.ts) the
 * int8 set (always, when quantized: always_ram), the graph header or the whole graph (hnsw on_disk false), the
 * originals when `vectors.on_disk` is false, every tombstone version asked for so far, and — once a filter needed
 * them — the decoded payloads plus a few recent filter masks; field indexes once a filter used them (whole, or a
 * cold index's directory, whose posting pages live in the page cache).
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
import type { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { FieldIndex } from './field-index-format.js';
import { type PagedFieldIndex, loadCachedFieldIndex, openFieldIndex, viewOf } from './field-index-paged.js';
import { filterVectorNames } from './filter.js';
import { type FieldIndexView, filterMaskLoading, planFilter } from './index-filter.js';
import type { IdTable, PointOffset } from './ids-format.js';
import { PAYLOAD, fieldIndexName, segmentObjectKey } from './keys.js';
import type { SegmentMeta } from './meta.js';
import type { PageSource } from './page-io.js';
import type { PayloadIndex } from './payload-format.js';
import type { PointSource } from './points.js';
import type { SparseReader } from './sparse-index.js';
import { type SparseReaders, sparseReaders } from './sparse-readers.js';
import type { SegmentSpace } from './space.js';
import { getWhole } from './store-io.js';
import { presenceMasks } from './vector-presence.js';
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
  ids: IdTable;
  payloadIndex: PayloadIndex;
  spaces: Map<string, SegmentSpace>;
  tombstones: Map<number, Tombstones>;
}

const FILTER_MASKS_KEPT = 8;

export class Segment {
  readonly store: ObjectStore;
  /** the process's page cache (or a direct reader) serving the paged tiers */
  readonly pages: PageSource;
  readonly prefix: string;
  readonly meta: SegmentMeta;
  readonly ids: IdTable;
  readonly payloadIndex: PayloadIndex;
  /** vector spaces by name; a name no point of this segment holds is absent */
  readonly spaces: Map<string, SegmentSpace>;
  private readonly tombs: Map<number, Tombstones>;
  private payloads: (Payload | null)[] | null = null;
  private payloadBytes = 0;
  /** field indexes read so far, by key */
  private readonly fieldIndexes = new Map<string, FieldIndex | PagedFieldIndex>();
  /** the last few filter masks, LRU */
  private readonly masks = new LRUCache<string, FilterMask>({ max: FILTER_MASKS_KEPT });

  constructor(p: SegmentParts) {
    this.store = p.store;
    this.pages = p.pages;
    this.prefix = p.prefix;
    this.meta = p.meta;
    this.ids = p.ids;
    this.payloadIndex = p.payloadIndex;
    this.spaces = p.spaces;
    this.tombs = p.tombstones;
    this.sparseHeld = sparseReaders(p.store, p.pages, p.prefix, p.meta, 'segment');
  }

  key(object: string): string {
    return segmentObjectKey(this.prefix, object);
  }

  /** The vector space `name` ('' = unnamed), or undefined when no point of this segment holds that vector. */
  space(name: string): SegmentSpace | undefined {
    return this.spaces.get(name);
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
      vectors: (name) => this.spaces.get(name)?.inMemoryVectors() ?? null,
      spaceOffsets: async (name) => this.spaces.get(name)?.offsets ?? null,
      sparse: (name, io) => this.sparse(name, io),
      multiStarts: async (name) => this.spaces.get(name)?.starts ?? null,
    };
  }

  private readonly sparseHeld: SparseReaders;

  /**
   * The reader of sparse name `name`, as its placement says (sparse-readers.ts): pinned = read whole on first use,
   * kept with the segment; cached = whole, in the page cache; cold = directory kept, lists paged per query.
   */
  sparse(name: string, io: QueryIo): Promise<SparseReader> {
    return this.sparseHeld.get(name, io);
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

  /**
   * The index on `field` (meta.fieldIndexes names them): a cached one from the page cache (warmed at open, evictable,
   * never held here); the others read on first use and kept, whole (pinned, or an object older than the paged
   * layout or than cached placement's recorded length) or a paged index's directory (cold).
   */
  private async openFieldIndex(field: string, q: QueryIo): Promise<FieldIndex | PagedFieldIndex> {
    const cachedBytes = this.meta.fieldIndexBytes?.[field];
    if (cachedBytes !== undefined) {
      return loadCachedFieldIndex(this.pages, this.key(fieldIndexName(field)), cachedBytes, q, `index ${field}`);
    }
    const hit = this.fieldIndexes.get(field);
    if (hit !== undefined) return hit;
    const built = this.meta.fieldIndexes?.[field];
    if (built === undefined) throw internal(`segment ${this.prefix} has no index on ${field}`);
    const index = await openFieldIndex(this.store, this.key(fieldIndexName(field)), built, q, `index ${field}`);
    this.fieldIndexes.set(field, index);
    return index;
  }

  /**
   * The points matching `filter`: the segment's field indexes answer the conditions they serve (index-filter.ts)
   * and the payloads, decoded once, the rest; a filter served whole reads no payload. A cold index is read in two
   * steps: its directory (kept), then the posting pages (or per-point object) the conditions select, all keys in
   * one round: the filter is evaluated once to learn them, then again to answer. has_vector conditions read the
   * spaces' presence (vector-presence.ts), which the caller must have made live (task.ts). The last few masks are
   * kept.
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
    const names = filterVectorNames(filter);
    const [vectors, first, ...opened] = await Promise.all([
      names.size > 0 ? presenceMasks(this.pointSource(), names, q) : undefined,
      plan.payloads ? this.allPayloads(q) : null,
      ...[...plan.keys].map((k) => this.openFieldIndex(k, q)),
    ]);
    const views = new Map<string, FieldIndexView>();
    const loads: (() => Promise<void>)[] = [];
    [...plan.keys].forEach((k, i) => {
      const { view, load } = viewOf(opened[i] as FieldIndex | PagedFieldIndex, this.pages, q);
      views.set(k, view);
      if (load !== null) loads.push(load);
    });
    // a version 1 index has no emptiness flags (is_empty / is_null on its key), one older than version 4 no
    // per-value counts (values_count on a `[]` path): those read the payloads after all
    const flagless = new Set([...plan.keys].filter((k) => views.get(k)?.flagless));
    const countless = new Set([...plan.keys].filter((k) => views.get(k)?.valueCounts === false));
    const payloads =
      first ??
      ((flagless.size > 0 || countless.size > 0) &&
      planFilter(filter, { ...fields, flagless, countless }, schema).payloads
        ? await this.allPayloads(q)
        : null);
    const loaded = {
      ...fields,
      flagless,
      countless,
      payloads,
      vectors,
      index: (k: string) => views.get(k) as FieldIndexView,
    };
    const mask = await filterMaskLoading(filter, loaded, schema, loads);
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
    for (const s of this.spaces.values()) b += s.memoryBytes();
    for (const t of this.tombs.values()) b += t.byteLength;
    b += this.payloadBytes;
    for (const f of this.fieldIndexes.values()) b += f.byteLength;
    for (const m of this.masks.values()) b += m.mask.byteLength + m.offsets.byteLength;
    b += this.sparseHeld.heldBytes();
    return b;
  }
}
