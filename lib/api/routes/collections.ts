/** Collection routes: create, list, info, exists, delete, update (Qdrant's collections API). */
import { checkSparseNames } from '../../collection/vector-config.js';
import { checkVectorName } from '../../collection/vector-names.js';
import type { Context, Hono } from 'hono';
import type { RouteDeps } from '../route-deps.js';
import { collectionExists } from '../../model/errors.js';
import { type AppEnv, collectionName, ok, parseWith, readJson, timeoutParam, writeParams } from '../http.js';
import {
  createCollectionSchema,
  parseCreateIndex,
  presentCollectionInfo,
  updateCollectionSchema,
} from '../schemas/collections.js';
import { vectorNameConfigSchema } from '../schemas/vector-names.js';

export function registerCollectionRoutes(app: Hono<AppEnv>, { service, limits, unnamedVectorPath }: RouteDeps): void {
  app.get('/collections', async (c) => {
    const names = await service.listCollections();
    return ok(c, { collections: names.map((name) => ({ name })) });
  });

  app.put('/collections/:name', async (c) => {
    const name = collectionName(c);
    timeoutParam(c.req.query('timeout'));
    const config = parseWith(createCollectionSchema, await readJson(c, limits.maxBodyBytes));
    checkSparseNames(config);
    // Refuse a duplicate before the write; the service re-checks atomically (a concurrent create can still lose).
    if (await service.collectionExists(name)) throw collectionExists(name);
    await service.createCollection(name, config);
    return ok(c, true);
  });

  app.get('/collections/:name', async (c) => {
    const name = collectionName(c);
    return ok(c, presentCollectionInfo(await service.getCollection(name)));
  });

  app.get('/collections/:name/exists', async (c) => {
    const name = collectionName(c);
    return ok(c, { exists: await service.collectionExists(name) });
  });

  app.delete('/collections/:name', async (c) => {
    const name = collectionName(c);
    timeoutParam(c.req.query('timeout'));
    return ok(c, await service.deleteCollection(name));
  });

  app.patch('/collections/:name', async (c) => {
    const name = collectionName(c);
    timeoutParam(c.req.query('timeout'));
    const update = parseWith(updateCollectionSchema, await readJson(c, limits.maxBodyBytes, {}));
    await service.updateCollection(name, update);
    return ok(c, true);
  });

  // Vector names on an existing collection: config changes by the manifest's CAS (lib/collection/vector-names.ts),
  // applied before the answer whatever `wait` says; the operation_id is the change's (service.ts changeConfig)
  const createVectorName = async (c: Context<AppEnv>, vector: string) => {
    const name = collectionName(c);
    const { wait } = writeParams(c);
    checkVectorName(vector);
    const config = parseWith(vectorNameConfigSchema, await readJson(c, limits.maxBodyBytes));
    const operationId = await service.createVectorName(name, vector, config);
    return ok(c, { operation_id: operationId, status: wait ? 'completed' : 'acknowledged' });
  };
  const deleteVectorName = async (c: Context<AppEnv>, vector: string) => {
    const name = collectionName(c);
    const { wait } = writeParams(c);
    checkVectorName(vector);
    const operationId = await service.deleteVectorName(name, vector);
    return ok(c, { operation_id: operationId, status: wait ? 'completed' : 'acknowledged' });
  };
  app.put('/collections/:name/vectors/:vector', (c) => createVectorName(c, c.req.param('vector')));
  app.delete('/collections/:name/vectors/:vector', (c) => deleteVectorName(c, c.req.param('vector')));
  // the name '' (the unnamed vector), which only gRPC can spell: REST's path segment cannot be empty, in Qdrant too
  if (unnamedVectorPath === true) {
    app.put('/collections/:name/vectors', (c) => createVectorName(c, ''));
    app.delete('/collections/:name/vectors', (c) => deleteVectorName(c, ''));
  }

  // Payload indexes: the schema lives in the manifest's config (lib/collection/field-indexes.ts)
  app.put('/collections/:name/index', async (c) => {
    const name = collectionName(c);
    const { wait } = writeParams(c);
    const { field, schema } = parseCreateIndex(await readJson(c, limits.maxBodyBytes));
    const operationId = await service.createFieldIndex(name, field, schema);
    return ok(c, { operation_id: operationId, status: wait ? 'completed' : 'acknowledged' });
  });

  app.delete('/collections/:name/index/:field', async (c) => {
    const name = collectionName(c);
    const { wait } = writeParams(c);
    const operationId = await service.deleteFieldIndex(name, c.req.param('field'));
    return ok(c, { operation_id: operationId, status: wait ? 'completed' : 'acknowledged' });
  });
}
