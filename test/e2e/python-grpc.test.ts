/**
 * Strata's gRPC API through the official Python client with `prefer_grpc=True` (qdrant-client 1.20 from the
 * `clients` venv the test set-up provisions, test/support/python-env.ts), against the real REST and gRPC servers over
 * one service. test/python/grpc_client.py makes the calls; every read is compared here with the REST answer to the
 * same request, every write is read back over REST, and bad calls report Qdrant's status code and message; query
 * groups, the distance matrix, update_vectors and batch_update_points too.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGrpcServer, startGrpcServer } from '../../lib/api/grpc/server.js';
import { directInvoker, rng, service, tempStore } from '../support/collection-harness.js';
import { runPythonJob } from '../support/python-job.js';
import { type StrataUnderTest, startStrata } from '../support/strata-server.js';

const DIM = 8;
const KEY = 'py-grpc-key';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'grpc_client.py');

let strata: StrataUnderTest;
let grpc: RunningGrpcServer;
let cleanup: () => void;

function runScript(job: Record<string, unknown>): Promise<Record<string, unknown>> {
  const port = Number(new URL(strata.url).port);
  const grpcPort = Number(new URL(grpc.url).port);
  return runPythonJob<Record<string, unknown>>(SCRIPT, {
    port,
    grpc_port: grpcPort,
    api_key: KEY,
    collection: 'py',
    ...job,
  });
}

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

const r = rng(5);
const POINTS = Array.from({ length: 60 }, (_, id) => ({
  id,
  vector: Array.from({ length: DIM }, () => Math.fround(r() - 0.5)),
  payload: { g: `g${id % 4}`, rank: id },
}));
const QUERY = [0.3, -0.2, 0.1, 0.5, -0.4, 0.2, 0.1, -0.1];
const gFilter = (v: string) => ({ must: [{ key: 'g', match: { value: v } }] });
type Scored = { id: number; score: number; payload: unknown };
// gRPC scores are float32 (proto `float`)
const f32 = (s: Scored[]) => s.map((p) => ({ id: p.id, score: Math.fround(p.score), payload: p.payload }));

beforeAll(async () => {
  const t = tempStore();
  cleanup = t.cleanup;
  const svc = service(t.store, directInvoker(t.store, 2));
  strata = await startStrata(svc, { apiKey: KEY });
  grpc = await startGrpcServer({ service: svc, apiKey: KEY, port: 0 });
}, 120_000);

afterAll(async () => {
  await grpc?.close();
  await strata?.close();
  cleanup?.();
});

describe('Python qdrant-client with prefer_grpc=True', () => {
  it('creates, upserts and reads what REST answers to the same requests', async () => {
    const got = (await runScript({ phase: 'read', dim: DIM, points: POINTS, query: QUERY })) as Record<string, never>;
    const info = (await rest('GET', '/collections/py')) as { config: Record<string, unknown>; points_count: number };
    expect(info.points_count).toBe(POINTS.length);
    // the same create call over REST gives the same config
    await rest('PUT', '/collections/py-rest', {
      vectors: { size: DIM, distance: 'Cosine', on_disk: true },
      quantization_config: { scalar: { type: 'int8', always_ram: true } },
      optimizers_config: { default_segment_number: 2 },
    });
    const twin = (await rest('GET', '/collections/py-rest')) as { config: unknown };
    expect(info.config).toEqual(twin.config);
    await rest('DELETE', '/collections/py-rest');

    const noRescore = (await rest('POST', '/collections/py/points/query', {
      query: QUERY,
      limit: 5,
      params: { quantization: { rescore: false } },
      with_payload: true, // the Python client's default
    })) as { points: Scored[] };
    expect(got.no_rescore).toEqual(f32(noRescore.points));
    const exact = (await rest('POST', '/collections/py/points/query', {
      query: QUERY,
      limit: 5,
      filter: gFilter('g1'),
      params: { hnsw_ef: 128, exact: true },
      with_payload: true,
    })) as { points: Scored[] };
    expect(exact.points.length).toBe(5);
    expect(got.exact).toEqual(f32(exact.points));

    const records = (await rest('POST', '/collections/py/points', {
      ids: [1, 7, 999],
      with_vector: true,
    })) as Array<{ id: number; payload: unknown; vector: number[] }>;
    const gotRecords = got.retrieve as Array<{ id: number; payload: unknown; vector: number[] }>;
    expect(gotRecords.map((p) => [p.id, p.payload])).toEqual(records.map((p) => [p.id, p.payload]));
    expect(gotRecords.map((p) => p.vector.map(Math.fround))).toEqual(records.map((p) => p.vector.map(Math.fround)));

    const page = (await rest('POST', '/collections/py/points/scroll', {
      filter: gFilter('g2'),
      limit: 4,
      offset: 5,
      with_payload: true,
    })) as { points: Array<{ id: number; payload: unknown }>; next_page_offset: number };
    expect((got.scroll as Array<{ id: number; payload: unknown }>).map((p) => [p.id, p.payload])).toEqual(
      page.points.map((p) => [p.id, p.payload]),
    );
    expect(got.next_offset).toBe(page.next_page_offset);
    const count = (await rest('POST', '/collections/py/points/count', { filter: gFilter('g2'), exact: true })) as {
      count: number;
    };
    expect(got.count).toBe(count.count);
    expect(count.count).toBe(15);
  }, 90_000);

  it('writes payloads and deletes, and bad calls get Qdrant status codes and messages', async () => {
    const got = (await runScript({ phase: 'write' })) as Record<string, { code: string; details: string }>;
    const payloads = (await rest('POST', '/collections/py/points', { ids: [1, 2, 3, 4, 5, 11] })) as Array<{
      id: number;
      payload: unknown;
    }>;
    // 11 is in g3, deleted by filter (3 too was g3, but its payload was overwritten first); 5 deleted by id
    expect(payloads.map((p) => [p.id, p.payload])).toEqual([
      [1, { g: 'g1', rank: 1, color: 'red' }],
      [2, { g: 'g2', rank: 2 }],
      [3, { only: true }],
      [4, {}],
    ]);
    expect(((await rest('POST', '/collections/py/points/count', {})) as { count: number }).count).toBe(60 - 14 - 1);
    expect(got.bad_dim).toEqual({
      code: 'INVALID_ARGUMENT',
      details: 'Wrong input: Vector dimension error: expected dim: 8, got 2',
    });
    expect(got.unknown).toEqual({ code: 'NOT_FOUND', details: "Not found: Collection `nope` doesn't exist!" });
    expect(got.duplicate).toEqual({ code: 'ALREADY_EXISTS', details: 'Wrong input: Collection `py` already exists!' });
  }, 90_000);
  it('query groups and the distance matrix equal REST; update_vectors and batch_update_points write', async () => {
    // live after the write phase, and left alone by this phase's writes (they change 1, 2, 6 and add 200)
    const matrixIds = [3, 4, 8, 9, 10, 12, 13, 14];
    const newVector = [0.5, 0.5, -0.5, 0.25, 0, 0.125, -0.25, 0.75];
    const got = (await runScript({ phase: 'more', query: QUERY, matrix_ids: matrixIds, new_vector: newVector })) as {
      groups: Array<{ id: unknown; hits: Scored[] }>;
      pairs: Array<[number, number, number]>;
      batch: unknown[];
    };
    const groups = (await rest('POST', '/collections/py/points/query/groups', {
      query: QUERY,
      group_by: 'g',
      limit: 3,
      group_size: 2,
      params: { exact: true },
      // the script's batch below sets `b` after its groups query: leave it out here
      with_payload: { exclude: ['b'] },
    })) as { groups: Array<{ id: unknown; hits: Scored[] }> };
    expect(groups.groups.length).toBe(3);
    expect(got.groups).toEqual(groups.groups.map((g) => ({ id: g.id, hits: f32(g.hits) })));

    const pairs = (await rest('POST', '/collections/py/points/search/matrix/pairs', {
      filter: { must: [{ has_id: matrixIds }] },
      sample: matrixIds.length,
      limit: 2,
    })) as { pairs: Array<{ a: number; b: number; score: number }> };
    // the sample order is random: compare the triples in a canonical order
    const canon = (t: Array<[number, number, number]>) => t.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    expect(pairs.pairs.length).toBe(16);
    expect(canon(got.pairs.map(([a, b, s]) => [a, b, Math.fround(s)]))).toEqual(
      canon(pairs.pairs.map((p) => [p.a, p.b, Math.fround(p.score)])),
    );

    expect(got.batch.length).toBe(3);
    const after = (await rest('POST', '/collections/py/points', { ids: [1, 2, 6, 200], with_vector: true })) as Array<{
      id: number;
      payload: Record<string, unknown>;
      vector: number[];
    }>;
    const norm = Math.hypot(...newVector);
    const stored = newVector.map((x) => Math.fround(x / norm)); // Cosine stores the normalized vector
    expect(after.map((p) => p.id)).toEqual([1, 2, 200]);
    expect(after[0].vector.map(Math.fround)).toEqual(stored);
    expect(after[1].payload).toMatchObject({ b: 1 });
    expect(after[2].payload).toEqual({ b: 1 });
    expect(after[2].vector.map(Math.fround)).toEqual(stored);
  }, 90_000);
});
