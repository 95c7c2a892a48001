/**
 * Collection snapshot routes (Qdrant's snapshots API): create, list, delete, download (one tar archive, streamed)
 * and upload-to-restore. A snapshot is a pinned manifest (lib/collection/collection-snapshots.ts), so creating one
 * copies nothing and `wait` changes nothing. Uploads are multipart with the archive in the field `snapshot`, as
 * Qdrant's; `PUT …/snapshots/recover` downloads the archive from an http(s) `location` (optionally checked against
 * `checksum`, SHA-256 hex). Either way the archive is checked whole before anything is written
 * (lib/collection/snapshot-archive.ts).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Hono } from 'hono';
import type { ApiLimits, RouteDeps } from '../route-deps.js';
import { HttpError, badRequest } from '../errors.js';
import { type AppEnv, type Ctx, collectionName, ok, parseWith, readJson, writeParams } from '../http.js';

export const recoverSchema = z.object({
  location: z.string().min(1),
  priority: z.enum(['replica', 'snapshot', 'no_sync']).nullish(),
  checksum: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/)
    .nullish(),
  api_key: z.string().nullish(),
});

/** Downloads `location` (http or https only), refusing more than `maxBytes`. */
export async function download(location: string, maxBytes: number, apiKey?: string | null): Promise<Uint8Array> {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw badRequest(`snapshot location is not a URL: ${location}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badRequest(`snapshot location must be an http(s) URL, got ${url.protocol}`);
  }
  const r = await fetch(url, apiKey ? { headers: { 'api-key': apiKey } } : {}).catch((e: unknown) => {
    throw badRequest(`could not download the snapshot: ${(e as Error).message}`);
  });
  if (!r.ok || r.body === null) throw badRequest(`could not download the snapshot: HTTP ${r.status}`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of r.body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw badRequest(`snapshot at ${location} exceeds the limit of ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

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
    return archiveResponse(c, await service.downloadSnapshot(name, snapshot), snapshot);
  });

  app.put('/collections/:name/snapshots/recover', async (c) => {
    const name = collectionName(c);
    writeParams(c);
    const archive = await recoverDownload(c, limits);
    await service.recoverSnapshot(name, archive);
    return ok(c, true);
  });

  app.post('/collections/:name/snapshots/upload', async (c) => {
    const name = collectionName(c);
    await service.recoverSnapshot(name, await readUpload(c, limits));
    return ok(c, true);
  });
}

/** A tar archive as a streamed download (pulled from the store as the client reads). */
export function archiveResponse(c: Ctx, archive: AsyncIterable<Uint8Array>, filename: string): Response {
  const chunks = archive[Symbol.asyncIterator]();
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
    'content-disposition': `attachment; filename="${filename}"`,
  });
}

/** The archive of a recover request: downloaded from its `location`, checked against its `checksum` when given. */
export async function recoverDownload(c: Ctx, limits: ApiLimits): Promise<Uint8Array> {
  const body = parseWith(recoverSchema, await readJson(c, limits.maxBodyBytes));
  const archive = await download(body.location, limits.maxSnapshotBytes, body.api_key);
  if (body.checksum && createHash('sha256').update(archive).digest('hex') !== body.checksum.toLowerCase()) {
    throw badRequest('snapshot checksum does not match the downloaded archive');
  }
  return archive;
}

/** The archive of an upload: multipart with the file in the field `snapshot`, as Qdrant's, within the limit. */
export async function readUpload(c: Ctx, limits: ApiLimits): Promise<Uint8Array> {
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
  if (!(file instanceof File)) {
    throw badRequest('expected a multipart/form-data body with the archive in the field `snapshot`');
  }
  if (file.size > limits.maxSnapshotBytes) {
    throw new HttpError(
      400,
      `snapshot upload (${file.size} bytes) exceeds the limit of ${limits.maxSnapshotBytes} bytes`,
    );
  }
  return new Uint8Array(await file.arrayBuffer());
}
