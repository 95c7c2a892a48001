/**
 * Where each segment's data lives and how big it is, for operators (the dashboard, lib/api/routes/dashboard.ts):
 * one snapshot's segments, each with its objects in the store and the tier each object is served from (DESIGN.md
 * §1), plus the WAL backlog the optimizer has not sealed yet.
 *
 * | object          | tier                                                                                    |
 * |-----------------|-----------------------------------------------------------------------------------------|
 * | `quantized`     | RAM: a worker's memory, one GET per segment per warm worker; `S3` when its memory is cold |
 * | `graph`         | RAM (pinned, cached), or `S3 pages` (ranged GETs through the page cache) when cold        |
 * | `vectors`       | RAM (cached), or `S3 pages` (read for rescoring / exact) when cold                       |
 * | `payload`       | `S3` (final top-k read per query) when its memory is cold, else RAM (the coordinator keeps it) |
 * | `ids`, `deleted.{v}`, `meta.json` | RAM (decoded once per process)                                        |
 * | `vectors/{name}/…` | a named vector's quantized / graph / vectors / offsets, in that vector's own build's tiers |
 *
 * Invariants: it reads, never writes; one listing of the segments folder, filtered to what the snapshot's manifest
 * names (an orphan of a crashed optimizer, or a tombstone version the manifest does not name, is not shown).
 * Tiers come from the parameters each segment was BUILT with (`build`), which may differ from the current config
 * until the optimizer rebuilds it (`stale`).
 */
import {
  GRAPH,
  IDS,
  META,
  PAYLOAD,
  QUANTIZED,
  VECTORS,
  segmentIdOfKey,
  segmentsRoot,
  tombstoneName,
  UNNAMED_FOLDER,
} from '../segment/keys.js';
import { type OptimizerBacklog, backlogOf } from './backlog.js';
import type { SegmentBuild } from './manifest.js';
import { buildPlacement, entryDiffers } from './rebuild.js';
import { payloadMemory } from '../model/memory.js';
import type { ServiceContext } from './context.js';
import type { Snapshot } from './snapshot.js';

export type Tier = 'RAM' | 'S3 pages' | 'S3';

export interface SegmentObject {
  /** object name inside the segment folder */
  name: string;
  bytes: number;
  tier: Tier;
}

export interface SegmentLayout {
  id: string;
  points: number;
  deleted: number;
  indexed: boolean;
  /** built with parameters the current config no longer has: the optimizer rebuilds it */
  stale: boolean;
  build: SegmentBuild | null;
  objects: SegmentObject[];
}

export interface CollectionLayout {
  segments: SegmentLayout[];
  backlog: OptimizerBacklog;
  /** bytes stored per tier, over every segment */
  totals: Record<Tier, number>;
}

function tierOf(name: string, build: SegmentBuild | null, payloadOnDisk: boolean): Tier {
  // a named vector's objects (`vectors/{name}/{file}`, keys.ts) sit in the tiers of that vector's own build
  const named = /^vectors\/([^/]+)\/([^/]+)$/.exec(name);
  if (named !== null) {
    const vector = named[1] === UNNAMED_FOLDER ? '' : decodeURIComponent(named[1]);
    return tierOf(named[2], build?.vectors?.[vector] ?? null, payloadOnDisk);
  }
  // pinned and cached components are in a worker's memory once the segment is open; cold ones are read on demand
  const placement = build === null ? null : buildPlacement(build);
  if (name === GRAPH) return placement?.graph === 'cold' ? 'S3 pages' : 'RAM';
  if (name === VECTORS) return placement?.vectors === 'cold' ? 'S3 pages' : 'RAM';
  if (name === QUANTIZED) return placement?.quantized === 'cold' ? 'S3' : 'RAM';
  if (name === PAYLOAD) return payloadOnDisk ? 'S3' : 'RAM';
  return 'RAM';
}

const ORDER = [QUANTIZED, GRAPH, VECTORS, PAYLOAD, IDS, META];

export async function collectionLayout(ctx: ServiceContext, snap: Snapshot): Promise<CollectionLayout> {
  const { manifest } = snap;
  const payloadOnDisk = payloadMemory(manifest.config) === 'cold';
  const listed = await ctx.store.list(segmentsRoot(snap.collection));
  const byId = new Map<string, { name: string; bytes: number }[]>();
  for (const s of manifest.segments) byId.set(s.id, []);
  const prefix = segmentsRoot(snap.collection);
  for (const e of listed) {
    const id = segmentIdOfKey(snap.collection, e.key);
    const objects = id === null ? undefined : byId.get(id);
    if (objects === undefined) continue;
    objects.push({ name: e.key.slice(prefix.length + (id as string).length + 1), bytes: e.size });
  }
  const totals: Record<Tier, number> = { RAM: 0, 'S3 pages': 0, S3: 0 };
  const segments = manifest.segments.map((s): SegmentLayout => {
    const build = s.build ?? null;
    const tomb = s.deletedVersion > 0 ? tombstoneName(s.deletedVersion) : null;
    const objects = (byId.get(s.id) ?? [])
      .filter((o) => !o.name.startsWith('deleted.') || o.name === tomb)
      .map((o) => ({ ...o, tier: tierOf(o.name, build, payloadOnDisk) }))
      .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
    for (const o of objects) totals[o.tier] += o.bytes;
    return {
      id: s.id,
      points: s.points,
      deleted: s.deleted,
      indexed: s.indexed,
      stale: entryDiffers(manifest.config, s),
      build,
      objects,
    };
  });
  return { segments, backlog: backlogOf(snap), totals };
}

function rank(name: string): number {
  const i = ORDER.indexOf(name);
  return i < 0 ? ORDER.length : i;
}
