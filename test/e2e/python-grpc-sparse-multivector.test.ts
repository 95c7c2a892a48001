/**
 * Sparse vectors and multivectors through the official Python client with `prefer_grpc=True` (qdrant-client 1.20,
 * test/python/grpc_vectors.py), beside the same calls through its REST transport: two collections created and
 * filled by the two transports; the first half of the points is sealed into segments before the second half is
 * written. Collection info, a sparse query and a multivector query (`using`) and retrieve with vectors must answer
 * the same over both transports, and the queries must equal brute force.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGrpcServer, startGrpcServer } from '../../lib/api/grpc/server.js';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import { directInvoker, service, tempStore } from '../support/collection-harness.js';
import { runPythonJob } from '../support/python-job.js';
import {
  bruteForce,
  multiScore,
  type Scored,
  type Sparse,
  sparseMultiPoints,
  sparseScore,
} from '../support/sparse-multi-points.js';
import { type StrataUnderTest, startStrata } from '../support/strata-server.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'grpc_vectors.py');
const POINTS = sparseMultiPoints(40, 31);
const SPARSE_QUERY: Sparse = { indices: [0, 3, 8, 12, 19], values: [1.5, 0.25, 1, 0.75, 2] };
const MULTI_QUERY = [
  [0.2, 0.7, -0.4],
  [-0.6, 0.1, 0.5],
  [0.3, 0.3, 0.3],
];
const RETRIEVE = [0, 3, 4, 22, 23, 39];

interface Door {
  multivector: string;
  sparse_names: string[];
  sparse: Scored[];
  multi: Scored[];
  retrieve: Array<{ id: number; vector: Record<string, unknown> }>;
}

let strata: StrataUnderTest;
let grpc: RunningGrpcServer;
let cleanup: () => void;
let answers: { grpc: Door; rest: Door };

beforeAll(async () => {
  const t = tempStore();
  cleanup = t.cleanup;
  const svc = service(t.store, directInvoker(t.store, 2));
  strata = await startStrata(svc);
  grpc = await startGrpcServer({ service: svc, port: 0 });
  const base = {
    port: Number(new URL(strata.url).port),
    grpc_port: Number(new URL(grpc.url).port),
    grpc_collection: 'py-sm-grpc',
    rest_collection: 'py-sm-rest',
  };
  await runPythonJob(SCRIPT, { ...base, phase: 'write', points: POINTS.slice(0, 20) }, 120_000);
  const optimizer = new CollectionOptimizer({ store: t.store, skipGc: true });
  await optimizer.optimizeUntil(base.grpc_collection);
  await optimizer.optimizeUntil(base.rest_collection);
  // "read" first upserts the second half (into the WAL tail), then reads
  answers = await runPythonJob(
    SCRIPT,
    {
      ...base,
      phase: 'read',
      more: POINTS.slice(20),
      sparse_query: SPARSE_QUERY,
      multi_query: MULTI_QUERY,
      retrieve: RETRIEVE,
    },
    120_000,
  );
}, 300_000);

afterAll(async () => {
  await grpc?.close();
  await strata?.close();
  cleanup?.();
});

// gRPC scores are float32 (proto `float`)
const f32 = (s: Scored[]) => s.map((p) => ({ id: p.id, score: Math.fround(p.score) }));

describe('qdrant-client prefer_grpc=True with sparse vectors and multivectors (segments + WAL tail)', () => {
  it('collection info echoes the multivector comparator and the sparse names over both transports', () => {
    for (const door of [answers.grpc, answers.rest]) {
      expect(door.multivector).toBe('max_sim');
      expect(door.sparse_names).toEqual(['text']);
    }
  });

  it('a sparse query with `using` answers as REST does and equals the brute-force sparse dot product', () => {
    const want = bruteForce(POINTS, sparseScore(SPARSE_QUERY), 8);
    expect(want.length).toBe(8);
    expect(f32(answers.grpc.sparse)).toEqual(f32(answers.rest.sparse));
    expect(answers.grpc.sparse.map((p) => p.id)).toEqual(want.map((w) => w.id));
    answers.grpc.sparse.forEach((p, i) => expect(p.score).toBeCloseTo(want[i].score, 5));
  });

  it('a multivector query with `using` answers as REST does and equals brute-force MaxSim', () => {
    const want = bruteForce(POINTS, multiScore(MULTI_QUERY), 10);
    expect(f32(answers.grpc.multi)).toEqual(f32(answers.rest.multi));
    expect(answers.grpc.multi.map((p) => p.id)).toEqual(want.map((w) => w.id));
    answers.grpc.multi.forEach((p, i) => expect(p.score).toBeCloseTo(want[i].score, 5));
  });

  it('retrieve returns the sparse and multi vectors written, as REST does', () => {
    expect(answers.grpc.retrieve.map((p) => p.id)).toEqual(RETRIEVE);
    const f = (x: unknown): unknown =>
      typeof x === 'number'
        ? Math.fround(x)
        : Array.isArray(x)
          ? x.map(f)
          : x && typeof x === 'object'
            ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, f(v)]))
            : x;
    expect(f(answers.grpc.retrieve)).toEqual(f(answers.rest.retrieve));
    for (const p of answers.grpc.retrieve) {
      const src = POINTS[p.id].vector;
      expect(Object.keys(p.vector).sort()).toEqual(Object.keys(src).sort());
      expect(f(p.vector.colbert)).toEqual(src.colbert);
      expect(f(p.vector.text)).toEqual(src.text);
    }
  });
});
