/**
 * Collection snapshot routes (Qdrant's snapshots API): create, list, delete, download (one tar archive, streamed)
 * and upload-to-restore. A snapshot is a pinned manifest (lib/collection/collection-snapshots.ts), so creating one
 * copies nothing and `wait` changes nothing. Uploads are multipart with the archive in the field `snapshot`, as
 * Qdrant's; the archive is checked whole before anything is written (lib/collection/snapshot-archive.ts).
 */
import type { Hono } from 'hono';
import type { RouteDeps } from '../app.js';
import { HttpError, badRequest } from '../errors.js';
import { type AppEnv, collectionName, ok, writeParams } from '../http.js';

export function registerSnapshotRoutes(app: Hono<AppEnv>, { service, limits }: RouteDeps): void {
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

  app.get('/collections/:name/snapshots/:snapshot', async (c) => {
    const name = collectionName(c);
    const snapshot = c.req.param('snapshot');
    const chunks = (await service.downloadSnapshot(name, snapshot))[Symbol.asyncIterator]();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel() {
        await chunks.return?.();
      },
    });
    return c.body(body, 200, {
      'content-type': 'application/x-tar',
      'content-disposition': `attachment; filename="${snapshot}"`,
    });
  });

  app.post('/collections/:name/snapshots/upload', async (c) => {
    const name = collectionName(c);
    const declared = Number(c.req.header('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > limits.maxSnapshotBytes) {
      throw new HttpError(
        400,
        `snapshot upload (${declared} bytes) exceeds the limit of ${limits.maxSnapshotBytes} bytes`,
      );
    }
    const form = await c.req.parseBody().catch(() => {
      throw badRequest('expected a multipart/form-data body with the archive in the field `snapshot`');
    });
    const file = form.snapshot;
    if (!(file instanceof File))
      throw badRequest('expected a multipart/form-data body with the archive in the field `snapshot`');
    if (file.size > limits.maxSnapshotBytes) {
      throw new HttpError(
        400,
        `snapshot upload (${file.size} bytes) exceeds the limit of ${limits.maxSnapshotBytes} bytes`,
      );
    }
    await service.recoverSnapshot(name, new Uint8Array(await file.arrayBuffer()));
    return ok(c, true);
  });
}
