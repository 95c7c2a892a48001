/**
 * Search routes: `points/query` (+ batch) answers `{points: ScoredPoint[]}`; legacy `points/search` (+ batch) answers
 * `ScoredPoint[]`. Every query vector's dimension is checked before the first search runs, so a batch fails as a
 * whole instead of returning partial answers.
 */
import type { Hono } from 'hono';
import type { QueryRequest } from '../../model/search.js';
import type { RouteDeps } from '../app.js';
import { badRequest } from '../errors.js';
import { type AppEnv, collectionName, ok, parseWith, readJson, readParams } from '../http.js';
import { searchBatchSchema, searchRequestSchema } from '../schemas/query.js';
import { universalBatchSchema, universalQuerySchema } from '../schemas/universal-query.js';
import type { ParsedQuery } from '../schemas/universal-query.js';
import { checkDimensions } from '../vectors.js';

export function registerQueryRoutes(app: Hono<AppEnv>, { service, limits }: RouteDeps): void {
  const run = async (name: string, requests: QueryRequest[]) => {
    if (requests.length > limits.maxBatchSearches) {
      throw badRequest(`batch of ${requests.length} searches exceeds the limit of ${limits.maxBatchSearches}`);
    }
    await checkDimensions(
      service,
      name,
      requests.map((r) => r.vector),
    );
    if (requests.length > 1) return service.queryBatch(name, requests);
    return Promise.all(requests.map((r) => service.query(name, r)));
  };

  // plain vector queries keep the search path; any other form (or a batch holding one) runs as universal queries
  const runParsed = async (name: string, parsed: ParsedQuery[]) => {
    const plain = parsed.flatMap((p) => (p.plain ? [p.plain] : []));
    if (plain.length === parsed.length) return run(name, plain);
    if (parsed.length > limits.maxBatchSearches) {
      throw badRequest(`batch of ${parsed.length} searches exceeds the limit of ${limits.maxBatchSearches}`);
    }
    return service.queryUniversal(
      name,
      parsed.map((p) => p.universal),
    );
  };

  app.post('/collections/:name/points/query', async (c) => {
    const name = collectionName(c);
    readParams(c);
    const request = parseWith(universalQuerySchema, await readJson(c, limits.maxBodyBytes));
    const [points] = await runParsed(name, [request]);
    return ok(c, { points });
  });

  app.post('/collections/:name/points/query/batch', async (c) => {
    const name = collectionName(c);
    readParams(c);
    const { searches } = parseWith(universalBatchSchema, await readJson(c, limits.maxBodyBytes));
    const results = await runParsed(name, searches);
    return ok(
      c,
      results.map((points) => ({ points })),
    );
  });

  app.post('/collections/:name/points/search', async (c) => {
    const name = collectionName(c);
    readParams(c);
    const request = parseWith(searchRequestSchema, await readJson(c, limits.maxBodyBytes));
    const [points] = await run(name, [request]);
    return ok(c, points);
  });

  app.post('/collections/:name/points/search/batch', async (c) => {
    const name = collectionName(c);
    readParams(c);
    const { searches } = parseWith(searchBatchSchema, await readJson(c, limits.maxBodyBytes));
    return ok(c, await run(name, searches));
  });
}
