/**
 * Qdrant 1.19's memory placements through the official Python client (`qdrant-client` 1.20, its `models.Memory`):
 * test/python/client_memory.py runs in the `clients` venv (test/support/python-env.ts) against the real HTTP server
 * over the real service. It creates one collection per placement (pinned graph and int8 codes, everything cached,
 * everything cold, the deprecated flags only), upserts, and sends what Qdrant refuses; the test seals the points
 * into segments; the client then queries (approximate and exact) and reads collection info. Answers are compared
 * with brute force; the per-query cost header shows where the data lives: a warm repeat reads nothing for pinned
 * and cached components, and a cold segment's first query reads less than a cached one's warm-up (the originals
 * stay in the store when nothing rescores).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import type { StrataCollectionService } from '../../lib/collection/service.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { directInvoker, rng, service, tempStore } from '../support/collection-harness.js';
import { runPythonJob } from '../support/python-job.js';
import { startStrata, type StrataUnderTest } from '../support/strata-server.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'client_memory.py');
const DIM = 16;
const COLLECTIONS = {
  mem_pinned: { vectors: 'cached', graph: 'pinned', quantized: 'pinned', payload: 'cached' },
  mem_cached: { vectors: 'cached', graph: 'cached', quantized: 'cached' },
  mem_cold: { vectors: 'cold', graph: 'cold', quantized: 'cold', payload: 'cold' },
  mem_legacy: { on_disk: true, hnsw_on_disk: false, always_ram: true },
} as const;
type Name = keyof typeof COLLECTIONS;

const r = rng(23);
const norm = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};
const points = Array.from({ length: 400 }, (_, i) => ({
  id: i + 1,
  vector: Array.from({ length: DIM }, () => r() - 0.5),
}));
const queryVector = Array.from({ length: DIM }, () => r() - 0.5);

function runScript<T>(job: unknown): Promise<T> {
  return runPythonJob<T>(SCRIPT, job);
}

interface Loaded {
  refused: Record<string, { status: number; error: string }>;
  collections: string[];
}
type Queried = Record<
  Name,
  {
    approx: { id: number; score: number; n: number }[];
    exact: { id: number; score: number }[];
    status: string;
    config: Record<string, any>;
  }
>;

let strata: StrataUnderTest;
let svc: StrataCollectionService;
let store: FileSystemStore;
let cleanup: () => void;
let loaded: Loaded;
let queried: Queried;

const brute = (() => {
  const q = norm(queryVector);
  return points
    .map((p) => ({ id: p.id, score: norm(p.vector).reduce((s, x, i) => s + x * q[i], 0) }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, 10);
})();

async function cost(name: Name): Promise<{ gets: number; bytes: number; cold: number }> {
  const res = await fetch(`${strata.url}/collections/${name}/points/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'strata-debug': 'cost' },
    body: JSON.stringify({ query: queryVector, limit: 10, params: { quantization: { rescore: false } } }),
  });
  expect(res.status).toBe(200);
  return JSON.parse(res.headers.get('x-strata-cost') as string);
}

beforeAll(async () => {
  const t = tempStore();
  cleanup = t.cleanup;
  store = t.store;
  svc = service(t.store, directInvoker(t.store, 2));
  strata = await startStrata(svc);
  loaded = await runScript<Loaded>({
    phase: 'load',
    url: strata.url,
    dim: DIM,
    collections: COLLECTIONS,
    points,
    refused: {
      hot: { vectors: { size: DIM, distance: 'Cosine', memory: 'hot' } },
      pinned_vectors: { vectors: { size: DIM, distance: 'Cosine', memory: 'pinned' } },
      pinned_payload: { vectors: { size: DIM, distance: 'Cosine' }, payload: { memory: 'pinned' } },
    },
  });
  for (const name of Object.keys(COLLECTIONS))
    await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(name);
  queried = await runScript<Queried>({
    phase: 'query',
    url: strata.url,
    collections: Object.keys(COLLECTIONS),
    query: queryVector,
  });
}, 240_000);

afterAll(async () => {
  await strata?.close();
  cleanup?.();
});

describe('qdrant-client 1.20 with memory placements', () => {
  it('refuses memory "hot" and pinned originals or payloads with Qdrant\'s 4xx, creating nothing', () => {
    expect(loaded.refused.hot.status).toBe(400);
    expect(loaded.refused.hot.error).toContain('unknown variant `hot`, expected one of `cold`, `cached`, `pinned`');
    expect(loaded.refused.pinned_vectors).toEqual({
      status: 422,
      error:
        'Validation error in JSON body: [vectors.memory: `pinned` memory placement is not supported for dense vector storage]',
    });
    expect(loaded.refused.pinned_payload.status).toBe(422);
    expect(loaded.refused.pinned_payload.error).toContain('not supported for payload storage');
    expect(loaded.collections).toEqual(Object.keys(COLLECTIONS).sort());
  });

  it.each(Object.keys(COLLECTIONS) as Name[])('%s: exact equals brute force', (name) => {
    const got = queried[name];
    expect(got.status).toBe('green');
    expect(got.exact.map((p) => p.id)).toEqual(brute.map((p) => p.id));
    got.exact.forEach((p, i) => expect(p.score).toBeCloseTo(brute[i].score, 5));
  });

  it('the approximate query answers the same whatever the placement, and finds the exact top 10 but for one', () => {
    const answers = (Object.keys(COLLECTIONS) as Name[]).map((name) => queried[name].approx);
    for (const a of answers.slice(1)) expect(a).toEqual(answers[0]);
    expect(answers[0].map((p) => p.n)).toEqual(answers[0].map((p) => p.id));
    // int8 candidates, oversampling 1: the walk may swap the 10th for a near tie (measured: 9 of 10 here)
    const found = answers[0].filter((p) => brute.some((b) => b.id === p.id)).length;
    expect(found).toBeGreaterThanOrEqual(9);
  });

  it('collection info echoes memory beside the deprecated flags, as Qdrant reports both', () => {
    const pinned = queried.mem_pinned.config;
    expect(pinned.params.vectors).toMatchObject({ memory: 'cached', on_disk: false });
    expect(pinned.hnsw_config).toMatchObject({ memory: 'pinned', on_disk: false });
    expect(pinned.quantization_config.scalar).toMatchObject({ memory: 'pinned', always_ram: true });
    expect(pinned.params.payload).toEqual({ memory: 'cached' });
    expect(pinned.params.on_disk_payload).toBe(false);
    const cold = queried.mem_cold.config;
    expect(cold.params.vectors).toMatchObject({ memory: 'cold', on_disk: true });
    expect(cold.hnsw_config).toMatchObject({ memory: 'cold', on_disk: true });
    expect(cold.quantization_config.scalar).toMatchObject({ memory: 'cold', always_ram: false });
    const legacy = queried.mem_legacy.config;
    expect(legacy.params.vectors.on_disk).toBe(true);
    expect(legacy.params.vectors.memory).toBeUndefined();
    expect(legacy.quantization_config.scalar).toMatchObject({ always_ram: true });
  });

  it('a warm repeat reads nothing from the store for pinned and cached components', async () => {
    for (const name of ['mem_pinned', 'mem_cached', 'mem_legacy'] as const) {
      await cost(name);
      const warm = await cost(name);
      expect(warm, name).toMatchObject({ cold: 0, gets: 0, bytes: 0 });
    }
  });

  it("a cold segment's first query reads only what the walk needs: less than a cached segment's warm-up", async () => {
    // fresh workers, so both segments open now
    await strata.close();
    svc = service(store, directInvoker(store, 2));
    strata = await startStrata(svc);
    const cached = await cost('mem_cached');
    const cold = await cost('mem_cold');
    expect(cached.cold).toBe(1);
    expect(cold.cold).toBe(1);
    // the cached warm-up read the originals whole (DIM × 4 bytes per point); the cold walk, with rescore off, none
    // of them (it reads the graph's header twice instead, a few dozen bytes: its ranged GET at open, then pages)
    expect(cached.bytes - cold.bytes).toBeGreaterThan(0.95 * points.length * DIM * 4);
    expect(cached.bytes - cold.bytes).toBeLessThan(1.05 * points.length * DIM * 4);
  });
});
