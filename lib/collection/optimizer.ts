/**
 * The optimizer: seals the WAL tail into segments, keeps the segment count near `default_segment_number`, and
 * tombstones segment copies that newer writes replaced or deleted. It runs as its own function (invoked or
 * scheduled), never as a background loop inside a query path.
 *
 * One run = plan → write objects → ONE conditional manifest swap:
 * 1. Read the manifest M and the WAL tail (tail.ts) against it.
 * 2. Resolve every tail entry against the live copies in M's segments with the readers' rule (snapshot.ts): the
 *    entry wins iff its version is newer. Winning entries are sealed; the copies they beat get tombstoned.
 * 3. First seal (no segments): the new points are split into `default_segment_number` balanced segments (more when
 *    `max_segment_size` demands: no segment is ever written larger than it, and merges that would pass it are skipped). Later
 *    seals add one segment for the new points, and when that exceeds `default_segment_number`, the smallest
 *    segments (the new points included) are merged into one, so the count stays put and small segments do not pile
 *    up. Segments left with no live point are dropped.
 * 3b. Segments whose build parameters differ from the config (a `PATCH /collections` changed indexing_threshold,
 *    hnsw m/ef_construct/on_disk, vectors.on_disk or quantization: rebuild.ts) are rebuilt, one replacement segment
 *    each from their live points, and retired like merged-away segments. A rebuilt segment that had a graph gets
 *    one again, however few live points deletes left it (an index is never dropped by a rebuild). Work bound: at most 4 segments and
 *    100,000 live points per run (`rebuild` option; the first stale segment is always taken), so a run stays inside
 *    the optimizer Lambda's timeout; `pendingRebuilds` tells what is left for the next run (a trigger or the
 *    schedule). A run with no WAL to seal only rebuilds; it starts no merges.
 * 4. Write every new segment (lib/segment writes meta.json last) and every new tombstone version, all create-only.
 * 5. Swap the manifest (If-Match). If anything but the config changed since M (another optimizer won), the whole
 *    plan is dropped and redone from the new manifest; its objects become orphans that garbage collection removes
 *    after the grace period. WAL objects written meanwhile are simply left for the next run.
 *
 * Invariants:
 * - A segment or tombstone version is visible only once the manifest names it; it is named only after it is
 *   completely written. A crash anywhere leaves the previous manifest, which names only complete objects (§4.4).
 * - Sealed WAL objects are recorded by name (manifest.ts explains why not a high-water mark).
 * - Tombstone versions are numbered by the optimizer's clock (max(now, previous + 1)), so a crashed or losing
 *   optimizer's leftover `deleted.{v}` never blocks the next one's create-only write.
 * - A run whose plan is older than the grace period gives up instead of committing: garbage collection may already
 *   treat its unnamed segments as orphans.
 * - Garbage (gc.ts) is deleted only a grace period after it left the manifest (or, for orphans, after it was born).
 */
import { createHash, randomBytes } from 'node:crypto';
import { conflict, internal, isStrataError, notFound } from '../errors.js';
import type { SegmentMeta } from '../segment/meta.js';
import { directPages } from '../segment/page-io.js';
import { openPointSource, readStoredPoints } from '../segment/points.js';
import { writeTombstones } from '../segment/tombstones.js';
import { writeSegment } from '../segment/writer.js';
import { isAmbiguousWrite } from '../storage/object-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { collectGarbage } from './gc.js';
import type { GcResult } from './gc.js';
import { collectionPrefix, manifestKey, newSegmentId, segmentPrefix } from './keys.js';
import type { Manifest, SegmentEntry } from './manifest.js';
import { loadManifest, updateManifest } from './manifest.js';
import { DEFAULT_REBUILD_BUDGET, buildOf, pickRebuilds, rebuildIndexes } from './rebuild.js';
import type { RebuildBudget } from './rebuild.js';
import { SegmentAccess } from './segment-access.js';
import { WalTailReader } from './tail.js';
import type { CollectionConfig, Payload, PointId } from './types.js';

export interface OptimizeOptions {
  /** injected clock (ms) @default Date.now */
  now?: () => number;
  /**
   * how long garbage is kept after it left the manifest (longer than any query or optimizer run: a run older than
   * half of it abandons its plan) @default 3_600_000 (1 h, twice the longest Lambda run)
   */
  graceMs?: number;
  /**
   * how long sealed WAL objects are kept (longer than any query: gc.ts) @default min(graceMs, 300_000)
   */
  walGraceMs?: number;
  /** random segment-id suffixes @default 8 random hex digits */
  random?: () => string;
  /** re-plans allowed after lost swaps @default 8 */
  maxAttempts?: number;
  /** segments and points rebuilt per run for config changes (rebuild.ts) @default DEFAULT_REBUILD_BUDGET */
  rebuild?: RebuildBudget;
  /**
   * segment count when the collection's `default_segment_number` is 0 ("let the engine choose"): Qdrant picks one
   * per CPU; the serverless analogue is one per segment worker, so a default collection fans out over all of them
   * @default 1
   */
  autoSegments?: number;
  /** skip garbage collection (tests that inspect leftovers) @default false */
  skipGc?: boolean;
  /** shared caches (the optimizer function keeps them warm across invocations) */
  access?: SegmentAccess;
  wal?: WalTailReader;
}

export interface OptimizeResult {
  /** WAL objects newly recorded as sealed */
  sealedWal: number;
  /** points written into new segments (new + carried over by merges) */
  writtenPoints: number;
  /** ids of segments added / removed by the committed swap */
  added: string[];
  removed: string[];
  /** offsets newly tombstoned */
  tombstoned: number;
  /** segments rebuilt because their build parameters differ from the config (also counted in added/removed) */
  rebuilt: number;
  /** stale segments left for later runs by the per-run bound */
  pendingRebuilds: number;
  /** plans dropped because another optimizer swapped first */
  replans: number;
  epoch: number;
  gc: GcResult | null;
}

interface NewPoints {
  ids: PointId[];
  versions: number[];
  payloads: (Payload | null)[];
  vectors: Float32Array[];
}

class Replan extends Error {}

/** The manifest fields a plan depends on: if any of them moved, the plan is stale. */
function planBasis(m: Manifest): string {
  return JSON.stringify([
    m.incarnation,
    m.segments,
    m.sealedWal.map((w) => w.name),
    m.retiredSegments,
    m.retiredTombstones,
  ]);
}

function seedOf(segmentId: string): number {
  return createHash('sha256').update(segmentId).digest().readUInt32LE(0);
}

function emptyPoints(): NewPoints {
  return { ids: [], versions: [], payloads: [], vectors: [] };
}

async function writeNewSegment(
  store: ObjectStore,
  collection: string,
  config: CollectionConfig,
  id: string,
  pts: NewPoints,
  index?: boolean,
): Promise<SegmentEntry> {
  const dim = config.vectors.size;
  const vectors = new Float32Array(pts.ids.length * dim);
  pts.vectors.forEach((v, i) => vectors.set(v, i * dim));
  const input = { config, ids: pts.ids, versions: pts.versions, vectors, payloads: pts.payloads, seed: seedOf(id) };
  const meta: SegmentMeta = await writeSegment(
    store,
    segmentPrefix(collection, id),
    input,
    index === undefined ? {} : { index },
  );
  let minVersion = Number.POSITIVE_INFINITY;
  let maxVersion = 0;
  for (const v of pts.versions) {
    if (v < minVersion) minVersion = v;
    if (v > maxVersion) maxVersion = v;
  }
  return {
    id,
    points: meta.count,
    deleted: 0,
    deletedVersion: 0,
    minVersion: pts.ids.length === 0 ? 0 : minVersion,
    maxVersion,
    vectorBytes: meta.count * meta.dim * 4,
    indexed: meta.hnsw !== null,
    build: buildOf(meta),
  };
}

/** Appends the live points of `s` (minus `tomb`, this run's new tombstones) to `into`: merges and rebuilds. */
async function carryOver(
  store: ObjectStore,
  access: SegmentAccess,
  collection: string,
  s: SegmentEntry,
  tomb: ReadonlySet<number>,
  into: NewPoints,
): Promise<void> {
  const points = (await access.livePoints(collection, s)).filter((p) => !tomb.has(p.offset));
  // not through `access`: a merged-away or rebuilt segment is never read again, so its meta and payload index are not kept
  const source = await openPointSource(store, directPages(store), segmentPrefix(collection, s.id));
  const stored = await readStoredPoints(
    source,
    points.map((p) => p.offset),
    { payload: true, vector: true },
  );
  points.forEach((p, i) => {
    into.ids.push(p.id);
    into.versions.push(p.version);
    into.payloads.push(stored[i].payload);
    into.vectors.push(stored[i].vector as Float32Array);
  });
}

/** Splits points (sorted by id) into `parts` contiguous, balanced groups. */
/** Points per segment allowed by `max_segment_size` (KB of float32 vectors); Infinity when unset. */
function maxSegmentPoints(config: CollectionConfig): number {
  const kb = config.optimizers_config.max_segment_size;
  if (kb === null || kb === undefined || kb <= 0) return Number.POSITIVE_INFINITY;
  return Math.max(1, Math.floor((kb * 1024) / (config.vectors.size * 4)));
}

function split(pts: NewPoints, parts: number): NewPoints[] {
  const n = pts.ids.length;
  const k = Math.max(1, Math.min(parts, n));
  const out: NewPoints[] = [];
  for (let p = 0; p < k; p++) {
    const from = Math.floor((p * n) / k);
    const to = Math.floor(((p + 1) * n) / k);
    out.push({
      ids: pts.ids.slice(from, to),
      versions: pts.versions.slice(from, to),
      payloads: pts.payloads.slice(from, to),
      vectors: pts.vectors.slice(from, to),
    });
  }
  return out;
}

/** Seals the WAL tail of the collection at `collection` (a prefix from keys.ts), then collects garbage. */
export async function optimize(
  store: ObjectStore,
  collection: string,
  options: OptimizeOptions = {},
): Promise<OptimizeResult> {
  const now = options.now ?? Date.now;
  const graceMs = options.graceMs ?? 3_600_000;
  const walGraceMs = options.walGraceMs ?? Math.min(graceMs, 300_000);
  const random = options.random ?? (() => randomBytes(4).toString('hex'));
  const access = options.access ?? new SegmentAccess(store);
  const wal = options.wal ?? new WalTailReader(store);
  const maxAttempts = options.maxAttempts ?? 8;
  const key = manifestKey(collection);

  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const planStarted = now();
    const [current, listed] = await Promise.all([loadManifest(store, key), wal.list(collection)]);
    if (current === null) throw notFound(`collection at ${collection} does not exist`);
    const M = current.manifest;
    const basis = planBasis(M);
    const tail = await wal.read(collection, M, listed);
    const toSeal = [...tail.names, ...tail.foreign];

    // 2. resolve tail entries against live segment copies
    const entries = [...tail.entries.values()];
    const copies = await access.liveCopies(
      collection,
      M.segments,
      entries.map((e) => e.id),
    );
    const newTombs = new Map<string, number[]>();
    const fresh = emptyPoints();
    let tombstoned = 0;
    entries.sort((a, b) =>
      typeof a.id === typeof b.id ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : typeof a.id === 'number' ? -1 : 1,
    );
    for (const e of entries) {
      const copy = copies.get(e.id);
      if (copy !== undefined && copy.version >= e.version) continue; // a late, older write: the sealed copy stays
      if (copy !== undefined) {
        const list = newTombs.get(copy.segment.id) ?? [];
        list.push(copy.offset);
        newTombs.set(copy.segment.id, list);
        tombstoned++;
      }
      if (e.vector !== null) {
        fresh.ids.push(e.id);
        fresh.versions.push(e.version);
        fresh.payloads.push(e.payload);
        fresh.vectors.push(e.vector);
      }
    }

    // 3. layout: live counts after the new tombstones decide what is kept, merged or dropped
    const target = Math.max(1, M.config.optimizers_config.default_segment_number || (options.autoSegments ?? 1));
    const maxPoints = maxSegmentPoints(M.config);
    const live = new Map<string, number>();
    for (const s of M.segments) live.set(s.id, s.points - s.deleted - (newTombs.get(s.id)?.length ?? 0));
    let kept = M.segments.filter((s) => (live.get(s.id) as number) > 0);
    const dropped = M.segments.filter((s) => (live.get(s.id) as number) <= 0).map((s) => s.id);
    const groups: NewPoints[] = [];
    let merged: SegmentEntry[] = [];
    if (M.segments.length === 0) {
      if (fresh.ids.length > 0) groups.push(...split(fresh, Math.max(target, Math.ceil(fresh.ids.length / maxPoints))));
    } else {
      const count = kept.length + (fresh.ids.length > 0 ? 1 : 0);
      // a run with nothing to seal only rebuilds: it never starts merges (those come with the next seal)
      if (toSeal.length > 0 && count > target) {
        // merge the (count - target + 1) smallest, the new points counting as one segment of their own size
        const sizes = kept.map((s) => ({ s, n: live.get(s.id) as number }));
        sizes.sort((a, b) => a.n - b.n);
        const mergeCount = count - target + 1 - (fresh.ids.length > 0 ? 1 : 0);
        // never past max_segment_size: a merge that would exceed it is skipped (the count then stays above target)
        let total = fresh.ids.length;
        merged = [];
        for (const x of sizes.slice(0, Math.max(0, mergeCount))) {
          if (total + x.n > maxPoints) break;
          total += x.n;
          merged.push(x.s);
        }
        // when the new points are bigger than a picked segment, the merge still includes them: they must be sealed
        kept = kept.filter((s) => !merged.includes(s));
      }
      const group = emptyPoints();
      for (const s of merged) await carryOver(store, access, collection, s, new Set(newTombs.get(s.id) ?? []), group);
      group.ids.push(...fresh.ids);
      group.versions.push(...fresh.versions);
      group.payloads.push(...fresh.payloads);
      group.vectors.push(...fresh.vectors);
      if (group.ids.length > 0) groups.push(...split(group, Math.ceil(group.ids.length / maxPoints)));
    }

    // 3b. rebuild (bounded) the kept segments whose build parameters differ from the config, one new segment each
    const { picked: rebuilt, pending: pendingRebuilds } = await pickRebuilds(
      M.config,
      kept,
      (s) => live.get(s.id) as number,
      async (s) => buildOf((await access.points(collection, s.id)).meta),
      options.rebuild ?? DEFAULT_REBUILD_BUDGET,
    );
    if (toSeal.length === 0 && rebuilt.length === 0) {
      const gc = options.skipGc ? null : await collectGarbage(store, collection, { now, graceMs, walGraceMs });
      return {
        sealedWal: 0,
        writtenPoints: 0,
        added: [],
        removed: [],
        tombstoned: 0,
        rebuilt: 0,
        pendingRebuilds,
        replans: attempt,
        epoch: M.epoch,
        gc,
      };
    }
    // a rebuild keeps the segment's graph even when deletes took it below indexing_threshold (rebuild.ts)
    const groupIndex = new Map<NewPoints, boolean>();
    for (const s of rebuilt) {
      const group = emptyPoints();
      await carryOver(store, access, collection, s, new Set(newTombs.get(s.id) ?? []), group);
      groups.push(group);
      groupIndex.set(group, rebuildIndexes(M.config, s.indexed, live.get(s.id) as number));
    }
    kept = kept.filter((s) => !rebuilt.includes(s));

    // 4. write segments and tombstones, create-only; nothing is visible yet
    const born = now();
    const added: SegmentEntry[] = [];
    for (const g of groups) {
      added.push(
        await writeNewSegment(store, collection, M.config, newSegmentId(born, random()), g, groupIndex.get(g)),
      );
    }
    const mergedIds = new Set(merged.map((s) => s.id));
    const updated = new Map<string, SegmentEntry>();
    const supersededTombs: { segment: string; version: number }[] = [];
    try {
      await Promise.all(
        kept
          .filter((s) => newTombs.has(s.id))
          .map(async (s) => {
            const old = await access.tombstones(collection, s.id, s.deletedVersion);
            const offsets = newTombs.get(s.id) as number[];
            const all = new Set(offsets);
            if (old !== null) for (let o = 0; o < s.points; o++) if (old.has(o)) all.add(o);
            const version = Math.max(Math.floor(now()), s.deletedVersion + 1);
            await writeTombstones(store, segmentPrefix(collection, s.id), version, all, s.points);
            updated.set(s.id, { ...s, deleted: all.size, deletedVersion: version });
            if (s.deletedVersion > 0) supersededTombs.push({ segment: s.id, version: s.deletedVersion });
          }),
      );
    } catch (e) {
      if (isStrataError(e, 'conflict')) continue; // a racing optimizer took the same tombstone version: re-plan
      throw e;
    }
    if (now() - planStarted > graceMs / 2) {
      throw conflict(
        `optimizer run on ${collection} took longer than half the grace period; its segments are abandoned`,
      );
    }

    // 5. one conditional swap
    const at = now();
    const removed = [...mergedIds, ...dropped, ...rebuilt.map((s) => s.id)];
    const removedIds = new Set(removed);
    try {
      const committed = await updateManifest(store, key, (m) => {
        if (planBasis(m) !== basis) throw new Replan();
        const segments = m.segments
          .filter((s) => !removedIds.has(s.id))
          .map((s) => updated.get(s.id) ?? s)
          .concat(added);
        const retiredSupersededByRemoval = m.segments
          .filter((s) => removedIds.has(s.id))
          .map((s) => ({ id: s.id, at }));
        let sealedHigh = m.sealedHigh;
        for (const s of added) sealedHigh = Math.max(sealedHigh, s.maxVersion);
        return {
          ...m,
          segments,
          sealedWal: m.sealedWal.concat(toSeal.map((name) => ({ name, at }))),
          sealedHigh,
          retiredSegments: m.retiredSegments.concat(retiredSupersededByRemoval),
          retiredTombstones: m.retiredTombstones.concat(supersededTombs.map((t) => ({ ...t, at }))),
        };
      });
      if (committed === null) throw internal('optimizer swap returned no manifest');
      const gc = options.skipGc ? null : await collectGarbage(store, collection, { now, graceMs, walGraceMs });
      return {
        sealedWal: toSeal.length,
        writtenPoints: added.reduce((n, s) => n + s.points, 0),
        added: added.map((s) => s.id),
        removed,
        tombstoned,
        rebuilt: rebuilt.length,
        pendingRebuilds,
        replans: attempt,
        epoch: committed.manifest.epoch,
        gc,
      };
    } catch (e) {
      if (e instanceof Replan || isAmbiguousWrite(e)) continue;
      throw e;
    }
  }
  throw conflict(`optimizer on ${collection}: lost the manifest swap ${maxAttempts} times`);
}

/** `optimize` by collection name under a deployment prefix (what the optimizer function and trigger call). */
export function optimizeCollection(
  store: ObjectStore,
  prefix: string,
  name: string,
  options: OptimizeOptions = {},
): Promise<OptimizeResult> {
  return optimize(store, collectionPrefix(prefix, name), options);
}
