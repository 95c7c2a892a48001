/**
 * Service routes: `GET /` answers like Qdrant's root (title + version) so the official client's compatibility check
 * passes, and the Kubernetes-style probes answer plain text as Qdrant does.
 */
import type { Hono } from 'hono';
import type { AppEnv } from '../http.js';

/**
 * The Qdrant API version whose REST surface Strata implements (README "Qdrant compatibility" lists what of it is
 * missing). The official clients warn unless the server is within one minor version of their own: 1.19 suits both
 * current clients, `@qdrant/js-client-rest` 1.19 and Python `qdrant-client` 1.20 (and the 1.18 JS client the tests use).
 */
export const QDRANT_COMPAT_VERSION = '1.19.0';

export function registerServiceRoutes(app: Hono<AppEnv>, version: string): void {
  app.get('/', (c) => c.json({ title: 'qdrant - vector search engine', version, commit: null, strata: true }));
  app.get('/healthz', (c) => c.text('healthz check passed'));
  app.get('/livez', (c) => c.text('healthz check passed'));
  app.get('/readyz', (c) => c.text('all shards are ready'));
}
