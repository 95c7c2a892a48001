/**
 * Coordinator-side access to sealed segments for everything that is not a vector search: point lookups (get,
 * payload updates, late WAL entries), scroll and count, and the payload/vector reads of a query's final page.
 * Vector search goes to the workers (lib/segment/task-contract.ts). The formats are lib/segment's: this module only chooses what
 * to keep.
 *
 * Invariants:
 * - Vector rows are read through `liveSource`, so a deleted vector name's rows are never returned.
 * - Only segments and tombstone versions named by the caller's manifest snapshot are read; nothing here lists the
 *   segments folder, so a segment no manifest names (an orphan of a crashed optimizer) is never read.
 * - Segment objects are immutable, so decoded `ids` tables, tombstone bitmaps, point sources (meta + payload
 *   index) and field indexes are cached by key.
 * - Resident payloads (`residentPayloads`, for collections with `on_disk_payload: false`): every payload of a segment
 *   decoded from one whole GET and kept, within RESIDENT_PAYLOAD_BYTES for all segments together (least recently
 *   used first out). A segment whose payloads alone would take more than half of it is never kept: its payloads are
 *   read per query (ranged GETs), as with `on_disk_payload: true`.
 * - Page payloads (`cachedPayloads` / `rememberPayloads`, `on_disk_payload: true`): the payloads of single points a
 *   query's final page read, kept by (segment, offset) within PAGE_PAYLOAD_BYTES, so a warm query repeating a top-k
 *   reads no payload. A (segment, offset) payload never changes: a payload update writes the point again (a WAL
 *   record that shadows it, then a new segment), never into a sealed segment.
 */
import { LRUCache } from 'lru-cache';
import type { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { IdTable, PointOffset } from '../segment/ids-format.js';
import { directPages } from '../segment/page-io.js';
import { type PointSource, openPointSource, readAllPayloads, readIdTable } from '../segment/points.js';
import { type Tombstones, readTombstones } from '../segment/tombstones.js';
import type { Payload } from '../model/payload.js';
import type { SegmentEntry } from './manifest.js';
import type { PointId } from '../model/point-id.js';
import type { Filter } from '../model/filter.js';
import type { FieldIndex } from '../segment/field-index-format.js';
import { type PagedFieldIndex, loadCachedFieldIndex, openFieldIndex, viewOf } from '../segment/field-index-paged.js';
import { type FieldIndexView, type LoadedFields, filterMaskLoading, planFilter } from '../segment/index-filter.js';
import { fieldIndexName, segmentObjectKey, segmentPrefix } from '../segment/keys.js';
import { PageCache } from '../storage/page-cache.js';
import type { PayloadFieldSchema } from '../model/payload-schema.js';
import type { CollectionConfig } from '../model/collection-config.js';
import { liveGenerations } from '../model/vector-generations.js';
import { liveMeta } from '../segment/meta.js';
import { filterVectorNames } from '../segment/filter.js';
import { presenceMasks } from '../segment/vector-presence.js';

/**
 * `src` as a reader of `config` sees it: the spaces of vector names deleted or re-created since the segment was
 * written are hidden (lib/model/vector-generations.ts), so their rows are never read. `src` itself when none is.
 */
export function liveSource(src: PointSource, config: CollectionConfig): PointSource {
  const meta = liveMeta(src.meta, liveGenerations(config));
  return meta === src.meta ? src : { ...src, meta };
}

/** decoded id tables / tombstone bitmaps / point sources kept per process (each is a few bytes per point) */
const MAX_CACHED = 1024;
/** memory for resident payloads (decoded JSON, counted as twice its stored bytes) @default 128 MiB */
export const RESIDENT_PAYLOAD_BYTES = 128 * 1024 * 1024;
/** memory for page payloads (decoded JSON, counted as twice its JSON length) @default 16 MiB */
export const PAGE_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** memory for the posting pages of cold field indexes @default 16 MiB */
export const INDEX_PAGE_BYTES = 16 * 1024 * 1024;

interface Resident {
  payloads: readonly (Payload | null)[];
  bytes: number;
}

export interface LiveCopy {
  segment: SegmentEntry;
  offset: PointOffset;
  version: number;
}

export class SegmentAccess {
  // segments merged away are never asked for again: each cache keeps the most recently used entries only
  private readonly idTables = new LRUCache<string, Promise<IdTable>>({ max: MAX_CACHED });
  private readonly tombs = new LRUCache<string, Promise<Tombstones>>({ max: MAX_CACHED });
  private readonly sources = new LRUCache<string, Promise<PointSource>>({ max: MAX_CACHED });
  /** field indexes read for scroll / count / delete by filter, by `{segment prefix}#{field}` */
  private readonly indexes = new LRUCache<string, Promise<FieldIndex | PagedFieldIndex>>({ max: MAX_CACHED });
  /** posting pages of cold (paged) field indexes read for scroll / count / delete by filter */
  private readonly indexPages: PageCache;

  private readonly resident: LRUCache<string, Resident>;
  private readonly residentLoading = new Map<string, Promise<Resident>>();
  /** segments whose payloads exceed half the budget (never kept; bounded like the other caches) */
  private readonly tooLarge = new LRUCache<string, true>({ max: MAX_CACHED });
  /** `{segment prefix}#{offset}` → the payload (wrapped: null is a payload too) */
  private readonly pagePayloads = new LRUCache<string, { payload: Payload | null }>({
    maxSize: PAGE_PAYLOAD_BYTES,
    sizeCalculation: (e) => Math.max(1, 2 * (e.payload === null ? 4 : JSON.stringify(e.payload).length)),
  });

  constructor(
    private readonly store: ObjectStore,
    private readonly residentBytes: number = RESIDENT_PAYLOAD_BYTES,
  ) {
    this.indexPages = new PageCache(store, { maxBytes: INDEX_PAGE_BYTES });
    this.resident = new LRUCache<string, Resident>({
      maxSize: Math.max(1, residentBytes),
      sizeCalculation: (r) => Math.max(1, r.bytes),
    });
  }

  /**
   * Every payload of a segment, kept in this process's memory (see the header), or null when the segment is too
   * large to keep: the caller then reads payloads per query.
   */
  async residentPayloads(
    collection: string,
    segmentId: string,
    io?: IoScope,
  ): Promise<readonly (Payload | null)[] | null> {
    const prefix = segmentPrefix(collection, segmentId);
    const hit = this.resident.get(prefix);
    if (hit !== undefined) return hit.payloads;
    if (this.tooLarge.has(prefix)) return null;
    const pending = this.residentLoading.get(prefix);
    if (pending !== undefined) return (await (io ? io.join(pending) : pending)).payloads;
    const loading = (async (): Promise<Resident> => {
      const all = await readAllPayloads(await this.points(collection, segmentId, io), io);
      const r: Resident = { payloads: all.payloads, bytes: 2 * all.bytes };
      // this query uses what it read either way; a segment too large to keep is read per query from now on
      if (r.bytes > this.residentBytes / 2) this.tooLarge.set(prefix, true);
      else this.resident.set(prefix, r);
      return r;
    })().finally(() => this.residentLoading.delete(prefix));
    this.residentLoading.set(prefix, loading);
    return (await loading).payloads;
  }

  /** The page payloads kept for `offsets` of a segment, in order; undefined where none is kept (see the header). */
  cachedPayloads(
    collection: string,
    segmentId: string,
    offsets: readonly PointOffset[],
  ): (Payload | null | undefined)[] {
    const prefix = segmentPrefix(collection, segmentId);
    return offsets.map((o) => this.pagePayloads.get(`${prefix}#${o}`)?.payload);
  }

  /** Keeps payloads a query read for `offsets` of a segment (see the header). */
  rememberPayloads(
    collection: string,
    segmentId: string,
    offsets: readonly PointOffset[],
    payloads: readonly (Payload | null)[],
  ): void {
    const prefix = segmentPrefix(collection, segmentId);
    offsets.forEach((o, i) => this.pagePayloads.set(`${prefix}#${o}`, { payload: payloads[i] }));
  }

  ids(collection: string, segmentId: string, io?: IoScope): Promise<IdTable> {
    const prefix = segmentPrefix(collection, segmentId);
    return this.cached(this.idTables, prefix, () => readIdTable(this.store, prefix, io));
  }

  /** The tombstones of a segment at a version, or null for version 0 (nothing deleted). */
  async tombstones(collection: string, segmentId: string, version: number, io?: IoScope): Promise<Tombstones | null> {
    if (version === 0) return null;
    const prefix = segmentPrefix(collection, segmentId);
    return this.cached(this.tombs, `${prefix}@${version}`, () => readTombstones(this.store, prefix, version, io));
  }

  /** Where payloads and vectors of a segment are read by offset (lib/segment/points.ts), without opening it. */
  points(collection: string, segmentId: string, io?: IoScope): Promise<PointSource> {
    const prefix = segmentPrefix(collection, segmentId);
    return this.cached(this.sources, prefix, () => openPointSource(this.store, directPages(this.store), prefix, io));
  }

  /** Live (not tombstoned) copies of `ids` among `segments`. A consistent manifest holds at most one per id. */
  async liveCopies(
    collection: string,
    segments: readonly SegmentEntry[],
    ids: readonly PointId[],
    io?: IoScope,
  ): Promise<Map<PointId, LiveCopy>> {
    const out = new Map<PointId, LiveCopy>();
    if (ids.length === 0) return out;
    await Promise.all(
      segments.map(async (segment) => {
        const [table, tomb] = await Promise.all([
          this.ids(collection, segment.id, io),
          this.tombstones(collection, segment.id, segment.deletedVersion, io),
        ]);
        for (const id of ids) {
          const offset = table.offsetOf(id);
          if (offset < 0 || tomb?.has(offset)) continue;
          const version = table.version(offset);
          const prev = out.get(id);
          if (prev === undefined || version > prev.version) out.set(id, { segment, offset, version });
        }
      }),
    );
    return out;
  }

  /** Every live point of a segment as (id, offset, version), in offset order. */
  async livePoints(
    collection: string,
    segment: SegmentEntry,
    io?: IoScope,
  ): Promise<{ id: PointId; offset: PointOffset; version: number }[]> {
    const [table, tomb] = await Promise.all([
      this.ids(collection, segment.id, io),
      this.tombstones(collection, segment.id, segment.deletedVersion, io),
    ]);
    const out: { id: PointId; offset: PointOffset; version: number }[] = [];
    for (let o = 0; o < table.count; o++) {
      if (tomb?.has(o)) continue;
      out.push({ id: table.externalId(o), offset: o, version: table.version(o) });
    }
    return out;
  }

  /**
   * The points of a segment matching `filter` when its field indexes and vector presence serve every condition of
   * it (index-filter.ts), read without any payload; null when some condition needs the payloads (the caller then
   * scans them).
   */
  async fieldMask(
    collection: string,
    segmentId: string,
    filter: Filter,
    config: CollectionConfig,
    io?: IoScope,
  ): Promise<Uint8Array | null> {
    const schema = config.payload_schema;
    const fields = await this.filterFields(collection, segmentId, filter, config, io, true);
    if (fields === null || planFilter(filter, fields, schema).payloads) return null;
    return filterMaskLoading(filter, fields, schema, fields.loads);
  }

  /**
   * Which points of a segment hold each of `names` as `config` sees the segment (a deleted or re-created name's
   * old space holds none): has_vector's answer, from the spaces' offsets and sparse row tables (vector-presence.ts).
   */
  async vectorPresence(
    collection: string,
    segmentId: string,
    names: ReadonlySet<string>,
    config: CollectionConfig,
    io?: IoScope,
  ): Promise<Map<string, Uint8Array>> {
    return presenceMasks(liveSource(await this.points(collection, segmentId, io), config), names, io);
  }

  /**
   * The segment's id table, the field indexes `filter` can use, opened (cached by key), and the presence of the
   * vectors its has_vector conditions name, with no payloads: what index-filter.ts needs to answer the conditions
   * the indexes and presence serve. A cold index is opened as its directory:
   * `loads` then read what the conditions select (filterMaskLoading). `flagless` names keys whose index is a
   * version 1 object, `countless` those without per-value counts (older than version 4). With `servedOnly`, null (nothing read past the id table) when some condition needs payloads.
   */
  async filterFields(
    collection: string,
    segmentId: string,
    filter: Filter,
    config: CollectionConfig,
    io?: IoScope,
    servedOnly = false,
  ): Promise<(LoadedFields & { loads: (() => Promise<void>)[] }) | null> {
    const schema = config.payload_schema;
    const prefix = segmentPrefix(collection, segmentId);
    const [source, table] = await Promise.all([
      this.points(collection, segmentId, io),
      this.ids(collection, segmentId, io),
    ]);
    const fields = {
      count: table.count,
      schemaOf: (k: string) => source.meta.fieldIndexes?.[k],
      externalId: (o: number) => table.externalId(o),
    };
    const plan = planFilter(filter, fields, schema);
    if (servedOnly && plan.payloads) return null;
    const views = new Map<string, FieldIndexView>();
    const loads: (() => Promise<void>)[] = [];
    const names = filterVectorNames(filter);
    const [vectors] = await Promise.all([
      names.size > 0 ? presenceMasks(liveSource(source, config), names, io) : undefined,
      ...[...plan.keys].map(async (k) => {
        const key = segmentObjectKey(prefix, fieldIndexName(k));
        const cachedBytes = source.meta.fieldIndexBytes?.[k];
        // a cached index lives in the index page cache (evictable); the others are opened once and kept
        const opened =
          cachedBytes !== undefined
            ? await loadCachedFieldIndex(this.indexPages, key, cachedBytes, io, `index ${k}`)
            : await this.cached(this.indexes, `${prefix}#${k}`, () =>
                openFieldIndex(this.store, key, fields.schemaOf(k) as PayloadFieldSchema, io, `index ${k}`),
              );
        const { view, load } = viewOf(opened, this.indexPages, io);
        views.set(k, view);
        if (load !== null) loads.push(load);
      }),
    ]);
    // a version 1 index has no emptiness flags (is_empty / is_null on its key), one older than version 4 no
    // per-value counts (values_count on a `[]` path): those then need payloads
    const flagless = new Set([...views].filter(([, v]) => v.flagless).map(([k]) => k));
    const countless = new Set([...views].filter(([, v]) => !v.valueCounts).map(([k]) => k));
    return {
      ...fields,
      flagless,
      countless,
      payloads: null,
      vectors,
      index: (k) => views.get(k) as FieldIndexView,
      loads,
    };
  }

  /** Drops cached objects of a collection (after it was deleted). */
  forget(collection: string): void {
    for (const k of [...this.resident.keys()]) if (k.startsWith(`${collection}/`)) this.resident.delete(k);
    for (const k of [...this.pagePayloads.keys()]) if (k.startsWith(`${collection}/`)) this.pagePayloads.delete(k);
    for (const m of [this.idTables, this.tombs, this.sources, this.indexes] as LRUCache<string, Promise<unknown>>[]) {
      for (const k of [...m.keys()]) if (k.startsWith(`${collection}/`)) m.delete(k);
    }
  }

  private cached<T>(map: LRUCache<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    let p = map.get(key);
    if (p === undefined) {
      const loading = load();
      p = loading;
      map.set(key, loading);
      loading.catch(() => {
        if (map.get(key) === loading) map.delete(key);
      });
    }
    return p;
  }
}
