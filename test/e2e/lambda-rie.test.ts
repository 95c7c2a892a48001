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
import { dirname, join } from 'node:path';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../lib/api/index.js';
import { optimizeCollection } from '../../lib/collection/index.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { mulberry32 } from '../../lib/index/rng.js';
import { createCoordinator, type Coordinator } from '../../lib/runtime/coordinator.js';
import { createLambdaClient } from '../../lib/runtime/lambda-invoker.js';
import { createLogger } from '../../lib/runtime/logger.js';
import { S3Store } from '../../lib/storage/s3-store.js';
import { buildFunctions } from '../../scripts/build-functions.js';
import { httpApiEvent, optimizeEvent, type HttpRequest } from '../support/events.js';
import { type LambdaFront, type RieFunction, startLambdaFront, startRieFunction } from '../support/lambda-rie.js';
import { startS3Server, type S3Server } from '../support/s3-servers.js';

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
  let out: string;
  let data: string;
  let s3: S3Server;
  let functions: RieFunction[] = [];
  let front: LambdaFront;
  let client: LambdaClient;
  let local: Coordinator;
  let localApp: ReturnType<typeof createApp>;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'strata-rie-'));
    data = mkdtempSync(join(tmpdir(), 'strata-rie-local-'));
    const [built, server] = await Promise.all([buildFunctions({ outDir: out }), startS3Server('moto')]);
    s3 = server;
    await new S3Store({
      bucket: BUCKET,
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
    }).createBucket();
    const root = (name: string) => dirname(built.find((b) => b.name === name)!.file);
    const common = {
      AWS_REGION: s3.region,
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      STRATA_BUCKET: BUCKET,
      STRATA_PREFIX: 'strata',
      STRATA_S3_ENDPOINT: s3.endpoint,
      STRATA_LOG_LEVEL: 'warn',
    };
    // the front must exist before the api's environment can name it; functions are registered as they start
    const started: RieFunction[] = [];
    front = await startLambdaFront(started);
    const workerEnv = { ...common };
    started.push(
      ...(await Promise.all([
        ...WORKERS.map((name) =>
          startRieFunction({ name, taskRoot: root('segment-search'), env: workerEnv, timeoutSeconds: 11 }),
        ),
        startRieFunction({
          name: 'strata-optimizer',
          taskRoot: root('optimizer'),
          env: { ...common, STRATA_WORKERS: String(WORKERS.length) },
          timeoutSeconds: 900,
        }),
        startRieFunction({
          name: 'strata-api',
          taskRoot: root('api'),
          timeoutSeconds: 27,
          env: {
            ...common,
            STRATA_WORKER_FUNCTIONS: WORKERS.join(','),
            STRATA_OPTIMIZER_FUNCTION: 'strata-optimizer',
            STRATA_LAMBDA_ENDPOINT: front.url,
            STRATA_API_KEY: API_KEY,
            STRATA_QUERY_DEADLINE_MS: '10000',
            // the test runs the optimizer function itself, at a point it chooses
            STRATA_OPTIMIZE_AFTER_POINTS: '1000000',
          },
        }),
      ])),
    );
    functions = started;
    client = createLambdaClient({ endpoint: front.url, region: s3.region, credentials: s3.credentials });

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
    await front?.drain();
    await Promise.all(functions.map((f) => f.stop()));
    await front?.close();
    await local?.close();
    await s3?.stop();
    for (const dir of [out, data]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function invoke(name: string, event: unknown): Promise<{ payload: any; functionError?: string }> {
    const res = await client.send(
      new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode(JSON.stringify(event)) }),
    );
    const text = new TextDecoder().decode(res.Payload);
    return {
      payload: text ? JSON.parse(text) : null,
      ...(res.FunctionError ? { functionError: res.FunctionError } : {}),
    };
  }

  /** The same request through the api function (API Gateway v2 event) and through the local app. */
  async function both(
    request: HttpRequest,
  ): Promise<{ lambda: { status: number; body: any }; local: { status: number; body: any } }> {
    const { payload, functionError } = await invoke(
      'strata-api',
      httpApiEvent({ ...request, headers: { ...request.headers, 'api-key': API_KEY } }),
    );
    expect(functionError).toBeUndefined();
    const res = payload as APIGatewayProxyStructuredResultV2;
    const text = res.isBase64Encoded ? Buffer.from(res.body ?? '', 'base64').toString('utf8') : (res.body ?? '');
    const reply = await localApp.request(request.path, {
      method: request.method,
      ...(request.body !== undefined
        ? { body: JSON.stringify(request.body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
    return {
      lambda: { status: res.statusCode ?? 200, body: JSON.parse(text) },
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
    const before = front.invocations().filter((i) => WORKERS.includes(i.name)).length;
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
    const calls = front.invocations().filter((i) => WORKERS.includes(i.name));
    // each query reached the segment-search emulators through the SDK, synchronously
    expect(calls.length - before).toBeGreaterThanOrEqual(queries.length);
    expect(calls.every((c) => c.type === 'RequestResponse')).toBe(true);
    // one execution environment per worker: every invoke it got is reported, the first one cold (init duration)
    // (hash routing may leave a worker without segments: issue 20's placement work is not part of this test)
    await vi.waitFor(() => {
      for (const name of WORKERS) {
        const invoked = calls.filter((c) => c.name === name).length;
        const reports = functions.find((f) => f.name === name)!.reports();
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
