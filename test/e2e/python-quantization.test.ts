/**
 * Every quantization kind through the official Python client (qdrant-client): test/python/client_quantization.py
 * creates collections with scalar int8, binary codes (1, 1.5 and 2 bits; symmetric and scalar4/8 query encodings),
 * product (x16) and TurboQuant (2 bits) codes as the client's own models, upserts, and runs the guide's queries (exact, `quantization.ignore`,
 * `rescore` with `oversampling`, codes alone) against the real HTTP server once the points are sealed into segments.
 * Exact answers equal brute force; rescored answers carry the originals' exact scores; every mode keeps a recall floor.
 *
 * Then PATCH switches an int8 collection to binary: the collection turns yellow (its segments were built with
 * other codes), the optimizer re-encodes them while queries keep running (none may fail), and it ends green with
 * every segment holding binary codes.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey } from '../../lib/collection/keys.js';
import { loadManifest } from '../../lib/collection/manifest.js';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import type { StrataCollectionService } from '../../lib/collection/service.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { directInvoker, rng, service, tempStore } from '../support/collection-harness.js';
import { runPythonJob } from '../support/python-job.js';
import { startStrata, type StrataUnderTest } from '../support/strata-server.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'client_quantization.py');
const DIM = 32;
const N = 600;
const K = 10;

/** name -> the quantization_config the client sends (and collection info must echo back) */
const KINDS: Record<string, unknown> = {
  q_int8: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
  q_b1: { binary: { always_ram: true } },
  q_b15: { binary: { encoding: 'one_and_half_bits', query_encoding: 'scalar4bits' } },
  q_b2: { binary: { always_ram: false, encoding: 'two_bits', query_encoding: 'scalar8bits' } },
  q_pq: { product: { compression: 'x16', always_ram: true } },
  q_tq: { turbo: { bits: 'bits2' } },
};
const PATCHED = 'q_patch';
const TO_BINARY = { binary: { always_ram: true, encoding: 'one_bit' } };

type Scored = { id: number; score: number };
type Answers = Record<string, Record<'exact' | 'ignore' | 'rescore' | 'codes', Scored[][]>>;

const r = rng(23);
// clustered rows (a few shared directions plus noise), so nearest neighbours are meaningful as in real embeddings
const centres = Array.from({ length: 12 }, () => Array.from({ length: DIM }, () => r() - 0.5));
const point = () => centres[Math.floor(r() * centres.length)].map((c) => c + 0.35 * (r() - 0.5));
const points = Array.from({ length: N }, point);
const queries = Array.from({ length: 20 }, point);

const unit = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};
const stored = points.map(unit);
function bruteForce(q: number[]): Scored[] {
  const u = unit(q);
  return stored
    .map((v, id) => ({ id, score: v.reduce((s, x, i) => s + x * u[i], 0) }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, K);
}
const truth = queries.map(bruteForce);
const exactScore = (q: number, id: number) => {
  const u = unit(queries[q]);
  return stored[id].reduce((s, x, i) => s + x * u[i], 0);
};
function recall(answers: Scored[][], label = ''): number {
  const hits = answers.reduce((h, a, q) => h + a.filter((p) => truth[q].some((t) => t.id === p.id)).length, 0);
  const r = hits / (answers.length * K);
  if (label) console.log(`${label}: recall@${K} ${r.toFixed(3)}`);
  return r;
}

function runScript<T>(job: unknown): Promise<T> {
  return runPythonJob<T>(SCRIPT, job, 120_000);
}

let strata: StrataUnderTest;
let svc: StrataCollectionService;
let store: FileSystemStore;
let cleanup: () => void;
let echoed: Record<string, unknown>;
let answers: Answers;

beforeAll(async () => {
  const t = tempStore();
  cleanup = t.cleanup;
  store = t.store;
  svc = service(t.store, directInvoker(t.store, 2));
  strata = await startStrata(svc);
  const collections = [...Object.entries(KINDS), [PATCHED, KINDS.q_int8] as const].map(([name, quantization]) => ({
    name,
    quantization,
    size: DIM,
    distance: 'Cosine',
    // 600 × 32 floats = 75 KB: above 10 KB, so the sealed segments get an HNSW graph
    indexing_threshold: 10,
  }));
  echoed = await runScript({ phase: 'create', url: strata.url, collections, points });
  const optimizer = new CollectionOptimizer({ store, skipGc: true });
  for (const c of collections) await optimizer.optimizeUntil(c.name);
  answers = await runScript({ phase: 'query', url: strata.url, names: Object.keys(KINDS), queries });
}, 300_000);

afterAll(async () => {
  await strata?.close();
  cleanup?.();
});

describe('qdrant-client with every quantization kind (sealed segments)', () => {
  it.each(Object.keys(KINDS))('%s: collection info echoes the quantization_config as given', (name) => {
    expect(echoed[name]).toEqual(KINDS[name]);
  });

  it.each(Object.keys(KINDS))('%s: exact search equals brute force', (name) => {
    answers[name].exact.forEach((got, q) => {
      expect(got.map((p) => p.id)).toEqual(truth[q].map((p) => p.id));
      got.forEach((p, i) => expect(p.score).toBeCloseTo(truth[q][i].score, 5));
    });
  });

  it.each(Object.keys(KINDS))('%s: quantization.ignore searches the originals', (name) => {
    expect(recall(answers[name].ignore)).toBeGreaterThanOrEqual(0.98);
  });

  // measured on these tight clusters (two runs): rescored int8 1.0, b1 0.91-0.92, b15 0.93, b2 0.95, pq x16 0.965,
  // tq bits2 0.995; codes alone int8 0.915, b1 0.32-0.355, b15 0.34, b2 0.40, pq 0.50, tq 0.58 (binary codes barely
  // order points inside one cluster: that is what rescoring is for)
  it.each([
    ['q_int8', 0.95],
    ['q_b1', 0.88],
    ['q_b15', 0.9],
    ['q_b2', 0.93],
    ['q_pq', 0.93],
    ['q_tq', 0.97],
  ])('%s: rescore with oversampling 4 returns exact scores and recall ≥ %f', (name, floor) => {
    answers[name].rescore.forEach((got, q) => {
      for (const p of got) expect(p.score).toBeCloseTo(exactScore(q, p.id), 5);
    });
    expect(recall(answers[name].rescore, `${name} rescore x4`)).toBeGreaterThanOrEqual(floor);
  });

  it.each([
    ['q_int8', 0.9],
    ['q_b1', 0.28],
    ['q_b15', 0.3],
    ['q_b2', 0.36],
    ['q_pq', 0.45],
    ['q_tq', 0.52],
  ])('%s: codes alone (rescore false) keep recall ≥ %f', (name, floor) => {
    expect(recall(answers[name].codes, `${name} codes alone`)).toBeGreaterThanOrEqual(floor);
  });
});

describe('PATCH int8 -> binary', () => {
  it('turns the collection yellow, re-encodes every segment while queries keep answering, then green', async () => {
    expect((await svc.getCollection(PATCHED)).status).toBe('green');
    expect(await runScript({ phase: 'patch', url: strata.url, name: PATCHED, quantization: TO_BINARY })).toBe(true);
    const info = await svc.getCollection(PATCHED);
    expect(info.status).toBe('yellow');

    let stop = false;
    const failures: string[] = [];
    let answered = 0;
    const load = (async () => {
      while (!stop) {
        const q = queries[answered % queries.length];
        const res = await fetch(`${strata.url}/collections/${PATCHED}/points/query`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: q, limit: K, params: { quantization: { rescore: true, oversampling: 4 } } }),
        });
        const body = (await res.json()) as { result?: { points: Scored[] } };
        if (res.status !== 200 || body.result?.points.length !== K)
          failures.push(`${res.status} ${JSON.stringify(body)}`);
        answered++;
      }
    })();
    await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(PATCHED);
    stop = true;
    await load;

    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(0);
    expect((await svc.getCollection(PATCHED)).status).toBe('green');
    const manifest = (await loadManifest(store, manifestKey(collectionPrefix('', PATCHED))))!.manifest;
    expect(manifest.segments.length).toBeGreaterThan(0);
    for (const s of manifest.segments) expect(s.build).toMatchObject({ quantile: null, codes: 'binary/one_bit/1' });
    const after = (await runScript<Answers>({ phase: 'query', url: strata.url, names: [PATCHED], queries }))[PATCHED];
    after.exact.forEach((got, q) => expect(got.map((p) => p.id)).toEqual(truth[q].map((p) => p.id)));
    // the segments now hold one_bit codes: the floor of a collection created with them (q_b1 above); 0.895 was seen
    expect(recall(after.rescore)).toBeGreaterThanOrEqual(0.88);
  }, 300_000);
});
