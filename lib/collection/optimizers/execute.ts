/**
 * The optimizer's executor: carries out a plan (plan.ts) against the store.
 * 1. Write every new segment (lib/segment writes meta.json last): the seal's fresh points with the merge's
 *    carried-over live points, cut at max_segment_size (a first seal: into the planned number of parts); one
 *    replacement per rebuilt segment, each placed on a worker slot (placement.ts). Then every new tombstone
 *    version. All create-only: nothing is visible yet.
 * 2. Give up if the plan is older than half the grace period (garbage collection may treat its unnamed segments
 *    as orphans by then).
 * 3. ONE conditional manifest swap. If anything but the config moved since the plan's manifest (another
 *    optimizer won), or a vector name was added or deleted (the plan read the WAL for other names), throw Replan: the caller re-plans from the new manifest; this run's objects become orphans
 *    that garbage collection removes after the grace period.
 * 4. Vacuum: collect garbage (gc.ts).
 *
 * Invariants: a segment or tombstone version is named by the manifest only after it is completely written;
 * tombstone versions are numbered by the optimizer's clock (max(now, previous + 1)), so a crashed or losing
 * optimizer's leftover `deleted.{v}` never blocks the next one's create-only write.
 */
import { createHash } from 'node:crypto';
import { conflict, internal, isStrataError } from '../../model/errors.js';
import { directPages } from '../../segment/page-io.js';
import { openPointSource, readStoredPoints } from '../../segment/points.js';
import { writeTombstones } from '../../segment/tombstones.js';
import { type SparseInput, type SpaceInput, writeSegment } from '../../segment/writer.js';
import { sparseSpaces } from '../../model/sparse-spaces.js';
import { type SparseVector, isSparse } from '../../model/sparse-vector.js';
import { vectorSpaces } from '../../model/vector-spaces.js';
import { isAmbiguousWrite } from '../../storage/object-store.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { collectGarbage } from '../gc.js';
import type { GcResult } from '../gc.js';
import { manifestKey, newSegmentId, parseWalName } from '../keys.js';
import { COLD_LIST_WINDOW_MS } from '../tail.js';
import { WAL_FLOOR_LAG_MS } from '../wal.js';
import { segmentPrefix } from '../../segment/keys.js';
import { metaJson } from '../../segment/meta.js';
import type { Manifest, SegmentEntry } from '../manifest.js';
import { updateManifest } from '../manifest.js';
import { placeSegments } from '../placement.js';
import { buildOf } from '../rebuild.js';
import type { SegmentAccess } from '../segment-access.js';
import type { CollectionConfig } from '../../model/collection-config.js';
import { vectorSchemaKey } from '../../model/vector-generations.js';
import { liveSource } from '../segment-access.js';
import type { Plan } from './plan.js';
import { liveAfter } from './plan.js';
import { appendPoints, emptyPoints, split } from './points.js';
import type { NewPoints } from './points.js';

export interface ExecuteContext {
  store: ObjectStore;
  access: SegmentAccess;
  /** the collection's key prefix (keys.ts) */
  collection: string;
  now: () => number;
  random: () => string;
  graceMs: number;
  walGraceMs: number;
  /** worker slots K to place new segments on (placement.ts); undefined: record no slot (routing falls back to the hash) */
  workers?: number;
}

export interface Executed {
  sealedWal: number;
  writtenPoints: number;
  added: string[];
  removed: string[];
  tombstoned: number;
  rebuilt: number;
  epoch: number;
  /** the manifest this run committed (null: it committed nothing) */
  committed: Manifest | null;
  gc: GcResult | null;
}

/** The swap lost to another optimizer (or its tombstone write did): re-plan from the new manifest. */
export class Replan extends Error {}

/**
 * The WAL floor a commit may record: every acknowledged object the listing missed has seq ≥ planStarted −
 * WAL_FLOOR_LAG_MS (wal.ts), and every listed object left unsealed must stay at or above it too.
 */
export function walFloorOf(planStarted: number, left: readonly string[]): number {
  let floor = Math.max(0, Math.floor(planStarted - WAL_FLOOR_LAG_MS));
  for (const name of left) {
    const parsed = parseWalName(name);
    if (parsed !== null && parsed.seq < floor) floor = parsed.seq;
  }
  return floor;
}

/**
 * How far the floor a pass could record must be above the committed one before a pass that seals nothing commits it
 * alone: a cold reader lists from its clock less COLD_LIST_WINDOW_MS (tail.ts) and lists again when the floor is
 * below that, so an idle collection's floor is kept within half the window by the scheduled passes, at one small
 * manifest swap per half window at most.
 */
export const FLOOR_REFRESH_MS = COLD_LIST_WINDOW_MS / 2;

/**
 * A pass that commits nothing still proves a floor (its listing, taken after `planStarted`, found every object
 * below it sealed or left in `unsealed`): records it when it is FLOOR_REFRESH_MS above `m`'s, in one conditional
 * swap that applies only to the same incarnation and never lowers the floor. Returns the committed manifest, or
 * null when nothing was written.
 */
export async function refreshFloor(
  store: ObjectStore,
  collection: string,
  m: Manifest,
  unsealed: readonly string[],
  planStarted: number,
): Promise<Manifest | null> {
  const floor = walFloorOf(planStarted, unsealed);
  if (floor - (m.walFloor ?? 0) < FLOOR_REFRESH_MS) return null;
  try {
    const r = await updateManifest(store, manifestKey(collection), (cur) =>
      cur.incarnation !== m.incarnation || (cur.walFloor ?? 0) >= floor ? null : { ...cur, walFloor: floor },
    );
    return r?.manifest ?? null;
  } catch (e) {
    // an ambiguous swap: the next pass reads whether it landed, and a floor left lower is only one round dearer
    if (isAmbiguousWrite(e)) return null;
    throw e;
  }
}

/** The manifest fields a plan depends on: if any of them moved, the plan is stale. */
export function planBasis(m: Manifest): string {
  return JSON.stringify([
    m.incarnation,
    // a vector name added or deleted since the plan: its tail was folded (and its segments written) for other names
    vectorSchemaKey(m.config),
    m.segments,
    m.sealedWal.map((w) => w.name),
    m.retiredSegments,
    m.retiredTombstones,
  ]);
}

function seedOf(segmentId: string): number {
  return createHash('sha256').update(segmentId).digest().readUInt32LE(0);
}

async function writeNewSegment(
  ctx: ExecuteContext,
  config: CollectionConfig,
  id: string,
  pts: NewPoints,
  index?: boolean,
): Promise<SegmentEntry> {
  const spaces = vectorSpaces(config).map((space): SpaceInput => {
    const holders: number[] = [];
    pts.vectors.forEach((v, i) => {
      if (v.has(space.name)) holders.push(i);
    });
    // a multivector holder's value is its rows, flat (lib/model/multivector.ts)
    const values = holders.map((i) => pts.vectors[i].get(space.name) as Float32Array);
    const data = new Float32Array(values.reduce((t, v) => t + v.length, 0));
    let at = 0;
    for (const v of values) {
      data.set(v, at);
      at += v.length;
    }
    const all = holders.length === pts.ids.length;
    const input: SpaceInput = { name: space.name, points: all ? null : Uint32Array.from(holders), data };
    if (space.multivector) input.counts = Uint32Array.from(values, (v) => v.length / space.size);
    return input;
  });
  const sparse = sparseSpaces(config).map((space): SparseInput => {
    const points: number[] = [];
    const rows: SparseVector[] = [];
    pts.vectors.forEach((v, i) => {
      const row = v.get(space.name);
      if (row !== undefined && isSparse(row)) {
        points.push(i);
        rows.push(row);
      }
    });
    return { name: space.name, points: Uint32Array.from(points), rows };
  });
  const input = {
    config,
    ids: pts.ids,
    versions: pts.versions,
    spaces,
    ...(sparse.length > 0 ? { sparse } : {}),
    payloads: pts.payloads,
    seed: seedOf(id),
  };
  const meta = await writeSegment(
    ctx.store,
    segmentPrefix(ctx.collection, id),
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
    vectorBytes: Object.values(meta.spaces).reduce((n, s) => n + (s.multivector?.vectors ?? s.count) * s.dim * 4, 0),
    indexed: Object.values(meta.spaces).some((s) => s.hnsw !== null),
    build: buildOf(meta),
    meta: metaJson(meta),
  };
}

/** Appends the live points of `s` (minus `tomb`, this run's new tombstones) to `into`: merges and rebuilds. */
async function carryOver(
  ctx: ExecuteContext,
  config: CollectionConfig,
  s: SegmentEntry,
  tomb: ReadonlySet<number>,
  into: NewPoints,
) {
  const points = (await ctx.access.livePoints(ctx.collection, s)).filter((p) => !tomb.has(p.offset));
  // not through `access`: a merged-away or rebuilt segment is never read again, so its meta and payload index are not
  // kept; the spaces of deleted or re-created vector names are left behind (liveSource): the rewrite drops them
  const source = liveSource(
    await openPointSource(ctx.store, directPages(ctx.store), segmentPrefix(ctx.collection, s.id)),
    config,
  );
  const stored = await readStoredPoints(
    source,
    points.map((p) => p.offset),
    { payload: true, vector: true },
  );
  points.forEach((p, i) => {
    into.ids.push(p.id);
    into.versions.push(p.version);
    into.payloads.push(stored[i].payload);
    into.vectors.push(stored[i].vectors ?? new Map());
  });
}

/** The groups of points to write, each with its graph decision (undefined: by the threshold). */
async function groupsOf(
  ctx: ExecuteContext,
  config: CollectionConfig,
  p: Plan,
): Promise<{ points: NewPoints; index?: boolean }[]> {
  const tombOf = (s: SegmentEntry) => new Set(p.seal.tombstones.get(s.id) ?? []);
  const out: { points: NewPoints; index?: boolean }[] = [];
  if (p.firstSealParts !== null) {
    for (const g of split(p.seal.fresh, p.firstSealParts)) out.push({ points: g });
  } else {
    const group = emptyPoints();
    for (const s of p.merge?.sources ?? []) await carryOver(ctx, config, s, tombOf(s), group);
    appendPoints(group, p.seal.fresh);
    if (group.ids.length > 0) {
      for (const g of split(group, Math.ceil(group.ids.length / p.maxPoints))) out.push({ points: g });
    }
  }
  for (const r of p.rebuilds) {
    const group = emptyPoints();
    await carryOver(ctx, config, r.segment, tombOf(r.segment), group);
    out.push({ points: group, index: r.index });
  }
  return out;
}

/**
 * Carries out `p`, planned from `m` at `planStarted`. Throws Replan when another optimizer got there first.
 * A plan that commits nothing only collects garbage.
 */
export async function execute(ctx: ExecuteContext, m: Manifest, p: Plan, planStarted: number): Promise<Executed> {
  const { store, collection, now } = ctx;
  const vacuum = async () =>
    p.vacuum.gc ? collectGarbage(store, collection, { now, graceMs: ctx.graceMs, walGraceMs: ctx.walGraceMs }) : null;
  if (!p.commits) {
    return {
      sealedWal: 0,
      writtenPoints: 0,
      added: [],
      removed: [],
      tombstoned: 0,
      rebuilt: 0,
      epoch: m.epoch,
      committed: null,
      gc: await vacuum(),
    };
  }
  const live = liveAfter(p.seal);
  const retiring = new Set([
    ...(p.merge?.sources.map((s) => s.id) ?? []),
    ...p.vacuum.drop,
    ...p.rebuilds.map((r) => r.segment.id),
  ]);

  // 1. segments, then tombstones of the segments that stay
  const born = now();
  const written: SegmentEntry[] = [];
  for (const g of await groupsOf(ctx, m.config, p)) {
    written.push(await writeNewSegment(ctx, m.config, newSegmentId(born, ctx.random()), g.points, g.index));
  }
  // placed against the segments that stay; the swap below commits only if they are still exactly m's (planBasis)
  const staying = m.segments.filter((s) => !retiring.has(s.id) && live(s) > 0);
  const added = ctx.workers === undefined ? written : placeSegments(staying, written, ctx.workers);
  const updated = new Map<string, SegmentEntry>();
  const supersededTombs: { segment: string; version: number }[] = [];
  try {
    await Promise.all(
      m.segments
        .filter((s) => !retiring.has(s.id) && live(s) > 0 && p.seal.tombstones.has(s.id))
        .map(async (s) => {
          const old = await ctx.access.tombstones(collection, s.id, s.deletedVersion);
          const all = new Set(p.seal.tombstones.get(s.id));
          if (old !== null) for (let o = 0; o < s.points; o++) if (old.has(o)) all.add(o);
          const version = Math.max(Math.floor(now()), s.deletedVersion + 1);
          await writeTombstones(store, segmentPrefix(collection, s.id), version, all, s.points);
          updated.set(s.id, { ...s, deleted: all.size, deletedVersion: version });
          if (s.deletedVersion > 0) supersededTombs.push({ segment: s.id, version: s.deletedVersion });
        }),
    );
  } catch (e) {
    if (isStrataError(e, 'conflict')) throw new Replan(); // a racing optimizer took the same tombstone version
    throw e;
  }

  // 2. a plan older than half the grace period may already have its segments collected as orphans
  if (now() - planStarted > ctx.graceMs / 2) {
    throw conflict(`optimizer run on ${collection} took longer than half the grace period; its segments are abandoned`);
  }

  // 3. one conditional swap, raising the WAL floor to what the listing (taken after planStarted) proves (wal.ts)
  const at = now();
  const floor = walFloorOf(planStarted, p.seal.left);
  const basis = planBasis(m);
  const removed = [
    ...(p.merge?.sources.map((s) => s.id) ?? []),
    ...p.vacuum.drop,
    ...p.rebuilds.map((r) => r.segment.id),
  ];
  let committed: Awaited<ReturnType<typeof updateManifest>>;
  try {
    committed = await updateManifest(store, manifestKey(collection), (cur) => {
      if (planBasis(cur) !== basis) throw new Replan();
      let sealedHigh = cur.sealedHigh;
      for (const s of added) sealedHigh = Math.max(sealedHigh, s.maxVersion);
      return {
        ...cur,
        walFloor: Math.max(cur.walFloor ?? 0, floor),
        segments: cur.segments
          .filter((s) => !retiring.has(s.id))
          .map((s) => updated.get(s.id) ?? s)
          .concat(added),
        sealedWal: cur.sealedWal.concat(p.seal.wal.map((name) => ({ name, at }))),
        sealedHigh,
        retiredSegments: cur.retiredSegments.concat(
          cur.segments.filter((s) => retiring.has(s.id)).map((s) => ({ id: s.id, at })),
        ),
        retiredTombstones: cur.retiredTombstones.concat(supersededTombs.map((t) => ({ ...t, at }))),
      };
    });
  } catch (e) {
    if (isAmbiguousWrite(e)) throw new Replan();
    throw e;
  }
  if (committed === null) throw internal('optimizer swap returned no manifest');

  // 4. vacuum; an ambiguous garbage swap is retried by a re-plan, which finds nothing left to seal
  let gc: GcResult | null;
  try {
    gc = await vacuum();
  } catch (e) {
    if (isAmbiguousWrite(e)) throw new Replan();
    throw e;
  }
  return {
    sealedWal: p.seal.wal.length,
    writtenPoints: added.reduce((n, s) => n + s.points, 0),
    added: added.map((s) => s.id),
    removed,
    tombstoned: p.seal.tombstoned,
    rebuilt: p.rebuilds.length,
    epoch: committed.manifest.epoch,
    committed: committed.manifest,
    gc,
  };
}
