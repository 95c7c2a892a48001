/**
 * Reading points back out of a segment: the coordinator's final top-k (payloads, maybe vectors), get-by-id and
 * scroll. Offsets in, external ids out.
 *
 * I/O: when the segment already decoded every payload (a filter needed them) nothing is read; otherwise the blobs
 * of the asked offsets are fetched by ranged GETs, blobs closer than COALESCE_GAP bytes merged into one GET, all
 * in ONE parallel round. Vectors come from memory (on_disk false) or from their pages (one coalesced round).
 */
import type { Payload, PointId } from '../collection/types.js';
import { internal } from '../errors.js';
import type { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import { IdTable, type PointOffset } from './ids-format.js';
import { IDS, PAYLOAD, segmentObjectKey } from './keys.js';
import type { Segment } from './segment.js';
import { getRange, getWhole } from './store-io.js';

/** Blobs separated by less than this are fetched by one ranged GET (a GET costs more than a few KB of transfer). */
const COALESCE_GAP = 16 * 1024;

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
  vector?: number[];
}

export async function readPoints(
  seg: Segment,
  offsets: readonly PointOffset[],
  options: ReadPointsOptions,
): Promise<SegmentPoint[]> {
  for (const o of offsets) {
    if (!Number.isInteger(o) || o < 0 || o >= seg.meta.count) throw internal(`readPoints: offset ${o} outside segment`);
  }
  const [payloads, vectors] = await Promise.all([
    options.withPayload ? readPayloads(seg, offsets, options.io) : null,
    options.withVector ? readVectors(seg, offsets, options.io) : null,
  ]);
  return offsets.map((o, i) => {
    const p: SegmentPoint = { offset: o, id: seg.externalId(o), version: seg.version(o) };
    if (payloads !== null) p.payload = payloads[i];
    if (vectors !== null) p.vector = vectors[i];
    return p;
  });
}

async function readPayloads(seg: Segment, offsets: readonly PointOffset[], io?: IoScope): Promise<(Payload | null)[]> {
  if (seg.hasAllPayloads()) {
    const all = await seg.allPayloads(io);
    return offsets.map((o) => all[o]);
  }
  const idx = seg.payloadIndex;
  const key = seg.key(PAYLOAD);
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
      const bytes = await getRange(seg.store, key, run.start, run.end, io, 'payload blobs');
      for (const i of run.members) out[i] = idx.decode(bytes, run.start, offsets[i], key);
    }),
  );
  return out;
}

async function readVectors(seg: Segment, offsets: readonly PointOffset[], io?: IoScope): Promise<number[][]> {
  const src = seg.inMemoryVectors();
  const dim = seg.meta.dim;
  if (src !== null) return offsets.map((o) => Array.from(src.subarray(o * dim, (o + 1) * dim)));
  const rows = seg.rowSource(io);
  await rows.load(offsets);
  return offsets.map((o) => {
    const page = rows.rows(o);
    if (page === null) throw internal(`readPoints: row ${o} missing after load`);
    const at = rows.rowOffset(o);
    return Array.from(page.subarray(at, at + dim));
  });
}

/**
 * The `ids` table of a segment without opening the rest (one GET): the optimizer maps the external ids that newer
 * writes replaced to offsets here, then writes the next tombstone version.
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
