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
  return {
    store: o.store,
    invoker: o.invoker,
    prefix: o.prefix ?? '',
    writerId: o.writerId ?? randomBytes(6).toString('hex'),
    now,
    clock: new HybridClock(now),
    queryDeadlineMs: o.queryDeadlineMs ?? 30_000,
    manifests: new ManifestCache(o.store),
    aliases: new AliasCache(o.store, aliasesKey(o.prefix ?? '')),
    wal: new WalTailReader(o.store, undefined, now),
    access: new SegmentAccess(o.store),
    onWrite: o.onWrite ?? (() => {}),
    onConfigChange: o.onConfigChange ?? (() => {}),
    onDelete: o.onDelete ?? (() => {}),
  };
}

export async function snapshotOf(ctx: ServiceContext, name: string, io?: IoScope): Promise<Snapshot> {
  const snap = await openSnapshot(ctx, name, collectionPrefix(ctx.prefix, name), io);
  ctx.clock.observe(Math.max(snap.manifest.sealedHigh, snap.manifest.walFloor ?? 0, snap.tail.maxSeq));
  return snap;
}
