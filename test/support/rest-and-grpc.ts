/**
 * The whole product over a fresh temporary folder, served on loopback over REST and over gRPC by one collection
 * service, for suites that hold the gRPC client's answers against REST's: `rest` calls the REST API directly and
 * answers its `result` (a non-2xx answer throws with its status and Qdrant error); `close` stops both servers and
 * removes the folder.
 */
import { QdrantClient as GrpcClient } from '@qdrant/js-client-grpc';
import { type RunningGrpcServer, startGrpcServer } from '../../lib/api/grpc/server.js';
import { type ServedTempStore, serveTempStore } from './strata-server.js';

export interface ServedRestAndGrpc extends ServedTempStore {
  grpc: RunningGrpcServer;
  /** the gRPC client (`client` is the REST one) */
  grpcClient: GrpcClient;
  rest(method: string, path: string, body?: unknown): Promise<unknown>;
}

export async function serveRestAndGrpc(workers: number): Promise<ServedRestAndGrpc> {
  const served = await serveTempStore(workers);
  const grpc = await startGrpcServer({ service: served.svc, port: 0 });
  const client = new GrpcClient({ url: grpc.url, checkCompatibility: false });
  return {
    ...served,
    grpc,
    grpcClient: client,
    async rest(method, path, body) {
      const res = await fetch(`${served.url}${path}`, {
        method,
        headers: body !== undefined ? { 'content-type': 'application/json' } : {},
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const json = (await res.json()) as { result?: unknown; status?: unknown };
      if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(json.status)}`);
      return json.result;
    },
    async close() {
      await grpc.close();
      await served.close();
    },
  };
}
