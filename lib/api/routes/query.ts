/**
 * Search routes: `points/query` (+ batch) answers `{points: ScoredPoint[]}`; legacy `points/search` (+ batch) answers
 * `ScoredPoint[]`. Every query vector's dimension is checked before the first search runs, so a batch fails as a
 * whole instead of returning partial answers.
 */
import type { Hono } from 'hono';
import type { QueryRequest, ScoredPoint } from '../../model/search.js';
import type { UniversalQuery } from '../../model/query.js';
import type { RouteDeps } from '../route-deps.js';
import { costTrace } from '../cost-header.js';
import { badRequest } from '../errors.js';
import { wantsPayload } from '../../collection/payload-ops.js';
import { withShortVectors } from '../float32-print.js';
import { type AppEnv, type Ctx, collectionName, ok, parseWith, readJson, readParams } from '../http.js';
import { checkReadBounds } from '../response-bounds.js';
import { searchBatchSchema, searchRequestSchema } from '../schemas/query.js';
import { universalBatchSchema, universalQuerySchema } from '../schemas/universal-query.js';
import type { ParsedQuery } from '../schemas/universal-query.js';
import { checkDimensions, checkFloat32 } from '../vectors.js';
import { inferRequestVectors } from '../inference/request-inference.js';
import { refuseDenseTargets } from '../inferred-targets.js';

/** A legacy search as the universal query that answers it (its sparse vector searched over `using`). */
function universalOf(r: QueryRequest): UniversalQuery {
  return {
    prefetch: [],
    query: { kind: 'nearest', input: r.sparse !== undefined ? { sparse: r.sparse } : { vector: r.vector } },
    using: r.using ?? '',
    ...(r.filter ? { filter: r.filter } : {}),
    params: r.params,
    limit: r.limit,
    ...(r.score_threshold !== undefined ? { score_threshold: r.score_threshold } : {}),
    offset: r.offset,
    with_payload: r.with_payload,
    with_vector: r.with_vector,
  };
}

export function registerQueryRoutes(app: Hono<AppEnv>, { service, limits }: RouteDeps): void {
  const checkBatchSize = (n: number): void => {
    if (n > limits.maxBatchSearches) {
      throw badRequest(`batch of ${n} searches exceeds the limit of ${limits.maxBatchSearches}`);
    }
  };
  /** `field` names the vector in error paths (`query`/`vector`); a batch prefixes `searches[i].` */
  const run = async (c: Ctx, name: string, requests: QueryRequest[], field: string, batch: boolean) => {
    // a legacy sparse search (NamedSparseVector) is the universal query's nearest sparse search
    if (requests.some((r) => r.sparse !== undefined)) {
      return runParsed(
        c,
        name,
        requests.map((r) => ({ universal: universalOf(r) })),
        batch,
      );
    }
    checkBatchSize(requests.length);
    const vectors = requests.map((r) => r.vector);
    checkFloat32(vectors, (i, j) => `${batch ? `searches[${i}].` : ''}${field}[${j}]`);
    const dim = await checkDimensions(
      service,
      name,
      vectors,
      requests.map((r) => r.using),
      requests.map((r) => r.with_vector),
    );
    checkReadBounds(
      c.get('bounds'),
      dim,
      requests.map((r) => ({
        points: r.limit + r.offset,
        withVector: r.with_vector,
        withPayload: wantsPayload(r.with_payload),
      })),
    );
    // an empty batch answers an empty list, as Qdrant's, without a service call
    if (requests.length === 0) return [];
    const trace = costTrace(c);
    const results =
      requests.length > 1
        ? await service.queryBatch(name, requests, trace)
        : [await service.query(name, requests[0], trace)];
    return results.map((points) => withShortVectors(points));
  };

  // plain vector queries keep the search path; any other form (or a batch holding one) runs as universal queries
  const runParsed = async (
    c: Ctx,
    name: string,
    parsed: (Pick<ParsedQuery, 'universal'> & { plain?: QueryRequest | null })[],
    batch: boolean,
  ): Promise<ScoredPoint[][]> => {
    const plain = parsed.flatMap((p) => (p.plain ? [p.plain] : []));
    if (plain.length === parsed.length) return run(c, name, plain, 'query', batch);
    checkBatchSize(parsed.length);
    const universal = parsed.map((p) => p.universal);
    const dim = await checkDimensions(
      service,
      name,
      [],
      [],
      universal.map((u) => u.with_vector),
    );
    checkReadBounds(
      c.get('bounds'),
      dim,
      universal.map((u) => ({
        points: u.limit + u.offset,
        withVector: u.with_vector,
        withPayload: wantsPayload(u.with_payload),
      })),
    );
    const results = await service.queryUniversal(name, universal, costTrace(c));
    return results.map((points) => withShortVectors(points));
  };

  app.post('/collections/:name/points/query', async (c) => {
    const name = collectionName(c);
    readParams(c);
    const body = await readJson(c, limits.maxBodyBytes);
    // Documents become sparse query vectors before the body is validated, as in Qdrant (lib/api/inference)
    await refuseDenseTargets(service, name, await inferRequestVectors(body, 'query'));
    const request = parseWith(universalQuerySchema, body);
    const [points] = await runParsed(c, name, [request], false);
    return ok(c, { points });
  });

  app.post('/collections/:name/points/query/batch', async (c) => {
    const name = collectionName(c);
    readParams(c);
    const body = await readJson(c, limits.maxBodyBytes);
    await refuseDenseTargets(service, name, await inferRequestVectors(body, 'query_batch'));
    const { searches } = parseWith(universalBatchSchema, body);
    const results = await runParsed(c, name, searches, true);
    return ok(
      c,
      results.map((points) => ({ points })),
    );
  });

  app.post('/collections/:name/points/search', async (c) => {
    const name = collectionName(c);
    readParams(c);
    const request = parseWith(searchRequestSchema, await readJson(c, limits.maxBodyBytes));
    const [points] = await run(c, name, [request], 'vector', false);
    return ok(c, points);
  });

  app.post('/collections/:name/points/search/batch', async (c) => {
    const name = collectionName(c);
    readParams(c);
    const { searches } = parseWith(searchBatchSchema, await readJson(c, limits.maxBodyBytes));
    return ok(c, await run(c, name, searches, 'vector', true));
  });
}
