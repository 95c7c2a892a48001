/**
 * The web dashboard at `/dashboard` (locally and through the api function): its static build (scripts/build-dashboard.ts
 * writes `index.html` and `assets/`) served from a folder, and the one Strata-specific read it needs beyond Qdrant's
 * API: `GET /dashboard/api/collections/{c}/layout` (lib/collection/segment-layout.ts: segments, their objects' tiers
 * and sizes, the WAL backlog). Everything else the page shows comes from Qdrant's own routes (collections,
 * optimizations, scroll, query with the `x-strata-cost` header of ../cost-header.ts).
 *
 * Invariants:
 * - Only files the build wrote are served: the folder's `assets/` is listed once and names are matched against that
 *   list, so no request path ever reaches the filesystem (no traversal, no probing).
 * - The static files hold no data, so they are open like `/` (auth.ts); the page sends the API key the user types
 *   with its API calls, and `…/layout` needs the key like every other data route.
 * - Without a build (no folder, or no index.html) `/dashboard` is a 404 that says how to build it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Hono } from 'hono';
import type { RouteDeps } from '../route-deps.js';
import { HttpError } from '../errors.js';
import { type AppEnv, collectionName, ok } from '../http.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Paths of the static dashboard (open without the API key, auth.ts). */
export function isDashboardAsset(path: string): boolean {
  return path === '/dashboard' || path === '/dashboard/' || path.startsWith('/dashboard/assets/');
}

interface Asset {
  body: Uint8Array;
  type: string;
}

/** Reads the built folder once (lazily, at the first dashboard request) and keeps its files in memory. */
function assetFolder(dir: string | undefined): () => Promise<Map<string, Asset> | null> {
  let loaded: Promise<Map<string, Asset> | null> | null = null;
  const load = async (): Promise<Map<string, Asset> | null> => {
    if (dir === undefined) return null;
    const files = new Map<string, Asset>();
    try {
      files.set('index.html', { body: await readFile(join(dir, 'index.html')), type: TYPES['.html'] });
      for (const name of await readdir(join(dir, 'assets'))) {
        const type = TYPES[extname(name)];
        if (type !== undefined) files.set(`assets/${name}`, { body: await readFile(join(dir, 'assets', name)), type });
      }
    } catch {
      return null;
    }
    return files;
  };
  return () => {
    loaded ??= load();
    return loaded;
  };
}

export function registerDashboardRoutes(app: Hono<AppEnv>, { service }: RouteDeps, dashboardDir?: string): void {
  const assets = assetFolder(dashboardDir);
  const serve = async (name: string): Promise<Response> => {
    const files = await assets();
    if (files === null) {
      throw new HttpError(404, 'the dashboard is not built: run `npm run build:dashboard` (npm start and npm test do)');
    }
    const file = files.get(name);
    if (file === undefined) throw new HttpError(404, `Not found: no dashboard asset ${name}`);
    return new Response(file.body, {
      status: 200,
      headers: {
        'content-type': file.type,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      },
    });
  };

  // relative asset URLs in index.html resolve under /dashboard/ only
  app.get('/dashboard', (c) => c.redirect('/dashboard/', 308));
  app.get('/dashboard/', () => serve('index.html'));
  app.get('/dashboard/assets/:file', (c) => serve(`assets/${c.req.param('file')}`));

  app.get('/dashboard/api/collections/:name/layout', async (c) =>
    ok(c, await service.segmentLayout(collectionName(c))),
  );
}
