/**
 * Cluster routes as a standalone Qdrant node answers them: Strata has no peers, shard replicas or transfers to
 * manage (its storage is shared by every function; segments are spread over workers per query, not per shard).
 *
 * - `GET /cluster`: `{"status": "disabled"}`.
 * - `GET /collections/{c}/cluster`: one local shard (id 0, Active) holding every point; no remote shards, transfers
 *   or resharding. `peer_id` is 0: there is no peer identity to report.
 * - `POST /collections/{c}/cluster` (move/replicate/abort transfer, shard keys, ...): 405, standalone mode, as
 *   Qdrant answers without distributed mode (gRPC: UNIMPLEMENTED).
 */
import type { Hono } from 'hono';
import { HttpError } from '../errors.js';
import { type AppEnv, collectionName, ok } from '../http.js';
import type { RouteDeps } from '../route-deps.js';

export const STANDALONE_MODE = 'Strata is running in standalone mode';

export function registerClusterRoutes(app: Hono<AppEnv>, { service }: RouteDeps): void {
  app.get('/cluster', (c) => ok(c, { status: 'disabled' }));

  app.get('/collections/:name/cluster', async (c) => {
    const info = await service.getCollection(collectionName(c));
    return ok(c, {
      peer_id: 0,
      shard_count: 1,
      local_shards: [{ shard_id: 0, points_count: info.points_count, state: 'Active' }],
      remote_shards: [],
      shard_transfers: [],
    });
  });

  app.post('/collections/:name/cluster', async (c) => {
    collectionName(c);
    throw new HttpError(405, STANDALONE_MODE);
  });
}
