/**
 * Request accounting and the Prometheus exposition (`GET /metrics`, text format 0.0.4, through prom-client).
 *
 * One `ApiMetrics` per app: its own registry (never prom-client's global one, so two apps in one process, as in the
 * tests, never share or double-register series). The request middleware feeds the counters and the latency
 * histogram and the per-endpoint figures `/telemetry` reports; collection, store, cache and optimizer figures are
 * read when scraped (prom-client `collect`), from the service and the process's OperationsSource; what queries cost
 * (store GETs, bytes, rounds) is added up per request (query-cost-metrics.ts).
 *
 * Names follow Qdrant's where Qdrant has the figure (`app_info`, `collections_total`, `rest_responses_total`,
 * `rest_responses_duration_seconds`), `strata_*` otherwise. `endpoint` is the matched route pattern, never the raw
 * path, so label cardinality stays bounded by the route table.
 *
 * Cost of a scrape: one listing of collections plus one snapshot per collection (manifest revalidation, WAL
 * listing) for points, segments and WAL backlog; at most MAX_SCRAPED_COLLECTIONS collections are reported.
 */
import type { MiddlewareHandler } from 'hono';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CollectionService } from '../collection/types.js';
import type { OperationsSource } from '../runtime/operations.js';
import type { CostReport } from './cost-header.js';
import type { AppEnv } from './http.js';
import { registerQueryCosts } from './query-cost-metrics.js';

const MAX_SCRAPED_COLLECTIONS = 100;
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Qdrant's per-endpoint telemetry figures (`requests.rest.responses[endpoint][status]`). */
export interface ResponseStats {
  count: number;
  fail_count: number;
  avg_duration_micros: number;
  min_duration_micros: number;
  max_duration_micros: number;
  total_duration_micros: number;
  last_responded: string;
}

export interface ApiMetrics {
  readonly registry: Registry;
  readonly middleware: MiddlewareHandler<AppEnv>;
  /** endpoint ("METHOD /route") → status → figures */
  responses(): Record<string, Record<string, ResponseStats>>;
  /** adds one query request's cost to the `strata_query_*` series (query-cost-metrics.ts) */
  readonly recordQueryCost: (report: CostReport) => void;
}

export function createMetrics(deps: {
  service: CollectionService;
  operations?: OperationsSource;
  version: string;
}): ApiMetrics {
  const { service, operations } = deps;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'app_info',
    help: 'Information about the server',
    labelNames: ['name', 'version'],
    registers: [registry],
  })
    .labels({ name: 'strata', version: deps.version })
    .set(1);

  const responses = new Counter({
    name: 'rest_responses_total',
    help: 'REST responses by method, matched route and status',
    labelNames: ['method', 'endpoint', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'rest_responses_duration_seconds',
    help: 'REST response time by method and matched route',
    labelNames: ['method', 'endpoint'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const telemetry = new Map<string, Map<string, ResponseStats>>();

  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const status = c.res.status;
      // an unmatched path keeps no label of its own (unbounded paths would make unbounded series)
      const endpoint = c.res.status === 404 && c.req.routePath === '/*' ? 'unmatched' : c.req.routePath;
      responses.inc({ method: c.req.method, endpoint, status: String(status) });
      latency.observe({ method: c.req.method, endpoint }, seconds);
      record(telemetry, `${c.req.method} ${endpoint}`, status, seconds * 1e6);
    }
  };

  const scrapeCollections = async () => {
    const names = (await service.listCollections()).slice(0, MAX_SCRAPED_COLLECTIONS);
    return Promise.all(
      names.map(async (name) => {
        const [info, backlog] = await Promise.all([service.getCollection(name), service.optimizerBacklog(name)]);
        return { name, info, backlog };
      }),
    );
  };
  let scrape: ReturnType<typeof scrapeCollections> | null = null;
  // the per-collection gauges share one scrape of the collections (collect runs once per gauge per scrape)
  const collections = (): ReturnType<typeof scrapeCollections> => {
    scrape ??= scrapeCollections().finally(() => setTimeout(() => (scrape = null), 0));
    return scrape;
  };
  const perCollection = (
    name: string,
    help: string,
    value: (c: Awaited<ReturnType<typeof scrapeCollections>>[number]) => number,
  ): void => {
    new Gauge({
      name,
      help,
      labelNames: ['collection'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const c of await collections()) this.set({ collection: c.name }, value(c));
      },
    });
  };
  new Gauge({
    name: 'collections_total',
    help: 'Number of collections',
    registers: [registry],
    async collect() {
      this.set((await service.listCollections()).length);
    },
  });
  perCollection('strata_collection_points', 'Live points per collection', (c) => c.info.points_count);
  perCollection('strata_collection_segments', 'Sealed segments per collection', (c) => c.info.segments_count);
  perCollection('strata_wal_backlog_objects', 'Unsealed WAL objects per collection', (c) => c.backlog.walObjects);
  perCollection(
    'strata_wal_backlog_points',
    'Points in unsealed WAL objects per collection',
    (c) => c.backlog.walPoints,
  );
  perCollection(
    'strata_stale_segments',
    'Segments awaiting a rebuild to the current config',
    (c) => c.backlog.stale.length,
  );

  if (operations !== undefined) registerOperations(registry, operations);
  const recordQueryCost = registerQueryCosts(registry);

  return {
    registry,
    middleware,
    recordQueryCost,
    responses: () =>
      Object.fromEntries([...telemetry].map(([endpoint, byStatus]) => [endpoint, Object.fromEntries(byStatus)])),
  };
}

function record(into: Map<string, Map<string, ResponseStats>>, endpoint: string, status: number, micros: number): void {
  let byStatus = into.get(endpoint);
  if (byStatus === undefined) into.set(endpoint, (byStatus = new Map()));
  const key = String(status);
  const s = byStatus.get(key) ?? {
    count: 0,
    fail_count: 0,
    avg_duration_micros: 0,
    min_duration_micros: Number.POSITIVE_INFINITY,
    max_duration_micros: 0,
    total_duration_micros: 0,
    last_responded: '',
  };
  s.count += 1;
  if (status >= 400) s.fail_count += 1;
  s.total_duration_micros += micros;
  s.avg_duration_micros = s.total_duration_micros / s.count;
  s.min_duration_micros = Math.min(s.min_duration_micros, micros);
  s.max_duration_micros = Math.max(s.max_duration_micros, micros);
  s.last_responded = new Date().toISOString();
  byStatus.set(key, s);
}

/** Cumulative figures of this process, read at scrape time. */
function registerOperations(registry: Registry, ops: OperationsSource): void {
  const counter = (name: string, help: string, labelNames: string[], read: () => [Record<string, string>, number][]) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        // the source is cumulative already: expose its value, not increments
        this.reset();
        for (const [labels, v] of read()) this.inc(labels, v);
      },
    });
  counter('strata_store_requests_total', 'Object store requests by kind', ['kind'], () => {
    const io = ops.storeIo();
    return [
      [{ kind: 'get' }, io.gets],
      [{ kind: 'ranged_get' }, io.rangedGets],
      [{ kind: 'conditional_get' }, io.conditionalGets],
      [{ kind: 'head' }, io.heads],
      [{ kind: 'put' }, io.puts],
      [{ kind: 'list' }, io.lists],
      [{ kind: 'delete' }, io.deletes],
    ];
  });
  counter('strata_store_bytes_total', 'Object store body bytes by direction', ['direction'], () => {
    const io = ops.storeIo();
    return [
      [{ direction: 'in' }, io.bytesIn],
      [{ direction: 'out' }, io.bytesOut],
    ];
  });
  counter('strata_store_errors_total', 'Object store requests that failed', [], () => [[{}, ops.storeIo().errors]]);
  counter('strata_page_cache_lookups_total', 'Page cache lookups in this process by result', ['result'], () => {
    const c = ops.pageCache();
    return c === null
      ? []
      : [
          [{ result: 'hit' }, c.hits],
          [{ result: 'miss' }, c.misses],
        ];
  });
  new Gauge({
    name: 'strata_page_cache_hit_ratio',
    help: 'Page cache hits / lookups in this process (absent when searches run in other processes)',
    registers: [registry],
    collect() {
      this.reset();
      const c = ops.pageCache();
      if (c !== null && c.hits + c.misses > 0) this.set(c.hits / (c.hits + c.misses));
    },
  });
  counter('strata_optimizer_runs_total', 'Optimizer runs this process finished, by outcome', ['outcome'], () => {
    const r = ops.optimizerRuns();
    return [
      [{ outcome: 'ok' }, r.ok],
      [{ outcome: 'failed' }, r.failed],
    ];
  });
  new Gauge({
    name: 'strata_optimizer_running',
    help: 'Optimizer runs in progress in this process',
    registers: [registry],
    collect() {
      this.set(ops.running().length);
    },
  });
}
