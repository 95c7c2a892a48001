/**
 * What the collection service's parts share: the store, the invoker, caches of immutable objects, the clock.
 * One context per process (a warm Lambda container keeps its caches across invocations).
 */
import { randomBytes } from 'node:crypto';
import type { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import { AliasCache } from './aliases.js';
import { aliasesKey, collectionPrefix } from './keys.js';
import { ManifestCache } from './manifest.js';
import { SegmentAccess } from './segment-access.js';
import type { Invoker } from './invoker.js';
import { openSnapshot } from './snapshot.js';
import type { Snapshot } from './snapshot.js';
import { WalTailReader } from './tail.js';
import { HybridClock } from './wal.js';

export interface CollectionServiceOptions {
  store: ObjectStore;
  invoker: Invoker;
  /** object key prefix of the deployment ('' = none) @default '' */
  prefix?: string;
  /** this process's writer id (lowercase alphanumerics) @default 12 random hex digits */
  writerId?: string;
  /** injected clock (ms) @default Date.now */
  now?: () => number;
  /** time budget of a query's fan-out, retry included @default 30_000 */
  queryDeadlineMs?: number;
  /**
   * bounded staleness: a query may reuse this process's snapshot of a collection (manifest + WAL tail) for this many
   * ms after its reads began, with no store round at all; it then misses at most the writes other processes
   * acknowledged within the last `readStalenessMs` (this process's own writes drop the snapshot: read your own
   * writes holds). 0 = strong: every query revalidates. @default 0
   */
  readStalenessMs?: number;
  /**
   * Called after every acknowledged write (its WAL object is in the store) with the number of points it touched, so
   * whoever seals the WAL (runtime/optimizer-trigger.ts) learns of it without wrapping the service. Must not throw
   * and must not block: it runs on the write's response path. @default nothing
   */
  onWrite?: (collection: string, points: number) => void;
  /** Called after a committed config change (PATCH /collections), so stale segments get rebuilt. @default nothing */
  onConfigChange?: (collection: string) => void;
  /**
   * Called after a collection was deleted (its manifest gone, its deletion marker written), so whoever removes its
   * objects in the background (collection-delete.ts) starts. Must not throw or block. @default nothing
   */
  onDelete?: (collection: string) => void;
}

export interface ServiceContext {
  readonly store: ObjectStore;
  readonly invoker: Invoker;
  readonly prefix: string;
  readonly writerId: string;
  readonly now: () => number;
  readonly clock: HybridClock;
  readonly queryDeadlineMs: number;
  readonly readStalenessMs: number;
  /** the last snapshot per collection name and when its reads began (bounded staleness) */
  readonly recentSnapshots: Map<string, { snap: Snapshot; takenAt: number }>;
  readonly manifests: ManifestCache;
  /** the deployment's alias map, revalidated like the manifest (aliases.ts) */
  readonly aliases: AliasCache;
  readonly wal: WalTailReader;
  readonly access: SegmentAccess;
  readonly onWrite: (collection: string, points: number) => void;
  readonly onConfigChange: (collection: string) => void;
  readonly onDelete: (collection: string) => void;
}

export function createContext(o: CollectionServiceOptions): ServiceContext {
  const now = o.now ?? Date.now;
  const recentSnapshots = new Map<string, { snap: Snapshot; takenAt: number }>();
  const onWrite = o.onWrite ?? (() => {});
  const onConfigChange = o.onConfigChange ?? (() => {});
  const onDelete = o.onDelete ?? (() => {});
  return {
    store: o.store,
    invoker: o.invoker,
    prefix: o.prefix ?? '',
    writerId: o.writerId ?? randomBytes(6).toString('hex'),
    now,
    clock: new HybridClock(now),
    queryDeadlineMs: o.queryDeadlineMs ?? 30_000,
    readStalenessMs: o.readStalenessMs ?? 0,
    recentSnapshots,
    manifests: new ManifestCache(o.store),
    aliases: new AliasCache(o.store, aliasesKey(o.prefix ?? '')),
    wal: new WalTailReader(o.store, undefined, now),
    access: new SegmentAccess(o.store),
    // this process's own writes and config changes end its stale snapshot: it reads its own writes at once
    onWrite: (collection, points) => {
      recentSnapshots.delete(collection);
      onWrite(collection, points);
    },
    onConfigChange: (collection) => {
      recentSnapshots.delete(collection);
      onConfigChange(collection);
    },
    onDelete: (collection) => {
      recentSnapshots.delete(collection);
      onDelete(collection);
    },
  };
}

/**
 * A snapshot of collection `name`. `stale` (queries only): with a bounded staleness, a snapshot whose reads began at
 * most readStalenessMs ago is reused without any store request (its manifest and tail are immutable values).
 */
export async function snapshotOf(ctx: ServiceContext, name: string, io?: IoScope, stale = false): Promise<Snapshot> {
  if (stale && ctx.readStalenessMs > 0) {
    const recent = ctx.recentSnapshots.get(name);
    if (recent !== undefined && ctx.now() - recent.takenAt <= ctx.readStalenessMs) return recent.snap;
  }
  // the time BEFORE the reads: the snapshot holds every write acknowledged before it, so its age bounds what it misses
  const takenAt = ctx.now();
  const snap = await openSnapshot(ctx, name, collectionPrefix(ctx.prefix, name), io);
  ctx.clock.observe(Math.max(snap.manifest.sealedHigh, snap.manifest.walFloor ?? 0, snap.tail.maxSeq));
  if (ctx.readStalenessMs > 0) ctx.recentSnapshots.set(name, { snap, takenAt });
  return snap;
}
