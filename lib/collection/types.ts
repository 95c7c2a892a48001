/**
 * The collection layer's own types: what the API layer needs from it (CollectionService) and what it reports about a
 * collection. The domain values these carry (points, filters, configs, queries) live in lib/model.
 */
import type { AliasAction, AliasDescription } from './aliases.js';
import type { BatchOperation } from './batch-update.js';
import type { OptimizerBacklog } from './backlog.js';
import type { SnapshotDescription } from './collection-snapshots.js';
import type { CollectionConfig, CollectionUpdate } from '../model/collection-config.js';
import type { Filter } from '../model/filter.js';
import type { PayloadFieldSchema } from '../model/payload-schema.js';
import type { Payload, WithPayload } from '../model/payload.js';
import type { PointId } from '../model/point-id.js';
import type {
  FacetHit,
  FacetRequest,
  PointStruct,
  PointsSelector,
  PointVectors,
  Record_,
  ScrollRequest,
  ScrollResult,
  UpdateResult,
  UpsertOptions,
  WithVector,
} from '../model/points.js';
import type { GroupsRequest, MatrixRequest, UniversalQuery } from '../model/query.js';
import type { QueryRequest, ScoredPoint } from '../model/search.js';
import type { PointGroup } from './query-api/run-groups.js';
import type { MatrixOffsets } from './query-api/matrix.js';
import type { QueryTrace } from './query.js';
import type { CollectionLayout } from './segment-layout.js';
import type { VectorNameConfig } from './vector-names.js';

export interface CollectionInfo {
  status: 'green' | 'yellow';
  optimizer_status: 'ok';
  points_count: number;
  indexed_vectors_count: number;
  segments_count: number;
  config: CollectionConfig;
  /** per key of config.payload_schema, the live points its index takes a value of (field-indexes.ts) */
  payload_points?: Record<string, number>;
}

/**
 * What the API layer needs from the collection layer. One implementation: lib/collection over an ObjectStore.
 * Every method throws StrataError (lib/model/errors.ts) on failure.
 */
export interface CollectionService {
  createCollection(name: string, config: CollectionConfig): Promise<void>;
  deleteCollection(name: string): Promise<boolean>;
  listCollections(): Promise<string[]>;
  collectionExists(name: string): Promise<boolean>;
  getCollection(name: string): Promise<CollectionInfo>;
  /**
   * The collection's config alone, from the (cached) manifest: no point counting, no segment reads. The API calls it
   * on every upsert and search to check vector dimensions before anything is written or searched. Throws not_found
   * like getCollection. `fresh: false` may answer from a cached manifest without revalidating it; `fresh: true`
   * revalidates.
   */
  collectionConfig(name: string, fresh?: boolean): Promise<CollectionConfig>;
  updateCollection(name: string, update: CollectionUpdate): Promise<void>;
  /**
   * The four schema changes below answer their operation_id: as Qdrant logs each in the shard's WAL (a no-op too),
   * an id on the point writes' sequence, above every write acknowledged before the change was committed.
   */
  /** adds (or replaces) the payload index on `field` in the collection's payload_schema */
  createFieldIndex(name: string, field: string, schema: PayloadFieldSchema): Promise<number>;
  /** drops the payload index on `field` (no-op when there is none) */
  deleteFieldIndex(name: string, field: string): Promise<number>;
  /** adds vector `vector` (dense or sparse) to the collection; no point holds it yet (vector-names.ts) */
  createVectorName(name: string, vector: string, config: VectorNameConfig): Promise<number>;
  /** deletes vector `vector` and, for every reader, its data (no-op when the collection has no such vector) */
  deleteVectorName(name: string, vector: string): Promise<number>;
  /** unsealed WAL and stale segments of the collection, from one snapshot (not_found like getCollection) */
  optimizerBacklog(name: string): Promise<OptimizerBacklog>;
  /** Storage snapshots (storage-snapshots.ts): every collection and the aliases, pinned, as Qdrant's full snapshots. */
  createStorageSnapshot(): Promise<SnapshotDescription>;
  listStorageSnapshots(): Promise<SnapshotDescription[]>;
  /** not_found when the snapshot does not exist */
  deleteStorageSnapshot(snapshot: string): Promise<void>;
  /** the archive, streamed; not_found, or conflict when a collection it held was deleted since */
  downloadStorageSnapshot(snapshot: string): Promise<AsyncIterable<Uint8Array>>;
  /** replaces every collection the archive holds and creates its aliases; 'invalid' (nothing written) when corrupt */
  recoverStorageSnapshot(archive: Uint8Array): Promise<void>;
  /** where each segment's objects live and their sizes, with the WAL backlog (segment-layout.ts; for operators) */
  segmentLayout(name: string): Promise<CollectionLayout>;

  /** Pins the collection's current state (collection-snapshots.ts); garbage collection keeps what it names. */
  createSnapshot(name: string): Promise<SnapshotDescription>;
  listSnapshots(name: string): Promise<SnapshotDescription[]>;
  /** not_found when the collection or the snapshot does not exist */
  deleteSnapshot(name: string, snapshot: string): Promise<void>;
  /** the snapshot as one tar archive, streamed */
  downloadSnapshot(name: string, snapshot: string): Promise<AsyncIterable<Uint8Array>>;
  /** restores an archive into the collection `name` (replacing it); invalid, and nothing written, when corrupt */
  recoverSnapshot(name: string, archive: Uint8Array): Promise<void>;

  /** Applies a ChangeAliasesOperation's actions all together or not at all (aliases.ts). */
  updateAliases(actions: AliasAction[]): Promise<void>;
  listAliases(): Promise<AliasDescription[]>;
  /** aliases naming the collection `name`; not_found when it does not exist */
  collectionAliases(name: string): Promise<AliasDescription[]>;

  upsertPoints(name: string, points: PointStruct[], wait: boolean, options?: UpsertOptions): Promise<UpdateResult>;
  deletePoints(name: string, selector: PointsSelector, wait: boolean): Promise<UpdateResult>;
  setPayload(
    name: string,
    payload: Payload,
    selector: PointsSelector,
    wait: boolean,
    key?: string,
  ): Promise<UpdateResult>;
  overwritePayload(name: string, payload: Payload, selector: PointsSelector, wait: boolean): Promise<UpdateResult>;
  deletePayload(name: string, keys: string[], selector: PointsSelector, wait: boolean): Promise<UpdateResult>;
  clearPayload(name: string, selector: PointsSelector, wait: boolean): Promise<UpdateResult>;
  /** sets the given vectors of existing points (others kept); a missing point is not_found, nothing written */
  updateVectors(name: string, points: PointVectors[], wait: boolean, updateFilter?: Filter): Promise<UpdateResult>;
  /** applies the operations in order as one atomic write (one WAL record); refused whole on any bad operation */
  /** one result per operation, in order, each with its own operation_id (one atomic write underneath) */
  batchUpdate(name: string, operations: BatchOperation[], wait: boolean): Promise<UpdateResult[]>;
  /** removes the named vectors from the selected points (ids not found are skipped, as Qdrant does) */
  deleteVectors(name: string, selector: PointsSelector, vectors: string[], wait: boolean): Promise<UpdateResult>;

  getPoints(name: string, ids: PointId[], withPayload: WithPayload, withVector: WithVector): Promise<Record_[]>;
  /** the most frequent values of an indexed key among matching points (payload-reads.ts) */
  facet(name: string, request: FacetRequest): Promise<FacetHit[]>;
  scroll(name: string, request: ScrollRequest): Promise<ScrollResult>;
  count(name: string, filter: Filter | undefined, exact: boolean): Promise<number>;
  /** `trace` (optional) is charged with what the query cost (query.ts QueryTrace, DESIGN.md §8). */
  query(name: string, request: QueryRequest, trace?: QueryTrace): Promise<ScoredPoint[]>;
  /** Several queries over ONE snapshot (one manifest check, one WAL listing), so every search sees one state. */
  queryBatch(name: string, requests: QueryRequest[], trace?: QueryTrace): Promise<ScoredPoint[][]>;
  /** Universal queries (prefetch, fusion, recommend, discover, ...; lib/model/query.ts), all over ONE snapshot. */
  queryUniversal(name: string, requests: UniversalQuery[], trace?: QueryTrace): Promise<ScoredPoint[][]>;
  queryGroups(name: string, request: GroupsRequest): Promise<{ groups: PointGroup[] }>;
  searchMatrix(name: string, request: MatrixRequest): Promise<MatrixOffsets>;
}
