/**
 * Reading points back out of a segment by offset: payloads and/or original vectors. ONE reader serves both sides:
 * - the coordinator (a query's final page, get, scroll, payload updates) and the optimizer (merging segments), which
 *   never open a segment: `openPointSource` reads meta.json and the payload index, nothing else (no ids, no int8
 *   set, no graph);
 * - an opened Segment (`readPoints`), which already holds the payload index and maybe every payload or the
 *   originals, so it reads only what it lacks.
 *
 * I/O, sized to the request: payload blobs by ranged GETs (blobs closer than COALESCE_GAP bytes share one GET),
 * vectors by their pages through the source's PageSource, all in ONE parallel round once the payload index is known
 * (and, for a named vector some points lack, its `offsets` map: read once per source).
 * Asking for more than WHOLE_OBJECT_FRACTION of a segment's points (a merge, a long scroll) reads whole objects.
 * A cold lone source costs one more round before that: meta.json and the head of `payload` together.
 *
 * Invariant: offsets are checked against meta.json's count before any read; an offset outside the segment is a
 * broken invariant of the caller ('internal'), never a silent null.
 */
import type { Payload } from '../model/payload.js';
import type { PointId } from '../model/point-id.js';
import { internal } from '../model/errors.js';
import { type RowArray, decodeRowInto } from '../distance/index.js';
import { deserializeStoredVectors, vectorsLayout } from '../index/vectors-format.js';
import type { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import { IdTable, type PointOffset } from './ids-format.js';
import { IDS, META, MULTI, OFFSETS, PAYLOAD, VECTORS, segmentObjectKey, spaceObjectKey } from './keys.js';
import { decodeMultiRows } from './multi-rows.js';
import type { SparseReader } from './sparse-index.js';
import { sparseReaders } from './sparse-readers.js';
import type { StoredVector } from '../model/sparse-vector.js';
import { type SegmentMeta, type SpaceMeta, parseMeta } from './meta.js';
import type { PageSource } from './page-io.js';
import { pagedRows } from './paged-rows.js';
import { type SpaceOffsets, decodeSpaceOffsets } from './space-offsets.js';
import { PayloadIndex } from './payload-format.js';
import type { Segment } from './segment.js';
import { getHead, getRange, getWhole } from './store-io.js';

/** Blobs separated by less than this are fetched by one ranged GET (a GET costs more than a few KB of transfer). */
const COALESCE_GAP = 16 * 1024;
/** Beyond this share of a segment's points, one whole-object GET beats many ranged ones. */
const WHOLE_OBJECT_FRACTION = 0.25;
/** How much of `payload` a lone source reads with meta.json, hoping the index fits (it does below ~330 points). */
const PAYLOAD_HEAD_BYTES = 4096;

/** What reading points needs of a segment: where its objects are, its meta, and whatever the holder keeps. */
export interface PointSource {
  readonly store: ObjectStore;
  /** serves the vector pages (a worker's page cache, or direct ranged reads) */
  readonly pages: PageSource;
  readonly prefix: string;
  readonly meta: SegmentMeta;
  /** the decoded payload index: kept by an opened segment, loaded once by a lone source */
  payloadIndex(io: IoScope | undefined): Promise<PayloadIndex>;
  /** every payload decoded, when the holder already has them (a filter needed them), else null */
  payloads(): readonly (Payload | null)[] | null;
  /** the originals of vector `name` in their stored type when the holder keeps them in memory, else null */
  vectors(name: string): RowArray | null;
  /** row <-> offset maps of vector `name` when some points lack it, else null (row = offset) */
  spaceOffsets(name: string, io: IoScope | undefined): Promise<SpaceOffsets | null>;
  /** the reader of sparse name `name` (meta.sparse names them; sparse-readers.ts says which) */
  sparse(name: string, io: IoScope | undefined): Promise<SparseReader>;
  /** a multivector space's row -> inner rows starts (multi-rows.ts), else null */
  multiStarts(name: string, io: IoScope | undefined): Promise<Uint32Array | null>;
}

export interface StoredPoint {
  payload: Payload | null;
  /** every vector the point has, by name (dense rows and sparse vectors) */
  vectors: Map<string, StoredVector> | null;
}

/** Payloads and/or vectors of `offsets` (in order); what is not asked for is null. */
export async function readStoredPoints(
  src: PointSource,
  offsets: readonly PointOffset[],
  want: { payload: boolean; vector: boolean },
  io?: IoScope,
): Promise<StoredPoint[]> {
  for (const o of offsets) {
    if (!Number.isInteger(o) || o < 0 || o >= src.meta.count) {
      throw internal(`segment ${src.prefix}: offset ${o} outside 0..${src.meta.count - 1}`);
    }
  }
  const [payloads, vectors] = await Promise.all([
    want.payload && offsets.length > 0 ? readPayloads(src, offsets, io) : null,
    want.vector && offsets.length > 0 ? readVectors(src, offsets, io) : null,
  ]);
  return offsets.map((_, i) => ({ payload: payloads?.[i] ?? null, vectors: vectors?.[i] ?? null }));
}

async function readPayloads(
  src: PointSource,
  offsets: readonly PointOffset[],
  io?: IoScope,
): Promise<(Payload | null)[]> {
  const all = src.payloads();
  if (all !== null) return offsets.map((o) => all[o]);
  const idx = await src.payloadIndex(io);
  const key = segmentObjectKey(src.prefix, PAYLOAD);
  if (offsets.length > src.meta.count * WHOLE_OBJECT_FRACTION) {
    const bytes = await getWhole(src.store, key, io, 'payload');
    return offsets.map((o) => idx.decode(bytes, 0, o, key));
  }
  const order = offsets.map((_, i) => i).sort((a, b) => offsets[a] - offsets[b]);
  const runs: { start: number; end: number; members: number[] }[] = [];
  for (const i of order) {
    const r = idx.range(offsets[i]);
    if (r.start === r.end) continue;
    const last = runs[runs.length - 1];
    if (last !== undefined && r.start - last.end <= COALESCE_GAP) {
      last.end = Math.max(last.end, r.end);
      last.members.push(i);
    } else runs.push({ start: r.start, end: r.end, members: [i] });
  }
  const out = new Array<Payload | null>(offsets.length).fill(null);
  await Promise.all(
    runs.map(async (run) => {
      const bytes = await getRange(src.store, key, run.start, run.end, io, 'payload blobs');
      for (const i of run.members) out[i] = idx.decode(bytes, run.start, offsets[i], key);
    }),
  );
  return out;
}

/**
 * Every payload of a segment decoded, from ONE whole GET of `payload` (what a holder keeps in memory when the
 * collection says `on_disk_payload: false`), with the bytes it read (decoded JSON costs about twice that in V8).
 */
export async function readAllPayloads(
  src: PointSource,
  io?: IoScope,
): Promise<{ payloads: (Payload | null)[]; bytes: number }> {
  const idx = await src.payloadIndex(io);
  const key = segmentObjectKey(src.prefix, PAYLOAD);
  const bytes = await getWhole(src.store, key, io, 'payload');
  const payloads = new Array<Payload | null>(src.meta.count);
  for (let o = 0; o < src.meta.count; o++) payloads[o] = idx.decode(bytes, 0, o, key);
  return { payloads, bytes: bytes.byteLength };
}

/** Every vector of each offset, by name (a point lacking a named vector has no entry for it). */
async function readVectors(
  src: PointSource,
  offsets: readonly PointOffset[],
  io?: IoScope,
): Promise<Map<string, StoredVector>[]> {
  const out = offsets.map(() => new Map<string, StoredVector>());
  await Promise.all([
    ...Object.keys(src.meta.sparse ?? {}).map(async (name) => {
      const got = await (await src.sparse(name, io)).vectorsOf(offsets, io);
      got.forEach((v, i) => {
        if (v !== null) out[i].set(name, v);
      });
    }),
    ...Object.entries(src.meta.spaces).map(async ([name, space]) => {
      const map = space.offsetsBytes > 0 ? await src.spaceOffsets(name, io) : null;
      const want: number[] = [];
      const rows: number[] = [];
      offsets.forEach((o, i) => {
        const r = map === null ? o : map.offsetRows[o];
        if (r >= 0) {
          want.push(i);
          rows.push(r);
        }
      });
      const got =
        space.multivector === undefined
          ? await readSpaceRows(src, name, space, rows, io)
          : await readMultiRows(src, name, space, rows, io);
      want.forEach((i, k) => out[i].set(name, got[k]));
    }),
  ]);
  return out;
}

/** Each row's multivector (its inner rows, flat): the inner rows of every asked row read in one go. */
async function readMultiRows(
  src: PointSource,
  name: string,
  space: SpaceMeta,
  rows: readonly number[],
  io?: IoScope,
): Promise<Float32Array[]> {
  if (rows.length === 0) return [];
  const starts = await src.multiStarts(name, io);
  if (starts === null) throw internal(`segment ${src.prefix}: vector "${name}" has no multi rows`);
  const inner: number[] = [];
  for (const r of rows) for (let i = starts[r]; i < starts[r + 1]; i++) inner.push(i);
  const got = await readSpaceRows(src, name, space, inner, io);
  const dim = space.dim;
  let at = 0;
  return rows.map((r) => {
    const len = starts[r + 1] - starts[r];
    const v = new Float32Array(len * dim);
    for (let i = 0; i < len; i++) v.set(got[at + i], i * dim);
    at += len;
    return v;
  });
}

/** Rows of the space's `vectors` (inner rows of a multivector space), each copied out as float32 values. */
async function readSpaceRows(
  src: PointSource,
  name: string,
  space: SpaceMeta,
  rows: readonly number[],
  io?: IoScope,
): Promise<Float32Array[]> {
  if (rows.length === 0) return [];
  const dim = space.dim;
  const count = space.multivector?.vectors ?? space.count;
  const row = (data: RowArray, at: number) => {
    const v = new Float32Array(dim);
    decodeRowInto(data, at, dim, v);
    return v;
  };
  const held = src.vectors(name);
  if (held !== null) return rows.map((o) => row(held, o * dim));
  const key = spaceObjectKey(src.prefix, name, VECTORS, space.nested);
  if (rows.length > count * WHOLE_OBJECT_FRACTION) {
    const { meta, data } = deserializeStoredVectors(await getWhole(src.store, key, io, 'vectors'));
    if (meta.n !== count || meta.dim !== dim || meta.datatype !== (space.datatype ?? 'float32'))
      throw internal(`segment ${src.prefix}: vectors does not match meta.json`);
    return rows.map((o) => row(data, o * dim));
  }
  const paged = pagedRows(src.pages, key, vectorsLayout(count, dim, space.vectors.pageSize, space.datatype), io);
  await paged.load(rows);
  return rows.map((o) => {
    const page = paged.rows(o);
    if (page === null) throw internal(`segment ${src.prefix}: row ${o} missing after load`);
    return row(page, paged.rowOffset(o));
  });
}

export { pagedRows } from './paged-rows.js';

/**
 * A PointSource over a segment nobody opened: meta.json and the head of `payload` in one round; the payload index
 * is decoded from that head when it fits, else read once (one ranged GET) the first time a payload is asked for.
 * The source keeps both (segment objects are immutable), so callers cache the source, not the bytes.
 */
export async function openPointSource(
  store: ObjectStore,
  pages: PageSource,
  prefix: string,
  io?: IoScope,
): Promise<PointSource> {
  const metaKey = segmentObjectKey(prefix, META);
  const payloadKey = segmentObjectKey(prefix, PAYLOAD);
  const [metaBytes, head] = await Promise.all([
    getWhole(store, metaKey, io, 'meta.json'),
    getHead(store, payloadKey, PAYLOAD_HEAD_BYTES, io, 'payload'),
  ]);
  const meta = parseMeta(metaBytes, metaKey);
  let index: Promise<PayloadIndex> | null = null;
  const decode = (bytes: Uint8Array): PayloadIndex => {
    const idx = new PayloadIndex(bytes, payloadKey);
    if (idx.count !== meta.count) throw internal(`segment ${prefix}: payload index does not match meta.json`);
    return idx;
  };
  if (meta.payloadIndexBytes <= head.byteLength) index = Promise.resolve(decode(head));
  const offsetMaps = new Map<string, Promise<SpaceOffsets>>();
  const sparse = sparseReaders(store, pages, prefix, meta, 'coordinator');
  const startMaps = new Map<string, Promise<Uint32Array>>();
  return {
    sparse: sparse.get,
    store,
    pages,
    prefix,
    meta,
    payloadIndex(q) {
      if (index === null) {
        const loading = getRange(store, payloadKey, 0, meta.payloadIndexBytes, q, 'payload index').then(decode);
        loading.catch(() => {
          if (index === loading) index = null;
        });
        index = loading;
      }
      return index;
    },
    payloads: () => null,
    vectors: () => null,
    spaceOffsets(name, q) {
      const space = meta.spaces[name];
      if (space === undefined || space.offsetsBytes === 0) return Promise.resolve(null);
      let hit = offsetMaps.get(name);
      if (hit === undefined) {
        const k = spaceObjectKey(prefix, name, OFFSETS, space.nested);
        hit = getWhole(store, k, q, 'offsets').then((b) => decodeSpaceOffsets(b, k));
        hit.catch(() => offsetMaps.delete(name));
        offsetMaps.set(name, hit);
      }
      return hit;
    },
    multiStarts(name, q) {
      const space = meta.spaces[name];
      if (space?.multivector === undefined) return Promise.resolve(null);
      let hit = startMaps.get(name);
      if (hit === undefined) {
        const k = spaceObjectKey(prefix, name, MULTI, space.nested);
        hit = getWhole(store, k, q, 'multi').then((b) => decodeMultiRows(b, k));
        hit.catch(() => startMaps.delete(name));
        startMaps.set(name, hit);
      }
      return hit;
    },
  };
}

export interface ReadPointsOptions {
  withPayload: boolean;
  withVector: boolean;
  io?: IoScope;
}

export interface SegmentPoint {
  offset: PointOffset;
  id: PointId;
  version: number;
  payload?: Payload | null;
  vectors?: Map<string, StoredVector> | null;
}

/** Points of an opened segment, with their ids and versions (it holds the id table). */
export async function readPoints(
  seg: Segment,
  offsets: readonly PointOffset[],
  options: ReadPointsOptions,
): Promise<SegmentPoint[]> {
  const stored = await readStoredPoints(
    seg.pointSource(),
    offsets,
    { payload: options.withPayload, vector: options.withVector },
    options.io,
  );
  return offsets.map((o, i) => {
    const p: SegmentPoint = { offset: o, id: seg.externalId(o), version: seg.version(o) };
    if (options.withPayload) p.payload = stored[i].payload;
    if (options.withVector) p.vectors = stored[i].vectors;
    return p;
  });
}

/**
 * The `ids` table of a segment without opening the rest (one GET): the coordinator's point lookups and the
 * optimizer map external ids to offsets here.
 */
export async function readIdTable(store: ObjectStore, segmentPrefix: string, io?: IoScope): Promise<IdTable> {
  const key = segmentObjectKey(segmentPrefix, IDS);
  return new IdTable(await getWhole(store, key, io, 'ids'), key);
}

/** Offsets (in this segment) of those `ids` it holds, with the ids they belong to. */
export async function lookupOffsets(
  store: ObjectStore,
  segmentPrefix: string,
  ids: readonly PointId[],
  io?: IoScope,
): Promise<{ id: PointId; offset: PointOffset }[]> {
  const table = await readIdTable(store, segmentPrefix, io);
  const out: { id: PointId; offset: PointOffset }[] = [];
  for (const id of ids) {
    const offset = table.offsetOf(id);
    if (offset >= 0) out.push({ id, offset });
  }
  return out;
}
