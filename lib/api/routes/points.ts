/**
 * Point routes: upsert, retrieve (by ids and by path id), delete, scroll, count, the payload operations, and the
 * vector operations (update_vectors, delete_vectors).
 * Order inside each handler is fixed: path and query parameters, body shape, request limits, then (for writes that
 * carry vectors) the dimension check against the collection, and only then the service's write method.
 */
import type { Hono } from 'hono';
import type { RouteDeps } from '../route-deps.js';
import { pointNotFound } from '../../model/errors.js';
import { badRequest } from '../errors.js';
import { wantsPayload } from '../../collection/payload-ops.js';
import { withShortVectors } from '../float32-print.js';
import { checkReadBounds, type ReadShape } from '../response-bounds.js';
import {
  type AppEnv,
  type Ctx,
  collectionName,
  ok,
  parseWith,
  pathPointId,
  readJson,
  readParams,
  writeParams,
} from '../http.js';
import {
  countSchema,
  deletePayloadSchema,
  getPointsSchema,
  scrollSchema,
  facetSchema,
  selectorSchema,
  setPayloadSchema,
  batchUpdateSchema,
  deleteVectorsSchema,
  updateVectorsSchema,
  upsertSchemaFor,
} from '../schemas/points.js';
import { checkDimensions, checkPointVectors } from '../vectors.js';
import { inferRequestVectors } from '../inference/request-inference.js';
import { refuseDenseTargets } from '../inferred-targets.js';

export function registerPointRoutes(app: Hono<AppEnv>, { service, limits }: RouteDeps): void {
  /** The response bounds checked before a read starts (the vector size comes from the cached config). */
  const boundRead = async (c: Ctx, name: string, shape: ReadShape): Promise<void> => {
    const dim = shape.withVector ? await checkDimensions(service, name, [], [], [shape.withVector]) : 0;
    checkReadBounds(c.get('bounds'), dim, [shape]);
  };

  app.put('/collections/:name/points', async (c) => {
    const name = collectionName(c);
    const { wait } = writeParams(c);
    const body = await readJson(c, limits.maxBodyBytes);
    // Documents become sparse vectors before the body is validated, as in Qdrant (lib/api/inference)
    await refuseDenseTargets(service, name, await inferRequestVectors(body, 'upsert'));
    const { points, ...options } = parseWith(upsertSchemaFor(body), body);
    if (points.length > limits.maxUpsertPoints) {
      throw badRequest(
        `upsert of ${points.length} points exceeds the limit of ${limits.maxUpsertPoints} points per request`,
      );
    }
    await checkPointVectors(
      service,
      name,
      points.map((p) => p.vector),
    );
    return ok(c, await service.upsertPoints(name, points, wait, options));
  });

  app.post('/collections/:name/points', async (c) => {
    const name = collectionName(c);
    readParams(c);
    const b = parseWith(getPointsSchema, await readJson(c, limits.maxBodyBytes));
    const withPayload = b.with_payload ?? true;
    const withVector = b.with_vector ?? false;
    await boundRead(c, name, { points: b.ids.length, withVector, withPayload: wantsPayload(withPayload) });
    return ok(c, withShortVectors(await service.getPoints(name, b.ids, withPayload, withVector)));
  });

  app.get('/collections/:name/points/:id', async (c) => {
    const name = collectionName(c);
    const id = pathPointId(c.req.param('id'));
    const found = await service.getPoints(name, [id], true, true);
    if (found.length === 0) throw pointNotFound(id);
    return ok(c, withShortVectors(found)[0]);
  });

  app.post('/collections/:name/points/delete', async (c) => {
    const name = collectionName(c);
    const { wait } = writeParams(c);
    const selector = parseWith(selectorSchema, await readJson(c, limits.maxBodyBytes));
    return ok(c, await service.deletePoints(name, selector, wait));
  });

  app.post('/collections/:name/points/scroll', async (c) => {
    const name = collectionName(c);
    readParams(c);
    const request = parseWith(scrollSchema, await readJson(c, limits.maxBodyBytes, {}));
    await boundRead(c, name, {
      points: request.limit,
      withVector: request.with_vector,
      withPayload: wantsPayload(request.with_payload),
    });
    const page = await service.scroll(name, request);
    return ok(c, { ...page, points: withShortVectors(page.points) });
  });

  // Qdrant's facet: counts per value of a key with a keyword / integer / bool / uuid index (lib/collection/payload-reads.ts)
  app.post('/collections/:name/facet', async (c) => {
    const name = collectionName(c);
    readParams(c);
    const request = parseWith(facetSchema, await readJson(c, limits.maxBodyBytes));
    return ok(c, { hits: await service.facet(name, request) });
  });

  app.post('/collections/:name/points/count', async (c) => {
    const name = collectionName(c);
    readParams(c);
    const { filter, exact } = parseWith(countSchema, await readJson(c, limits.maxBodyBytes, {}));
    return ok(c, { count: await service.count(name, filter, exact) });
  });

  app.post('/collections/:name/points/payload', async (c) => {
    const name = collectionName(c);
    const { wait } = writeParams(c);
    const b = parseWith(setPayloadSchema, await readJson(c, limits.maxBodyBytes));
    return ok(c, await service.setPayload(name, b.payload, b.selector, wait, b.key));
  });

  app.put('/collections/:name/points/payload', async (c) => {
    const name = collectionName(c);
    const { wait } = writeParams(c);
    const b = parseWith(setPayloadSchema, await readJson(c, limits.maxBodyBytes));
    if (b.key !== undefined) throw badRequest('`key` is not supported when overwriting the whole payload');
    return ok(c, await service.overwritePayload(name, b.payload, b.selector, wait));
  });

  app.post('/collections/:name/points/payload/delete', async (c) => {
    const name = collectionName(c);
    const { wait } = writeParams(c);
    const b = parseWith(deletePayloadSchema, await readJson(c, limits.maxBodyBytes));
    return ok(c, await service.deletePayload(name, b.keys, b.selector, wait));
  });

  app.post('/collections/:name/points/payload/clear', async (c) => {
    const name = collectionName(c);
    const { wait } = writeParams(c);
    const selector = parseWith(selectorSchema, await readJson(c, limits.maxBodyBytes));
    return ok(c, await service.clearPayload(name, selector, wait));
  });

  app.put('/collections/:name/points/vectors', async (c) => {
    const name = collectionName(c);
    const { wait } = writeParams(c);
    const body = await readJson(c, limits.maxBodyBytes);
    await refuseDenseTargets(service, name, await inferRequestVectors(body, 'update_vectors'));
    const b = parseWith(updateVectorsSchema, body);
    if (b.points.length > limits.maxUpsertPoints) {
      throw badRequest(
        `update of ${b.points.length} points exceeds the limit of ${limits.maxUpsertPoints} points per request`,
      );
    }
    await checkPointVectors(
      service,
      name,
      b.points.map((p) => p.vector),
    );
    return ok(c, await service.updateVectors(name, b.points, wait, b.updateFilter));
  });

  // every operation checked (shapes, limits, vector names and sizes) before the one atomic write
  app.post('/collections/:name/points/batch', async (c) => {
    const name = collectionName(c);
    const { wait } = writeParams(c);
    const body = await readJson(c, limits.maxBodyBytes);
    await refuseDenseTargets(service, name, await inferRequestVectors(body, 'batch_update'));
    const operations = parseWith(batchUpdateSchema, body);
    const vectors = operations.flatMap((op) =>
      'upsert' in op ? op.upsert.points : 'update_vectors' in op ? op.update_vectors.points : [],
    );
    if (vectors.length > limits.maxUpsertPoints) {
      throw badRequest(
        `batch of ${vectors.length} points exceeds the limit of ${limits.maxUpsertPoints} points per request`,
      );
    }
    await checkPointVectors(
      service,
      name,
      vectors.map((p) => p.vector),
    );
    return ok(c, await service.batchUpdate(name, operations, wait));
  });

  app.post('/collections/:name/points/vectors/delete', async (c) => {
    const name = collectionName(c);
    const { wait } = writeParams(c);
    const b = parseWith(deleteVectorsSchema, await readJson(c, limits.maxBodyBytes));
    return ok(c, await service.deleteVectors(name, b.selector, b.vectors, wait));
  });
}
