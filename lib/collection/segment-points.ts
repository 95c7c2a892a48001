/**
 * Payloads and vectors of given offsets of one sealed segment, read by the coordinator (final page of a query,
 * get, scroll, payload updates) and by the optimizer (merging segments).
 *
 * Reads are sized to the request: a few points cost the payload index (one ranged GET, cached: immutable) plus one
 * ranged GET per blob and per vectors page; many points (more than a quarter of the segment) read whole objects.
 */
import { internal } from '../errors.js';
import {
  VECTORS_HEADER_BYTES,
  decodeVectorsPage,
  deserializeVectors,
  parseVectorsHeader,
  vectorsPageOf,
  vectorsPageRange,
} from '../index/vectors-format.js';
import type { VectorsFileMeta } from '../index/vectors-format.js';
import type { PointOffset } from '../segment/ids-format.js';
import { PAYLOAD, VECTORS, segmentObjectKey } from '../segment/keys.js';
import { PayloadIndex } from '../segment/payload-format.js';
import type { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import { segmentPrefix } from './keys.js';
import type { Payload } from './types.js';

export interface StoredPoint {
  payload: Payload | null;
  vector: Float32Array | null;
}

const WHOLE_OBJECT_FRACTION = 0.25;
/** blobs this close are fetched by one ranged GET (a GET costs more than a few KB of transfer) */
const COALESCE_GAP = 16 * 1024;
const payloadIndexes = new Map<string, Promise<PayloadIndex>>();
const vectorHeaders = new Map<string, Promise<VectorsFileMeta>>();

async function range(store: ObjectStore, key: string, start: number, end: number, io?: IoScope): Promise<Uint8Array> {
  const got = await store.get(key, { io, range: { offset: start, length: end - start } });
  if (got === null) throw internal(`segment object ${key} is missing`);
  return got.body;
}

async function whole(store: ObjectStore, key: string, io?: IoScope): Promise<Uint8Array> {
  const got = await store.get(key, { io });
  if (got === null) throw internal(`segment object ${key} is missing`);
  return got.body;
}

function once<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let p = map.get(key);
  if (p === undefined) {
    p = load();
    map.set(key, p);
    p.catch(() => map.delete(key));
    if (map.size > 4096) map.delete(map.keys().next().value as string);
  }
  return p;
}

async function readPayloads(
  store: ObjectStore,
  prefix: string,
  offsets: readonly PointOffset[],
  io?: IoScope,
): Promise<(Payload | null)[]> {
  const key = segmentObjectKey(prefix, PAYLOAD);
  if (offsets.length === 0) return [];
  const index = await once(payloadIndexes, key, async () => {
    // one ranged GET usually covers the index region; its length B is header field `a` (payload-format.ts)
    const first = await range(store, key, 0, 4096, io);
    const indexLen = new DataView(first.buffer, first.byteOffset, first.byteLength).getUint32(20, true);
    return new PayloadIndex(indexLen <= first.byteLength ? first : await range(store, key, 0, indexLen, io), key);
  });
  if (offsets.length > index.count * WHOLE_OBJECT_FRACTION) {
    const bytes = await whole(store, key, io);
    return offsets.map((o) => index.decode(bytes, 0, o, key));
  }
  // blobs closer than COALESCE_GAP share one ranged GET; all GETs go out in one round
  const wanted = offsets
    .map((o) => ({ o, ...index.range(o) }))
    .filter((r) => r.end > r.start)
    .sort((a, b) => a.start - b.start);
  const runs: { start: number; end: number }[] = [];
  for (const r of wanted) {
    const last = runs[runs.length - 1];
    if (last !== undefined && r.start - last.end <= COALESCE_GAP) last.end = Math.max(last.end, r.end);
    else runs.push({ start: r.start, end: r.end });
  }
  const bodies = await Promise.all(runs.map((r) => range(store, key, r.start, r.end, io)));
  const decoded = new Map<PointOffset, Payload | null>();
  let run = 0;
  for (const r of wanted) {
    while (runs[run].end < r.end) run++;
    decoded.set(r.o, index.decode(bodies[run], runs[run].start, r.o, key));
  }
  return offsets.map((o) => decoded.get(o) ?? null);
}

async function readVectors(store: ObjectStore, prefix: string, offsets: readonly PointOffset[], io?: IoScope): Promise<Float32Array[]> {
  const key = segmentObjectKey(prefix, VECTORS);
  if (offsets.length === 0) return [];
  const meta = await once(vectorHeaders, key, async () => parseVectorsHeader(await range(store, key, 0, VECTORS_HEADER_BYTES, io)));
  const { dim } = meta;
  if (offsets.length > meta.n * WHOLE_OBJECT_FRACTION) {
    const { data } = deserializeVectors(await whole(store, key, io));
    return offsets.map((o) => data.slice(o * dim, (o + 1) * dim));
  }
  const pages = [...new Set(offsets.map((o) => vectorsPageOf(meta, o)))];
  const decoded = new Map<number, Float32Array>();
  await Promise.all(
    pages.map(async (p) => {
      const r = vectorsPageRange(meta, p);
      decoded.set(p, decodeVectorsPage(meta, p, await range(store, key, r.start, r.end, io)));
    }),
  );
  return offsets.map((o) => {
    const p = vectorsPageOf(meta, o);
    const row = o - p * meta.rowsPerPage;
    return (decoded.get(p) as Float32Array).slice(row * dim, (row + 1) * dim);
  });
}

/** Payloads and/or vectors of `offsets` (in order) of segment `segmentId`. */
export async function readSegmentPoints(
  store: ObjectStore,
  collection: string,
  segmentId: string,
  offsets: readonly PointOffset[],
  want: { payload: boolean; vector: boolean },
  io?: IoScope,
): Promise<StoredPoint[]> {
  const prefix = segmentPrefix(collection, segmentId);
  const [payloads, vectors] = await Promise.all([
    want.payload ? readPayloads(store, prefix, offsets, io) : null,
    want.vector ? readVectors(store, prefix, offsets, io) : null,
  ]);
  return offsets.map((_, i) => ({ payload: payloads?.[i] ?? null, vector: vectors?.[i] ?? null }));
}
