/**
 * Alias routes (Qdrant's aliases API). The service applies one request's actions atomically (lib/collection/
 * aliases.ts). Registered before the collection routes so `aliases` is never taken for a collection name.
 */
import type { Hono } from 'hono';
import type { RouteDeps } from '../route-deps.js';
import { type AppEnv, collectionName, ok, parseWith, readJson, timeoutParam } from '../http.js';
import { changeAliasesSchema } from '../schemas/aliases.js';

export function registerAliasRoutes(app: Hono<AppEnv>, { service, limits }: RouteDeps): void {
  app.post('/collections/aliases', async (c) => {
    timeoutParam(c.req.query('timeout'));
    const actions = parseWith(changeAliasesSchema, await readJson(c, limits.maxBodyBytes));
    await service.updateAliases(actions);
    return ok(c, true);
  });

  app.get('/aliases', async (c) => ok(c, { aliases: await service.listAliases() }));

  app.get('/collections/:name/aliases', async (c) => {
    const name = collectionName(c);
    return ok(c, { aliases: await service.collectionAliases(name) });
  });
}
