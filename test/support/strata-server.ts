/**
 * Starts the real HTTP server (lib/api/server.ts) on a free loopback port over any CollectionService and hands back
 * an official `@qdrant/js-client-rest` client pointed at it. Shared by the API-over-TCP test and, once the collection
 * layer lands, the end-to-end tests (pass the real service).
 */
import { QdrantClient } from '@qdrant/js-client-rest';
import type { CollectionService } from '../../lib/collection/types.js';
import { createApp, startServer, type CreateAppOptions } from '../../lib/api/index.js';

export interface StrataUnderTest {
  url: string;
  client: QdrantClient;
  close(): Promise<void>;
}

export async function startStrata(
  service: CollectionService,
  options: Omit<CreateAppOptions, 'service'> = {},
): Promise<StrataUnderTest> {
  const app = createApp({ service, ...options });
  const server = await startServer({ app, port: 0, host: '127.0.0.1' });
  const client = new QdrantClient({
    url: server.url,
    // the compatibility check runs against GET /, which answers a compatible version; keep it on to prove that
    checkCompatibility: true,
    ...(options.apiKey !== undefined ? { headers: { 'api-key': options.apiKey } } : {}),
  });
  return { url: server.url, client, close: () => server.close() };
}
