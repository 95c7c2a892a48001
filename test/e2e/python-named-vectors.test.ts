/**
 * Named vectors through the official Python client (`qdrant-client` 1.20) and LangChain's `QdrantVectorStore` with
 * `vector_name="dense"`, as a Python application would use them: test/python/client_named.py runs in the `clients`
 * venv (test/support/python-env.ts) against the real HTTP server over the real service.
 *
 * The client creates the collection (dense: Cosine, originals on disk; small: Dot, in RAM; int8 codes for both) and
 * upserts; the test then seals those points into segments, and the client changes them through the WAL tail:
 * update_vectors, delete_vectors, one batch_update_points (upsert, delete, update and delete vectors), and an upsert
 * with update_mode insert_only. Every answer is compared with a reference model of the points' vectors: `using`
 * queries (exact) id for id with brute force (scores to 1e-5), retrieved vectors name for name.
 */
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import type { StrataCollectionService } from '../../lib/collection/service.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { directInvoker, rng, service, tempStore } from '../support/collection-harness.js';
import { runPythonJob } from '../support/python-job.js';
import { startStrata, type StrataUnderTest } from '../support/strata-server.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'client_named.py');
const C = 'py_named';
const SPACES = {
  dense: { size: 8, distance: 'Cosine', on_disk: true },
  small: { size: 4, distance: 'Dot', on_disk: false },
} as const;
type Name = keyof typeof SPACES;
type Vectors = Partial<Record<Name, number[]>>;
type Scored = { id: number; score: number };
interface Changed {
  batch: string[];
  queries: Record<Name, Scored[]>;
  retrieved: Record<string, Vectors>;
  langchain: { id: number; text: string; score: number }[];
}

const r = rng(17);
const vector = (name: Name) => Array.from({ length: SPACES[name].size }, () => r() - 0.5);
const both = (): Vectors => ({ dense: vector('dense'), small: vector('small') });
const norm = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
/** stored form: Cosine vectors are normalized on upsert */
const stored = (v: Vectors): Vectors => (v.dense ? { ...v, dense: norm(v.dense) } : { ...v });

/** the reference: live points' vectors by id, as stored */
const live = new Map<number, Vectors>();

function runScript<T>(job: unknown): Promise<T> {
  return runPythonJob<T>(SCRIPT, job);
}

/** Brute force over the live points holding `name`, best first, ties by id. */
function reference(name: Name, q: number[]): Scored[] {
  const query = SPACES[name].distance === 'Cosine' ? norm(q) : q;
  const out: Scored[] = [];
  for (const [id, v] of live) {
    const x = v[name];
    if (x !== undefined) out.push({ id, score: dot(x, query) });
  }
  return out.sort((a, b) => b.score - a.score || a.id - b.id).slice(0, 10);
}

const fakeEmbedding = (text: string) =>
  [...createHash('sha256').update(text, 'utf8').digest().subarray(0, 8)].map((b) => (b - 127.5) / 127.5);

let strata: StrataUnderTest;
let svc: StrataCollectionService;
let store: FileSystemStore;
let cleanup: () => void;
let loaded: { vectors: string[] };
let segmentsAfterSeal: number;
let changed: Changed;
const queries = { dense: vector('dense'), small: vector('small') };
const LC = {
  collection: 'lc_named',
  dim: 8,
  texts: Array.from({ length: 30 }, (_, i) => `named document ${i}`),
  ids: Array.from({ length: 30 }, (_, i) => i + 1),
  query: 'which named document?',
  k: 5,
};

beforeAll(async () => {
  const t = tempStore();
  cleanup = t.cleanup;
  store = t.store;
  svc = service(t.store, directInvoker(t.store, 2));
  strata = await startStrata(svc);

  // every 4th point holds only dense: a name is optional per point
  const first = Array.from({ length: 120 }, (_, id) => {
    const v = both();
    if (id % 4 === 0) delete v.small;
    return { id, vector: v };
  });
  loaded = await runScript({ phase: 'load', url: strata.url, collection: C, spaces: SPACES, points: first });
  for (const p of first) live.set(p.id, stored(p.vector));
  await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
  segmentsAfterSeal = (await svc.getCollection(C)).segments_count;

  const job = {
    phase: 'change',
    url: strata.url,
    collection: C,
    update: [
      { id: 5, vector: { small: vector('small') } },
      { id: 6, vector: { dense: vector('dense') } },
      { id: 8, vector: { small: vector('small') } },
    ],
    delete_vectors: { points: [7, 13], vectors: ['small'] },
    batch: {
      upsert: [200, 201, 202, 203, 204].map((id) => ({ id, vector: both() })),
      delete: [9],
      update: [{ id: 10, vector: { dense: vector('dense') } }],
      delete_vectors: { points: [11], vectors: ['dense'] },
    },
    insert_only: [
      { id: 12, vector: both() },
      { id: 300, vector: both() },
    ],
    queries,
    retrieve: [5, 6, 7, 8, 9, 10, 11, 12, 13, 200, 300],
    langchain: LC,
  };
  changed = await runScript<Changed>(job);
  // the same changes applied to the reference, in order
  for (const u of job.update) live.set(u.id, { ...live.get(u.id), ...stored(u.vector) });
  for (const id of job.delete_vectors.points) delete live.get(id)?.small;
  for (const p of job.batch.upsert) live.set(p.id, stored(p.vector));
  live.delete(9);
  live.set(10, { ...live.get(10), ...stored(job.batch.update[0].vector) });
  delete live.get(11)?.dense;
  for (const p of job.insert_only) if (!live.has(p.id)) live.set(p.id, stored(p.vector));
}, 240_000);

afterAll(async () => {
  await strata?.close();
  cleanup?.();
});

describe('qdrant-client 1.20 and LangChain with named vectors (segments + WAL tail)', () => {
  it('create_collection with a map of named vectors, sealed into segments', () => {
    expect(loaded.vectors).toEqual(['dense', 'small']);
    expect(segmentsAfterSeal).toBeGreaterThan(0);
  });

  it('batch_update_points acknowledges each operation', () => {
    expect(changed.batch).toEqual(['completed', 'completed', 'completed', 'completed']);
  });

  it.each(['dense', 'small'] as const)('query_points with using=%s equals brute force over that name', (name) => {
    const want = reference(name, queries[name]);
    const got = changed.queries[name];
    expect(got.map((g) => g.id)).toEqual(want.map((w) => w.id));
    got.forEach((g, i) => expect(g.score).toBeCloseTo(want[i].score, 5));
  });

  it('update_vectors, delete_vectors, the batch and insert_only leave the expected vectors', () => {
    const ids = [5, 6, 7, 8, 9, 10, 11, 12, 13, 200, 300];
    expect(
      Object.keys(changed.retrieved)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(ids.filter((id) => live.has(id)));
    for (const [id, got] of Object.entries(changed.retrieved)) {
      const want = live.get(Number(id)) as Vectors;
      expect(Object.keys(got).sort(), `point ${id}`).toEqual(Object.keys(want).sort());
      for (const name of Object.keys(want) as Name[]) {
        (got[name] as number[]).forEach((x, d) => expect(x).toBeCloseTo((want[name] as number[])[d], 5));
      }
    }
  });

  it('LangChain similarity_search_with_score on vector_name="dense" equals brute force', () => {
    const q = norm(fakeEmbedding(LC.query));
    const want = LC.texts
      .map((text, i) => ({ id: LC.ids[i], text, score: dot(norm(fakeEmbedding(text)), q) }))
      .sort((a, b) => b.score - a.score || a.id - b.id)
      .slice(0, LC.k);
    expect(changed.langchain.map(({ id, text }) => ({ id, text }))).toEqual(want.map(({ id, text }) => ({ id, text })));
    changed.langchain.forEach((g, i) => expect(g.score).toBeCloseTo(want[i].score, 5));
  });
});
