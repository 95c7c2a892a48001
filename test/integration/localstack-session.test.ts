/**
 * A Qdrant-client session against the local server configured for S3 the way a user does it: LocalStack's S3 on the
 * host, then `npm start` itself (tsx bin/strata.ts, a child process on a free port, worker threads) with
 * STRATA_BUCKET / STRATA_PREFIX / STRATA_S3_ENDPOINT / AWS_REGION and the AWS credential variables in its
 * environment, read by lib/runtime/config.ts. Create, upsert (past the optimizer threshold, so segments are sealed into the bucket), exact and
 * HNSW queries over int8 codes with originals as S3 pages, payload operations, deletes, and delete collection, with
 * the bucket listing checked at each step so the data provably lives in LocalStack.
 *
 * The object-store conformance suite already runs on LocalStack in test/integration/storage/s3-store.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from '../../lib/storage/s3-store.js';
import { bruteForceTopK } from '../support/datasets.js';
import { freePort, startLocalStack, type S3Server } from '../support/s3-servers.js';

const DIM = 32;
const N = 1200;
const K = 10;
const PREFIX = 'tenant/one';
const BUCKET = `strata-session-${randomBytes(4).toString('hex')}`;

/** deterministic pseudo-random vectors (mulberry32), clustered a little so neighbours are not all ties */
function vectors(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) for (let j = 0; j < DIM; j++) out[i * DIM + j] = rnd() - 0.5 + (j === i % DIM ? 0.8 : 0);
  return out;
}
const base = vectors(N, 7);
const QUERIES = 8;
const queries = vectors(QUERIES, 99);
const row = (data: Float32Array, i: number): number[] => Array.from(data.subarray(i * DIM, (i + 1) * DIM));
const truth = (q: number): number[] =>
  Array.from(
    bruteForceTopK({ distance: 'Euclid', dim: DIM, base }, N, queries.subarray(q * DIM, (q + 1) * DIM), K).ids,
  );

let s3: S3Server;
let bucket: S3Store;
let server: ChildProcess | undefined;
let serverOutput = '';
let client: QdrantClient;

async function keys(): Promise<string[]> {
  return (await bucket.list(`${PREFIX}/`)).map((e) => e.key);
}

async function waitGreen(name: string): Promise<void> {
  await expect
    .poll(
      async () => {
        const info = await client.getCollection(name);
        return info.status === 'green' && (info.segments_count ?? 0) > 0;
      },
      { timeout: 60_000, interval: 200 },
    )
    .toBe(true);
}

/** `npm start` (its script: tsx bin/strata.ts) with the user's S3 environment, on a free port; resolves once ready. */
async function startServer(port: number): Promise<void> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  server = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url)),
      'bin/strata.ts',
      '--port',
      String(port),
      // this session is about REST over S3; gRPC's default port could be taken by another server on the machine
      '--grpc-port',
      '0',
      '--workers',
      '2',
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        STRATA_BUCKET: BUCKET,
        STRATA_PREFIX: PREFIX,
        STRATA_S3_ENDPOINT: s3.endpoint,
        AWS_REGION: s3.region,
        AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
        STRATA_OPTIMIZE_AFTER_POINTS: '1000',
        STRATA_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server.stdout!.on('data', (b: Buffer) => (serverOutput += b.toString()));
  server.stderr!.on('data', (b: Buffer) => (serverOutput += b.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`strata exited (${server.exitCode}):\n${serverOutput}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`strata not ready after 60 s:\n${serverOutput}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  s3 = await startLocalStack();
  // the bucket a user would create with `aws s3 mb`; this store also reads the bucket back for the checks
  bucket = new S3Store({
    bucket: BUCKET,
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: s3.credentials,
    forcePathStyle: true,
  });
  await bucket.createBucket();
  const port = await freePort();
  await startServer(port);
  expect(serverOutput).toContain(`s3://${BUCKET}/${PREFIX}`);
  client = new QdrantClient({ url: `http://127.0.0.1:${port}`, checkCompatibility: true });
}, 180_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  bucket?.destroy();
  await s3?.stop();
});

describe('Qdrant client session on the local server over LocalStack S3', () => {
  it('create → upsert → seal → query → payload ops → delete → delete collection', async () => {
    expect(
      await client.createCollection('docs', {
        vectors: { size: DIM, distance: 'Euclid', on_disk: true },
        hnsw_config: { m: 16, ef_construct: 100, on_disk: true },
        quantization_config: { scalar: { type: 'int8', always_ram: true } },
        optimizers_config: { default_segment_number: 2, indexing_threshold: 10 },
      }),
    ).toBe(true);
    expect(await keys()).toEqual([`${PREFIX}/collections/docs/manifest.json`]);

    for (let at = 0; at < N; at += 400) {
      const ids = Array.from({ length: 400 }, (_, j) => at + j);
      await client.upsert('docs', {
        wait: true,
        points: ids.map((i) => ({ id: i, vector: row(base, i), payload: { i, odd: i % 2 === 1 } })),
      });
    }
    // read your writes before anything is sealed
    expect((await client.query('docs', { query: row(base, 5), limit: 1, params: { exact: true } })).points[0].id).toBe(
      5,
    );
    await waitGreen('docs');
    const info = await client.getCollection('docs');
    expect(info).toMatchObject({ points_count: N, indexed_vectors_count: N, segments_count: 2 });
    const stored = await keys();
    expect(stored.filter((k) => /\/segments\/[^/]+\/meta\.json$/.test(k))).toHaveLength(2);
    expect(stored.some((k) => k.endsWith('/graph'))).toBe(true);
    expect(stored.some((k) => k.endsWith('/vectors'))).toBe(true);

    for (let q = 0; q < QUERIES; q++) {
      const exact = await client.query('docs', {
        query: row(queries, q),
        limit: K,
        params: { exact: true, quantization: { ignore: true } },
      });
      expect(exact.points.map((p) => p.id)).toEqual(truth(q));
    }
    let hits = 0;
    for (let q = 0; q < QUERIES; q++) {
      const got = await client.query('docs', {
        query: row(queries, q),
        limit: K,
        params: { hnsw_ef: 64, quantization: { rescore: true, oversampling: 2 } },
      });
      const t = new Set(truth(q));
      hits += got.points.filter((p) => t.has(p.id as number)).length;
    }
    expect(hits / (QUERIES * K)).toBeGreaterThanOrEqual(0.95);
    // Euclid: the score is a distance and score_threshold an upper bound on it, as in Qdrant
    const ranked = (await client.query('docs', { query: row(queries, 1), limit: K, params: { exact: true } })).points;
    const within = await client.query('docs', {
      query: row(queries, 1),
      limit: K,
      score_threshold: ranked[2].score,
      params: { exact: true },
    });
    expect(within.points.map((p) => p.id)).toEqual(ranked.slice(0, 3).map((p) => p.id));
    const odd = await client.query('docs', {
      query: row(queries, 0),
      limit: 5,
      filter: { must: [{ key: 'odd', match: { value: true } }] },
      with_payload: true,
    });
    expect(odd.points.every((p) => (p.payload as { odd: boolean }).odd)).toBe(true);
    expect(await client.count('docs', { filter: { must: [{ key: 'odd', match: { value: true } }] } })).toEqual({
      count: N / 2,
    });

    await client.setPayload('docs', { wait: true, payload: { tag: 'x' }, points: [1, 2] });
    await client.overwritePayload('docs', { wait: true, payload: { only: 1 }, points: [3] });
    await client.deletePayload('docs', { wait: true, keys: ['odd'], points: [1] });
    await client.clearPayload('docs', { wait: true, points: [4] });
    const byId = new Map((await client.retrieve('docs', { ids: [1, 2, 3, 4] })).map((p) => [p.id, p.payload]));
    expect(byId).toEqual(
      new Map<number, unknown>([
        [1, { i: 1, tag: 'x' }],
        [2, { i: 2, odd: false, tag: 'x' }],
        [3, { only: 1 }],
        [4, {}],
      ]),
    );

    await client.delete('docs', { wait: true, points: [5] });
    await client.delete('docs', { wait: true, filter: { must: [{ key: 'i', range: { gte: 1100 } }] } });
    expect(await client.count('docs')).toEqual({ count: N - 1 - 100 });
    const near5 = await client.query('docs', { query: row(base, 5), limit: 3, params: { exact: true } });
    expect(near5.points.map((p) => p.id)).not.toContain(5);
    await waitGreen('docs');
    expect(await client.count('docs')).toEqual({ count: N - 1 - 100 });
    expect((await client.retrieve('docs', { ids: [5, 1150, 1] })).map((p) => p.id)).toEqual([1]);

    // the requests really crossed to the LocalStack this test started
    expect(s3.output()).toMatch(/s3\.PutObject/);
    expect(await client.deleteCollection('docs')).toBe(true);
    expect(await client.collectionExists('docs')).toEqual({ exists: false });
    // gone at once; its objects are purged in the background by the server's optimizer trigger (collection-delete.ts)
    await expect.poll(() => keys(), { timeout: 30_000, interval: 250 }).toEqual([]);
    // nothing went wrong on the server side (warnings and errors are logged at 'warn')
    expect(serverOutput).not.toMatch(/"level":(40|50|60)/);
  });
});
