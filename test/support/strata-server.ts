/**
 * Starts the real HTTP server (lib/api/server.ts) on a free loopback port over any CollectionService and hands back
 * an official `@qdrant/js-client-rest` client pointed at it. Shared by the API-over-TCP test and, once the collection
 * layer lands, the end-to-end tests (pass the real service).
 *
 * `client` is the current client (1.19: it dropped the deprecated search / recommend / discover methods, as Qdrant
 * dropped their routes from its OpenAPI spec); `client118` is 1.18, the last release with them. Applications written
 * against it still call those routes and Strata still serves them, so the tests of those routes go through it.
 */
import { QdrantClient } from '@qdrant/js-client-rest';
import { QdrantClient as LegacyQdrantClient } from 'qdrant-js-client-rest-1.18';
import type { StrataCollectionService } from '../../lib/collection/service.js';
import type { CollectionService } from '../../lib/collection/types.js';
import { createApp, startServer, type CreateAppOptions } from '../../lib/api/index.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { directInvoker, service, tempStore } from './collection-harness.js';

export type { LegacyQdrantClient };

export interface StrataUnderTest {
  url: string;
  client: QdrantClient;
  /** the 1.18 client, for the deprecated search / recommend / discover routes (see the header) */
  client118: LegacyQdrantClient;
  close(): Promise<void>;
}

export async function startStrata(
  service: CollectionService,
  options: Omit<CreateAppOptions, 'service'> = {},
): Promise<StrataUnderTest> {
  const app = createApp({ service, ...options });
  const server = await startServer({ app, port: 0, host: '127.0.0.1' });
  const params = {
    url: server.url,
    // the compatibility check runs against GET /, which answers a compatible version; keep it on to prove that
    checkCompatibility: true,
    ...(options.apiKey !== undefined ? { headers: { 'api-key': options.apiKey } } : {}),
  };
  const client = new QdrantClient(params);
  const client118 = new LegacyQdrantClient(params);
  return { url: server.url, client, client118, close: () => server.close() };
}

export interface ServedTempStore extends StrataUnderTest {
  store: FileSystemStore;
  svc: StrataCollectionService;
}

/**
 * The whole product over a fresh temporary folder, served on a loopback port: a collection service whose `workers`
 * run segment tasks in process. `close` stops the server and removes the folder.
 */
export async function serveTempStore(workers: number): Promise<ServedTempStore> {
  const t = tempStore();
  const svc = service(t.store, directInvoker(t.store, workers));
  const strata = await startStrata(svc);
  return {
    ...strata,
    store: t.store,
    svc,
    async close() {
      await strata.close();
      t.cleanup();
    },
  };
}

/** The status and Qdrant error message of a request the official REST client rejected. */
export async function clientRejection(request: Promise<unknown>): Promise<{ status: number; error: string }> {
  try {
    await request;
  } catch (e) {
    const err = e as { status: number; data?: { status?: { error?: string } } };
    return { status: err.status, error: err.data?.status?.error ?? '' };
  }
  throw new Error('expected a rejection');
}
