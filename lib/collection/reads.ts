/**
 * Point reads over a snapshot: retrieve by id, scroll, count, and the payload/vector fetch of a query's final page.
 *
 * Invariants:
 * - The live set of a snapshot = tail winners that are upserts ∪ live segment copies whose id no tail winner
 *   shadows (snapshot.ts). Every read here goes through `liveEntries`/`lookup`, so get, scroll, count and query
 *   agree on which version of a point exists.
 * - Payloads and vectors are fetched only for points that are returned (or that a filter must inspect).
 */
import { answersVectorMap } from '../model/sparse-spaces.js';
import { type VectorPresence, compileFilter, filterVectorNames } from '../segment/filter.js';
import { readStoredPoints } from '../segment/points.js';
import type { IoScope } from '../storage/io-stats.js';
import type { ServiceContext } from './context.js';
import { liveSource } from './segment-access.js';
import { compareIds } from './merge.js';
import { projectPayload, wantsPayload } from './payload-ops.js';
import type { Snapshot } from './snapshot.js';
import type { TailEntry } from './tail.js';
import type { Filter } from '../model/filter.js';
import type { Payload, WithPayload } from '../model/payload.js';
import type { PointId } from '../model/point-id.js';
import type { Record_, ScrollRequest, ScrollResult, VectorRows, VectorValue, WithVector } from '../model/points.js';
import type { CollectionConfig } from '../model/collection-config.js';
import { multiRows } from '../model/multivector.js';
import { vectorSpaces } from '../model/vector-spaces.js';
import { compareVectorNames } from '../model/vector-name-order.js';
import { type SparseVectorJson, type StoredVector, isSparse, sparseToJson } from '../model/sparse-vector.js';
import { payloadMemory } from '../model/memory.js';

/** Where the live version of a point is. */
export type Located =
  | { id: PointId; version: number; tail: TailEntry; segment?: undefined; offset?: undefined }
  | { id: PointId; version: number; tail?: undefined; segment: string; offset: number };

export interface FullPoint {
  id: PointId;
  version: number;
  payload: Payload | null;
  /** every vector of the point by name, when loaded */
  vectors: VectorRows | null;
}

/** Every live point of the snapshot, sorted by id. */
export async function liveEntries(ctx: ServiceContext, snap: Snapshot): Promise<Located[]> {
  const out: Located[] = [];
  for (const e of snap.winners.values()) if (e.vectors !== null) out.push({ id: e.id, version: e.version, tail: e });
  const perSegment = await Promise.all(snap.manifest.segments.map((s) => ctx.access.livePoints(snap.collection, s)));
  for (let i = 0; i < perSegment.length; i++) {
    const seg = snap.manifest.segments[i].id;
    for (const p of perSegment[i]) {
      if (!snap.winners.has(p.id)) out.push({ id: p.id, version: p.version, segment: seg, offset: p.offset });
    }
  }
  out.sort((a, b) => compareIds(a.id, b.id));
  return out;
}

/** The live location of each id (absent ids are skipped), in input order without duplicates. */
export async function lookup(ctx: ServiceContext, snap: Snapshot, ids: readonly PointId[]): Promise<Located[]> {
  const unique = [...new Set(ids)];
  const fromSegments = unique.filter((id) => !snap.winners.has(id));
  const copies = await ctx.access.liveCopies(snap.collection, snap.manifest.segments, fromSegments);
  const out: Located[] = [];
  for (const id of unique) {
    const w = snap.winners.get(id);
    if (w !== undefined) {
      if (w.vectors !== null) out.push({ id, version: w.version, tail: w });
      continue;
    }
    const c = copies.get(id);
    if (c !== undefined) out.push({ id, version: c.version, segment: c.segment.id, offset: c.offset });
  }
  return out;
}

/** Payloads and/or vectors of located points, in input order. */
export async function loadPoints(
  ctx: ServiceContext,
  snap: Snapshot,
  located: readonly Located[],
  want: { payload: boolean; vector: boolean },
  io?: IoScope,
): Promise<FullPoint[]> {
  const out: FullPoint[] = located.map((l) => ({
    id: l.id,
    version: l.version,
    payload: l.tail !== undefined ? l.tail.payload : null,
    vectors: l.tail !== undefined ? l.tail.vectors : null,
  }));
  if (!want.payload && !want.vector) return out;
  const bySegment = new Map<string, number[]>();
  located.forEach((l, i) => {
    if (l.segment === undefined) return;
    const list = bySegment.get(l.segment);
    if (list) list.push(i);
    else bySegment.set(l.segment, [i]);
  });
  // payload memory `cached` (on_disk_payload: false) keeps each segment's payloads in this process's memory
  // (segment-access.ts)
  const resident = want.payload && payloadMemory(snap.manifest.config) === 'cached';
  await Promise.all(
    [...bySegment].map(async ([segment, idx]) => {
      const offsets = idx.map((i) => located[i].offset as number);
      // otherwise the payloads of a page read before are kept by (segment, offset): read only the others
      const kept = want.payload && !resident ? ctx.access.cachedPayloads(snap.collection, segment, offsets) : null;
      const missing = kept === null ? [] : offsets.filter((_, j) => kept[j] === undefined);
      if (kept !== null && missing.length === 0 && !want.vector) {
        idx.forEach((i, j) => {
          out[i].payload = kept[j] ?? null;
        });
        return;
      }
      const [source, held] = await Promise.all([
        ctx.access.points(snap.collection, segment, io),
        resident ? ctx.access.residentPayloads(snap.collection, segment, io) : null,
      ]);
      const live = liveSource(source, snap.manifest.config);
      const src = held === null ? live : { ...live, payloads: () => held };
      if (kept === null) {
        const points = await readStoredPoints(src, offsets, want, io);
        idx.forEach((i, j) => {
          out[i].payload = points[j].payload;
          out[i].vectors = points[j].vectors;
        });
        return;
      }
      const [vectors, read] = await Promise.all([
        want.vector ? readStoredPoints(src, offsets, { payload: false, vector: true }, io) : null,
        missing.length > 0 ? readStoredPoints(src, missing, { payload: true, vector: false }, io) : [],
      ]);
      ctx.access.rememberPayloads(
        snap.collection,
        segment,
        missing,
        read.map((p) => p.payload),
      );
      const fresh = new Map(missing.map((o, k) => [o, read[k].payload]));
      idx.forEach((i, j) => {
        out[i].payload = kept[j] !== undefined ? kept[j] : (fresh.get(offsets[j]) ?? null);
        out[i].vectors = vectors === null ? null : vectors[j].vectors;
      });
    }),
  );
  return out;
}

/** Whether `with_vector` asks for any vector at all (then every vector of a point is loaded, and projected). */
export function wantsVector(withVector: WithVector): boolean {
  return Array.isArray(withVector) ? withVector.length > 0 : withVector;
}

/**
 * A point as returned. Vectors as Qdrant shows them: an unnamed collection's vector is a list; a named collection's
 * vectors are an object name -> list holding the names asked for (all with `true`) that the point has.
 */
/**
 * How records print a collection's vectors: as a map or not (a named config, or sparse names beside the unnamed
 * vector: answersVectorMap), and the size of each multivector name (a stored multivector is flat; it prints as its
 * list of rows, as Qdrant returns it). Sparse vectors print as {indices, values}.
 */
export interface RecordShape {
  named: boolean;
  multivectors: ReadonlyMap<string, number>;
}

export function recordShape(config: CollectionConfig): RecordShape {
  return {
    named: answersVectorMap(config),
    multivectors: new Map(vectorSpaces(config).flatMap((s) => (s.multivector ? [[s.name, s.size]] : []))),
  };
}

const UNNAMED_DENSE: RecordShape = { named: false, multivectors: new Map() };

export function toRecord(
  p: FullPoint,
  withPayload: WithPayload,
  withVector: WithVector,
  shape: RecordShape = UNNAMED_DENSE,
): Record_ {
  const r: Record_ = { id: p.id };
  const payload = projectPayload(p.payload, withPayload);
  r.payload = payload === undefined ? null : payload;
  r.vector = null;
  if (!wantsVector(withVector) || p.vectors === null) return r;
  const value = (name: string, v: StoredVector): VectorValue | SparseVectorJson => {
    if (isSparse(v)) return sparseToJson(v);
    const dim = shape.multivectors.get(name);
    return dim === undefined ? Array.from(v) : multiRows(v, dim);
  };
  if (!shape.named) {
    const v = p.vectors.get('');
    r.vector = v === undefined || isSparse(v) ? null : (value('', v) as VectorValue);
    return r;
  }
  // Qdrant's own map here is a HashMap (no order); names are answered in its config's order, as collection info
  // lists them, so an answer does not depend on the order names were added or asked for
  const names = (Array.isArray(withVector) ? [...withVector] : [...p.vectors.keys()]).sort(compareVectorNames);
  const out: Record<string, VectorValue | SparseVectorJson> = {};
  for (const name of names) {
    const v = p.vectors.get(name);
    if (v !== undefined) out[name] = value(name, v);
  }
  const keys = Object.keys(out);
  // Qdrant prints a point whose only vector (of those asked for) is the unnamed dense one as that vector, not as a
  // map (its NamedVectors -> VectorStruct conversion): so beside named or sparse vectors too
  const only = keys.length === 1 && keys[0] === '' ? p.vectors.get('') : undefined;
  r.vector = only !== undefined && !isSparse(only) ? (out[''] as VectorValue) : out;
  return r;
}

export async function getPoints(
  ctx: ServiceContext,
  snap: Snapshot,
  ids: readonly PointId[],
  withPayload: WithPayload,
  withVector: WithVector,
): Promise<Record_[]> {
  const located = await lookup(ctx, snap, ids);
  const want = { payload: wantsPayload(withPayload), vector: wantsVector(withVector) };
  const points = await loadPoints(ctx, snap, located, want);
  const named = recordShape(snap.manifest.config);
  return points.map((p) => toRecord(p, withPayload, withVector, named));
}

/** Points matching `filter` among `entries`, in order, stopping after `max` matches (payloads loaded per chunk). */
export async function* matching(
  ctx: ServiceContext,
  snap: Snapshot,
  entries: readonly Located[],
  filter: Filter | undefined,
  want: { payload: boolean; vector: boolean },
  chunk = 512,
): AsyncGenerator<FullPoint> {
  const { config } = snap.manifest;
  const schema = config.payload_schema;
  const pred = filter ? compileFilter(filter, schema) : null;
  const names = filterVectorNames(filter);
  // segments whose field indexes (and vector presence) serve the whole filter answer it without payloads
  // (1 = match, 0 = skip)
  const masks = new Map<string, Uint8Array>();
  if (filter && (names.size > 0 || (schema !== undefined && Object.keys(schema).length > 0))) {
    await Promise.all(
      snap.manifest.segments.map(async (s) => {
        const m = await ctx.access.fieldMask(snap.collection, s.id, filter, config);
        if (m !== null) masks.set(s.id, m);
      }),
    );
  }
  // the other segments' vector presence, for the has_vector conditions of the payload scan
  const presence = new Map<string, Map<string, Uint8Array>>();
  if (names.size > 0) {
    await Promise.all(
      snap.manifest.segments
        .filter((s) => !masks.has(s.id))
        .map(async (s) => presence.set(s.id, await ctx.access.vectorPresence(snap.collection, s.id, names, config))),
    );
  }
  const decided = (l: Located): boolean | undefined => {
    const m = l.segment === undefined ? undefined : masks.get(l.segment);
    return m === undefined ? undefined : m[l.offset as number] === 1;
  };
  const vectorsOf = (l: Located): VectorPresence | null => {
    if (l.tail !== undefined) return l.tail.vectors;
    const held = presence.get(l.segment);
    if (held === undefined) return null;
    const o = l.offset;
    return { has: (name) => held.get(name)?.[o] === 1 };
  };
  for (let at = 0; at < entries.length; at += chunk) {
    const slice = entries.slice(at, at + chunk).filter((l) => decided(l) !== false);
    // payloads are read for the segment points no mask decides (a tail point's is in memory already)
    const open = pred !== null && slice.some((l) => l.segment !== undefined && decided(l) === undefined);
    const points = await loadPoints(ctx, snap, slice, { payload: want.payload || open, vector: want.vector });
    for (let i = 0; i < points.length; i++) {
      const p = points[i];
      if (pred === null || decided(slice[i]) === true || pred(p.id, p.payload, vectorsOf(slice[i]))) yield p;
    }
  }
}

export async function scroll(ctx: ServiceContext, snap: Snapshot, req: ScrollRequest): Promise<ScrollResult> {
  const all = await liveEntries(ctx, snap);
  let start = 0;
  if (req.offset !== undefined && req.offset !== null) {
    const from = req.offset;
    while (start < all.length && compareIds(all[start].id, from) < 0) start++;
  }
  const entries = all.slice(start);
  const points: Record_[] = [];
  let next: PointId | null = null;
  const chunk = Math.max(16, Math.min(1024, req.limit + 1));
  for await (const p of matching(
    ctx,
    snap,
    entries,
    req.filter,
    { payload: wantsPayload(req.with_payload), vector: wantsVector(req.with_vector) },
    chunk,
  )) {
    if (points.length === req.limit) {
      next = p.id;
      break;
    }
    points.push(toRecord(p, req.with_payload, req.with_vector, recordShape(snap.manifest.config)));
  }
  return { points, next_page_offset: next };
}

/**
 * Live points without listing them: the manifest's live counts, minus segment copies the tail shadows, plus the
 * tail's upserts. Only the id tables are read (to find which tail ids have live copies), never payloads.
 */
export async function livePointCount(ctx: ServiceContext, snap: Snapshot): Promise<number> {
  const copies =
    snap.winners.size === 0
      ? new Map()
      : await ctx.access.liveCopies(snap.collection, snap.manifest.segments, [...snap.winners.keys()]);
  let n = 0;
  for (const s of snap.manifest.segments) n += s.points - s.deleted;
  for (const w of snap.winners.values()) {
    if (copies.has(w.id)) n--;
    if (w.vectors !== null) n++;
  }
  return n;
}

export async function count(ctx: ServiceContext, snap: Snapshot, filter: Filter | undefined): Promise<number> {
  if (!filter) return livePointCount(ctx, snap);
  const all = await liveEntries(ctx, snap);
  let n = 0;
  for await (const _ of matching(ctx, snap, all, filter, { payload: false, vector: false })) n++;
  return n;
}
