/**
 * A dense name beside the unnamed vector through the official Python client: test/python/client_unnamed_beside_named.py
 * runs in the `clients` venv (test/support/python-env.ts) against the real HTTP server over the real service. The
 * collection's list-vector points are sealed first (format-1 segments); the name is created and written into the
 * WAL tail over them, read back and queried exactly; then everything is sealed and read again. Queries are compared
 * with brute force; points print as a list when the unnamed vector is their only one, as Qdrant prints them.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { directInvoker, rng, service, tempStore } from '../support/collection-harness.js';
import { runPythonJob } from '../support/python-job.js';
import { type StrataUnderTest, startStrata } from '../support/strata-server.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'client_unnamed_beside_named.py');
const C = 'py_beside';
type Scored = { id: number; score: number };
interface Held {
  ''?: number[];
  dense?: number[];
}
interface Read {
  points: Record<string, number[] | Record<string, number[]>>;
  unnamed: Scored[];
  by_empty: Scored[];
  dense: Scored[];
}

let strata: StrataUnderTest;
let store: FileSystemStore;
let cleanup: () => void;
const live = new Map<number, Held>();
const query = [0.5, -0.25, 1];
const denseQuery = [-1, 0.5];

const optimizeAll = () => new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i], 0);
const vec = (r: () => number, n: number) => Array.from({ length: n }, () => Math.fround(r() - 0.5));

function reference(name: '' | 'dense', q: number[]): Scored[] {
  const out: Scored[] = [];
  for (const [id, v] of live) {
    const x = v[name];
    if (x !== undefined) out.push({ id, score: dot(x, q) });
  }
  return out.sort((a, b) => b.score - a.score || a.id - b.id).slice(0, 5);
}

function check(got: Read): void {
  for (const [hits, want] of [
    [got.unnamed, reference('', query)],
    [got.by_empty, reference('', query)],
    [got.dense, reference('dense', denseQuery)],
  ] as const) {
    expect(hits.map((h) => h.id)).toEqual(want.map((w) => w.id));
    hits.forEach((h, i) => expect(h.score).toBeCloseTo(want[i].score, 5));
  }
  expect(Object.keys(got.points).length).toBe(live.size);
  for (const [id, v] of Object.entries(got.points)) {
    const held = live.get(Number(id)) as Held;
    const only = Object.keys(held).length === 1 && held[''] !== undefined;
    // a list when the unnamed vector is the point's only one, else a map holding "" beside "dense"
    expect(Array.isArray(v)).toBe(only);
    const shown = (only ? { '': v } : v) as Record<string, number[]>;
    expect(Object.keys(shown).sort()).toEqual(Object.keys(held).sort());
    for (const [k, w] of Object.entries(held) as [string, number[]][])
      w.forEach((x, i) => expect(shown[k][i]).toBeCloseTo(x, 6));
  }
}

beforeAll(async () => {
  const t = tempStore();
  store = t.store;
  cleanup = t.cleanup;
  strata = await startStrata(service(t.store, directInvoker(t.store, 2)));
  const r = rng(3);
  await strata.client.createCollection(C, {
    vectors: { size: 3, distance: 'Dot' },
    optimizers_config: { default_segment_number: 2 },
  });
  const points = Array.from({ length: 30 }, (_, id) => ({ id, vector: vec(r, 3) }));
  await strata.client.upsert(C, { wait: true, points });
  for (const p of points) live.set(p.id, { '': p.vector });
  await optimizeAll();
}, 120_000);

afterAll(async () => {
  await strata?.close();
  cleanup?.();
});

describe('a dense name beside the unnamed vector through the Python client', () => {
  it('creates the name, writes both vectors in the WAL tail over sealed points, and reads and queries them', async () => {
    const r = rng(4);
    const points = [
      { id: 100, vector: { '': vec(r, 3), dense: vec(r, 2) } },
      { id: 101, vector: { dense: vec(r, 2) } },
      { id: 102, vector: vec(r, 3) },
      { id: 103, vector: { '': vec(r, 3) } },
    ];
    const updates = Array.from({ length: 10 }, (_, i) => ({ id: 2 * i, dense: vec(r, 2) }));
    const got = await runPythonJob<Read & { created: string; vectors: unknown; bad: unknown }>(SCRIPT, {
      url: strata.url,
      collection: C,
      phase: 'add',
      points,
      updates,
      query,
      dense_query: denseQuery,
    });
    for (const p of points) live.set(p.id, Array.isArray(p.vector) ? { '': p.vector } : { ...p.vector });
    for (const u of updates) live.set(u.id, { ...live.get(u.id), dense: u.dense });
    expect(got.created).toBe('completed');
    expect(got.vectors).toEqual({ '': [3, 'Dot'], dense: [2, 'Dot'] });
    expect(got.bad).toEqual({ status: 400, error: 'Wrong input: Vector dimension error: expected dim: 3, got 2' });
    check(got);
  });

  it('answers the same once everything is sealed', async () => {
    await optimizeAll();
    check(
      await runPythonJob<Read>(SCRIPT, {
        url: strata.url,
        collection: C,
        phase: 'read',
        query,
        dense_query: denseQuery,
      }),
    );
  });
});
