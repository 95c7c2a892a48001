/**
 * Acceptance: the BUILT Lambda bundles (esbuild output of `npm run build`, built here in beforeAll), driven with real
 * API Gateway HTTP API v2 events and real Lambda context objects, over a real S3-compatible server (moto):
 *
 *   test ──Invoke(API Gateway v2 event)──▶ local Invoke API, in a worker thread (test/support/lambda-host.ts)
 *                                           ├─ strata-api       ─▶ api bundle ──S3──▶ moto
 *                                           │      │ RequestResponse / Event (real @aws-sdk/client-lambda)
 *                                           ├─ strata-worker-0  ─▶ segment-search bundle (own module instance)
 *                                           ├─ strata-worker-1  ─▶ segment-search bundle (another instance)
 *                                           └─ strata-optimizer ─▶ optimizer bundle
 *
 * The bundles load with Node's own ESM loader (not the test runner's transform), each handler gets a real Lambda
 * context, and the API key comes from Secrets Manager (the same local server) at the api bundle's cold start.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaClient } from '../../lib/runtime/lambda-invoker.js';
import { execArgvFor } from '../../lib/runtime/worker-script.js';
import { mulberry32 } from '../../lib/index/rng.js';
import type { BuiltFunction } from '../../scripts/build-functions.js';
import { S3Store } from '../../lib/storage/s3-store.js';
import { optimizeEvent, scheduledEvent, type HttpRequest } from '../support/events.js';
import { buildAndServe, callApi, functionEnvironment, invokeFunction } from '../support/lambda-deployment.js';
import type { Fault, Invocation } from '../support/lambda-server.js';
import type { S3Server } from '../support/s3-servers.js';

const API_KEY = 'acceptance-key-0123456789';
const BUCKET = 'strata-acceptance';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:strata-api-key-AbCdEf';
const WORKERS = ['strata-worker-0', 'strata-worker-1'];
const DIM = 16;
const N = 600;
const COLLECTION = 'acceptance';

const random = mulberry32(42);
const points = Array.from({ length: N }, (_, i) => ({
  id: i + 1,
  vector: Array.from({ length: DIM }, () => random() * 2 - 1),
  payload: { group: i % 3, name: `p${i + 1}` },
}));

function cosineTop(query: number[], k: number): number[] {
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const qn = norm(query);
  return points
    .map((p) => ({ id: p.id, s: p.vector.reduce((s, x, j) => s + x * query[j], 0) / (norm(p.vector) * qn) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, k)
    .map((x) => x.id);
}

describe('built Lambda bundles end to end (API Gateway v2 events, real context, moto S3)', () => {
  let served: Awaited<ReturnType<typeof buildAndServe>>;
  let built: BuiltFunction[];
  let s3: S3Server;
  let host: Worker;
  let url: string;
  let client: LambdaClient;
  let invocations: Invocation[] = [];

  beforeAll(async () => {
    served = await buildAndServe(BUCKET);
    ({ built, s3 } = served);
    const file = (name: string) => pathToFileURL(built.find((b) => b.name === name)!.file).href;

    const hostFile = fileURLToPath(new URL('../support/lambda-host.ts', import.meta.url));
    host = new Worker(fileURLToPath(new URL('../support/ts-worker.cjs', import.meta.url)), {
      execArgv: execArgvFor(hostFile),
      workerData: {
        entry: hostFile,
        functions: {
          'strata-api': file('api'),
          ...Object.fromEntries(WORKERS.map((w) => [w, file('segment-search')])),
          'strata-optimizer': file('optimizer'),
        },
        // the function environment, as the CDK stack sets it (the host adds the local Lambda/Secrets endpoints)
        env: {
          ...functionEnvironment(s3, BUCKET, 'deploy-1'),
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
          STRATA_WORKER_FUNCTIONS: WORKERS.join(','),
          STRATA_OPTIMIZER_FUNCTION: 'strata-optimizer',
          STRATA_API_KEY_SECRET_ARN: SECRET_ARN,
          STRATA_OPTIMIZE_AFTER_POINTS: String(N),
          // generous for a loaded test machine (a cold worker bundle reads its segment from moto), still below the 8 s hang
          STRATA_QUERY_DEADLINE_MS: '6000',
          STRATA_LOG_LEVEL: 'fatal',
        },
        secrets: { [SECRET_ARN]: API_KEY },
        // the stack's timeouts (infra/defaults.ts): api 27 s, workers 20 s, optimizer 15 min
        timeouts: {
          'strata-api': 27_000,
          ...Object.fromEntries(WORKERS.map((w) => [w, 20_000])),
          'strata-optimizer': 900_000,
        },
      },
    });
    url = await new Promise<string>((resolve, reject) => {
      host.once('message', (m: { url: string }) => resolve(m.url));
      host.once('error', reject);
    });
    client = createLambdaClient({ endpoint: url, region: s3.region, credentials: s3.credentials });
  });

  afterAll(async () => {
    await control('POST', 'drain').catch(() => undefined);
    await host?.terminate();
    await served?.cleanup();
  });

  async function control(method: string, path: string, body?: unknown): Promise<void> {
    const res = await fetch(`${url}/_control/${path}`, { method, ...(body ? { body: JSON.stringify(body) } : {}) });
    invocations = (await res.json()) as Invocation[];
  }
  const inject = (name: string, ...faults: Fault[]) => control('POST', 'faults', { name, faults });

  const invoke = (name: string, event: unknown) => invokeFunction(client, name, event);
  const call = (request: HttpRequest, key: string | null = API_KEY) => callApi(client, request, key);

  const optimizer = (event: unknown) => invoke('strata-optimizer', event);

  const workerCalls = async (): Promise<number> => {
    await control('GET', 'invocations');
    return invocations.filter((i) => WORKERS.includes(i.name) && i.type === 'RequestResponse').length;
  };

  it('built every bundle as ESM with the SDK inside (sizes in the report)', () => {
    expect(built.map((b) => b.name).sort()).toEqual(['api', 'optimizer', 'segment-search']);
    for (const b of built) expect(b.bytes).toBeLessThan(3 * 1024 * 1024);
  });

  it('refuses requests without the API key read from Secrets Manager at cold start', async () => {
    const res = await call({ method: 'GET', path: '/collections' }, null);
    expect([401, 403]).toContain(res.status);
    expect(String(res.body?.status?.error ?? res.body)).toMatch(/api key/i);
    expect((await call({ method: 'GET', path: '/collections' }, 'wrong-key')).status).toBeGreaterThanOrEqual(401);
  });

  it('creates a collection', async () => {
    const res = await call({
      method: 'PUT',
      path: `/collections/${COLLECTION}`,
      body: {
        vectors: { size: DIM, distance: 'Cosine' },
        optimizers_config: { default_segment_number: 4 },
        quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
      },
    });
    expect(res).toMatchObject({ status: 200, body: { result: true, status: 'ok', time: expect.any(Number) } });
    const list = await call({ method: 'GET', path: '/collections' });
    expect(list.body.result.collections).toEqual([{ name: COLLECTION }]);
  });

  it('upserts points (base64 bodies too) and answers queries from the WAL before any segment exists', async () => {
    for (let i = 0; i < N; i += 200) {
      const res = await call({
        method: 'PUT',
        path: `/collections/${COLLECTION}/points?wait=true`,
        body: { points: points.slice(i, i + 200) },
        base64: i === 0,
      });
      expect(res.status).toBe(200);
      expect(res.body.result.status).toMatch(/acknowledged|completed/);
    }
    const before = await workerCalls();
    const q = points[7].vector;
    const res = await call({
      method: 'POST',
      path: `/collections/${COLLECTION}/points/query`,
      body: { query: q, limit: 10, with_payload: true },
    });
    expect(res.status).toBe(200);
    expect(res.body.result.points.map((p: { id: number }) => p.id)).toEqual(cosineTop(q, 10));
    expect(res.body.result.points[0]).toMatchObject({
      id: 8,
      payload: { group: 1, name: 'p8' },
      score: expect.closeTo(1, 5),
    });
    expect(await workerCalls()).toBe(before);
  });

  it('sent the optimizer an asynchronous invoke once the writes passed the threshold, and it sealed the WAL', async () => {
    await control('POST', 'drain');
    const events = invocations.filter((i) => i.name === 'strata-optimizer');
    expect(events).toHaveLength(1);
    expect(events[0].type).toBe('Event');
    const info = await call({ method: 'GET', path: `/collections/${COLLECTION}` });
    expect(info.status).toBe(200);
    expect(info.body.result).toMatchObject({ points_count: N, segments_count: 4 });
  });

  it('queries again with the segments fanned out to the segment-search bundles', async () => {
    // the workers' first (cold) reads of the new segments can outlast an attempt's share of the deadline on a loaded
    // machine, and a retried task would count twice: the counted queries below run warm
    const warm = await call({
      method: 'POST',
      path: `/collections/${COLLECTION}/points/query`,
      body: { query: points[0].vector, limit: 1 },
    });
    expect(warm.status).toBe(200);
    const before = await workerCalls();
    for (const [i, exact] of [
      [3, true],
      [123, false],
      [456, false],
    ] as const) {
      const q = points[i].vector.map((x, j) => x + (j % 2 ? 0.05 : -0.05));
      const res = await call({
        method: 'POST',
        path: `/collections/${COLLECTION}/points/query`,
        body: { query: q, limit: 10, with_payload: ['name'], params: { exact } },
      });
      expect(res.status).toBe(200);
      const ids = res.body.result.points.map((p: { id: number }) => p.id);
      const truth = cosineTop(q, 10);
      if (exact) expect(ids).toEqual(truth);
      else expect(ids.filter((id: number) => truth.includes(id)).length).toBeGreaterThanOrEqual(9);
      expect(res.body.result.points[0].payload).toEqual({ name: `p${ids[0]}` });
    }
    const calls = (await workerCalls()) - before;
    // one task per worker that owns at least one of the 4 segments, per query
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(calls).toBeLessThanOrEqual(3 * WORKERS.length);
  });

  it("answers the function URL's events (endpoint: function-url) exactly as the HTTP API's", async () => {
    const viaUrl = (request: HttpRequest, key: string | null = API_KEY) =>
      callApi(client, request, key, 'strata-api', 'function-url');
    const query = {
      method: 'POST',
      path: `/collections/${COLLECTION}/points/query?timeout=20`,
      body: { query: points[9].vector, limit: 5, with_payload: true, params: { exact: true } },
    };
    const [api, url] = [await call(query), await viaUrl(query)];
    expect(url.status).toBe(200);
    expect(url.body.result).toEqual(api.body.result);
    expect(url.body.result.points.map((p: { id: number }) => p.id)).toEqual(cosineTop(points[9].vector, 5));
    expect((await viaUrl({ method: 'GET', path: `/collections/${COLLECTION}` })).body.result.points_count).toBe(N);
    const refused = await viaUrl({ method: 'GET', path: '/collections' }, null);
    expect([401, 403]).toContain(refused.status);
  });

  it('survives a throttled worker (one retry) and fails the query with a 5xx when a worker keeps failing', async () => {
    const q = points[0].vector;
    const body = { query: q, limit: 5 };
    for (const w of WORKERS) await inject(w, 'throttle');
    const ok = await call({ method: 'POST', path: `/collections/${COLLECTION}/points/query`, body });
    expect(ok.status).toBe(200);
    expect(ok.body.result.points.map((p: { id: number }) => p.id)).toEqual(cosineTop(q, 5));
    await control('DELETE', 'faults');

    for (const w of WORKERS) await inject(w, 'function-error', 'function-error');
    const failed = await call({ method: 'POST', path: `/collections/${COLLECTION}/points/query`, body });
    await control('DELETE', 'faults');
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(failed.body.status.error).toMatch(/segment worker \d \(strata-worker-\d\) failed after 2 attempts/);
  });

  it('fails a query whose workers hang, by its deadline, and serves the next one', async () => {
    const body = { query: points[1].vector, limit: 5 };
    for (const w of WORKERS) await inject(w, { delayMs: 8000 }, { delayMs: 8000 });
    const started = Date.now();
    const slow = await call({ method: 'POST', path: `/collections/${COLLECTION}/points/query`, body });
    const elapsed = Date.now() - started;
    await control('DELETE', 'faults');
    expect(slow.status).toBeGreaterThanOrEqual(500);
    expect(slow.body.status.error).toMatch(/timed out/);
    // STRATA_QUERY_DEADLINE_MS=6000: first attempt abandoned at 3 s, the retry at 6 s
    expect(elapsed).toBeGreaterThanOrEqual(5900);
    // well under the 16 s two hung attempts would take (slack for a loaded test machine)
    expect(elapsed).toBeLessThan(9500);
    const ok = await call({ method: 'POST', path: `/collections/${COLLECTION}/points/query`, body });
    expect(ok.status).toBe(200);
  });

  it('runs a scheduled sweep over every collection with the optimizer bundle', async () => {
    await call({
      method: 'PUT',
      path: `/collections/${COLLECTION}/points?wait=true`,
      body: { points: [{ id: 9999, vector: points[0].vector, payload: { name: 'late' } }] },
    });
    const report = (await optimizer(scheduledEvent())).payload as {
      collections: Array<{ collection: string; outcome: string; sealedWal: number }>;
    };
    expect(report.collections).toEqual([
      expect.objectContaining({ collection: COLLECTION, outcome: 'optimized', sealedWal: 1 }),
    ]);
    const again = (await optimizer(optimizeEvent(COLLECTION))).payload as typeof report;
    expect(again.collections[0]).toMatchObject({ outcome: 'optimized', sealedWal: 0 });
    const res = await call({
      method: 'POST',
      path: `/collections/${COLLECTION}/points/query`,
      body: { query: points[0].vector, limit: 2, with_payload: true },
    });
    expect(res.body.result.points.map((p: { id: number }) => p.id).sort()).toEqual([1, 9999]);
  });

  it('applies a PATCH to existing segments: one async optimizer invoke rebuilds more stale segments than one run may', async () => {
    const name = 'reindexed';
    const res = await call({
      method: 'PUT',
      path: `/collections/${name}`,
      body: { vectors: { size: DIM, distance: 'Cosine' }, optimizers_config: { default_segment_number: 6 } },
    });
    expect(res.status).toBe(200);
    for (let i = 0; i < N; i += 300) {
      await call({
        method: 'PUT',
        path: `/collections/${name}/points?wait=true`,
        body: { points: points.slice(i, i + 300) },
      });
    }
    await control('POST', 'drain');
    const sealed = await call({ method: 'GET', path: `/collections/${name}` });
    // below Qdrant's default indexing_threshold (20000 KB) the segments are scanned, not indexed
    expect(sealed.body.result).toMatchObject({ points_count: N, segments_count: 6, indexed_vectors_count: 0 });

    const optimizerRuns = invocations.filter((i) => i.name === 'strata-optimizer').length;
    const patch = await call({
      method: 'PATCH',
      path: `/collections/${name}`,
      body: { optimizers_config: { indexing_threshold: 1 } },
    });
    expect(patch.status).toBe(200);
    await control('POST', 'drain');
    // 6 stale segments exceed one run's rebuild budget (4): the same invocation runs again while it has time
    expect(invocations.filter((i) => i.name === 'strata-optimizer').length - optimizerRuns).toBe(1);
    const info = await call({ method: 'GET', path: `/collections/${name}` });
    expect(info.body.result).toMatchObject({ status: 'green', points_count: N, indexed_vectors_count: N });
    const q = points[11].vector;
    const exact = await call({
      method: 'POST',
      path: `/collections/${name}/points/query`,
      body: { query: q, limit: 10, params: { exact: true } },
    });
    expect(exact.body.result.points.map((p: { id: number }) => p.id)).toEqual(cosineTop(q, 10));
    const store = new S3Store({
      bucket: BUCKET,
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
    });
    const folder = `deploy-1/collections/${name}/`;
    expect((await store.list(folder)).length).toBeGreaterThan(10);
    const before = invocations.filter((i) => i.name === 'strata-optimizer').length;
    expect((await call({ method: 'DELETE', path: `/collections/${name}` })).status).toBe(200);
    expect((await call({ method: 'GET', path: `/collections/${name}` })).status).toBe(404);
    // the api asked the optimizer (asynchronously) to remove the objects: not inside the DELETE call
    await control('POST', 'drain');
    expect(invocations.filter((i) => i.name === 'strata-optimizer').length - before).toBe(1);
    expect(await store.list(folder)).toEqual([]);
    expect(await store.list('deploy-1/deleting/')).toEqual([]);
    store.destroy();
  });

  it('rejects a malformed optimizer event', async () => {
    const res = await optimizer({ hello: 'world' });
    expect(res.functionError).toBe('Unhandled');
    expect(res.payload).toMatchObject({
      errorType: 'StrataError',
      errorMessage: expect.stringMatching(/unrecognised event/),
    });
  });
});
