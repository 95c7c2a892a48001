/**
 * The vector name "" and the order of names through the official Python client, over REST and over gRPC
 * (`prefer_grpc=True`): test/python/client_vector_name_order.py runs in the `clients` venv (test/support/python-env.ts)
 * against the real REST and gRPC servers over one service, and its answers are checked here, before and after sealing:
 * `{"": ...}` alone stays a map (points still lists), names are listed in Qdrant's order (collection info and point
 * vectors), "" is created, written and queried over gRPC (REST's path cannot spell it: 404), exact queries equal a
 * brute force, bad calls get Qdrant's codes and wording.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGrpcServer, startGrpcServer } from '../../lib/api/grpc/server.js';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { directInvoker, rng, service, tempStore } from '../support/collection-harness.js';
import { runPythonJob } from '../support/python-job.js';
import { type StrataUnderTest, startStrata } from '../support/strata-server.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'client_vector_name_order.py');
const ONLY = 'py_only_empty';
const ORDERED = 'py_ordered';
const G = 'py_grpc_empty';
type Scored = { id: number; score: number };
type Vector = number[] | Record<string, number[]>;
interface Read {
  only_info: { rest: Record<string, [number, string]>; grpc: string[] | null };
  only_points: Record<string, Vector>;
  only_points_grpc: Record<string, Vector>;
  only_unnamed: Scored[];
  only_by_empty: Scored[];
  ordered_info: { rest: string[]; grpc: string[] };
  ordered_sparse: string[];
  ordered_point: { rest: string[]; grpc: string[] };
  grpc_info: string[];
  grpc_points: Record<string, Vector>;
  grpc_by_empty: Scored[];
  grpc_selected: Record<string, Vector>;
}

let strata: StrataUnderTest;
let grpc: RunningGrpcServer;
let store: FileSystemStore;
let cleanup: () => void;

const vec = (r: () => number, n: number) => Array.from({ length: n }, () => Math.fround(r() - 0.5));
const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i], 0);
const r = rng(7);
const QUERY = [0.5, -0.25, 1];
const NAMES = ['zeta', 'Beta', 'alpha', 'é'];
const ONLY_POINTS = Array.from({ length: 30 }, (_, id) => ({
  id,
  vector: id % 2 === 0 ? vec(r, 3) : { '': vec(r, 3) },
}));
/** "" (3-d) on every point, x (2-d) on every third */
const GRPC_POINTS = Array.from({ length: 30 }, (_, id) => ({
  id,
  vector: id % 3 === 0 ? { '': vec(r, 3), x: vec(r, 2) } : { '': vec(r, 3) },
}));
const SELECTED = [0, 1, 3];

const onlyHeld = new Map(ONLY_POINTS.map((p) => [p.id, Array.isArray(p.vector) ? p.vector : p.vector['']]));
const grpcHeld = new Map(GRPC_POINTS.map((p) => [p.id, p.vector]));

function bruteForce(held: Map<number, number[]>): Scored[] {
  return [...held]
    .map(([id, v]) => ({ id, score: dot(v, QUERY) }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, 5);
}

function expectRanking(got: Scored[], want: Scored[]): void {
  expect(got.map((g) => g.id)).toEqual(want.map((w) => w.id));
  got.forEach((g, i) => expect(g.score).toBeCloseTo(want[i].score, 4));
}

function expectClose(got: unknown, want: number[]): void {
  expect(Array.isArray(got)).toBe(true);
  want.forEach((x, i) => expect((got as number[])[i]).toBeCloseTo(x, 5));
}

function run(phase: 'write' | 'read'): Promise<Read & Record<string, unknown>> {
  return runPythonJob(SCRIPT, {
    url: strata.url,
    port: Number(new URL(strata.url).port),
    grpc_port: Number(new URL(grpc.url).port),
    phase,
    only: ONLY,
    ordered: ORDERED,
    grpc: G,
    only_points: ONLY_POINTS,
    names: NAMES,
    grpc_points: GRPC_POINTS,
    query: QUERY,
    selected: SELECTED,
  });
}

function check(got: Read): void {
  expect(got.only_info).toEqual({ rest: { '': [3, 'Dot'] }, grpc: [''] });
  for (const points of [got.only_points, got.only_points_grpc]) {
    expect(Object.keys(points).length).toBe(onlyHeld.size);
    for (const [id, v] of Object.entries(points)) expectClose(v, onlyHeld.get(Number(id)) as number[]);
  }
  const onlyWant = bruteForce(onlyHeld);
  expectRanking(got.only_unnamed, onlyWant);
  expectRanking(got.only_by_empty, onlyWant);

  // REST's JSON keeps the server's order; Python's protobuf maps (upb) iterate in their own hash order whatever the
  // wire order was (the JS gRPC test checks that), so over gRPC only the names are compared
  const sorted = ['Beta', 'alpha', 'c', 'zeta', 'é'];
  expect(got.ordered_info.rest).toEqual(sorted);
  expect([...got.ordered_info.grpc].sort()).toEqual([...sorted].sort());
  expect(got.ordered_sparse).toEqual(['sa', 'sz']);
  // the points hold every name but 'c'; sparse names take their place among the dense ones
  const pointNames = ['Beta', 'alpha', 'sa', 'sz', 'zeta', 'é'];
  expect(got.ordered_point.rest).toEqual(pointNames);
  expect([...got.ordered_point.grpc].sort()).toEqual([...pointNames].sort());

  expect([...got.grpc_info].sort()).toEqual(['', 'x']);
  expect(Object.keys(got.grpc_points).length).toBe(grpcHeld.size);
  for (const [id, v] of Object.entries(got.grpc_points)) {
    const held = grpcHeld.get(Number(id)) as Record<string, number[]>;
    if (held.x === undefined) expectClose(v, held['']);
    else {
      expect(Object.keys(v).sort()).toEqual(['', 'x']);
      expectClose((v as Record<string, number[]>)[''], held['']);
      expectClose((v as Record<string, number[]>).x, held.x);
    }
  }
  expectRanking(got.grpc_by_empty, bruteForce(new Map([...grpcHeld].map(([id, v]) => [id, v['']]))));
  // a selector naming "" answers "" alone, as a list, also for a point holding x too
  expect(Object.keys(got.grpc_selected).map(Number)).toEqual(SELECTED);
  for (const [id, v] of Object.entries(got.grpc_selected)) expectClose(v, grpcHeld.get(Number(id))?.[''] as number[]);
}

beforeAll(async () => {
  const t = tempStore();
  store = t.store;
  cleanup = t.cleanup;
  const svc = service(t.store, directInvoker(t.store, 2));
  strata = await startStrata(svc);
  grpc = await startGrpcServer({ service: svc, port: 0 });
}, 120_000);

afterAll(async () => {
  await grpc?.close();
  await strata?.close();
  cleanup?.();
});

describe('the vector name "" and name order through the Python client (REST and gRPC)', () => {
  it('writes through both doors and reads back as Qdrant answers; bad calls refused', async () => {
    const got = await run('write');
    expect(got.created).toBe('completed');
    expect(got.bad).toEqual({
      grpc_other_schema: {
        code: 'INVALID_ARGUMENT',
        details: 'Wrong input: Vector `` already exists with a different configuration',
      },
      // REST's path cannot hold an empty name: no route, as in Qdrant
      rest_empty_path: { status: 404 },
      grpc_wrong_dim: {
        code: 'INVALID_ARGUMENT',
        details: 'Wrong input: Vector dimension error: expected dim: 3, got 2',
      },
    });
    check(got);
  });

  it('answers the same once everything is sealed', async () => {
    for (const c of [ONLY, ORDERED, G]) await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(c);
    check(await run('read'));
  });
});
