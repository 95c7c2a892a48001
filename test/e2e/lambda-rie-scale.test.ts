/**
 * AWS in production, under the Lambda Runtime Interface Emulator: the BUILT bundles, one emulator per execution
 * environment, over moto's S3 (test/support/lambda-rie.ts), at production's shape:
 *
 *   test ──Invoke (API Gateway v2 event)──▶ front ─▶ RIE strata-api ──Invoke (SDK)──▶ front ─▶ RIE strata-worker-0..K-1
 *   test ──Invoke {collection} ×2 at once─▶ front ─▶ RIE strata-optimizer (two environments of one function)
 *
 * - K segments placed by the optimizer on K worker slots -> one query invokes K distinct workers, once each;
 * - a worker the front throttles (429 TooManyRequestsException) is retried with backoff inside the query deadline;
 * - a read whose answer passes the response limit is a 400 in Qdrant's envelope from the api function;
 * - two optimizer runs started together: one seals, the other reports `leased`, and the WAL is sealed once.
 *
 * Invariant of the set-up: the front counts every invoke by function name, throttled ones marked, so "one invoke
 * each" is read from the Lambda side, not from the api's own logs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../lib/index/rng.js';
import { type HttpRequest, optimizeEvent } from '../support/events.js';
import { type RieDeployment, startRieDeployment } from '../support/lambda-deployment.js';

const API_KEY = 'rie-scale-key-0123456789';
const BUCKET = 'strata-rie-scale';
const K = 8;
const WORKERS = Array.from({ length: K }, (_, i) => `strata-worker-${i}`);
const DIM = 12;
const N = 800;
const BATCH = 200;
const COLLECTION = 'scale';
/** small enough that a full-vector scroll of the collection passes it, large enough for the queries here */
const MAX_RESPONSE_BYTES = 50_000;

const random = mulberry32(11);
const points = Array.from({ length: N }, (_, i) => ({
  id: i + 1,
  vector: Array.from({ length: DIM }, () => random() * 2 - 1),
  payload: { group: i % 4 },
}));

/** Ids of the `limit` points nearest `query` by cosine, by brute force: the answer an exact search must give. */
function exactTop(query: number[], limit: number): number[] {
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const q = norm(query);
  return points
    .map((p) => ({ id: p.id, score: p.vector.reduce((s, x, j) => s + x * query[j], 0) / (norm(p.vector) * q) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, limit)
    .map((p) => p.id);
}

describe(`built bundles under the Lambda Runtime Interface Emulator at scale (K = ${K} workers, moto S3)`, () => {
  let deployment: RieDeployment;

  beforeAll(async () => {
    // two execution environments of the optimizer, so two invokes at once really run at once
    deployment = await startRieDeployment({
      bucket: BUCKET,
      apiKey: API_KEY,
      workers: WORKERS,
      optimizers: 2,
      apiEnv: { STRATA_MAX_RESPONSE_BYTES: String(MAX_RESPONSE_BYTES) },
    });
  }, 300_000);

  afterAll(async () => {
    await deployment?.stop();
  });

  const invoke = (name: string, event: unknown) => deployment.invoke(name, event);
  const api = (request: HttpRequest) => deployment.api(request);

  const workerInvokes = (from: number) =>
    deployment.front
      .invocations()
      .slice(from)
      .filter((i) => WORKERS.includes(i.name));

  it('two optimizer runs started together: one seals, the other reports leased, and the WAL is sealed once', async () => {
    const created = await api({
      method: 'PUT',
      path: `/collections/${COLLECTION}`,
      body: {
        vectors: { size: DIM, distance: 'Cosine' },
        optimizers_config: { default_segment_number: K, indexing_threshold: 1 },
        hnsw_config: { m: 8, ef_construct: 64 },
      },
    });
    expect(created.status).toBe(200);
    for (let i = 0; i < N; i += BATCH) {
      const r = await api({
        method: 'PUT',
        path: `/collections/${COLLECTION}/points?wait=true`,
        body: { points: points.slice(i, i + BATCH) },
      });
      expect(r.status).toBe(200);
    }
    // both environments warm first (a run on a missing collection), so neither start waits on the other's init
    const warm = await Promise.all([
      invoke('strata-optimizer', optimizeEvent('absent')),
      invoke('strata-optimizer', optimizeEvent('absent')),
    ]);
    for (const w of warm) expect(w.functionError).toBeUndefined();

    const runs = await Promise.all([
      invoke('strata-optimizer', optimizeEvent(COLLECTION)),
      invoke('strata-optimizer', optimizeEvent(COLLECTION)),
    ]);
    for (const r of runs) expect(r.functionError).toBeUndefined();
    const outcomes = runs.map((r) => r.payload.collections[0]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['leased', 'optimized']);
    expect(outcomes.find((o) => o.outcome === 'optimized')).toMatchObject({
      collection: COLLECTION,
      sealedWal: N / BATCH,
    });

    // sealed once: every point in exactly K segments, and a later run finds nothing left to seal
    const info = await api({ method: 'GET', path: `/collections/${COLLECTION}` });
    expect(info.body.result).toMatchObject({ points_count: N, segments_count: K });
    const again = await invoke('strata-optimizer', optimizeEvent(COLLECTION));
    expect(again.payload.collections[0]).toMatchObject({ outcome: 'optimized', sealedWal: 0 });
  });

  it(`a query over ${K} placed segments invokes ${K} distinct workers, one invoke each`, async () => {
    // a worker's first (cold) read of its segment can outlast an attempt's share of the deadline on a loaded machine,
    // and the retried task would be a second invoke: the counted query runs warm
    const warm = await api({
      method: 'POST',
      path: `/collections/${COLLECTION}/points/query`,
      body: { query: points[0].vector, limit: 1 },
    });
    expect(warm.status).toBe(200);
    const from = deployment.front.invocations().length;
    const r = await api({
      method: 'POST',
      path: `/collections/${COLLECTION}/points/query`,
      body: { query: points[5].vector, limit: 10, params: { exact: true } },
    });
    expect(r.status).toBe(200);
    expect(r.body.result.points.map((p: { id: number }) => p.id)).toEqual(exactTop(points[5].vector, 10));
    const calls = workerInvokes(from);
    expect(calls.map((c) => c.name).sort()).toEqual([...WORKERS].sort());
    expect(calls.every((c) => c.type === 'RequestResponse' && !c.throttled)).toBe(true);
  });

  it('a throttled worker recovers within the query deadline and the query answers the right points', async () => {
    const from = deployment.front.invocations().length;
    deployment.front.throttle(WORKERS[3], 3);
    const started = Date.now();
    const query = points[321].vector;
    const r = await api({
      method: 'POST',
      path: `/collections/${COLLECTION}/points/query`,
      body: { query, limit: 10, params: { exact: true } },
    });
    expect(r.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.body.result.points.map((p: { id: number }) => p.id)).toEqual(exactTop(query, 10));
    const calls = workerInvokes(from);
    // three refusals, then the one invoke that ran; every other worker once
    expect(calls.filter((c) => c.name === WORKERS[3]).map((c) => c.throttled ?? false)).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(
      calls
        .filter((c) => !c.throttled)
        .map((c) => c.name)
        .sort(),
    ).toEqual([...WORKERS].sort());
  });

  it("an answer larger than the response limit is a 400 in Qdrant's shape from the api function", async () => {
    const from = deployment.front.invocations().length;
    const r = await api({
      method: 'POST',
      path: `/collections/${COLLECTION}/points/scroll`,
      body: { limit: N, with_vector: true, with_payload: true },
    });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      status: { error: expect.stringMatching(/response|bytes|limit/i) },
      time: expect.any(Number),
    });
    // refused before any read: no worker was asked
    expect(workerInvokes(from)).toEqual([]);
    // the same collection still answers a scroll that fits
    const small = await api({
      method: 'POST',
      path: `/collections/${COLLECTION}/points/scroll`,
      body: { limit: 10, with_payload: true },
    });
    expect(small.status).toBe(200);
    expect(small.body.result.points).toHaveLength(10);
  });
});
