/**
 * The one HTTP app: Qdrant's REST surface over a CollectionService. The local Node server (server.ts) and the Lambda
 * handler (hono/aws-lambda) both serve this same Hono instance.
 *
 * Request flow: timing → optional API-key check → route (validate path/query/body, limits, dimensions) → service →
 * success envelope; any throw goes through errors.ts to Qdrant's error envelope.
 */
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { CollectionService } from '../collection/types.js';
import { type ApiLimits, DEFAULT_LIMITS, type RouteDeps } from './route-deps.js';
import type { OperationsSource } from '../runtime/operations.js';
import { apiKeyAuth } from './auth.js';
import { COST_REQUEST_HEADER, COST_RESPONSE_HEADER, costHeader } from './cost-header.js';
import { ClientGone, errorBody, toHttpError } from './errors.js';
import type { AppEnv } from './http.js';
import { createMetrics } from './metrics.js';
import { registerAliasRoutes } from './routes/aliases.js';
import { registerClusterRoutes } from './routes/cluster.js';
import { registerCollectionRoutes } from './routes/collections.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerExploreRoutes } from './routes/explore.js';
import { registerOperationRoutes } from './routes/operations.js';
import { registerSnapshotRoutes } from './routes/snapshots.js';
import { registerStorageSnapshotRoutes } from './routes/storage-snapshots.js';
import { registerPointRoutes } from './routes/points.js';
import { registerQueryRoutes } from './routes/query.js';
import { QDRANT_COMPAT_VERSION, registerServiceRoutes } from './routes/service.js';

/** The subset of a pino logger the API uses (pino's Logger satisfies it). */
export interface ApiLogger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info?(obj: object, msg?: string): void;
}

export interface CreateAppOptions {
  readonly service: CollectionService;
  /** when set, every route except `/` and the probes needs this key (`api-key` header or `Authorization: Bearer`) */
  readonly apiKey?: string;
  readonly logger?: ApiLogger;
  readonly limits?: Partial<ApiLimits>;
  /** version reported by `GET /` @default the Qdrant version Strata is compatible with */
  readonly version?: string;
  /**
   * origins a browser may call from (CORS); none by default, so no CORS header is ever sent and a page on another
   * origin cannot read answers or send a preflighted request. `*` allows any origin (Qdrant's own default).
   * @default []
   */
  readonly corsOrigins?: readonly string[];
  /** this process's optimizer runs and I/O counters (lib/runtime/operations.ts) for /metrics and …/optimizations */
  readonly operations?: OperationsSource;
  /**
   * folder of the dashboard's static build (scripts/build-dashboard.ts) served at `/dashboard`
   * @default none: `/dashboard` answers 404 saying how to build it
   */
  readonly dashboardDir?: string;
  /**
   * also route `PUT` / `DELETE /collections/{c}/vectors` (no name) to the vector name '': for the app behind the gRPC
   * door only (grpc/server.ts), whose CreateVectorName / DeleteVectorName take '' as Qdrant's do; Qdrant's REST path
   * cannot spell it (an empty segment matches no route), so the REST app answers 404 there as Qdrant does
   * @default false
   */
  readonly unnamedVectorPath?: boolean;
}

export { type ApiLimits, DEFAULT_LIMITS, type RouteDeps } from './route-deps.js';

export function createApp(options: CreateAppOptions): Hono<AppEnv> {
  const limits: ApiLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const logger = options.logger;
  const app = new Hono<AppEnv>();
  const version = options.version ?? QDRANT_COMPAT_VERSION;
  const metrics = createMetrics({ service: options.service, operations: options.operations, version });

  const bounds = {
    maxResultPoints: limits.maxResultPoints,
    maxResponseBytes: limits.maxResponseBytes,
    escaped: limits.escapedResponse,
  };
  app.use('*', async (c, next) => {
    c.set('startedAt', performance.now());
    c.set('bounds', bounds);
    await next();
  });
  // before the key check, so refused requests are counted too
  app.use('*', metrics.middleware);
  app.use('*', costHeader(metrics.recordQueryCost));
  const origins = options.corsOrigins ?? [];
  if (origins.length > 0) {
    app.use(
      '*',
      cors({
        origin: origins.includes('*') ? '*' : [...origins],
        allowHeaders: ['content-type', 'api-key', 'authorization', COST_REQUEST_HEADER],
        exposeHeaders: [COST_RESPONSE_HEADER],
      }),
    );
  }
  // an empty key would turn auth silently off; the config loader refuses it at start-up, this catches other callers
  if (options.apiKey === '') throw new Error('apiKey must not be empty: omit it to run without authentication');
  if (options.apiKey !== undefined) app.use('*', apiKeyAuth(options.apiKey));

  const deps: RouteDeps = { service: options.service, limits, unnamedVectorPath: options.unnamedVectorPath === true };
  registerServiceRoutes(app, version);
  registerOperationRoutes(app, { service: options.service, metrics, operations: options.operations, version });
  registerAliasRoutes(app, deps);
  registerCollectionRoutes(app, deps);
  registerClusterRoutes(app, deps);
  registerPointRoutes(app, deps);
  registerQueryRoutes(app, deps);
  registerExploreRoutes(app, deps);
  registerSnapshotRoutes(app, deps);
  registerStorageSnapshotRoutes(app, deps);
  registerDashboardRoutes(app, deps, options.dashboardDir);

  app.notFound((c) =>
    c.json(
      errorBody(`Not found: no route for ${c.req.method} ${c.req.path}`, c.get('startedAt') ?? performance.now()),
      404,
    ),
  );
  app.onError((err, c) => {
    const http = toHttpError(err);
    // a client that hangs up mid-body is the client's doing and can come in floods: never an error-level line
    if (err instanceof ClientGone) logger?.info?.({ path: c.req.path, method: c.req.method }, err.message);
    else if (http.status >= 500) logger?.error({ err, path: c.req.path, method: c.req.method }, 'request failed');
    return c.json(errorBody(http.message, c.get('startedAt') ?? performance.now()), http.status as 400);
  });
  return app;
}
