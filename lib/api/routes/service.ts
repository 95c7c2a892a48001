/**
 * Service routes: `GET /` answers like Qdrant's root (title + version) so the official client's compatibility check
 * passes, and the Kubernetes-style probes answer plain text as Qdrant does.
 */
import type { Hono } from 'hono';
import type { AppEnv } from '../http.js';

/** The Qdrant API version Strata speaks; the JS client accepts a server within one minor version of its own. */
export const QDRANT_COMPAT_VERSION = '1.18.0';

export function registerServiceRoutes(app: Hono<AppEnv>, version: string): void {
  app.get('/', (c) => c.json({ title: 'qdrant - vector search engine', version, commit: null, strata: true }));
  app.get('/healthz', (c) => c.text('healthz check passed'));
  app.get('/livez', (c) => c.text('healthz check passed'));
  app.get('/readyz', (c) => c.text('all shards are ready'));
}
