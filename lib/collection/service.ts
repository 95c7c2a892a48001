/**
 * The collection service (types.ts `CollectionService`) over an ObjectStore and an Invoker.
 *
 * Invariants:
 * - §4.1: a write returns only after its WAL object is in the store (wal-writer.ts); nothing else is written on the
 *   write path (writers never touch the manifest, so they never race the optimizer).
 * - §4.6: a batch is validated whole against the collection's config before anything is written.
 * - §4.2: every read opens a snapshot (manifest + WAL tail) taken after the call began, so it sees every write
 *   acknowledged before it.
 * - Payload updates and deletes by filter are resolved here against a snapshot into full-point upserts and id
 *   deletes (wal.ts documents the race this allows).
 * - Every method that reads or writes a collection resolves its name through the one AliasRouter (aliases.ts), with
 *   the alias map revalidated; create and delete take collection names only (deleting a collection drops its
 *   aliases).
 * - `onWrite` hears of every acknowledged write and only of those (after the WAL PUT, never for a refused or failed
 *   one); `onConfigChange` of every committed config update. The optimizer trigger is wired through them.
 */
import { randomBytes } from 'node:crypto';
import {
  collectionNotFound,
  conflict,
  isStrataError,
  malformed,
  notFound,
  outOfRange,
  pointNotFound,
  unavailable,
} from '../model/errors.js';
import {
  type AliasAction,
  type AliasDescription,
  changeAliases,
  describeAliases,
  dropAliasesOf,
  AliasRouter,
} from './aliases.js';
import { createContext, snapshotOf } from './context.js';
import type { IoScope } from '../storage/io-stats.js';
import type { CollectionServiceOptions, ServiceContext } from './context.js';
import { listCollections } from './catalog.js';
import { collectionPrefix, manifestKey, walKey } from './keys.js';
import { validateCollectionName } from '../model/collection-name.js';
import { createManifest, newManifest, updateManifest } from './manifest.js';
import { backlogOf, type OptimizerBacklog } from './backlog.js';
import * as snapshots from './collection-snapshots.js';
import * as storage from './storage-snapshots.js';
import type { SnapshotDescription } from './collection-snapshots.js';
import { archiveSnapshot, checkArchive, restoreArchive } from './snapshot-archive.js';
import { isSnapshotName, snapshotKey, snapshotsPrefix } from './keys.js';
import { markDeleted, pendingDeletes, purgeDeleted } from './collection-delete.js';
import { Deadline } from '../model/deadline.js';
import { entryDiffers } from './rebuild.js';
import { type CollectionLayout, collectionLayout } from './segment-layout.js';
import { payloadPoints, withFieldIndex, withoutFieldIndex } from './field-indexes.js';
import { estimateCount } from './count-estimate.js';
import { facet, scrollOrdered } from './payload-reads.js';
import { deletePayloadKeys, overwritePayload, setPayload } from './payload-ops.js';
import { runQuery } from './query.js';
import type { QueryTrace } from './query.js';
import * as reads from './reads.js';
import type { FullPoint } from './reads.js';
import type { Snapshot } from './snapshot.js';
import type { CollectionConfig, CollectionUpdate } from '../model/collection-config.js';
import type { CollectionInfo, CollectionService } from './types.js';
import type { Filter } from '../model/filter.js';
import type { PayloadFieldSchema } from '../model/payload-schema.js';
import type { Payload, WithPayload } from '../model/payload.js';
import { type PointId, requirePointId } from '../model/point-id.js';
import type {
  FacetHit,
  FacetRequest,
  PointStruct,
  PointsSelector,
  PointVectors,
  UpsertOptions,
  VectorRows,
  WithVector,
  Record_,
  ScrollRequest,
  ScrollResult,
  UpdateResult,
} from '../model/points.js';
import type { GroupsRequest, MatrixRequest, UniversalQuery } from '../model/query.js';
import type { QueryRequest, ScoredPoint } from '../model/search.js';
import { runUniversal } from './query-api/execute.js';
import { searchMatrix } from './query-api/matrix.js';
import type { MatrixOffsets } from './query-api/matrix.js';
import { runGroups } from './query-api/run-groups.js';
import type { PointGroup } from './query-api/run-groups.js';
import { WAL_ACK_WINDOW_MS, encodeWal, prepareUpserts, selectUpserts, storedUpserts } from './wal.js';
import { isSparseName } from '../model/sparse-spaces.js';
import { compileFilter, filterVectorNames } from '../segment/filter.js';
import { vectorSpace, vectorSpaces } from '../model/vector-spaces.js';
import { withVectors, withoutVectors } from './vector-updates.js';
import { batchRows } from './tail.js';
import { type BatchOperation, applyBatch } from './batch-update.js';
import { checkSparseNames, updatedSparseVectors, updatedVectors } from './vector-config.js';
import { type VectorNameConfig, withVectorName, withoutVectorName } from './vector-names.js';
import { nonZeroGenerations } from '../model/vector-generations.js';
import type { PreparedUpserts } from './wal.js';
import { putWal } from './wal-writer.js';
import { GroupCommitter } from './group-commit.js';
import { mergeUpserts, mergeable } from './upsert-merge.js';

/**
 * Most points one group-committed WAL record takes (more wait for the next): bounds the record's bytes and the
 * time its encode holds the event loop, at 10 of the API's largest-typical 1,000-point batches
 */
const GROUP_MAX_POINTS = 10_000;

/** what a recover may spend finishing an earlier delete of a name it restores (collection-delete.ts) */
const RECOVER_PURGE_MS = 5_000;

export type { CollectionServiceOptions } from './context.js';

export class StrataCollectionService implements CollectionService {
  readonly ctx: ServiceContext;
  private readonly router: AliasRouter;

  constructor(options: CollectionServiceOptions) {
    this.ctx = createContext(options);
    this.router = new AliasRouter(this.ctx.aliases);
  }

  private prefixOf(name: string): string {
    return collectionPrefix(this.ctx.prefix, name);
  }

  /**
   * A snapshot of the collection `name` means (a collection, or the one its alias names). `stale`: a query's, which
   * may be served within the bounded staleness (context.ts).
   */
  private snapshot(name: string, io?: IoScope, stale = false): Promise<Snapshot> {
    return this.router.route(name, (n) => snapshotOf(this.ctx, n, io, stale), true, io);
  }

  // ------------------------------------------------------------------ aliases

  async updateAliases(actions: AliasAction[]): Promise<void> {
    await changeAliases(
      {
        aliases: this.ctx.aliases,
        collectionExists: async (n) => (await this.ctx.manifests.current(manifestKey(this.prefixOf(n)))) !== null,
      },
      actions,
    );
  }

  async listAliases(): Promise<AliasDescription[]> {
    return describeAliases(await this.ctx.aliases.current());
  }

  /** The aliases naming `name` (a collection name, not resolved, as Qdrant's `GET /collections/{c}/aliases`). */
  async collectionAliases(name: string): Promise<AliasDescription[]> {
    const [exists, map] = await Promise.all([
      this.ctx.manifests.current(manifestKey(this.prefixOf(name))),
      this.ctx.aliases.current(),
    ]);
    if (exists === null) throw collectionNotFound(name);
    return describeAliases(map, name);
  }

  // ------------------------------------------------------------------ collections

  async createCollection(name: string, config: CollectionConfig): Promise<void> {
    validateCollectionName(name);
    if ((await this.ctx.aliases.current()).has(name)) {
      throw conflict(`Can't create collection with name ${name}. Alias with the same name already exists`);
    }
    for (const space of vectorSpaces(config)) {
      if (!Number.isInteger(space.size) || space.size < 1) {
        throw outOfRange(
          space.name === '' ? 'vectors.size' : `vectors.${space.name}.size`,
          'must be a positive integer',
        );
      }
    }
    checkSparseNames(config);
    const m = newManifest(name, config, randomBytes(8).toString('hex'), this.ctx.now());
    const key = manifestKey(this.prefixOf(name));
    const etag = await createManifest(this.ctx.store, key, m);
    this.ctx.manifests.remember(key, { manifest: m, etag });
  }

  /**
   * Deletes the manifest first (the collection is gone for every reader at once), then every object under the
   * collection's prefix. A crash midway leaves objects no manifest names; a re-created collection gets a new
   * incarnation, so leftover WAL objects are ignored (tail.ts) and leftover segments are never named.
   */
  async deleteCollection(name: string): Promise<boolean> {
    const existed = await this.removeCollection(name);
    await dropAliasesOf(this.ctx.aliases, name);
    return existed;
  }

  /**
   * deleteCollection without touching aliases (a recover replaces a collection its aliases keep naming). In the
   * background (a delete): bounded whatever the collection's size, its snapshots (few objects) go now, as in Qdrant,
   * the manifest delete makes it invisible, and everything else is removed after the deletion marker
   * (collection-delete.ts). Inline (a recover, which rewrites the same keys and must not race a purge): all now.
   */
  private async removeCollection(name: string, mode: 'background' | 'inline' = 'background'): Promise<boolean> {
    const prefix = this.prefixOf(name);
    const key = manifestKey(prefix);
    const existed = (await this.ctx.store.head(key)) !== null;
    if (existed && mode === 'background') {
      // the collection's own snapshots go with it (as in Qdrant); storage snapshots' pins stay (collection-delete.ts)
      const root = snapshotsPrefix(prefix);
      const own = (await this.ctx.store.list(root)).filter((k) => isSnapshotName(k.key.slice(root.length)));
      await Promise.all(own.map((k) => this.ctx.store.delete(k.key)));
    }
    await this.ctx.store.delete(key);
    this.ctx.manifests.forget(key);
    if (mode === 'inline') {
      const listed = await this.ctx.store.list(`${prefix}/`);
      const spared = await snapshots.storagePinnedKeys(
        this.ctx.store,
        prefix,
        listed.map((k) => k.key),
      );
      const keys = listed.filter((k) => !spared.has(k.key));
      for (let i = 0; i < keys.length; i += 32) {
        await Promise.all(keys.slice(i, i + 32).map((k: { key: string }) => this.ctx.store.delete(k.key)));
      }
    }
    this.ctx.wal.forget(prefix);
    this.ctx.access.forget(prefix);
    this.ctx.recentSnapshots.delete(name);
    if (existed && mode === 'background') {
      await markDeleted(this.ctx.store, this.ctx.prefix, name, this.ctx.now());
      this.ctx.onDelete(name);
    }
    return existed;
  }

  listCollections(): Promise<string[]> {
    return listCollections(this.ctx.store, this.ctx.prefix);
  }

  async collectionExists(name: string): Promise<boolean> {
    validateCollectionName(name);
    return this.router
      .route(name, async (n) => {
        if ((await this.ctx.manifests.current(manifestKey(this.prefixOf(n)))) === null) throw collectionNotFound(n);
        return true;
      })
      .catch((e: unknown) => {
        if (isStrataError(e, 'not_found')) return false;
        throw e;
      });
  }

  /**
   * The config alone, for the API's early dimension check: the cached manifest without revalidation (the query or
   * write that follows revalidates it and re-checks the dimension), so a warm request pays no extra round trip.
   */
  async collectionConfig(name: string, fresh = false): Promise<CollectionConfig> {
    return this.router.route(
      name,
      async (n) => {
        const key = manifestKey(this.prefixOf(n));
        const current = fresh ? await this.ctx.manifests.current(key) : await this.ctx.manifests.recent(key);
        if (current === null) throw collectionNotFound(n);
        return current.manifest.config;
      },
      fresh,
    );
  }

  async getCollection(name: string): Promise<CollectionInfo> {
    const snap = await this.snapshot(name);
    const { manifest } = snap;
    return {
      // yellow while the optimizer has work: an unsealed WAL tail, or segments built with other parameters (rebuild.ts)
      status:
        snap.winners.size > 0 || manifest.segments.some((s) => entryDiffers(manifest.config, s)) ? 'yellow' : 'green',
      optimizer_status: 'ok',
      points_count: await reads.livePointCount(this.ctx, snap),
      indexed_vectors_count: manifest.segments.filter((s) => s.indexed).reduce((n, s) => n + s.points - s.deleted, 0),
      segments_count: manifest.segments.length,
      config: manifest.config,
      payload_points: await payloadPoints(this.ctx, snap),
    };
  }

  // ------------------------------------------------------------------ payload indexes (field-indexes.ts)

  createFieldIndex(name: string, field: string, schema: PayloadFieldSchema): Promise<number> {
    return this.router.route(name, (n) => this.changeConfig(n, (c) => withFieldIndex(c, field, schema)));
  }

  deleteFieldIndex(name: string, field: string): Promise<number> {
    return this.router.route(name, (n) => this.changeConfig(n, (c) => withoutFieldIndex(c, field)));
  }

  /** One config change by compare-and-swap; no write (and no optimizer call) when `change` returns the same config. */
  createVectorName(name: string, vector: string, config: VectorNameConfig): Promise<number> {
    return this.router.route(name, (n) => this.changeConfig(n, (c) => withVectorName(c, vector, config)));
  }

  deleteVectorName(name: string, vector: string): Promise<number> {
    return this.router.route(name, (n) => this.changeConfig(n, (c) => withoutVectorName(c, vector)));
  }

  /**
   * Answers the change's operation_id. Qdrant logs a schema change in the shard's WAL like a point write (also when
   * it changes nothing) and answers that entry's number; here the change is a manifest commit, and its id is drawn
   * from the writers' clock once it is committed (above the manifest's floors, as a write's seq), so it is larger
   * than the id of every write this process acknowledged before and smaller than every later one's.
   */
  private async changeConfig(name: string, change: (c: CollectionConfig) => CollectionConfig): Promise<number> {
    const key = manifestKey(this.prefixOf(name));
    let changed = false;
    const result = await updateManifest(this.ctx.store, key, (m) => {
      this.ctx.clock.observe(Math.max(m.sealedHigh, m.walFloor ?? 0));
      const config = change(m.config);
      changed = config !== m.config;
      return changed ? { ...m, config } : null;
    }).catch((e: unknown) => {
      if (isStrataError(e, 'not_found')) throw collectionNotFound(name, e);
      throw e;
    });
    if (result !== null) this.ctx.manifests.remember(key, result);
    if (changed) this.ctx.onConfigChange(name);
    return this.ctx.clock.next();
  }

  // ------------------------------------------------------------------ snapshots (collection-snapshots.ts)

  async createSnapshot(name: string): Promise<SnapshotDescription> {
    return snapshots.pinSnapshot(this.ctx.store, await this.snapshot(name), this.ctx.now());
  }

  /** The collection prefix `name` means, checked to exist (not_found otherwise). */
  private existing(name: string): Promise<string> {
    return this.router.route(name, async (n) => {
      const prefix = this.prefixOf(n);
      if ((await this.ctx.manifests.current(manifestKey(prefix))) === null) throw collectionNotFound(n);
      return prefix;
    });
  }

  async listSnapshots(name: string): Promise<SnapshotDescription[]> {
    return snapshots.listSnapshots(this.ctx.store, await this.existing(name));
  }

  async deleteSnapshot(name: string, snapshot: string): Promise<void> {
    await snapshots.deleteSnapshot(this.ctx.store, await this.existing(name), snapshot);
  }

  /** The snapshot as one tar archive, streamed (snapshot-archive.ts). */
  async downloadSnapshot(name: string, snapshot: string): Promise<AsyncIterable<Uint8Array>> {
    const collection = await this.existing(name);
    const got = snapshots.isPinName(snapshot) ? await this.ctx.store.get(snapshotKey(collection, snapshot)) : null;
    if (got === null) throw notFound(`Snapshot ${snapshot} not found`);
    return archiveSnapshot(this.ctx.store, collection, got.body);
  }

  /**
   * Restores an archive as the collection `name` (a collection name, not an alias), replacing it when it exists, as
   * Qdrant's recover does. The archive is checked whole before anything is deleted or written.
   */
  async recoverSnapshot(name: string, archive: Uint8Array): Promise<void> {
    validateCollectionName(name);
    const checked = await checkArchive(archive);
    if ((await this.ctx.aliases.current()).has(name)) {
      throw conflict(`Can't create collection with name ${name}. Alias with the same name already exists`);
    }
    // the archive's segments and WAL objects keep their keys, which a background purge of an earlier delete of the
    // name could still be removing: finish it first instead of racing it
    await this.finishDeletes(new Set([name]));
    await this.removeCollection(name, 'inline');
    const collection = this.prefixOf(name);
    await restoreArchive(this.ctx.store, collection, name, checked, this.ctx.now());
    this.ctx.onConfigChange(name);
  }

  /**
   * Completes the pending deletes of `names` here, within RECOVER_PURGE_MS (one that does not finish in time is a
   * 409 to retry), so a restore never writes keys a purge is removing.
   */
  private async finishDeletes(names: ReadonlySet<string>): Promise<void> {
    const deadline = Deadline.in(RECOVER_PURGE_MS, this.ctx.now);
    for (const p of await pendingDeletes(this.ctx.store, this.ctx.prefix)) {
      if (!names.has(p.name)) continue;
      if (!(await purgeDeleted(this.ctx.store, this.ctx.prefix, p, deadline)).done) {
        throw conflict(`Collection ${p.name} is still being deleted; retry the recovery once that has finished`);
      }
    }
  }

  // ------------------------------------------------------------------ storage snapshots (storage-snapshots.ts)

  async createStorageSnapshot(): Promise<SnapshotDescription> {
    const [names, aliases] = await Promise.all([this.listCollections(), this.ctx.aliases.current()]);
    return storage.createStorageSnapshot(
      { store: this.ctx.store, prefix: this.ctx.prefix, now: this.ctx.now() },
      names,
      aliases,
      async (n) => {
        try {
          return await snapshotOf(this.ctx, n);
        } catch (e) {
          // deleted since the listing: the snapshot holds the collections that still exist
          if (isStrataError(e, 'not_found')) return null;
          throw e;
        }
      },
    );
  }

  listStorageSnapshots(): Promise<SnapshotDescription[]> {
    return storage.listStorageSnapshots(this.ctx.store, this.ctx.prefix);
  }

  async deleteStorageSnapshot(snapshot: string): Promise<void> {
    const purge = await storage.deleteStorageSnapshot(this.ctx.store, this.ctx.prefix, snapshot, this.ctx.now());
    for (const name of purge) this.ctx.onDelete(name);
  }

  downloadStorageSnapshot(snapshot: string): Promise<AsyncIterable<Uint8Array>> {
    return storage.archiveStorageSnapshot(this.ctx.store, this.ctx.prefix, snapshot);
  }

  /**
   * Restores a storage archive: every collection it holds replaces the one of that name (others are left alone),
   * then its aliases are created (overwriting same-named ones). Checked whole, and checked against the aliases and
   * collections here, before anything is written.
   */
  async recoverStorageSnapshot(archive: Uint8Array): Promise<void> {
    const checked = await storage.checkStorageArchive(archive);
    const [current, existing] = await Promise.all([this.ctx.aliases.current(), this.listCollections()]);
    const restored = new Set(checked.root.collections);
    for (const c of restored) {
      if (current.has(c)) {
        throw conflict(`Can't create collection with name ${c}. Alias with the same name already exists`);
      }
    }
    for (const [alias] of checked.root.aliases) {
      if (existing.includes(alias) && !restored.has(alias)) {
        throw conflict(`Can't create alias ${alias}: a collection with the same name exists`);
      }
    }
    // as recoverSnapshot: the archives rewrite the same keys, so no background purge of a name may still run
    await this.finishDeletes(restored);
    for (const [c, collection] of checked.collections) {
      await this.removeCollection(c, 'inline');
      await restoreArchive(this.ctx.store, this.prefixOf(c), c, collection, this.ctx.now());
      this.ctx.onConfigChange(c);
    }
    if (checked.root.aliases.length > 0) {
      await this.updateAliases(
        checked.root.aliases.map(([alias, c]) => ({ create_alias: { alias_name: alias, collection_name: c } })),
      );
    }
  }

  async segmentLayout(name: string): Promise<CollectionLayout> {
    return collectionLayout(this.ctx, await this.snapshot(name));
  }

  /** The optimizer's outstanding work on the collection (backlog.ts). */
  async optimizerBacklog(name: string): Promise<OptimizerBacklog> {
    return backlogOf(await this.snapshot(name));
  }

  /**
   * Changes the config in the manifest. Existing segments are rebuilt to it by the optimizer (rebuild.ts), which
   * `onConfigChange` asks for once the change is committed.
   */
  updateCollection(name: string, update: CollectionUpdate): Promise<void> {
    return this.router.route(name, (n) => this.updateConfig(n, update));
  }

  private async updateConfig(name: string, update: CollectionUpdate): Promise<void> {
    const key = manifestKey(this.prefixOf(name));
    const result = await updateManifest(this.ctx.store, key, (m) => {
      const c = m.config;
      const config: CollectionConfig = {
        ...c,
        ...(update.metadata !== undefined ? { metadata: { ...c.metadata, ...update.metadata } } : {}),
        // payload placement is read per query (reads.ts), so no segment is rebuilt for it
        ...(update.on_disk_payload !== undefined ? { on_disk_payload: update.on_disk_payload } : {}),
        ...(update.payload !== undefined ? { payload: { ...c.payload, ...update.payload } } : {}),
        vectors: updatedVectors(c, update),
        ...(update.sparse_vectors !== undefined ? { sparse_vectors: updatedSparseVectors(c, update) } : {}),
        hnsw_config: { ...c.hnsw_config, ...(update.hnsw_config ?? {}) },
        optimizers_config: { ...c.optimizers_config, ...(update.optimizers_config ?? {}) },
        quantization_config:
          update.quantization_config === undefined ? c.quantization_config : update.quantization_config,
      };
      return { ...m, config };
    }).catch((e: unknown) => {
      if (isStrataError(e, 'not_found')) throw collectionNotFound(name, e);
      throw e;
    });
    if (result !== null) this.ctx.manifests.remember(key, result);
    this.ctx.onConfigChange(name);
  }

  // ------------------------------------------------------------------ writes

  private async writeBatch(
    snap: Snapshot,
    upserts: PreparedUpserts | null,
    deletes: PointId[],
    wait: boolean,
  ): Promise<UpdateResult> {
    const [seq] = await this.writeRecord(snap, upserts, deletes);
    // an empty batch (a filter that matched nothing) still left a WAL object to seal: it counts as one
    this.ctx.onWrite(snap.name, Math.max(1, (upserts?.ids.length ?? 0) + deletes.length));
    return { operation_id: seq, status: wait ? 'completed' : 'acknowledged' };
  }

  /**
   * Plain upserts of one collection arriving while one is being written share the next WAL record (group-commit.ts,
   * upsert-merge.ts): each is acknowledged once that record is durable, and gets its own operation_id, growing in
   * arrival order: the record's seq, then ids drawn right after it from the same clock, before the write, so every
   * write that draws its seq later (and so applies later) has a larger id than all of them.
   */
  private readonly upsertGroups = new GroupCommitter<{ snap: Snapshot; upserts: PreparedUpserts }, number>({
    fits: (taken, next) =>
      taken.reduce((t, m) => t + m.upserts.ids.length, 0) + next.upserts.ids.length <= GROUP_MAX_POINTS &&
      // one record carries one generation stamp: writes validated under different vector names never share one
      sameGenerations(taken[0].snap.manifest.config, next.snap.manifest.config) &&
      mergeable(
        taken.map((m) => m.upserts),
        next.upserts,
      ),
    commit: async (members) => {
      const merged = mergeUpserts(members.map((m) => m.upserts));
      const ids = await this.writeRecord(members[0].snap, merged, [], members.length);
      for (const m of members) this.ctx.onWrite(m.snap.name, Math.max(1, m.upserts.ids.length));
      return ids;
    },
  });

  private async groupUpserts(snap: Snapshot, upserts: PreparedUpserts, wait: boolean): Promise<UpdateResult> {
    const key = `${snap.collection}\n${snap.manifest.incarnation}`;
    const operationId = await this.upsertGroups.submit(key, { snap, upserts });
    return { operation_id: operationId, status: wait ? 'completed' : 'acknowledged' };
  }

  /**
   * Writes one WAL record durably (§4.1); refuses a record that landed too late to count. Answers `operations`
   * operation ids: the record's seq, then ids drawn from the clock right after it.
   */
  private async writeRecord(
    snap: Snapshot,
    upserts: PreparedUpserts | null,
    deletes: PointId[],
    operations = 1,
  ): Promise<number[]> {
    const seq = this.ctx.clock.next();
    const ids = [seq];
    while (ids.length < operations) ids.push(this.ctx.clock.next());
    const body = encodeWal({
      incarnation: snap.manifest.incarnation,
      seq,
      writer: this.ctx.writerId,
      ids: upserts?.ids ?? [],
      payloads: upserts?.payloads ?? [],
      vectors: upserts?.vectors ?? [],
      ...(upserts?.sparse ? { sparse: upserts.sparse } : {}),
      deletes,
      // the generations its vectors were validated under: a name deleted or re-created since reads them as stale
      ...stampGenerations(snap.manifest.config),
    });
    await putWal(this.ctx.store, walKey(snap.collection, seq, this.ctx.writerId), body);
    // too slow to acknowledge: an optimizer may already list from a floor above this seq (wal.ts, the WAL floor)
    const late = this.ctx.now() - seq;
    if (late > WAL_ACK_WINDOW_MS) {
      throw unavailable(
        `write to ${snap.name} took ${Math.round(late)} ms to land, over the ${WAL_ACK_WINDOW_MS} ms the WAL allows: ` +
          'it may not apply; retry it',
      );
    }
    return ids;
  }

  /** A manifest snapshot for a write: config and incarnation only, no WAL tail needed. */
  private writeTarget(name: string): Promise<Snapshot> {
    return this.router.route(name, (n) => this.writeTargetOf(n));
  }

  private async writeTargetOf(name: string): Promise<Snapshot> {
    const collection = this.prefixOf(name);
    const current = await this.ctx.manifests.current(manifestKey(collection));
    if (current === null) throw collectionNotFound(name);
    // above the committed floor whatever this host's clock says: readers list from it (wal.ts)
    this.ctx.clock.observe(Math.max(current.manifest.sealedHigh, current.manifest.walFloor ?? 0));
    return {
      name,
      collection,
      manifest: current.manifest,
      etag: current.etag,
      tail: { entries: new Map(), names: [], maxSeq: 0, foreign: [] },
      winners: new Map(),
    };
  }

  /**
   * Upserts, validated whole first. `update_mode` and `update_filter` (Qdrant's conditional upsert) are decided
   * against a snapshot: an existing point is changed unless the mode is insert_only or it fails the filter; a new
   * point is inserted unless the mode is update_only. The same race as payload updates applies (wal.ts).
   */
  async upsertPoints(
    name: string,
    points: PointStruct[],
    wait: boolean,
    options: UpsertOptions = {},
  ): Promise<UpdateResult> {
    const mode = options.update_mode ?? 'upsert';
    if (mode === 'upsert' && options.update_filter === undefined) {
      const target = await this.writeTarget(name);
      return this.groupUpserts(target, prepareUpserts(points, target.manifest.config), wait);
    }
    const snap = await this.snapshot(name);
    const prepared = prepareUpserts(points, snap.manifest.config);
    const located = await reads.lookup(this.ctx, snap, prepared.ids);
    let changeable = new Set(located.map((l) => l.id));
    if (options.update_filter !== undefined && located.length > 0) {
      const pred = compileFilter(options.update_filter, snap.manifest.config.payload_schema);
      // the points' vectors only when a has_vector condition asks which they hold
      const vector = filterVectorNames(options.update_filter).size > 0;
      const loaded = await reads.loadPoints(this.ctx, snap, located, { payload: true, vector });
      changeable = new Set(loaded.filter((p) => pred(p.id, p.payload, p.vectors)).map((p) => p.id));
    }
    const exists = new Set(located.map((l) => l.id));
    const keep = prepared.ids.map((id) =>
      exists.has(id) ? mode !== 'insert_only' && changeable.has(id) : mode !== 'update_only',
    );
    return this.writeBatch(snap, selectUpserts(prepared, keep), [], wait);
  }

  private async selectIds(snap: Snapshot, selector: PointsSelector): Promise<PointId[]> {
    if ('points' in selector) {
      if (!Array.isArray(selector.points)) throw malformed('points', 'expected an array of point ids');
      return selector.points.map((id, i) => requirePointId(id, `points[${i}]`));
    }
    const ids: PointId[] = [];
    const all = await reads.liveEntries(this.ctx, snap);
    for await (const p of reads.matching(this.ctx, snap, all, selector.filter, { payload: false, vector: false }))
      ids.push(p.id);
    return ids;
  }

  async deletePoints(name: string, selector: PointsSelector, wait: boolean): Promise<UpdateResult> {
    const snap = 'points' in selector ? await this.writeTarget(name) : await this.snapshot(name);
    const ids = await this.selectIds(snap, selector);
    return this.writeBatch(snap, null, ids, wait);
  }

  /** Reads the selected live points whole, applies `change` to each payload, writes them back as upserts. */
  private async rewritePayloads(
    name: string,
    selector: PointsSelector,
    wait: boolean,
    change: (payload: Payload | null) => Payload,
  ): Promise<UpdateResult> {
    const snap = await this.snapshot(name);
    const ids = await this.selectIds(snap, selector);
    return this.rewritePoints(snap, ids, wait, (p) => ({ ...p, payload: change(p.payload) }));
  }

  /**
   * Reads the live points among `ids` whole, applies `change` to each (null: leave it unchanged), and writes the
   * changed ones back as upserts in one WAL record: a point is always rewritten whole (wal.ts explains the race).
   */
  private async rewritePoints(
    snap: Snapshot,
    ids: readonly PointId[],
    wait: boolean,
    change: (p: FullPoint) => FullPoint | null,
  ): Promise<UpdateResult> {
    const located = await reads.lookup(this.ctx, snap, ids);
    const loaded: FullPoint[] = await reads.loadPoints(this.ctx, snap, located, { payload: true, vector: true });
    const points = loaded.map(change).filter((p): p is FullPoint => p !== null);
    return this.writeBatch(snap, storedUpserts(points, snap.manifest.config), [], wait);
  }

  /**
   * Qdrant's update_vectors: every name and size is checked first; every point must exist (else its 404 and nothing
   * is written); the names given replace the point's, the others and the payload stay. `updateFilter` skips the
   * points it does not match. Of one id given twice, the later vectors win.
   */
  async updateVectors(
    name: string,
    points: PointVectors[],
    wait: boolean,
    updateFilter?: Filter,
  ): Promise<UpdateResult> {
    const snap = await this.snapshot(name);
    const prepared = prepareUpserts(
      points.map((p) => ({ id: p.id, vector: p.vector })),
      snap.manifest.config,
    );
    const updates = new Map<PointId, VectorRows>();
    batchRows(prepared).forEach((rows, i) => updates.set(prepared.ids[i], rows));
    const ids = [...updates.keys()];
    const found = new Set((await reads.lookup(this.ctx, snap, ids)).map((l) => l.id));
    const missing = ids.find((id) => !found.has(id));
    if (missing !== undefined) throw pointNotFound(missing);
    const pred = updateFilter === undefined ? null : compileFilter(updateFilter, snap.manifest.config.payload_schema);
    return this.rewritePoints(snap, ids, wait, (p) =>
      pred !== null && !pred(p.id, p.payload, p.vectors)
        ? null
        : { ...p, vectors: withVectors(p.vectors, updates.get(p.id) as VectorRows) },
    );
  }

  /** POST .../points/batch: every operation in order, one WAL record (batch-update.ts). */
  async batchUpdate(name: string, operations: BatchOperation[], wait: boolean): Promise<UpdateResult[]> {
    const snap = await this.snapshot(name);
    const { upserts, deletes } = await applyBatch(
      {
        config: snap.manifest.config,
        load: async (ids) =>
          reads.loadPoints(this.ctx, snap, await reads.lookup(this.ctx, snap, ids), { payload: true, vector: true }),
        matching: (filter) => this.selectIds(snap, { filter }),
      },
      operations,
    );
    const result = await this.writeBatch(snap, upserts, deletes, wait);
    // Qdrant applies each operation as its own update with its own, growing operation_id. Here they share one WAL
    // record (atomic): the first carries its seq, the others ids drawn after it from the same clock, so every id
    // grows as Qdrant's do and no later write of this writer reuses one.
    return operations.map((_, k) => (k === 0 ? result : { ...result, operation_id: this.ctx.clock.next() }));
  }

  /** Qdrant's delete_vectors: the names must exist in the config; ids not found are skipped. */
  async deleteVectors(name: string, selector: PointsSelector, vectors: string[], wait: boolean): Promise<UpdateResult> {
    const snap = await this.snapshot(name);
    for (const v of vectors) if (!isSparseName(snap.manifest.config, v)) vectorSpace(snap.manifest.config, v);
    const ids = await this.selectIds(snap, selector);
    return this.rewritePoints(snap, ids, wait, (p) => ({ ...p, vectors: withoutVectors(p.vectors, vectors) }));
  }

  setPayload(
    name: string,
    payload: Payload,
    selector: PointsSelector,
    wait: boolean,
    key?: string,
  ): Promise<UpdateResult> {
    return this.rewritePayloads(name, selector, wait, (p) => setPayload(p, payload, key));
  }

  overwritePayload(name: string, payload: Payload, selector: PointsSelector, wait: boolean): Promise<UpdateResult> {
    return this.rewritePayloads(name, selector, wait, () => overwritePayload(payload));
  }

  deletePayload(name: string, keys: string[], selector: PointsSelector, wait: boolean): Promise<UpdateResult> {
    return this.rewritePayloads(name, selector, wait, (p) => deletePayloadKeys(p, keys));
  }

  clearPayload(name: string, selector: PointsSelector, wait: boolean): Promise<UpdateResult> {
    return this.rewritePayloads(name, selector, wait, () => ({}));
  }

  // ------------------------------------------------------------------ reads

  async getPoints(name: string, ids: PointId[], withPayload: WithPayload, withVector: WithVector): Promise<Record_[]> {
    const canonical = ids.map((id, i) => requirePointId(id, `ids[${i}]`));
    return reads.getPoints(this.ctx, await this.snapshot(name), canonical, withPayload, withVector);
  }

  async scroll(name: string, request: ScrollRequest): Promise<ScrollResult> {
    const req =
      request.offset === undefined || request.offset === null
        ? request
        : { ...request, offset: requirePointId(request.offset, 'offset') };
    if (req.order_by !== undefined) return scrollOrdered(this.ctx, await this.snapshot(name), req);
    return reads.scroll(this.ctx, await this.snapshot(name), req);
  }

  async facet(name: string, request: FacetRequest): Promise<FacetHit[]> {
    return facet(this.ctx, await this.snapshot(name), request);
  }

  async count(name: string, filter: Filter | undefined, exact: boolean): Promise<number> {
    const snap = await this.snapshot(name);
    if (!exact && filter) return (await estimateCount(this.ctx, snap, filter)).exp;
    return reads.count(this.ctx, snap, filter);
  }

  async query(name: string, request: QueryRequest, trace?: QueryTrace): Promise<ScoredPoint[]> {
    const t0 = performance.now();
    const snap = await this.snapshot(name, trace?.io, true);
    if (trace?.stats) trace.stats.stageMs.snapshot += performance.now() - t0;
    return runQuery(this.ctx, snap, request, trace);
  }

  /** A batch shares one snapshot: one manifest revalidation and one WAL listing, and every search sees one state. */
  async queryBatch(name: string, requests: QueryRequest[], trace?: QueryTrace): Promise<ScoredPoint[][]> {
    const t0 = performance.now();
    const snap = await this.snapshot(name, trace?.io, true);
    if (trace?.stats) trace.stats.stageMs.snapshot += performance.now() - t0;
    return Promise.all(requests.map((r) => runQuery(this.ctx, snap, r, trace)));
  }

  /** Universal queries share one snapshot, like a batch of plain ones. */
  async queryUniversal(name: string, requests: UniversalQuery[], trace?: QueryTrace): Promise<ScoredPoint[][]> {
    const t0 = performance.now();
    const snap = await snapshotOf(this.ctx, name, trace?.io, true);
    if (trace?.stats) trace.stats.stageMs.snapshot += performance.now() - t0;
    return Promise.all(requests.map((r) => runUniversal(this.ctx, snap, r, trace)));
  }

  async queryGroups(name: string, request: GroupsRequest, trace?: QueryTrace): Promise<{ groups: PointGroup[] }> {
    return runGroups(this.ctx, await snapshotOf(this.ctx, name, trace?.io), request, trace);
  }

  async searchMatrix(name: string, request: MatrixRequest): Promise<MatrixOffsets> {
    return searchMatrix(this.ctx, await this.snapshot(name), request);
  }
}

function sameGenerations(a: CollectionConfig, b: CollectionConfig): boolean {
  return JSON.stringify(nonZeroGenerations(a) ?? {}) === JSON.stringify(nonZeroGenerations(b) ?? {});
}

function stampGenerations(config: CollectionConfig): { generations?: Record<string, number> } {
  const generations = nonZeroGenerations(config);
  return generations === undefined ? {} : { generations };
}
