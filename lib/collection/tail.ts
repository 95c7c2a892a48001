/**
 * The WAL tail: acknowledged writes not yet sealed into a segment, folded into one newest entry per point.
 *
 * Invariants:
 * - tail = listed `wal/` keys − the manifest's `sealedWal` (manifest.ts says why not a high-water mark).
 * - The listing starts at a floor (manifest `walFloor`, wal.ts) and ALWAYS runs in parallel with the manifest read,
 *   so a cold query pays one coordinator round, not two. The start it uses is known without the manifest: the last
 *   floor this reader saw for the collection while that is fresh (learned within FLOOR_TRUST_MS), else its own clock
 *   less COLD_LIST_WINDOW_MS (never below a floor it knows). A start at or below the loaded manifest's floor lists a
 *   superset of the unsealed objects (none sorts below that floor), still exact after subtracting `sealedWal`; only
 *   when the loaded floor is LOWER than the start (a collection idle for longer than the window, or re-created, or
 *   restored from a snapshot) is the WAL listed again from the loaded floor, one round more. Correctness never rests
 *   on the guess: it rests on the comparison with the manifest's floor.
 * - The listing is bounded, not just correct: the window bounds how much sealed history (and its delete markers on a
 *   versioned bucket) a cold listing walks to what the last COLD_LIST_WINDOW_MS sealed, never the whole history. The
 *   optimizer keeps the floor of an idle collection within the window (optimizer.ts, FLOOR_REFRESH_MS), so a cold
 *   reader of one pays the extra round only when no optimizer ran over it lately.
 * - WAL objects are immutable, so a decoded object is cached by key forever (bounded by an LRU on bytes).
 * - A listed object that has vanished was sealed and garbage-collected after the grace period (WAL objects are
 *   deleted only then), so the segments of any manifest new enough to miss it hold its points; it is skipped.
 * - Objects written for another incarnation of the collection (same name, deleted and re-created) are ignored, and
 *   so are the blocks of a vector name deleted (or re-created) since a batch was written (`liveBatch`).
 * - Entries are folded by version (seq, writer); within a batch the last occurrence wins. A delete is an entry too
 *   (a tombstone in the tail) so it shadows segment copies until it is sealed.
 * - Under the same manifest, a listing that only adds objects newer than every one folded before extends the last
 *   fold instead of redoing it (a copy of its map plus the new batches, applied in version order: the map a full fold
 *   builds, keys in the same order). Why: under a writer every new WAL object changed the listing, and re-folding
 *   the whole tail each time was ~8% of the coordinator's thread. A listing that adds an older object (a late
 *   writer's) or changes otherwise is folded whole. `tailExtension` tells readers downstream (winners, packed rows)
 *   which entries the newest extension set, so they can extend their own results too.
 */
import { LRUCache } from 'lru-cache';
import type { IoScope } from '../storage/io-stats.js';
import type { ObjectStore } from '../storage/object-store.js';
import { parseWalName, walListStart, walPrefix } from './keys.js';
import type { Manifest } from './manifest.js';
import { sealedNames } from './manifest.js';
import type { Payload } from '../model/payload.js';
import type { PointId } from '../model/point-id.js';
import type { VectorRows } from '../model/points.js';
import type { StoredVector } from '../model/sparse-vector.js';
import { compareVersions, decodeWal, holderValues } from './wal.js';
import type { WalBatch } from './wal.js';
import { isLiveGeneration, liveGenerations } from '../model/vector-generations.js';

/** WAL GETs in flight per fold (S3 serves thousands of requests per second per prefix; sockets are the limit) */
const READ_CONCURRENCY = 64;
/**
 * How long a learned floor is trusted to list in parallel with the manifest read: a busy reader re-learns it on
 * every query, and in this time seals raise it by little (the optimizer seals every few minutes at most)
 */
export const FLOOR_TRUST_MS = 60_000;
/**
 * How far below its clock a reader that knows no fresh floor starts listing: the floor lags an optimizer's clock by
 * WAL_FLOOR_LAG_MS (3 min), clocks differ by up to 2 × MAX_CLOCK_SKEW_MS, and the scheduled optimizer passes every
 * 5 min (keeping idle floors fresh), so the floor of a collection any optimizer went over lately is above this start.
 */
export const COLD_LIST_WINDOW_MS = 10 * 60_000;
/** keys the listing made in parallel with the manifest read asks for: one S3 page */
const LIST_HEAD = 1000;

/** The WAL object names among listed keys, sorted (a stray key under wal/ is skipped). */
function walNames(keys: readonly { key: string }[]): string[] {
  const names: string[] = [];
  for (const k of keys) {
    const parsed = parseWalName(k.key);
    if (parsed !== null) names.push(parsed.name);
  }
  return names.sort();
}

export interface TailEntry {
  id: PointId;
  /** the point's version: the seq of the batch that wrote it */
  version: number;
  writer: string;
  /** WAL object name (relative to wal/) holding this entry */
  wal: string;
  /** the point's vectors by name; null: the newest write of this point is a delete */
  vectors: VectorRows | null;
  payload: Payload | null;
}

export interface Tail {
  /** newest entry per point id */
  entries: Map<PointId, TailEntry>;
  /** unsealed WAL object names that were read, oldest first */
  names: string[];
  /** highest seq among them (fed to the writer's hybrid clock) */
  maxSeq: number;
  /** unsealed WAL objects of another incarnation of the collection: garbage the optimizer marks sealed */
  foreign: string[];
}

/** Folds batches into newest-per-point entries; batches may come in any order. */
export function foldBatches(batches: readonly { name: string; batch: WalBatch }[]): Map<PointId, TailEntry> {
  const entries = new Map<PointId, TailEntry>();
  applyBatches(entries, batches, null);
  return entries;
}

/** A batch's version: (seq, writer) */
type Version = Pick<WalBatch, 'seq' | 'writer'>;

const versionOrder = (a: Version, b: Version): number => compareVersions(a.seq, a.writer, b.seq, b.writer);
const byVersion = (a: { batch: Version }, b: { batch: Version }): number => versionOrder(a.batch, b.batch);

/** Sets the batches' entries into `entries` in version order (each also pushed to `set` when given). */
function applyBatches(
  entries: Map<PointId, TailEntry>,
  batches: readonly { name: string; batch: WalBatch }[],
  set: TailEntry[] | null,
): void {
  for (const { name, batch } of [...batches].sort(byVersion)) {
    const rows = batchRows(batch);
    const put = (e: TailEntry): void => {
      entries.set(e.id, e);
      set?.push(e);
    };
    for (let i = 0; i < batch.ids.length; i++) {
      put({
        id: batch.ids[i],
        version: batch.seq,
        writer: batch.writer,
        wal: name,
        vectors: rows[i],
        payload: batch.payloads[i],
      });
    }
    for (const id of batch.deletes) {
      put({ id, version: batch.seq, writer: batch.writer, wal: name, vectors: null, payload: null });
    }
  }
}

/** How a tail extends the one folded before it: that tail, and the entries set on a copy of its map, in order. */
export interface TailExtension {
  base: Tail;
  set: readonly TailEntry[];
}

/**
 * Only the newest extension of each collection's fold is kept: a tail's link to its base is dropped when it is
 * extended in turn, so a chain of extensions never holds every tail before it.
 */
const extensions = new WeakMap<Tail, TailExtension>();

/** The extension that made `tail`, if it was the last one made from its base (see the header). */
export function tailExtension(tail: Tail): TailExtension | undefined {
  return extensions.get(tail);
}

/**
 * The batch without the blocks of vector names its generation makes stale under `live` (a deleted name, or an
 * earlier creation of a re-created one: lib/model/vector-generations.ts); the same object when none is.
 */
export function liveBatch(batch: WalBatch, live: ReadonlyMap<string, number>): WalBatch {
  const isLive = (name: string) => isLiveGeneration(live, name, batch.generations?.[name]);
  const vectors = batch.vectors.filter((b) => isLive(b.name));
  const sparse = batch.sparse?.filter((b) => isLive(b.name));
  if (vectors.length === batch.vectors.length && sparse?.length === batch.sparse?.length) return batch;
  return { ...batch, vectors, ...(sparse !== undefined ? { sparse } : {}) };
}

/** Each point's vectors by name, as views into the batch's blocks (no copy). */
export function batchRows(batch: Pick<WalBatch, 'ids' | 'vectors' | 'sparse'>): Map<string, StoredVector>[] {
  const rows = batch.ids.map(() => new Map<string, StoredVector>());
  for (const b of batch.vectors) {
    const values = holderValues(b, batch.ids.length);
    for (let k = 0; k < values.length; k++) rows[b.points === null ? k : b.points[k]].set(b.name, values[k]);
  }
  for (const b of batch.sparse ?? []) {
    b.rows.forEach((v, r) => rows[b.points === null ? r : b.points[r]].set(b.name, v));
  }
  return rows;
}

/** Whether two name lists are equal. */
function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && startsWith(a, b);
}

/** Whether `a` begins with every name of `prefix`, in order. */
function startsWith(a: readonly string[], prefix: readonly string[]): boolean {
  if (a.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (a[i] !== prefix[i]) return false;
  return true;
}

function batchBytes(b: WalBatch): number {
  const sparse = (b.sparse ?? []).reduce((n, s) => n + s.rows.reduce((m, r) => m + 8 * r.indices.length + 32, 0), 0);
  return b.vectors.reduce((n, v) => n + v.data.byteLength, 0) + sparse + 64 * (b.ids.length + b.deletes.length);
}

/** Reads (with a cache of immutable WAL objects) and folds the WAL tail of a collection. */
export class WalTailReader {
  /** decoded WAL objects, LRU by bytes; one larger than the budget is charged the whole budget and kept alone */
  private readonly cache: LRUCache<string, WalBatch>;
  /**
   * The last folded tail per collection, reused while the manifest (the cache's very object, so an unchanged
   * revalidated manifest) and the unsealed names are the same: WAL objects are immutable, so the fold is too, and a
   * warm query on a collection being written to does not re-fold thousands of entries; extended when the names only
   * grow by newer objects (see the header). `newest`: the highest version folded. Callers never mutate a Tail.
   */
  private readonly folded = new Map<
    string,
    { manifest: Manifest; unsealed: readonly string[]; newest: Version | null; tail: Tail }
  >();
  /** per collection, the fold in progress (see read) */
  private readonly pending = new Map<
    string,
    { manifest: Manifest; unsealed: readonly string[]; tail: Promise<Tail> }
  >();

  constructor(
    private readonly store: ObjectStore,
    budgetBytes = 256 * 1024 * 1024,
    private readonly now: () => number = Date.now,
  ) {
    const budget = Math.max(1, Math.floor(budgetBytes));
    this.cache = new LRUCache<string, WalBatch>({
      maxSize: budget,
      sizeCalculation: (b) => Math.min(budget, Math.max(1, batchBytes(b))),
    });
  }

  /** per collection: the `walFloor` of the last manifest read through `listWith`, and when (`now`) it was read */
  private readonly floors = new Map<string, { floor: number; at: number }>();

  /** Lists the WAL objects of a collection with seq ≥ `floor` (names only, sorted). */
  async list(collection: string, io?: IoScope, floor = 0): Promise<string[]> {
    return walNames(await this.listKeys(collection, io, walListStart(collection, floor)));
  }

  private listKeys(collection: string, io: IoScope | undefined, startAfter?: string, limit?: number) {
    return this.store.list(walPrefix(collection), {
      io,
      keysOnly: true,
      ...(startAfter === undefined ? {} : { startAfter }),
      ...(limit === undefined ? {} : { limit }),
    });
  }

  /**
   * Loads the manifest (`load`) and lists the WAL in parallel, from a start known without the manifest (see the
   * header); lists again from the loaded manifest's floor when that one is lower. The parallel listing takes one
   * page: when it is full, the rest is listed from past the loaded floor, so a start far below the floor never
   * walks more than one page of sealed history. null: no manifest.
   */
  async listWith<V extends { manifest: Manifest }>(
    collection: string,
    load: Promise<V | null>,
    io?: IoScope,
  ): Promise<{ current: V | null; listed: string[] }> {
    const start = this.listStart(collection);
    const [current, head] = await Promise.all([
      load,
      this.listKeys(collection, io, walListStart(collection, start), LIST_HEAD),
    ]);
    if (current === null) return { current, listed: walNames(head) };
    const floor = this.learn(collection, current.manifest);
    if (floor < start) return { current, listed: await this.list(collection, io, floor) };
    if (head.length < LIST_HEAD) return { current, listed: walNames(head) };
    const fromFloor = walListStart(collection, floor);
    const last = head[head.length - 1].key;
    const rest = await this.listKeys(collection, io, fromFloor !== undefined && fromFloor > last ? fromFloor : last);
    return { current, listed: walNames(head.concat(rest)) };
  }

  /** Where this reader's next listing of `collection` starts, before it has read the manifest. */
  listStart(collection: string): number {
    const known = this.floors.get(collection);
    const now = this.now();
    if (known !== undefined && now - known.at <= FLOOR_TRUST_MS) return known.floor;
    return Math.max(known?.floor ?? 0, Math.floor(now - COLD_LIST_WINDOW_MS));
  }

  /** Records the floor of a manifest this process just committed (the next listing starts there). */
  noteFloor(collection: string, manifest: Manifest): void {
    this.learn(collection, manifest);
  }

  private learn(collection: string, manifest: Manifest): number {
    const floor = manifest.walFloor ?? 0;
    this.floors.set(collection, { floor, at: this.now() });
    return floor;
  }

  /** The tail given a manifest and a listing taken at about the same time. */
  read(collection: string, manifest: Manifest, listed: readonly string[], io?: IoScope): Promise<Tail> {
    const sealed = sealedNames(manifest);
    const unsealed = listed.filter((n) => !sealed.has(n));
    const memo = this.folded.get(collection);
    if (memo?.manifest === manifest && sameNames(unsealed, memo.unsealed)) return Promise.resolve(memo.tail);
    // queries that list the same new object at once share one fold: one tail (and winners, packed rows) for all
    const pending = this.pending.get(collection);
    if (pending?.manifest === manifest && sameNames(unsealed, pending.unsealed)) return pending.tail;
    const tail = this.fold(collection, manifest, sealed, unsealed, io);
    const mine = { manifest, unsealed, tail };
    this.pending.set(collection, mine);
    const done = (): void => {
      if (this.pending.get(collection) === mine) this.pending.delete(collection);
    };
    tail.then(done, done);
    return tail;
  }

  private async fold(
    collection: string,
    manifest: Manifest,
    sealed: ReadonlySet<string>,
    unsealed: readonly string[],
    io?: IoScope,
  ): Promise<Tail> {
    const memo = this.folded.get(collection);
    const same = memo !== undefined && memo.manifest === manifest;
    if (!same) this.dropSealed(collection, sealed);
    const added = same && startsWith(unsealed, memo.unsealed) ? unsealed.slice(memo.unsealed.length) : unsealed;
    const read = await this.usable(collection, manifest, added, io);
    let tail: Tail;
    let newest = read.newest;
    if (
      same &&
      added !== unsealed &&
      (memo.newest === null || read.oldest === null || versionOrder(memo.newest, read.oldest) < 0)
    ) {
      // every new object is newer than all folded before: extend the last fold (see the header)
      const base = memo.tail;
      const entries = new Map(base.entries);
      const set: TailEntry[] = [];
      applyBatches(entries, read.usable, set);
      tail = {
        entries,
        names: base.names.concat(read.names),
        maxSeq: Math.max(base.maxSeq, read.maxSeq),
        foreign: base.foreign.concat(read.foreign),
      };
      extensions.delete(base);
      extensions.set(tail, { base, set });
      if (newest === null) newest = memo.newest;
    } else {
      const whole = added === unsealed ? read : await this.usable(collection, manifest, unsealed, io);
      tail = { entries: foldBatches(whole.usable), names: whole.names, maxSeq: whole.maxSeq, foreign: whole.foreign };
      newest = whole.newest;
    }
    this.folded.set(collection, { manifest, unsealed, newest, tail });
    return tail;
  }

  /** The named objects' batches that belong to the manifest's collection, and which are the oldest and newest. */
  private async usable(collection: string, manifest: Manifest, unsealed: readonly string[], io?: IoScope) {
    // a bounded number of GETs in flight: a tail of thousands of objects must not open thousands of sockets at once
    const batches = new Array<WalBatch | null>(unsealed.length);
    let next = 0;
    const fetcher = async () => {
      for (let i = next++; i < unsealed.length; i = next++) batches[i] = await this.batch(collection, unsealed[i], io);
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, unsealed.length) }, fetcher));
    const usable: { name: string; batch: WalBatch }[] = [];
    let maxSeq = 0;
    let oldest: Version | null = null;
    let newest: Version | null = null;
    const names: string[] = [];
    const foreign: string[] = [];
    const live = liveGenerations(manifest.config);
    for (let i = 0; i < unsealed.length; i++) {
      const b = batches[i];
      if (b === null) continue;
      if (b.incarnation !== manifest.incarnation) {
        foreign.push(unsealed[i]);
        continue;
      }
      usable.push({ name: unsealed[i], batch: liveBatch(b, live) });
      names.push(unsealed[i]);
      if (b.seq > maxSeq) maxSeq = b.seq;
      if (oldest === null || versionOrder(b, oldest) < 0) oldest = { seq: b.seq, writer: b.writer };
      if (newest === null || versionOrder(b, newest) > 0) newest = { seq: b.seq, writer: b.writer };
    }
    return { usable, names, maxSeq, foreign, oldest, newest };
  }

  private async batch(collection: string, name: string, io?: IoScope): Promise<WalBatch | null> {
    const key = walPrefix(collection) + name;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const got = await this.store.get(key, { io });
    // vanished: sealed and collected after the grace period (see header); not cached, it cannot come back anyway
    if (got === null) return null;
    const batch = decodeWal(got.body, key);
    this.cache.set(key, batch);
    return batch;
  }

  /** Sealed objects are never read as tail again: their cached batches only take memory. */
  private dropSealed(collection: string, sealed: ReadonlySet<string>): void {
    const p = walPrefix(collection);
    for (const k of [...this.cache.keys()]) if (k.startsWith(p) && sealed.has(k.slice(p.length))) this.cache.delete(k);
  }

  /** Drops cached batches of a collection (after it is deleted). */
  forget(collection: string): void {
    this.folded.delete(collection);
    this.pending.delete(collection);
    this.floors.delete(collection);
    const p = walPrefix(collection);
    for (const k of [...this.cache.keys()]) if (k.startsWith(p)) this.cache.delete(k);
  }
}
