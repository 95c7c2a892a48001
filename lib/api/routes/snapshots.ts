/**
 * Collection snapshot routes (Qdrant's snapshots API): create, list, delete. A snapshot is a pinned manifest
 * (lib/collection/collection-snapshots.ts), so creating one copies nothing and `wait` changes nothing.
 */
import type { Hono } from 'hono';
import type { RouteDeps } from '../app.js';
import { type AppEnv, collectionName, ok, writeParams } from '../http.js';

export function registerSnapshotRoutes(app: Hono<AppEnv>, { service }: RouteDeps): void {
  app.post('/collections/:name/snapshots', async (c) => {
    const name = collectionName(c);
    writeParams(c);
    return ok(c, await service.createSnapshot(name));
  });

  app.get('/collections/:name/snapshots', async (c) => ok(c, await service.listSnapshots(collectionName(c))));

  app.delete('/collections/:name/snapshots/:snapshot', async (c) => {
    const name = collectionName(c);
    writeParams(c);
    await service.deleteSnapshot(name, c.req.param('snapshot'));
    return ok(c, true);
  });
}
