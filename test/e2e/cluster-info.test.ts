/**
 * The cluster API as a standalone Qdrant node answers it, through the official REST and gRPC clients: cluster
 * status `disabled`, one Active local shard holding every point (sealed segments and the WAL tail alike), and
 * cluster operations refused with 405 / UNIMPLEMENTED, changing nothing.
 */
import {
  ConnectErrorCode as Code,
  ConnectError,
  QdrantClient as GrpcClient,
  ReplicaState,
} from '@qdrant/js-client-grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGrpcServer, type RunningGrpcServer } from '../../lib/api/grpc/server.js';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import { rng } from '../support/collection-harness.js';
import { clientRejection, serveTempStore, type ServedTempStore } from '../support/strata-server.js';

const C = 'cluster';
let strata: ServedTempStore;
let grpc: RunningGrpcServer;
let grpcClient: GrpcClient;

beforeAll(async () => {
  strata = await serveTempStore(2);
  grpc = await startGrpcServer({ service: strata.svc, port: 0 });
  grpcClient = new GrpcClient({ url: grpc.url, checkCompatibility: false });
  const r = rng(3);
  const batch = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({ id: from + i, vector: [r(), r(), r(), r()] }));
  await strata.client.createCollection(C, {
    vectors: { size: 4, distance: 'Dot' },
    optimizers_config: { default_segment_number: 2 },
  });
  await strata.client.upsert(C, { wait: true, points: batch(1, 40) });
  await new CollectionOptimizer({ store: strata.store, skipGc: true }).optimizeUntil(C);
  await strata.client.upsert(C, { wait: true, points: batch(41, 7) });
});

afterAll(async () => {
  await grpc?.close();
  await strata?.close();
});

describe('cluster API of a standalone node', () => {
  it('GET /cluster is disabled', async () => {
    const res = await fetch(`${strata.url}/cluster`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { result: unknown }).result).toEqual({ status: 'disabled' });
  });

  it('collection cluster info: one Active local shard with every point, sealed and in the tail (REST and gRPC)', async () => {
    const info = await strata.client.getCollection(C);
    expect(info.segments_count).toBe(2);
    expect(await strata.client.collectionClusterInfo(C)).toEqual({
      peer_id: 0,
      shard_count: 1,
      local_shards: [{ shard_id: 0, points_count: 47, state: 'Active' }],
      remote_shards: [],
      shard_transfers: [],
    });
    const viaGrpc = await grpcClient.api('collections').collectionClusterInfo({ collectionName: C });
    expect(Number(viaGrpc.shardCount)).toBe(1);
    expect(viaGrpc.localShards.map((s) => [s.shardId, Number(s.pointsCount), s.state])).toEqual([
      [0, 47, ReplicaState.Active],
    ]);
    expect(viaGrpc.remoteShards).toEqual([]);
  });

  it('an unknown collection is 404 / NOT_FOUND', async () => {
    expect(await clientRejection(strata.client.collectionClusterInfo('nope'))).toEqual({
      status: 404,
      error: "Not found: Collection `nope` doesn't exist!",
    });
    const err = await grpcClient
      .api('collections')
      .collectionClusterInfo({ collectionName: 'nope' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.NotFound);
  });

  it('cluster operations are refused in standalone mode (405 / UNIMPLEMENTED), nothing changes', async () => {
    expect(
      await clientRejection(
        strata.client.updateCollectionCluster(C, { move_shard: { shard_id: 0, from_peer_id: 0, to_peer_id: 1 } }),
      ),
    ).toEqual({ status: 405, error: 'Strata is running in standalone mode' });
    const err = await grpcClient
      .api('collections')
      .updateCollectionClusterSetup({
        collectionName: C,
        operation: { case: 'moveShard', value: { shardId: 0, fromPeerId: 0n, toPeerId: 1n } },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unimplemented);
    expect((await strata.client.getCollection(C)).points_count).toBe(47);
  });
});
