/**
 * Strata's gRPC API through the official Go client (`github.com/qdrant/go-client`, pinned in test/go/guide/go.mod,
 * fetched through the Go module proxy), running the guide's Go calls (test/go/guide/main.go): the three scenarios'
 * create calls and the two segment-number configs, the rescore:false query and the hnsw_ef/exact query, plus upsert,
 * get, scroll, count, payload ops, delete by filter and a wrong-dimension upsert. Every create must give the config
 * the same call gives over REST; every read equals the REST answer to the same request.
 *
 * The test set-up builds the program with `go build` (modules downloaded on first use, cached by Go afterwards).
 * Without a `go` binary on the PATH the suite is skipped, and says so.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGrpcServer, startGrpcServer } from '../../lib/api/grpc/server.js';
import { directInvoker, rng, service, tempStore } from '../support/collection-harness.js';
import { type StrataUnderTest, startStrata } from '../support/strata-server.js';

const execFileAsync = promisify(execFile);
const GO_AVAILABLE = spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
const SOURCE = fileURLToPath(new URL('../go/guide', import.meta.url));
const DIM = 8;
const KEY = 'go-grpc-key';

let strata: StrataUnderTest;
let grpc: RunningGrpcServer;
let binDir: string;
let cleanup: () => void;

async function rest(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${strata.url}${path}`, {
    method,
    headers: { 'api-key': KEY, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as { result?: unknown; status?: unknown };
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(json.status)}`);
  return json.result;
}

function runGuide(job: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(binDir, 'guide'), [], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`go guide exited ${code}:\n${err.slice(-4000)}`));
      else resolve(JSON.parse(out) as Record<string, unknown>);
    });
    child.stdin.end(JSON.stringify(job));
  });
}

const r = rng(9);
const POINTS = Array.from({ length: 40 }, (_, id) => ({
  id,
  vector: Array.from({ length: DIM }, () => Math.fround(r() - 0.5)),
  payload: { g: `g${id % 4}`, rank: id },
}));
const QUERY = [0.3, -0.2, 0.1, 0.5, -0.4, 0.2, 0.1, -0.1];
const gFilter = (v: string) => ({ must: [{ key: 'g', match: { value: v } }] });
type Scored = { id: number; score: number; payload?: Record<string, unknown> };
const f32 = (s: Scored[], withPayload: boolean) =>
  s.map((p) => ({ id: p.id, score: Math.fround(p.score), ...(withPayload ? { payload: p.payload } : {}) }));

describe.skipIf(!GO_AVAILABLE)('Go client (github.com/qdrant/go-client) over gRPC', () => {
  let answer: Record<string, unknown>;
  const restBefore: Record<string, unknown> = {};

  beforeAll(async () => {
    binDir = mkdtempSync(join(tmpdir(), 'strata-go-'));
    // asynchronous: a first build fetches modules and can take minutes; a worker blocked that long misses vitest's
    // 60 s RPC timeout
    await execFileAsync('go', ['build', '-o', join(binDir, 'guide'), '.'], { cwd: SOURCE, timeout: 280_000 });
    const t = tempStore();
    cleanup = t.cleanup;
    const svc = service(t.store, directInvoker(t.store, 2));
    strata = await startStrata(svc, { apiKey: KEY });
    grpc = await startGrpcServer({ service: svc, apiKey: KEY, port: 0 });
    // the Go program reads, then writes: take REST's answers to the same reads between the two through a twin
    // collection created and filled over REST, holding the same points
    await rest('PUT', '/collections/twin', {
      vectors: { size: DIM, distance: 'Cosine', on_disk: true },
      quantization_config: { scalar: { type: 'int8', always_ram: true } },
    });
    await rest('PUT', '/collections/twin/points?wait=true', { points: POINTS });
    restBefore.no_rescore = await rest('POST', '/collections/twin/points/query', {
      query: QUERY,
      params: { quantization: { rescore: false } },
    });
    restBefore.exact = await rest('POST', '/collections/twin/points/query', {
      query: QUERY,
      filter: gFilter('g1'),
      params: { hnsw_ef: 128, exact: true },
      with_payload: true,
      limit: 5,
    });
    restBefore.get = await rest('POST', '/collections/twin/points', { ids: [1, 7], with_payload: true });
    restBefore.scroll = await rest('POST', '/collections/twin/points/scroll', {
      filter: gFilter('g2'),
      limit: 4,
      with_payload: true,
    });
    restBefore.count = await rest('POST', '/collections/twin/points/count', { filter: gFilter('g2'), exact: true });
    answer = await runGuide({
      port: Number(new URL(grpc.url).port),
      api_key: KEY,
      dim: DIM,
      points: POINTS,
      query: QUERY,
    });
  }, 300_000);

  afterAll(async () => {
    await grpc?.close();
    await strata?.close();
    cleanup?.();
    if (binDir) rmSync(binDir, { recursive: true, force: true });
  });

  it("creates the guide's five collections with the configs REST gives the same calls", async () => {
    const twins: Record<string, unknown> = {
      'go-speed-low-memory': {
        vectors: { size: DIM, distance: 'Cosine', on_disk: true },
        quantization_config: { scalar: { type: 'int8', always_ram: true } },
      },
      'go-precision-low-memory': {
        vectors: { size: DIM, distance: 'Cosine', on_disk: true },
        hnsw_config: { on_disk: true },
      },
      'go-precision-speed': {
        vectors: { size: DIM, distance: 'Cosine' },
        quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
      },
      'go-many-segments': {
        vectors: { size: DIM, distance: 'Cosine' },
        optimizers_config: { default_segment_number: 16 },
      },
      'go-large-segments': {
        vectors: { size: DIM, distance: 'Cosine' },
        optimizers_config: { default_segment_number: 2, max_segment_size: 5_000_000 },
      },
    };
    for (const [name, body] of Object.entries(twins)) {
      await rest('PUT', `/collections/rest-${name}`, body);
      const viaGo = (await rest('GET', `/collections/${name}`)) as { config: unknown };
      const viaRest = (await rest('GET', `/collections/rest-${name}`)) as { config: unknown };
      expect(viaGo.config, name).toEqual(viaRest.config);
    }
  });

  it('answers the guide queries, get, scroll and count as REST does', () => {
    // Go prints each float32 score in its shortest form: compare as float32 on both sides
    const goScored = (s: unknown) => (s as Scored[]).map((p) => ({ ...p, score: Math.fround(p.score) }));
    expect(goScored(answer.no_rescore)).toEqual(f32((restBefore.no_rescore as { points: Scored[] }).points, false));
    const exact = (restBefore.exact as { points: Scored[] }).points;
    expect(exact.length).toBe(5);
    expect(goScored(answer.exact)).toEqual(f32(exact, true));
    expect(answer.get).toEqual((restBefore.get as Scored[]).map((p) => ({ id: p.id, score: 0, payload: p.payload })));
    expect(answer.scroll).toEqual(
      (restBefore.scroll as { points: Scored[] }).points.map((p) => ({ id: p.id, score: 0, payload: p.payload })),
    );
    expect(answer.count).toBe((restBefore.count as { count: number }).count);
  });

  it('applies payload ops and delete by filter; a wrong dimension is InvalidArgument with the REST message', async () => {
    const got = (await rest('POST', '/collections/go-speed-low-memory/points', { ids: [1, 2, 3] })) as Scored[];
    expect(got.map((p) => [p.id, p.payload])).toEqual([
      [1, { g: 'g1', rank: 1, color: 'red' }],
      [2, { g: 'g2', color: 'red' }],
    ]);
    const count = (await rest('POST', '/collections/go-speed-low-memory/points/count', {})) as { count: number };
    expect(count.count).toBe(POINTS.length - 10);
    expect(answer.bad_dim).toEqual({
      code: 'InvalidArgument',
      message: 'Wrong input: Vector dimension error: expected dim: 8, got 2',
    });
  });
});

describe.skipIf(GO_AVAILABLE)('Go client', () => {
  it('skipped: no `go` binary on the PATH (install Go to run the Go client e2e)', () => {});
});
