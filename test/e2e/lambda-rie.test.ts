/**
 * Acceptance: the BUILT bundles (`npm run build` output) under AWS's Lambda Runtime Interface Emulator with the Node
 * runtime interface client (`aws-lambda-ric`), one emulator per function, over moto's S3 (test/support/lambda-rie.ts):
 *
 *   test ──Invoke (API Gateway v2 event)──▶ front ─▶ RIE strata-api ─▶ api bundle ──Invoke (SDK)──▶ front
 *                                                                                  ├─▶ RIE strata-worker-0
 *                                                                                  └─▶ RIE strata-worker-1
 *   test ──Invoke {collection}──────────▶ front ─▶ RIE strata-optimizer ─▶ optimizer bundle
 *
 * Every answer is compared with the same requests served by the local composition (createCoordinator + createApp
 * over a folder, in this process), so the Lambda wiring is held to the local service's results.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../lib/api/index.js';
import { optimizeCollection } from '../../lib/collection/index.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { mulberry32 } from '../../lib/index/rng.js';
import { createCoordinator, type Coordinator } from '../../lib/runtime/coordinator.js';
import { createLogger } from '../../lib/runtime/logger.js';
import { optimizeEvent, type HttpRequest } from '../support/events.js';
import { type RieDeployment, startRieDeployment } from '../support/lambda-deployment.js';

const API_KEY = 'rie-key-0123456789';
const BUCKET = 'strata-rie';
const WORKERS = ['strata-worker-0', 'strata-worker-1'];
const DIM = 12;
const N = 400;
const COLLECTION = 'rie';

const random = mulberry32(7);
const points = Array.from({ length: N }, (_, i) => ({
  id: i + 1,
  vector: Array.from({ length: DIM }, () => random() * 2 - 1),
  payload: { group: i % 4, name: `p${i + 1}` },
}));

/** A point's `version` is its write's clock time, which two deployments cannot share; everything else must match. */
function withoutVersions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutVersions);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'version')
        .map(([k, v]) => [k, withoutVersions(v)]),
    );
  }
  return value;
}

describe('built bundles under the Lambda Runtime Interface Emulator (aws-lambda-ric, moto S3)', () => {
  let deployment: RieDeployment;
  let local: Coordinator;
  let localApp: ReturnType<typeof createApp>;
  let data: string;

  beforeAll(async () => {
    data = mkdtempSync(join(tmpdir(), 'strata-rie-local-'));
    deployment = await startRieDeployment({ bucket: BUCKET, apiKey: API_KEY, workers: WORKERS });
    const config = loadConfig({
      STRATA_DATA_DIR: data,
      STRATA_WORKERS: '2',
      // sealed by this test, like the Lambda side: no threshold or idle seal
      STRATA_OPTIMIZE_AFTER_POINTS: '1000000',
      STRATA_OPTIMIZE_IDLE_MS: '0',
    });
    local = await createCoordinator(config, {
      logger: createLogger({ ...config, logLevel: 'silent' }, 'local'),
      fallback: 'direct',
    });
    localApp = createApp({ service: local.service });
  }, 240_000);

  afterAll(async () => {
    await deployment?.stop();
    await local?.close();
    if (data) rmSync(data, { recursive: true, force: true });
  });

  const invoke = (name: string, event: unknown) => deployment.invoke(name, event);

  /** The same request through the api function (API Gateway v2 event) and through the local app. */
  async function both(
    request: HttpRequest,
  ): Promise<{ lambda: { status: number; body: any }; local: { status: number; body: any } }> {
    const lambda = await deployment.api(request);
    const reply = await localApp.request(request.path, {
      method: request.method,
      ...(request.body !== undefined
        ? { body: JSON.stringify(request.body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
    return {
      lambda,
      local: { status: reply.status, body: await reply.json() },
    };
  }

  const sameResult = (r: Awaited<ReturnType<typeof both>>) => {
    expect(r.lambda.status).toBe(200);
    expect(r.local.status).toBe(200);
    expect(withoutVersions(r.lambda.body.result)).toEqual(withoutVersions(r.local.body.result));
  };

  it('creates a collection and upserts through the api function', async () => {
    sameResult(
      await both({
        method: 'PUT',
        path: `/collections/${COLLECTION}`,
        body: {
          vectors: { size: DIM, distance: 'Cosine' },
          optimizers_config: { default_segment_number: WORKERS.length, indexing_threshold: 1 },
          hnsw_config: { m: 8, ef_construct: 64 },
          quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
        },
      }),
    );
    for (let i = 0; i < N; i += 200) {
      const r = await both({
        method: 'PUT',
        path: `/collections/${COLLECTION}/points?wait=true`,
        body: { points: points.slice(i, i + 200) },
      });
      expect(r.lambda.status).toBe(200);
      expect(r.lambda.body.result.status).toMatch(/acknowledged|completed/);
    }
  });

  it('seals the WAL with the optimizer function, as the local optimizer does', async () => {
    const { payload, functionError } = await invoke('strata-optimizer', optimizeEvent(COLLECTION));
    expect(functionError).toBeUndefined();
    expect(payload.collections).toEqual([
      expect.objectContaining({ collection: COLLECTION, outcome: 'optimized', sealedWal: N / 200 }),
    ]);
    const sealed = await optimizeCollection(local.store, '', COLLECTION, {
      access: local.collections.ctx.access,
      wal: local.collections.ctx.wal,
      autoSegments: WORKERS.length,
    });
    expect(sealed.sealedWal).toBe(N / 200);
    const info = await both({ method: 'GET', path: `/collections/${COLLECTION}` });
    expect(info.lambda.body.result).toMatchObject({ points_count: N, segments_count: WORKERS.length });
    expect(info.lambda.body.result.points_count).toBe(info.local.body.result.points_count);
    expect(info.lambda.body.result.segments_count).toBe(info.local.body.result.segments_count);
  });

  it('answers queries fanned out to the worker emulators exactly as the local service does', async () => {
    const before = deployment.front.invocations().filter((i) => WORKERS.includes(i.name)).length;
    const queries = [
      { query: points[3].vector, limit: 10, params: { exact: true }, with_payload: true },
      { query: points[120].vector.map((x, j) => x + (j % 2 ? 0.05 : -0.05)), limit: 10, with_payload: ['name'] },
      { query: points[250].vector, limit: 5, filter: { must: [{ key: 'group', match: { value: 2 } }] } },
    ];
    for (const body of queries) {
      const r = await both({ method: 'POST', path: `/collections/${COLLECTION}/points/query`, body });
      sameResult(r);
      expect(r.lambda.body.result.points.length).toBe(body.limit);
    }
    const calls = deployment.front.invocations().filter((i) => WORKERS.includes(i.name));
    // each query reached the segment-search emulators through the SDK, synchronously
    expect(calls.length - before).toBeGreaterThanOrEqual(queries.length);
    expect(calls.every((c) => c.type === 'RequestResponse')).toBe(true);
    // one execution environment per worker: every invoke it got is reported, the first one cold (init duration)
    // (hash routing may leave a worker without segments: issue 20's placement work is not part of this test)
    await vi.waitFor(() => {
      for (const name of WORKERS) {
        const invoked = calls.filter((c) => c.name === name).length;
        const reports = deployment.functions.find((f) => f.name === name)!.reports();
        expect(reports).toHaveLength(invoked);
        expect(reports.filter((r) => r.initDurationMs !== undefined)).toHaveLength(invoked > 0 ? 1 : 0);
      }
    });
  });

  it('reports a Lambda error payload for a bad event, with the function error header set', async () => {
    const { payload, functionError } = await invoke('strata-optimizer', { nonsense: true });
    expect(functionError).toBe('Unhandled');
    expect(payload.errorMessage).toMatch(/unrecognised event/);
  });
});
