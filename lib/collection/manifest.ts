/**
 * The manifest: the one mutable object of a collection (`manifest.json`, keys.ts). It names the collection's
 * config, its sealed segments (with the tombstone version to apply to each), and the WAL objects already folded
 * into those segments. A segment exists for readers only when the manifest names it.
 *
 * Why the manifest lists sealed WAL objects instead of a high-water mark: WAL keys are ordered by each writer's
 * hybrid clock, and concurrent writers' clocks disagree. A writer whose clock lags can put `wal/000…0100.b` AFTER an
 * optimizer has sealed `wal/000…0150.a`; with a mark "sealed up to 150" every reader and the next optimizer would
 * skip the late object and lose an acknowledged write. So a reader's WAL tail is exactly
 * `listed WAL keys − manifest.sealedWal`, which holds whatever the clocks say. What bounds the listing is a separate,
 * deliberately lower mark, `walFloor`: below it nothing unsealed can exist (wal.ts states the clock argument).
 *
 * Invariants (the rules here, kept apart from the generic compare-and-swap in lib/storage):
 * - Every change is a conditional PUT (If-Match the ETag read), made through the storage CAS helper: load → change
 *   → conditional put → on conflict re-read and re-apply the change to the fresh manifest. A change function is a
 *   pure rule over the manifest it is given, so a retry never reapplies stale state (§4.3).
 * - `epoch` grows by one per successful swap; `incarnation` is fixed at create and tells a collection apart from
 *   an earlier one of the same name (WAL objects of another incarnation are ignored).
 * - Only the optimizer and garbage collection change `segments`/`sealedWal`; writers never touch the manifest (they
 *   only add WAL objects), so writers and optimizers cannot lose each other's work.
 * - Objects that leave the manifest (merged-away segments, superseded tombstone versions, sealed WAL objects) are
 *   recorded with the time they left and deleted only after the grace period, because a reader may still hold an
 *   older manifest that names them.
 */
import { collectionExists, internal, isStrataError, notFound } from '../model/errors.js';
import type { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import { casUpdate } from '../storage/cas.js';
import type { SpacePlacement } from '../model/memory.js';
import type { CollectionConfig } from '../model/collection-config.js';
import type { MetaJson } from '../segment/meta.js';
import { WAL_FLOOR_LAG_MS } from './wal.js';

export const MANIFEST_FORMAT = 1;

export interface SegmentEntry {
  id: string;
  /** rows in the segment (live + tombstoned) */
  points: number;
  /** rows tombstoned as of `deletedVersion` */
  deleted: number;
  /** tombstone bitmap version to apply; 0 = none */
  deletedVersion: number;
  /** smallest and largest point version stored in the segment */
  minVersion: number;
  maxVersion: number;
  /** bytes of vectors (KB threshold decisions), and whether an HNSW graph was built */
  vectorBytes: number;
  indexed: boolean;
  /**
   * the config parameters the segment was built with (rebuild.ts compares them with the current config); absent in
   * entries written before segments were rebuilt on config changes
   */
  build?: SegmentBuild;
  /**
   * the worker slot the optimizer placed the segment on (placement.ts); queries route it to worker slot mod K
   * (routing.ts). Absent in entries written before placement was recorded: those route by the hash of the id.
   */
  slot?: number;
  /**
   * the segment's meta.json content (lib/segment/meta.ts metaJson), handed to the worker with the task so a cold open
   * is ONE store round (every object its sizes name) instead of two (meta.json first): the coordinator already holds
   * the manifest, and the meta is written by the same optimizer run, so nothing else names different sizes. About
   * 0.5 KB an unnamed segment, paid only on a manifest's full reads (a fresh one answers the conditional GET with
   * 304). Absent in entries written before: the worker reads meta.json then, as it did.
   */
  meta?: MetaJson;
}

/** Build parameters of a segment, copied from its meta.json (m and efConstruct are 0 without a graph). */
export interface SegmentBuild {
  m: number;
  efConstruct: number;
  vectorsOnDisk: boolean;
  graphOnDisk: boolean;
  /** int8's quantile; null: no quantization, or another kind (then `codes`) */
  quantile: number | null;
  /** a non-int8 kind's codes key (quantization/codes.ts codesKey); absent: int8 when `quantile` is set */
  codes?: string;
  /**
   * where each component lives (lib/model/memory.ts), recorded only when the flags above do not say it (on disk =
   * cold, else cached; int8 codes pinned, as every segment written before placements); rebuild.ts buildPlacement
   */
  memory?: SpacePlacement;
  /**
   * named collections: the build of each named vector the segment holds (m and efConstruct 0 without a graph); the
   * fields above then repeat the first one's
   */
  vectors?: Record<string, SegmentBuild>;
  /** the payload_schema its field indexes were built with (payloadSchemaKey); absent: none */
  fieldIndexes?: string;
  /**
   * the payload_m its graph's payload-block links were built with (segment/space-links.ts); absent: no field yielded
   * blocks, or a segment written before it was recorded (then not compared)
   */
  payloadM?: number;
  /** a named vector's generation (lib/model/vector-generations.ts) when not 0 */
  generation?: number;
  /**
   * a named vector's rows when only some of the segment's points hold it (the writer's graph decision counts them);
   * absent: every point holds it, or recorded before this field (then judged by the segment's points)
   */
  rows?: number;
  /** the sparse names the segment holds, with their generations; absent: none, or recorded before generations */
  sparse?: Record<string, number>;
}

export interface Retired {
  /** when it left the manifest (ms, injected clock) */
  at: number;
}

export interface Manifest {
  format: number;
  name: string;
  incarnation: string;
  epoch: number;
  createdAt: number;
  config: CollectionConfig;
  segments: SegmentEntry[];
  /** WAL object names (relative to wal/) already folded into `segments`, with the time they were sealed */
  sealedWal: ({ name: string } & Retired)[];
  /** highest point version in any segment; WAL entries above it shadow every segment copy */
  sealedHigh: number;
  /**
   * no WAL object this manifest does not record as sealed has a seq below this (wal.ts derives the bound), so
   * readers list `wal/` from here (keys.ts walListStart) and skip the sealed history and its delete markers; only
   * grows within an incarnation. Absent (0) in manifests written before it was recorded: list everything.
   */
  walFloor?: number;
  /** segments no longer named (merged away) and superseded tombstone versions, awaiting deletion */
  retiredSegments: ({ id: string } & Retired)[];
  retiredTombstones: ({ segment: string; version: number } & Retired)[];
}

export interface VersionedManifest {
  manifest: Manifest;
  etag: string;
}

export function newManifest(name: string, config: CollectionConfig, incarnation: string, now: number): Manifest {
  return {
    format: MANIFEST_FORMAT,
    name,
    incarnation,
    epoch: 1,
    createdAt: now,
    config,
    segments: [],
    sealedWal: [],
    sealedHigh: 0,
    // no WAL object of this incarnation exists yet, and every writer folds this floor into its clock before it
    // writes one (wal.ts): a cold reader's listing of a young collection, never sealed, starts here (tail.ts)
    walFloor: Math.max(0, Math.floor(now - WAL_FLOOR_LAG_MS)),
    retiredSegments: [],
    retiredTombstones: [],
  };
}

export function encodeManifest(m: Manifest): Uint8Array {
  return Buffer.from(JSON.stringify(m), 'utf8');
}

export function decodeManifest(bytes: Uint8Array, key: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as Manifest;
  } catch (e) {
    throw internal(`${key}: manifest is not JSON`, e);
  }
  if (m === null || typeof m !== 'object' || m.format !== MANIFEST_FORMAT || !Array.isArray(m.segments)) {
    throw internal(`${key}: unsupported manifest (format ${String((m as { format?: unknown })?.format)})`);
  }
  return m;
}

/** Names of the WAL objects a manifest records as sealed. */
export function sealedNames(m: Manifest): Set<string> {
  return new Set(m.sealedWal.map((w) => w.name));
}

/** Live points named by the manifest (segments only; the WAL tail is counted by the reader). */
export function sealedPointCount(m: Manifest): number {
  let n = 0;
  for (const s of m.segments) n += s.points - s.deleted;
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// I/O: create, load, and the CAS loop. The rules above decide what changes; the storage helper decides how.
// ---------------------------------------------------------------------------------------------------------------

/** Creates the manifest with a create-only PUT; an existing collection is 'conflict'. */
export async function createManifest(store: ObjectStore, key: string, m: Manifest): Promise<string> {
  try {
    const r = await store.put(key, encodeManifest(m), { ifNoneMatch: '*' });
    return r.etag;
  } catch (e) {
    if (isStrataError(e, 'conflict')) throw collectionExists(m.name, e);
    throw e;
  }
}

export async function loadManifest(store: ObjectStore, key: string, io?: IoScope): Promise<VersionedManifest | null> {
  const got = await store.get(key, { io });
  if (got === null) return null;
  return { manifest: decodeManifest(got.body, key), etag: got.etag };
}

/**
 * Applies `change` by compare-and-swap until it lands. `change` gets the freshest manifest on every attempt and
 * returns the next manifest, or null to leave it unchanged (the retry found nothing left to do). The epoch is bumped
 * here, so change functions never need to. A missing manifest is 'not_found' (the collection was deleted). An
 * ambiguous swap whose outcome the re-read cannot prove is rethrown (AmbiguousWriteError, kind 'unavailable'):
 * the optimizer re-plans from the fresh manifest, which shows whether it landed.
 */
export async function updateManifest(
  store: ObjectStore,
  key: string,
  change: (current: Manifest) => Manifest | null,
  options: { maxAttempts?: number } = {},
): Promise<VersionedManifest | null> {
  let missing = false;
  const r = await casUpdate<Manifest>(store, key, {
    decode: (bytes) => decodeManifest(bytes, key),
    encode: encodeManifest,
    change: (current) => {
      if (current === null) {
        missing = true;
        return null;
      }
      const next = change(current);
      return next === null ? null : { ...next, epoch: current.epoch + 1 };
    },
    maxAttempts: options.maxAttempts ?? 32,
  });
  if (missing) throw notFound(`Collection manifest ${key} not found`);
  if (!r.written || r.value === null || r.etag === null) return null;
  return { manifest: r.value, etag: r.etag };
}

/**
 * A cached manifest per key, revalidated with a conditional GET (If-None-Match the cached ETag), so a warm
 * coordinator pays one small round trip and no body while the manifest is unchanged.
 */
export class ManifestCache {
  private readonly entries = new Map<string, VersionedManifest>();

  constructor(private readonly store: ObjectStore) {}

  /**
   * The cached manifest without revalidation (loaded when absent): for a check that the caller repeats against a
   * revalidated snapshot anyway, such as the API's early vector-dimension check, so a warm request does not pay a
   * second round trip for it.
   */
  async recent(key: string, io?: IoScope): Promise<VersionedManifest | null> {
    return this.entries.get(key) ?? this.current(key, io);
  }

  /** The current manifest, or null when the collection does not exist. */
  async current(key: string, io?: IoScope): Promise<VersionedManifest | null> {
    const cached = this.entries.get(key);
    if (cached === undefined) {
      const fresh = await loadManifest(this.store, key, io);
      if (fresh !== null) this.entries.set(key, fresh);
      return fresh;
    }
    const got = await this.store.getIfNoneMatch(key, cached.etag, { io });
    if (got === null) {
      this.entries.delete(key);
      return null;
    }
    if (got === 'not_modified') return cached;
    const fresh = { manifest: decodeManifest(got.body, key), etag: got.etag };
    this.entries.set(key, fresh);
    return fresh;
  }

  /** Records a manifest this process just wrote (saves the next revalidation a body). */
  remember(key: string, v: VersionedManifest): void {
    const cached = this.entries.get(key);
    if (cached === undefined || cached.manifest.epoch <= v.manifest.epoch) this.entries.set(key, v);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
