/**
 * Vector names added and deleted through the official Python client (`qdrant-client` 1.20's create_vector_name /
 * delete_vector_name): test/python/client_vector_names.py runs in the `clients` venv (test/support/python-env.ts)
 * against the real HTTP server over the real service. The collection's points are sealed into segments before each
 * phase, so the new name's rows live in the WAL tail over sealed points, and the re-created name must show none of
 * the sealed and tail rows its earlier creation had. Exact queries are compared with brute force.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { directInvoker, rng, service, tempStore } from '../support/collection-harness.js';
import { runPythonJob } from '../support/python-job.js';
import { startStrata, type StrataUnderTest } from '../support/strata-server.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'client_vector_names.py');
const C = 'py_vecnames';
type Scored = { id: number; score: number };

let strata: StrataUnderTest;
let store: FileSystemStore;
let cleanup: () => void;

const optimizeAll = () => new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i], 0);

beforeAll(async () => {
  const t = tempStore();
  store = t.store;
  cleanup = t.cleanup;
  strata = await startStrata(service(t.store, directInvoker(t.store, 2)));
  const r = rng(3);
  await strata.client.createCollection(C, {
    vectors: { main: { size: 2, distance: 'Dot' } },
    optimizers_config: { default_segment_number: 2 },
  });
  await strata.client.upsert(C, {
    wait: true,
    points: Array.from({ length: 30 }, (_, id) => ({ id, vector: { main: [r(), r()] } })),
  });
  await optimizeAll();
}, 120_000);

afterAll(async () => {
  await strata?.close();
  cleanup?.();
});

describe('vector names through the Python client', () => {
  it('adds a dense and a sparse name; the dense one is written and queried at once', async () => {
    const r = rng(4);
    const points = Array.from({ length: 12 }, (_, i) => ({
      id: 2 * i,
      extra: [r() - 0.5, r() - 0.5, r() - 0.5].map(Math.fround),
    }));
    const query = [0.5, -0.25, 1];
    const got = await runPythonJob<{
      created: string;
      vectors: string[];
      sparse: Record<string, string>;
      before: Record<string, string[]>;
      hits: Scored[];
      conflict: { status: number; error: string };
    }>(SCRIPT, { url: strata.url, collection: C, phase: 'add', points, query });
    expect(got.created).toBe('completed');
    expect(got.vectors).toEqual(['extra', 'main']);
    expect(got.sparse).toEqual({ kw: 'idf' });
    expect(Object.values(got.before).every((names) => names.join() === 'main')).toBe(true);
    expect(Object.keys(got.before).length).toBe(30);
    const want = points
      .map((p) => ({ id: p.id, score: dot(p.extra, query) }))
      .sort((a, b) => b.score - a.score || a.id - b.id)
      .slice(0, 10);
    expect(got.hits.map((h) => h.id)).toEqual(want.map((w) => w.id));
    got.hits.forEach((h, i) => expect(h.score).toBeCloseTo(want[i].score, 5));
    expect(got.conflict).toEqual({
      status: 400,
      error: 'Wrong input: Vector `extra` already exists with a different configuration',
    });
  });

  it('deletes the name and creates it again: none of its old rows (sealed or tail) come back', async () => {
    // half of the old rows sealed, the rest written again into the WAL tail
    await optimizeAll();
    await strata.client.updateVectors(C, { wait: true, points: [{ id: 0, vector: { extra: [1, 1, 1] } }] });
    const got = await runPythonJob<{
      deleted: string;
      unknown: { status: number; error: string };
      after: Record<string, string[]>;
      hits: Scored[];
    }>(SCRIPT, { url: strata.url, collection: C, phase: 'recreate' });
    expect(got.deleted).toBe('completed');
    expect(got.unknown).toEqual({ status: 400, error: 'Wrong input: Not existing vector name error: extra' });
    expect(Object.keys(got.after).length).toBe(30);
    expect(Object.values(got.after).every((names) => names.join() === 'main')).toBe(true);
    expect(got.hits).toEqual([]);
  });
});
