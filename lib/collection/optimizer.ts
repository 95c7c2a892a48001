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
 * `optimizeUntil(deadline)` repeats passes while rebuilds are pending and the deadline allows: the ONE
 * continuation loop, used by the optimizer function and the local trigger alike.
 *
 * Invariants:
 * - A segment or tombstone version is visible only once the manifest names it; it is named only after it is
 *   completely written. A crash anywhere leaves the previous manifest, which names only complete objects (§4.4).
 * - Sealed WAL objects are recorded by name (manifest.ts explains why not a high-water mark).
 * - A pass whose plan is older than half the grace period gives up instead of committing: garbage collection may
 *   already treat its unnamed segments as orphans.
 * - Garbage (gc.ts) is deleted only a grace period after it left the manifest (or, for orphans, after it was born).
 */
import { randomBytes } from 'node:crypto';
import { conflict, notFound } from '../model/errors.js';
import { Deadline } from '../model/deadline.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { GcResult } from './gc.js';
import { collectionPrefix, manifestKey } from './keys.js';
import type { SegmentBuild } from './manifest.js';
import { loadManifest, sealedNames } from './manifest.js';
import { Replan, execute } from './optimizers/execute.js';
import { plan } from './optimizers/plan.js';
import { buildOf, entryDiffers } from './rebuild.js';
import type { RebuildBudget } from './rebuild.js';
import { SegmentAccess } from './segment-access.js';
import { WalTailReader } from './tail.js';

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
  const wal = options.wal ?? new WalTailReader(store);
  const maxAttempts = options.maxAttempts ?? 8;

  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const planStarted = now();
    const { current, listed } = await wal.listWith(collection, loadManifest(store, manifestKey(collection)));
    if (current === null) throw notFound(`collection at ${collection} does not exist`);
    const M = current.manifest;
    const tail = await wal.read(collection, M, listed);
    const copies = await ctx.access.liveCopies(collection, M.segments, [...tail.entries.keys()]);
    // entries written before manifests recorded build parameters: learn them from meta.json (rebuild.ts)
    const builds = new Map<string, SegmentBuild>();
    await Promise.all(
      M.segments
        .filter((s) => s.build === undefined && s.points - s.deleted > 0)
        .map(async (s) => builds.set(s.id, buildOf((await ctx.access.points(collection, s.id)).meta))),
    );
    const p = plan(
      { manifest: M, tail, copies, builds },
      {
        ...(options.autoSegments === undefined ? {} : { autoSegments: options.autoSegments }),
        ...(options.rebuild === undefined ? {} : { rebuild: options.rebuild }),
        gc: !options.skipGc,
      },
    );
    try {
      const { committed, ...done } = await execute(ctx, M, p, planStarted);
      if (committed !== null) wal.noteFloor(collection, committed);
      return { ...done, pendingRebuilds: p.pendingRebuilds, replans: attempt };
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
  replans: number;
}

export interface CollectionOptimizerOptions extends Omit<OptimizeOptions, 'access' | 'wal'> {
  store: ObjectStore;
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

  constructor(options: CollectionOptimizerOptions) {
    const { store, prefix, access, wal, ...rest } = options;
    this.#store = store;
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

  /** One pass over collection `name`. */
  optimize(name: string): Promise<OptimizeResult> {
    return optimizeCollection(this.#store, this.#prefix, name, {
      ...this.#options,
      access: this.access,
      wal: this.wal,
    });
  }

  /**
   * Passes over `name` until nothing is pending or `deadline` has passed: the first pass always runs (it seals);
   * each further pass continues bounded rebuilds (a PATCH's config reaches every segment without waiting for the
   * schedule). A pass that rebuilt nothing ends the run, so a rebuild that cannot progress never spins.
   */
  async optimizeUntil(name: string, deadline: Deadline = Deadline.never()): Promise<OptimizeRun> {
    const run: OptimizeRun = {
      passes: 0,
      sealedWal: 0,
      added: [],
      removed: [],
      rebuilt: 0,
      pendingRebuilds: 0,
      replans: 0,
    };
    do {
      const r = await this.optimize(name);
      run.passes++;
      run.sealedWal += r.sealedWal;
      run.added.push(...r.added);
      run.removed.push(...r.removed);
      run.rebuilt += r.rebuilt;
      run.replans += r.replans;
      run.pendingRebuilds = r.pendingRebuilds;
      if (r.rebuilt === 0) break;
    } while (run.pendingRebuilds > 0 && !deadline.expired());
    return run;
  }
}
