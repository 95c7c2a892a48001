/**
 * The Query API's grouped and legacy doors: `query/groups`, `search/groups`, `recommend` (+ batch, groups),
 * `discover` (+ batch) and the distance matrix (`search/matrix/pairs`, `/offsets`). Legacy recommend/discover answer
 * a bare `ScoredPoint[]` (a list of lists for batches), as Qdrant does; groups answer `{groups}`.
 */
import type { Hono } from 'hono';
import { matrixPairs } from '../../collection/query-api/matrix.js';
import type { UniversalQuery } from '../../model/query.js';
import type { RouteDeps } from '../route-deps.js';
import { badRequest } from '../errors.js';
import { type AppEnv, collectionName, ok, parseWith, readJson, readParams } from '../http.js';
import {
  discoverBatchSchema,
  discoverRequestSchema,
  matrixRequestSchema,
  recommendBatchSchema,
  recommendGroupsSchema,
  recommendRequestSchema,
  searchGroupsSchema,
} from '../schemas/explore.js';
import { queryGroupsSchema } from '../schemas/universal-query.js';
import { inferRequestVectors } from '../inference/request-inference.js';
import { refuseDenseTargets } from '../inferred-targets.js';

export function registerExploreRoutes(app: Hono<AppEnv>, { service, limits }: RouteDeps): void {
  const batch = (name: string, searches: UniversalQuery[]) => {
    if (searches.length > limits.maxBatchSearches) {
      throw badRequest(`batch of ${searches.length} searches exceeds the limit of ${limits.maxBatchSearches}`);
    }
    return service.queryUniversal(name, searches);
  };

  const groups = [
    ['/collections/:name/points/query/groups', queryGroupsSchema],
    ['/collections/:name/points/search/groups', searchGroupsSchema],
    ['/collections/:name/points/recommend/groups', recommendGroupsSchema],
  ] as const;
  for (const [path, schema] of groups) {
    app.post(path, async (c) => {
      const name = collectionName(c);
      readParams(c);
      const body = await readJson(c, limits.maxBodyBytes);
      // only the universal query takes Documents (Qdrant's QueryGroupsRequest); legacy groups take vectors
      if (schema === queryGroupsSchema)
        await refuseDenseTargets(service, name, await inferRequestVectors(body, 'query'));
      const request = parseWith(schema, body);
      return ok(c, await service.queryGroups(name, request));
    });
  }

  app.post('/collections/:name/points/recommend', async (c) => {
    const name = collectionName(c);
    readParams(c);
    const request = parseWith(recommendRequestSchema, await readJson(c, limits.maxBodyBytes));
    return ok(c, (await batch(name, [request]))[0]);
  });

  app.post('/collections/:name/points/recommend/batch', async (c) => {
    const name = collectionName(c);
    readParams(c);
    const { searches } = parseWith(recommendBatchSchema, await readJson(c, limits.maxBodyBytes));
    return ok(c, await batch(name, searches));
  });

  app.post('/collections/:name/points/discover', async (c) => {
    const name = collectionName(c);
    readParams(c);
    const request = parseWith(discoverRequestSchema, await readJson(c, limits.maxBodyBytes));
    return ok(c, (await batch(name, [discoverable(request)]))[0]);
  });

  app.post('/collections/:name/points/discover/batch', async (c) => {
    const name = collectionName(c);
    readParams(c);
    const { searches } = parseWith(discoverBatchSchema, await readJson(c, limits.maxBodyBytes));
    return ok(c, await batch(name, searches.map(discoverable)));
  });

  app.post('/collections/:name/points/search/matrix/pairs', async (c) => {
    const name = collectionName(c);
    readParams(c);
    const request = parseWith(matrixRequestSchema, await readJson(c, limits.maxBodyBytes));
    return ok(c, matrixPairs(await service.searchMatrix(name, request)));
  });

  app.post('/collections/:name/points/search/matrix/offsets', async (c) => {
    const name = collectionName(c);
    readParams(c);
    const request = parseWith(matrixRequestSchema, await readJson(c, limits.maxBodyBytes));
    return ok(c, await service.searchMatrix(name, request));
  });
}

/** A discover request with neither a target nor context pairs: Qdrant's 400, before anything is read. */
function discoverable<T>(request: T | null): T {
  if (request === null) throw badRequest('target and/or context_pairs must be specified');
  return request;
}
