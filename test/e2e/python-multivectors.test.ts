/**
 * Multivectors and vector datatypes through the official Python client (`qdrant-client` 1.20):
 * test/python/client_multivec.py runs in the `clients` venv (test/support/python-env.ts) against the real HTTP
 * server over the real service. It creates a named collection with a multivector (MaxSim, Cosine, int8 codes) beside
 * a dense name, and unnamed float16 and uint8 Euclid collections, upserts, queries and retrieves; the test seals
 * everything into segments and the client queries again. Answers are compared with brute force (MaxSim for the
 * multivector; Qdrant's value conversion for the datatypes).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import { roundFloat16, toUint8 } from '../../lib/model/datatype.js';
import type { StrataCollectionService } from '../../lib/collection/service.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { rng } from '../support/collection-harness.js';
import { runPythonJob } from '../support/python-job.js';
import { type ServedTempStore, serveTempStore } from '../support/strata-server.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'client_multivec.py');
type Scored = { id: number; score: number };
interface Answer {
  config: Record<string, unknown>;
  multi: Scored[];
  approx: number[];
  retrieved: Record<string, { colbert: number[][]; dense: number[] }>;
  py_half: Scored[];
  py_bytes: Scored[];
  py_half_vector: number[];
  py_bytes_vector: number[];
}

const r = rng(29);
const row = () => Array.from({ length: 4 }, () => r() - 0.5);
const norm = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const l2 = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0));

const multi = Array.from({ length: 300 }, (_, id) => ({
  id,
  vector: { colbert: Array.from({ length: 1 + (id % 4) }, row), dense: row() },
}));
const plain = Array.from({ length: 100 }, (_, id) => ({ id, vector: row().map((x) => x * 600) }));
const query = [row(), row(), row()];
const plainQuery = row().map((x) => x * 600);
const retrieve = [3, 7];

function runScript(phase: string, url: string): Promise<Answer> {
  const job = { phase, url, multi, plain, query, plainQuery, retrieve };
  return runPythonJob<Answer>(SCRIPT, job, 120_000);
}

function maxSimReference(): Scored[] {
  const qs = query.map(norm);
  return multi
    .map((p) => {
      const rows = p.vector.colbert.map(norm);
      return { id: p.id, score: qs.reduce((t, q) => t + Math.max(...rows.map((x) => dot(q, x))), 0) };
    })
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, 10);
}

function plainReference(convert: (x: number) => number): Scored[] {
  const q = plainQuery.map(convert);
  return plain
    .map((p) => ({ id: p.id, score: l2(p.vector.map(convert), q) }))
    .sort((a, b) => a.score - b.score || a.id - b.id)
    .slice(0, 5);
}

function expectRanking(got: Scored[], want: Scored[], digits: number) {
  expect(got.map((g) => g.id)).toEqual(want.map((w) => w.id));
  got.forEach((g, i) => expect(g.score).toBeCloseTo(want[i].score, digits));
}

let strata: ServedTempStore;
let svc: StrataCollectionService;
let store: FileSystemStore;

beforeAll(async () => {
  strata = await serveTempStore(2);
  ({ svc, store } = strata);
});

afterAll(async () => {
  await strata?.close();
});

function checkAnswer(a: Answer): void {
  expectRanking(a.multi, maxSimReference(), 4);
  expect(a.approx.filter((id) => a.multi.some((m) => m.id === id)).length).toBeGreaterThanOrEqual(8);
  for (const id of retrieve) {
    const want = multi[id].vector;
    const got = a.retrieved[String(id)];
    expect(got.colbert.length).toBe(want.colbert.length);
    got.colbert.forEach((x, i) => x.forEach((v, j) => expect(v).toBeCloseTo(norm(want.colbert[i])[j], 5)));
    got.dense.forEach((v, j) => expect(v).toBeCloseTo(want.dense[j], 5));
  }
  expectRanking(a.py_half, plainReference(roundFloat16), 1);
  expectRanking(a.py_bytes, plainReference(toUint8), 3);
  expect(a.py_half_vector).toEqual(plain[retrieve[0]].vector.map(roundFloat16));
  expect(a.py_bytes_vector).toEqual(plain[retrieve[0]].vector.map(toUint8));
}

describe('multivectors and datatypes through the Python client', () => {
  it('creates, upserts, queries and retrieves; the same answers after sealing', async () => {
    const loaded = await runScript('load', strata.url);
    expect(loaded.config.py_half).toMatchObject({ datatype: 'float16' });
    expect(loaded.config.py_mv).toMatchObject({ colbert: { multivector_config: { comparator: 'max_sim' } } });
    checkAnswer(loaded);
    for (const c of ['py_mv', 'py_half', 'py_bytes']) {
      await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(c);
      expect((await svc.getCollection(c)).segments_count).toBeGreaterThan(0);
    }
    checkAnswer(await runScript('query', strata.url));
  }, 300_000);
});
