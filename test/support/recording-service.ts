/**
 * A CollectionService that records every call and returns canned answers. For routing/validation tests of lib/api
 * ONLY: it stores nothing and searches nothing (end-to-end behaviour is tested against the real collection service).
 *
 * `collections` maps a name to its vector size; getCollection/collectionExists answer from it and every other method
 * throws not_found for a name it does not hold, like the real service would.
 */
import { vectorSpaces } from '../../lib/model/vector-spaces.js';
import type { CollectionConfig } from '../../lib/model/collection-config.js';
import type { CollectionInfo, CollectionService } from '../../lib/collection/types.js';
import type { CollectionLayout } from '../../lib/collection/segment-layout.js';
import type { PointId } from '../../lib/model/point-id.js';
import type { Record_, UpdateResult } from '../../lib/model/points.js';
import type { ScoredPoint } from '../../lib/model/search.js';
import type { PointGroup } from '../../lib/collection/query-api/run-groups.js';
import type { MatrixOffsets } from '../../lib/collection/query-api/matrix.js';
import { collectionExists, collectionNotFound, notFound } from '../../lib/model/errors.js';
import type { SnapshotDescription } from '../../lib/collection/collection-snapshots.js';

export interface Call {
  method: keyof CollectionService;
  args: unknown[];
}

export const WRITE_METHODS: ReadonlySet<keyof CollectionService> = new Set([
  'createCollection',
  'deleteCollection',
  'updateCollection',
  'createFieldIndex',
  'deleteFieldIndex',
  'createVectorName',
  'deleteVectorName',
  'updateAliases',
  'createSnapshot',
  'deleteSnapshot',
  'recoverSnapshot',
  'createStorageSnapshot',
  'deleteStorageSnapshot',
  'recoverStorageSnapshot',
  'upsertPoints',
  'deletePoints',
  'setPayload',
  'overwritePayload',
  'deletePayload',
  'clearPayload',
  'updateVectors',
  'deleteVectors',
  'batchUpdate',
]);

export function configOf(size: number): CollectionConfig {
  return {
    vectors: { size, distance: 'Cosine', on_disk: false },
    hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10_000, on_disk: false },
    quantization_config: null,
    optimizers_config: { default_segment_number: 0, indexing_threshold: 20_000 },
  };
}

export class RecordingService implements CollectionService {
  readonly calls: Call[] = [];
  readonly collections = new Map<string, number>();
  /** canned answers */
  records: Record_[] = [{ id: 1, payload: { color: 'red' }, vector: null }];
  scored: ScoredPoint[] = [{ id: 1, version: 3, score: 0.5, payload: null, vector: null }];

  constructor(collections: Record<string, number> = { docs: 4 }) {
    for (const [name, size] of Object.entries(collections)) this.collections.set(name, size);
  }

  writes(): Call[] {
    return this.calls.filter((c) => WRITE_METHODS.has(c.method));
  }

  methods(): string[] {
    return this.calls.map((c) => c.method);
  }

  private record(method: keyof CollectionService, args: unknown[]): void {
    this.calls.push({ method, args });
  }

  private need(name: string): number {
    const size = this.collections.get(name);
    if (size === undefined) throw collectionNotFound(name);
    return size;
  }

  private done(): UpdateResult {
    return { operation_id: this.calls.length, status: 'completed' };
  }

  async createCollection(name: string, config: CollectionConfig): Promise<void> {
    this.record('createCollection', [name, config]);
    if (this.collections.has(name)) throw collectionExists(name);
    this.collections.set(name, vectorSpaces(config)[0].size);
  }

  async deleteCollection(name: string): Promise<boolean> {
    this.record('deleteCollection', [name]);
    return this.collections.delete(name);
  }

  async listCollections(): Promise<string[]> {
    this.record('listCollections', []);
    return [...this.collections.keys()];
  }

  async collectionExists(name: string): Promise<boolean> {
    this.record('collectionExists', [name]);
    return this.collections.has(name);
  }

  async getCollection(name: string): Promise<CollectionInfo> {
    this.record('getCollection', [name]);
    const size = this.need(name);
    return {
      status: 'green',
      optimizer_status: 'ok',
      points_count: 0,
      indexed_vectors_count: 0,
      segments_count: 0,
      config: configOf(size),
    };
  }

  async collectionConfig(name: string): Promise<CollectionConfig> {
    this.record('collectionConfig', [name]);
    return configOf(this.need(name));
  }

  async updateCollection(name: string, update: unknown): Promise<void> {
    this.record('updateCollection', [name, update]);
    this.need(name);
  }

  async createFieldIndex(name: string, field: string, schema: unknown): Promise<number> {
    this.record('createFieldIndex', [name, field, schema]);
    this.need(name);
    return this.done().operation_id;
  }

  async deleteFieldIndex(name: string, field: string): Promise<number> {
    this.record('deleteFieldIndex', [name, field]);
    this.need(name);
    return this.done().operation_id;
  }

  async createVectorName(name: string, vector: string, config: unknown): Promise<number> {
    this.record('createVectorName', [name, vector, config]);
    this.need(name);
    return this.done().operation_id;
  }

  async deleteVectorName(name: string, vector: string): Promise<number> {
    this.record('deleteVectorName', [name, vector]);
    this.need(name);
    return this.done().operation_id;
  }

  async optimizerBacklog(name: string): Promise<{ walObjects: 0; walPoints: 0; stale: []; idle: [] }> {
    this.record('optimizerBacklog', [name]);
    this.need(name);
    return { walObjects: 0, walPoints: 0, stale: [], idle: [] };
  }

  async createSnapshot(name: string): Promise<{ name: string; creation_time: null; size: 0; checksum: null }> {
    this.record('createSnapshot', [name]);
    this.need(name);
    return { name: '0000000000000001-a.snapshot', creation_time: null, size: 0, checksum: null };
  }

  async createStorageSnapshot(): Promise<SnapshotDescription> {
    this.record('createStorageSnapshot', []);
    return { name: '0000000000000001-a.snapshot', creation_time: '1970-01-01T00:00:00', size: 1, checksum: null };
  }

  async listStorageSnapshots(): Promise<SnapshotDescription[]> {
    this.record('listStorageSnapshots', []);
    return [];
  }

  async deleteStorageSnapshot(snapshot: string): Promise<void> {
    this.record('deleteStorageSnapshot', [snapshot]);
    throw notFound(`Snapshot ${snapshot} not found`);
  }

  async downloadStorageSnapshot(snapshot: string): Promise<AsyncIterable<Uint8Array>> {
    this.record('downloadStorageSnapshot', [snapshot]);
    throw notFound(`Snapshot ${snapshot} not found`);
  }

  async recoverStorageSnapshot(archive: Uint8Array): Promise<void> {
    this.record('recoverStorageSnapshot', [archive.byteLength]);
  }

  async segmentLayout(name: string): Promise<CollectionLayout> {
    this.record('segmentLayout', [name]);
    this.need(name);
    return {
      segments: [],
      backlog: { walObjects: 0, walPoints: 0, stale: [], idle: [] },
      totals: { RAM: 0, 'S3 pages': 0, S3: 0 },
    };
  }

  async listSnapshots(name: string): Promise<[]> {
    this.record('listSnapshots', [name]);
    this.need(name);
    return [];
  }

  async deleteSnapshot(name: string, snapshot: string): Promise<void> {
    this.record('deleteSnapshot', [name, snapshot]);
    this.need(name);
  }

  async downloadSnapshot(name: string, snapshot: string): Promise<never> {
    this.record('downloadSnapshot', [name, snapshot]);
    this.need(name);
    throw collectionNotFound(snapshot);
  }

  async recoverSnapshot(name: string, archive: Uint8Array): Promise<void> {
    this.record('recoverSnapshot', [name, archive.byteLength]);
  }

  async updateAliases(actions: unknown[]): Promise<void> {
    this.record('updateAliases', [actions]);
  }

  async listAliases(): Promise<[]> {
    this.record('listAliases', []);
    return [];
  }

  async collectionAliases(name: string): Promise<[]> {
    this.record('collectionAliases', [name]);
    this.need(name);
    return [];
  }

  async upsertPoints(name: string, points: unknown, wait: boolean): Promise<UpdateResult> {
    this.record('upsertPoints', [name, points, wait]);
    this.need(name);
    return this.done();
  }

  async deletePoints(name: string, selector: unknown, wait: boolean): Promise<UpdateResult> {
    this.record('deletePoints', [name, selector, wait]);
    this.need(name);
    return this.done();
  }

  async setPayload(
    name: string,
    payload: unknown,
    selector: unknown,
    wait: boolean,
    key?: string,
  ): Promise<UpdateResult> {
    this.record('setPayload', [name, payload, selector, wait, key]);
    this.need(name);
    return this.done();
  }

  async overwritePayload(name: string, payload: unknown, selector: unknown, wait: boolean): Promise<UpdateResult> {
    this.record('overwritePayload', [name, payload, selector, wait]);
    this.need(name);
    return this.done();
  }

  async deletePayload(name: string, keys: unknown, selector: unknown, wait: boolean): Promise<UpdateResult> {
    this.record('deletePayload', [name, keys, selector, wait]);
    this.need(name);
    return this.done();
  }

  async clearPayload(name: string, selector: unknown, wait: boolean): Promise<UpdateResult> {
    this.record('clearPayload', [name, selector, wait]);
    this.need(name);
    return this.done();
  }

  async updateVectors(name: string, points: unknown, wait: boolean, updateFilter?: unknown): Promise<UpdateResult> {
    this.record('updateVectors', [name, points, wait, updateFilter]);
    this.need(name);
    return this.done();
  }

  async batchUpdate(name: string, operations: unknown, wait: boolean): Promise<UpdateResult[]> {
    this.record('batchUpdate', [name, operations, wait]);
    this.need(name);
    return (operations as unknown[]).map(() => this.done());
  }

  async deleteVectors(name: string, selector: unknown, vectors: unknown, wait: boolean): Promise<UpdateResult> {
    this.record('deleteVectors', [name, selector, vectors, wait]);
    this.need(name);
    return this.done();
  }

  async getPoints(name: string, ids: PointId[], withPayload: unknown, withVector: boolean): Promise<Record_[]> {
    this.record('getPoints', [name, ids, withPayload, withVector]);
    this.need(name);
    return this.records.filter((r) => ids.includes(r.id));
  }

  async scroll(name: string, request: unknown): Promise<{ points: Record_[]; next_page_offset: PointId | null }> {
    this.record('scroll', [name, request]);
    this.need(name);
    return { points: this.records, next_page_offset: null };
  }

  async facet(name: string, request: unknown): Promise<{ value: string; count: number }[]> {
    this.record('facet', [name, request]);
    this.need(name);
    return [{ value: 'a', count: 1 }];
  }

  async count(name: string, filter: unknown, exact: boolean): Promise<number> {
    this.record('count', [name, filter, exact]);
    this.need(name);
    return this.records.length;
  }

  async query(name: string, request: unknown): Promise<ScoredPoint[]> {
    this.record('query', [name, request]);
    this.need(name);
    return this.scored;
  }

  async queryBatch(name: string, requests: unknown[]): Promise<ScoredPoint[][]> {
    this.record('queryBatch', [name, requests]);
    this.need(name);
    return requests.map(() => this.scored);
  }

  async queryUniversal(name: string, requests: unknown[]): Promise<ScoredPoint[][]> {
    this.record('queryUniversal', [name, requests]);
    this.need(name);
    return requests.map(() => this.scored);
  }

  async queryGroups(name: string, request: unknown): Promise<{ groups: PointGroup[] }> {
    this.record('queryGroups', [name, request]);
    this.need(name);
    return { groups: [{ id: 'a', hits: this.scored }] };
  }

  async searchMatrix(name: string, request: unknown): Promise<MatrixOffsets> {
    this.record('searchMatrix', [name, request]);
    this.need(name);
    return { offsets_row: [0], offsets_col: [1], scores: [0.5], ids: [1, 2] };
  }
}
