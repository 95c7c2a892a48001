/**
 * The has_vector filter condition through the official Python client, over REST and over gRPC (`prefer_grpc=True`):
 * test/python/client_has_vector.py writes points holding a dense name `a`, a sparse name `s`, both or neither, drops
 * `a` from some of them, and reads query_points, scroll and count under has_vector in must, must_not and should. Each
 * answer is checked here against a brute force over what each point holds, with the points in the WAL tail, then
 * sealed into segments, then with new writes in the tail beside the segments.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import { rng } from '../support/collection-harness.js';
import { runPythonJob } from '../support/python-job.js';
import { type ServedRestAndGrpc, serveRestAndGrpc } from '../support/rest-and-grpc.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'client_has_vector.py');
const NAME = 'py_has_vector';
const QUERY = [0.5, -0.25, 1];

interface Held {
  id: number;
  a?: number[];
  s?: { indices: number[]; values: number[] };
}
type Scored = { id: number; score: number };
type Answer = Record<string, { query: Scored[]; scroll: number[]; count: number }>;

const r = rng(11);
const vec = () => Array.from({ length: 3 }, () => Math.fround(r() - 0.5));
/** a on ids not divisible by 3, s on even ids: all four combinations */
const pointsOf = (from: number, n: number): Held[] =>
  Array.from({ length: n }, (_, i) => {
    const id = from + i;
    return {
      id,
      ...(id % 3 !== 0 ? { a: vec() } : {}),
      ...(id % 2 === 0 ? { s: { indices: [id % 5], values: [1] } } : {}),
    };
  });

let served: ServedRestAndGrpc;
const held = new Map<number, Held>();

const FILTERS: Record<string, (p: Held) => boolean> = {
  must_a: (p) => p.a !== undefined,
  must_not_s: (p) => p.s === undefined,
  a_without_s: (p) => p.a !== undefined && p.s === undefined,
  should_a_or_s: (p) => p.a !== undefined || p.s !== undefined,
  unknown: () => false,
};

function expected(match: (p: Held) => boolean) {
  const ids = [...held.values()].filter(match).map((p) => p.id);
  const dot = (v: number[]) => v.reduce((s, x, i) => s + x * QUERY[i], 0);
  // the query searches `a`: only points holding it can be scored
  const query = [...held.values()]
    .filter((p) => match(p) && p.a !== undefined)
    .map((p) => ({ id: p.id, score: dot(p.a as number[]) }))
    .sort((x, y) => y.score - x.score || x.id - y.id)
    .slice(0, 5);
  return { ids: ids.sort((x, y) => x - y), query };
}

async function run(phase: 'write' | 'upsert' | 'read', points: Held[] = [], dropA: number[] = []): Promise<void> {
  const got = await runPythonJob<{ rest: Answer; grpc: Answer }>(SCRIPT, {
    url: served.url,
    port: Number(new URL(served.url).port),
    grpc_port: Number(new URL(served.grpc.url).port),
    phase,
    collection: NAME,
    points,
    drop_a: dropA,
    query: QUERY,
  });
  for (const answer of [got.rest, got.grpc]) {
    for (const [key, match] of Object.entries(FILTERS)) {
      const want = expected(match);
      expect(answer[key].scroll, key).toEqual(want.ids);
      expect(answer[key].count, key).toBe(want.ids.length);
      expect(
        answer[key].query.map((p) => p.id),
        key,
      ).toEqual(want.query.map((p) => p.id));
      answer[key].query.forEach((p, i) => expect(p.score).toBeCloseTo(want.query[i].score, 5));
    }
  }
}

const seal = () => new CollectionOptimizer({ store: served.store, skipGc: true }).optimizeUntil(NAME);

beforeAll(async () => {
  served = await serveRestAndGrpc(2);
}, 120_000);

afterAll(() => served?.close());

describe('has_vector through the Python client (REST and gRPC)', () => {
  it('matches the points that hold each vector, in the WAL tail, sealed, and tail beside segments', async () => {
    const first = pointsOf(0, 40);
    // a deleted from ids 1, 2, 4 (held a) and 3 (never held it: a no-op for that point)
    const dropA = [1, 2, 3, 4];
    for (const p of first) held.set(p.id, p.id === 1 || p.id === 2 || p.id === 4 ? { ...p, a: undefined } : p);
    for (const p of held.values()) if (p.a === undefined) delete p.a;
    await run('write', first, dropA);
    await seal();
    await run('read');
    // a second write: new points in the tail, one sealed point rewritten without `a`
    const second = [...pointsOf(40, 12), { id: 5, s: { indices: [1], values: [2] } }];
    for (const p of second) held.set(p.id, p);
    await run('upsert', second);
    await seal();
    await run('read');
  });
});
