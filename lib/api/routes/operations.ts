/**
 * Operator routes in Qdrant's shapes: `GET /metrics` (Prometheus text), `GET /telemetry` (the parts that apply: app,
 * collections, REST requests), `GET|DELETE /issues` (Strata detects no issues yet: the list is truthfully empty) and
 * `GET /collections/{c}/optimizations`.
 *
 * Optimizations: `running` and `completed` are the runs of THIS process (lib/runtime/operations.ts; with the
 * optimizer function in AWS they run elsewhere and these lists stay empty); `queued` and the summary come from the
 * collection's snapshot: one pending seal of the unsealed WAL, one rebuild per stale segment.
 */
import type { Hono } from 'hono';
import type { OptimizerBacklog } from '../../collection/backlog.js';
import type { CollectionService } from '../../collection/types.js';
import type { OperationsSource, OptimizerRunInfo } from '../../runtime/operations.js';
import { HttpError } from '../errors.js';
import { type AppEnv, collectionName, ok } from '../http.js';
import type { ApiMetrics } from '../metrics.js';

export interface OperationsDeps {
  readonly service: CollectionService;
  readonly metrics: ApiMetrics;
  readonly operations?: OperationsSource;
  readonly version: string;
}

const WITH_VALUES = new Set(['queued', 'completed', 'idle_segments']);

export function registerOperationRoutes(app: Hono<AppEnv>, deps: OperationsDeps): void {
  const { service, metrics, operations } = deps;
  const startedAt = operations?.startedAt ?? new Date();

  app.get('/metrics', async (c) => {
    const text = await metrics.registry.metrics();
    return c.body(text, 200, { 'content-type': metrics.registry.contentType });
  });

  app.get('/telemetry', async (c) => {
    const names = await service.listCollections();
    return ok(c, {
      id: 'strata',
      app: { name: 'strata', version: deps.version, startup: startedAt.toISOString() },
      collections: {
        number_of_collections: names.length,
        collections: names.map((id) => ({ id })),
      },
      cluster: { enabled: false },
      requests: { rest: { responses: metrics.responses() }, grpc: { responses: {} } },
    });
  });

  app.get('/issues', (c) => ok(c, { issues: [] }));
  app.delete('/issues', (c) => ok(c, true));

  app.get('/collections/:name/optimizations', async (c) => {
    const name = collectionName(c);
    const wanted = withParam(c.req.query('with'));
    const limit = completedLimit(c.req.query('completed_limit'));
    const backlog = await service.optimizerBacklog(name);
    const queued = queuedOf(backlog);
    return ok(c, {
      summary: {
        queued_optimizations: queued.length,
        queued_segments: backlog.stale.length,
        queued_points: backlog.walPoints + backlog.stale.reduce((n, s) => n + s.points, 0),
        idle_segments: backlog.idle.length,
      },
      running: (operations?.running(name) ?? []).map(presentRun),
      ...(wanted.has('queued') ? { queued } : {}),
      ...(wanted.has('completed')
        ? { completed: (operations?.completed(name) ?? []).slice(0, limit).map(presentRun) }
        : {}),
      ...(wanted.has('idle_segments')
        ? { idle_segments: backlog.idle.map((s) => ({ uuid: s.id, points_count: s.points })) }
        : {}),
    });
  });
}

function queuedOf(b: OptimizerBacklog): { optimizer: string; segments: { uuid: string; points_count: number }[] }[] {
  const out: { optimizer: string; segments: { uuid: string; points_count: number }[] }[] = [];
  if (b.walObjects > 0) out.push({ optimizer: 'wal_seal', segments: [] });
  for (const s of b.stale)
    out.push({ optimizer: 'config_mismatch', segments: [{ uuid: s.id, points_count: s.points }] });
  return out;
}

function presentRun(r: OptimizerRunInfo): unknown {
  const finished = r.finishedAt?.toISOString() ?? null;
  return {
    uuid: r.uuid,
    optimizer: 'strata',
    status: r.status === 'error' ? { error: 'optimizer run failed' } : r.status,
    segments: [],
    progress: {
      name: 'optimize',
      started_at: r.startedAt.toISOString(),
      finished_at: finished,
      duration_sec: r.finishedAt ? (r.finishedAt.getTime() - r.startedAt.getTime()) / 1000 : null,
      children: [],
    },
  };
}

function withParam(raw: string | undefined): Set<string> {
  const values = (raw ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  for (const v of values) {
    if (!WITH_VALUES.has(v)) {
      throw new HttpError(
        400,
        `Format error in query parameters: with: unknown value \`${v}\`, expected one of queued, completed, idle_segments`,
      );
    }
  }
  return new Set(values);
}

function completedLimit(raw: string | undefined): number {
  if (raw === undefined) return 16;
  if (!/^\d+$/.test(raw)) {
    throw new HttpError(400, `Format error in query parameters: completed_limit: expected an integer, got \`${raw}\``);
  }
  return Number(raw);
}
