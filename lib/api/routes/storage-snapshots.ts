/**
 * Storage snapshot routes (Qdrant's full snapshots): `POST /snapshots` (create), `GET /snapshots` (list),
 * `GET /snapshots/{name}` (download: one tar archive, streamed), `DELETE /snapshots/{name}`. A storage snapshot pins
 * every collection (lib/collection/storage-snapshots.ts), so creating one copies nothing and `wait` changes nothing.
 * Beyond Qdrant, which restores a full snapshot only at start-up, Strata restores one through the API, the way it
 * restores a collection: `POST /snapshots/upload` (multipart field `snapshot`) and `PUT /snapshots/recover`
 * (`location`, optional `checksum`). The archive is checked whole before anything is written.
 */
import type { Hono } from 'hono';
import type { RouteDeps } from '../route-deps.js';
import { type AppEnv, ok, writeParams } from '../http.js';
import { archiveResponse, readUpload, recoverDownload } from './snapshots.js';

export function registerStorageSnapshotRoutes(app: Hono<AppEnv>, { service, limits }: RouteDeps): void {
  app.post('/snapshots', async (c) => {
    writeParams(c);
    return ok(c, await service.createStorageSnapshot());
  });

  app.get('/snapshots', async (c) => ok(c, await service.listStorageSnapshots()));

  // before `/snapshots/:snapshot` so `recover` and `upload` are never taken for snapshot names
  app.put('/snapshots/recover', async (c) => {
    writeParams(c);
    await service.recoverStorageSnapshot(await recoverDownload(c, limits));
    return ok(c, true);
  });

  app.post('/snapshots/upload', async (c) => {
    await service.recoverStorageSnapshot(await readUpload(c, limits));
    return ok(c, true);
  });

  app.delete('/snapshots/:snapshot', async (c) => {
    writeParams(c);
    await service.deleteStorageSnapshot(c.req.param('snapshot'));
    return ok(c, true);
  });

  app.get('/snapshots/:snapshot', async (c) => {
    const snapshot = c.req.param('snapshot');
    return archiveResponse(c, await service.downloadStorageSnapshot(snapshot), snapshot);
  });
}
