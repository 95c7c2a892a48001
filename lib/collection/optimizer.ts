/**
 * The optimizer: seals the WAL tail into segments, keeps the segment count near `default_segment_number`, rebuilds
 * segments built with other parameters than the config, and tombstones segment copies that newer writes replaced
 * or deleted. It runs as its own function (invoked or scheduled), or locally off the request path; never as a
 * background loop inside a query path.
 *
 * One pass = read → plan → execute:
 * 1. Read the manifest M and the WAL tail against it (tail.ts), the live copies of the tail's points in M's
 *    segments, and the build parameters of entries that do not record them.
 * 2. Plan (optimizers/plan.ts, PURE): the steps seal, merge, rebuild (bounded: at most 4 segments / 100,000 live
 *    points per pass, `rebuild` option), vacuum. Each step is its own module under optimizers/.
 * 3. Execute (optimizers/execute.ts): write every new segment and tombstone version create-only, then ONE
 *    conditional manifest swap; then garbage collection (gc.ts). A lost swap re-plans from the new manifest.
 * `optimizeUntil(deadline)` repeats passes while WAL slices or rebuilds are pending and the deadline allows, under
 * the collection's optimizer lease (optimizer-lease.ts): the ONE continuation loop, used by the optimizer function
 * and the local trigger alike.
 *
 * Invariants:
 * - A segment or tombstone version is visible only once the manifest names it; it is named only after it is
 *   completely written. A crash anywhere leaves the previous manifest, which names only complete objects (§4.4).
 * - Sealed WAL objects are recorded by name (manifest.ts explains why not a high-water mark).
 * - A pass whose plan is older than half the grace period gives up instead of committing: garbage collection may
 *   already treat its unnamed segments as orphans. So a pass is bounded to commit in time: it seals at most
 *   `sealSlice` WAL objects (the oldest; the rest wait for the next pass) and rebuilds within the `rebuild` budget.
 * - Garbage (gc.ts) is deleted only a grace period after it left the manifest (or, for orphans, after it was born).
 */
import { randomBytes } from 'node:crypto';
import { conflict, notFound } from '../model/errors.js';
import { Deadline } from '../model/deadline.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { GcResult } from './gc.js';
import { pendingDeletes, purgePending } from './collection-delete.js';
import type { PendingDelete, PurgeResult } from './collection-delete.js';
import { collectionPrefix, manifestKey, optimizerLeaseKey } from './keys.js';
import { releaseLease, takeLease } from './optimizer-lease.js';
import type { SegmentBuild } from './manifest.js';
import { loadManifest, sealedNames } from './manifest.js';
import { Replan, execute, refreshFloor } from './optimizers/execute.js';
import { plan } from './optimizers/plan.js';
import { buildOf, entryDiffers } from './rebuild.js';
import type { RebuildBudget } from './rebuild.js';
import { SegmentAccess } from './segment-access.js';
import { WalTailReader } from './tail.js';

const DEFAULT_SEAL_SLICE = 4096;
/** the lease term when a run has no deadline (a local run, a test) */
const DEFAULT_LEASE_MS = 300_000;
/** the lease outlives the run's deadline by this much: a pass in flight at the deadline still finishes under it */
const LEASE_MARGIN_MS = 60_000;

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
  /**
   * worker slots K the new segments are placed on (placement.ts; recorded in the manifest, queries route by it)
   * @default autoSegments (one segment per worker); neither: no slot is recorded and queries route by the hash
   */
  workers?: number;
  /**
   * WAL objects sealed per pass, oldest first: a larger tail is sealed in slices, each pass committing its own, so a
   * pass fits its time however far the WAL ran ahead @default 4096
   */
  sealSlice?: number;
  /** skip garbage collection (tests that inspect leftovers) @default false */
  skipGc?: boolean;
  /** shared caches (a warm process keeps them across runs; the service and the optimizer share them) */
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
  /** unsealed WAL objects left beyond this pass's slice */
  pendingWal: number;
  epoch: number;
  gc: GcResult | null;
}

/** One pass over the collection at `collection` (a prefix from keys.ts): seal, merge, rebuild, then collect garbage. */
export async function optimize(
  store: ObjectStore,
  collection: string,
  options: OptimizeOptions = {},
): Promise<OptimizeResult> {
  const now = options.now ?? Date.now;
  const graceMs = options.graceMs ?? 3_600_000;
  const ctx = {
    store,
    collection,
    now,
    graceMs,
    walGraceMs: options.walGraceMs ?? Math.min(graceMs, 300_000),
    random: options.random ?? (() => randomBytes(4).toString('hex')),
    access: options.access ?? new SegmentAccess(store),
    workers: options.workers ?? options.autoSegments,
  };
  const wal = options.wal ?? new WalTailReader(store, undefined, now);
  const maxAttempts = options.maxAttempts ?? 8;

  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const planStarted = now();
    const { current, listed } = await wal.listWith(collection, loadManifest(store, manifestKey(collection)));
    if (current === null) throw notFound(`collection at ${collection} does not exist`);
    const M = current.manifest;
    const sealed = sealedNames(M);
    const unsealed = listed.filter((n) => !sealed.has(n));
    const slice = Math.max(1, options.sealSlice ?? DEFAULT_SEAL_SLICE);
    // the listing is sorted by (seq, writer): what a slice leaves is newer than all it seals (the readers' rule)
    const left = unsealed.length > slice ? unsealed.slice(slice) : [];
    const tail = await wal.read(collection, M, left.length > 0 ? unsealed.slice(0, slice) : listed);
    const copies = await ctx.access.liveCopies(collection, M.segments, [...tail.entries.keys()]);
    // entries written before manifests recorded build parameters: learn them from meta.json (rebuild.ts)
    const builds = new Map<string, SegmentBuild>();
    await Promise.all(
      M.segments
        .filter((s) => s.build === undefined && s.points - s.deleted > 0)
        .map(async (s) => builds.set(s.id, buildOf((await ctx.access.points(collection, s.id)).meta))),
    );
    const p = plan(
      { manifest: M, tail, copies, builds, left },
      {
        ...(options.autoSegments === undefined ? {} : { autoSegments: options.autoSegments }),
        ...(options.rebuild === undefined ? {} : { rebuild: options.rebuild }),
        gc: !options.skipGc,
      },
    );
    // an idle collection's floor follows the clock, so a cold reader's listing keeps its one round (tail.ts)
    if (!p.commits) {
      const raised = await refreshFloor(store, collection, M, unsealed, planStarted);
      if (raised !== null) wal.noteFloor(collection, raised);
    }
    try {
      const { committed, ...done } = await execute(ctx, M, p, planStarted);
      if (committed !== null) wal.noteFloor(collection, committed);
      return { ...done, pendingRebuilds: p.pendingRebuilds, replans: attempt, pendingWal: left.length };
    } catch (e) {
      if (e instanceof Replan) continue;
      throw e;
    }
  }
  throw conflict(`optimizer on ${collection}: lost the manifest swap ${maxAttempts} times`);
}

/** `optimize` by collection name under a deployment prefix. */
export function optimizeCollection(
  store: ObjectStore,
  prefix: string,
  name: string,
  options: OptimizeOptions = {},
): Promise<OptimizeResult> {
  return optimize(store, collectionPrefix(prefix, name), options);
}

/** What `optimizeUntil` did over its passes. */
export interface OptimizeRun {
  /** passes made (each one plan and at most one swap) */
  passes: number;
  sealedWal: number;
  added: string[];
  removed: string[];
  rebuilt: number;
  /** stale segments still left when the deadline stopped the run (the next trigger or schedule continues) */
  pendingRebuilds: number;
  /** unsealed WAL objects still left when the deadline stopped the run */
  pendingWal: number;
  replans: number;
  /** 'leased': another run holds the collection's optimizer lease; this one did nothing (not an error) */
  skipped?: 'leased';
}

export interface CollectionOptimizerOptions extends Omit<OptimizeOptions, 'access' | 'wal'> {
  store: ObjectStore;
  /** the lease term of a run without a deadline (optimizer-lease.ts) @default 300_000 */
  leaseMs?: number;
  /** object key prefix of the deployment ('' = none) @default '' */
  prefix?: string;
  /** the caches a warm process keeps (shared with the collection service in one process) */
  access?: SegmentAccess;
  wal?: WalTailReader;
}

/**
 * The optimizer of one deployment: what it needs (store, prefix, caches, WAL reader), given directly, so the
 * optimizer function and the local server run the same code without a service or invoker in between.
 */
export class CollectionOptimizer {
  readonly access: SegmentAccess;
  readonly wal: WalTailReader;
  readonly #store: ObjectStore;
  readonly #prefix: string;
  readonly #options: OptimizeOptions;
  readonly #leaseMs: number;

  constructor(options: CollectionOptimizerOptions) {
    const { store, prefix, access, wal, leaseMs, ...rest } = options;
    this.#store = store;
    this.#leaseMs = leaseMs ?? DEFAULT_LEASE_MS;
    this.#prefix = prefix ?? '';
    this.access = access ?? new SegmentAccess(store);
    this.wal = wal ?? new WalTailReader(store);
    this.#options = rest;
  }

  /**
   * Whether collection `name` has work for the optimizer: WAL objects no manifest records as sealed, or segments
   * the manifest says were built with other parameters than the config. Two requests (the manifest, one WAL
   * listing) and no WAL body: cheap enough to ask of every collection at start-up, so a seal or rebuild a restart
   * interrupted is resumed without waiting for another write. False for a collection that does not exist.
   */
  async hasWork(name: string): Promise<boolean> {
    const collection = collectionPrefix(this.#prefix, name);
    const { current, listed } = await this.wal.listWith(collection, loadManifest(this.#store, manifestKey(collection)));
    if (current === null) return false;
    const m = current.manifest;
    const sealed = sealedNames(m);
    return listed.some((n) => !sealed.has(n)) || m.segments.some((s) => entryDiffers(m.config, s));
  }

  /**
   * Removes, while `deadline` allows, the objects of deleted collections (collection-delete.ts): every pending
   * delete, or those of `name` only. Returns what each purge did; one not `done` wants another call.
   */
  purgeDeleted(deadline: Deadline = Deadline.never(), name?: string): Promise<PurgeResult[]> {
    return purgePending(this.#store, this.#prefix, deadline, name);
  }

  /** The collection deletes whose objects are still being removed (one listing). */
  pendingDeletes(): Promise<PendingDelete[]> {
    return pendingDeletes(this.#store, this.#prefix);
  }

  /** One pass over collection `name`. */
  optimize(name: string): Promise<OptimizeResult> {
    return optimizeCollection(this.#store, this.#prefix, name, {
      ...this.#options,
      access: this.access,
      wal: this.wal,
    });
  }

  /**
   * Passes over `name` under the collection's optimizer lease (optimizer-lease.ts) until nothing is pending or
   * `deadline` has passed: the first pass always runs (it seals, a slice at a time); further passes seal the rest of
   * a large tail and continue bounded rebuilds (a PATCH's config reaches every segment without waiting for the
   * schedule). A pass that neither sealed nor rebuilt ends the run, so work that cannot progress never spins. A run
   * that finds the lease held by another returns at once with `skipped: 'leased'`.
   */
  async optimizeUntil(name: string, deadline: Deadline = Deadline.never()): Promise<OptimizeRun> {
    const run: OptimizeRun = {
      passes: 0,
      sealedWal: 0,
      added: [],
      removed: [],
      rebuilt: 0,
      pendingRebuilds: 0,
      pendingWal: 0,
      replans: 0,
    };
    const now = this.#options.now ?? Date.now;
    const collection = collectionPrefix(this.#prefix, name);
    // no lease object for a collection that does not exist: it would outlive the run in a folder nobody deletes
    if ((await this.#store.head(manifestKey(collection))) === null) {
      throw notFound(`collection at ${collection} does not exist`);
    }
    const key = optimizerLeaseKey(collection);
    const holder = randomBytes(8).toString('hex');
    const term = () => (Number.isFinite(deadline.at) ? deadline.remainingMs() + LEASE_MARGIN_MS : this.#leaseMs);
    if (!(await takeLease(this.#store, key, holder, now(), term()))) return { ...run, skipped: 'leased' };
    try {
      let more = true;
      while (more) {
        const r = await this.optimize(name);
        run.passes++;
        run.sealedWal += r.sealedWal;
        run.added.push(...r.added);
        run.removed.push(...r.removed);
        run.rebuilt += r.rebuilt;
        run.replans += r.replans;
        run.pendingRebuilds = r.pendingRebuilds;
        run.pendingWal = r.pendingWal;
        const progressed = r.rebuilt > 0 || r.sealedWal > 0;
        more = progressed && (run.pendingRebuilds > 0 || run.pendingWal > 0) && !deadline.expired();
        // renewed for the next pass; lost (it expired and another run took it): that run carries on
        if (more) more = await takeLease(this.#store, key, holder, now(), term());
      }
    } finally {
      await releaseLease(this.#store, key, holder).catch(() => undefined);
    }
    return run;
  }
}
