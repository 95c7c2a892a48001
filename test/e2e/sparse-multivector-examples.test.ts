/**
 * Example-based queries over a sparse name and a multivector name through REST, against brute force, as Qdrant
 * answers them (lib/collection/src/recommendations.rs): a point id as the query searches with that point's vector;
 * recommend's average_vector strategy searches a sparse name with the examples' average (indices merged, then
 * 2·pos − neg per index) and a multivector name with the positives' rows concatenated and the negatives' rows
 * negated (MaxSim). Example ids are never results; points lacking the name are skipped. Half of the points are
 * sealed into segments, half stay in the WAL tail. A dense example for a sparse name is Qdrant's conversion error
 * (the per-example strategies over these names: scored-sparse-multivector.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import { directInvoker, service, tempStore } from '../support/collection-harness.js';
import {
  bruteForce,
  maxSim,
  multiScore,
  type Scored,
  type Sparse,
  sparseDot,
  sparseMultiPoints,
  sparseScore,
  type Vecs,
} from '../support/sparse-multi-points.js';
import { type StrataUnderTest, startStrata } from '../support/strata-server.js';

const C = 'examples';
const POINTS = sparseMultiPoints(60, 47);
let strata: StrataUnderTest;
let cleanup: () => void;

async function call(
  path: string,
  body: unknown,
): Promise<{ status: number; json: { result?: unknown; status?: { error?: string } } }> {
  const res = await fetch(`${strata.url}/collections/${C}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { result?: unknown; status?: { error?: string } } };
}
async function query(body: unknown): Promise<Scored[]> {
  const r = await call('/points/query', body);
  if (r.status !== 200) throw new Error(`${r.status} ${r.json.status?.error}`);
  return ((r.json.result as { points: Scored[] }).points ?? []).map((p) => ({ id: p.id, score: p.score }));
}

/** the points other than the examples */
const without = (ids: number[]) => POINTS.filter((p) => !ids.includes(p.id));

/** Qdrant's sparse average: per index, the mean over the vectors (missing = 0 is not counted in: sum / count) */
function sparseAverage(positive: Sparse[], negative: Sparse[]): Sparse {
  const avg = (vs: Sparse[]) => {
    const m = new Map<number, number>();
    for (const v of vs) v.indices.forEach((d, i) => m.set(d, (m.get(d) ?? 0) + v.values[i]));
    for (const [d, x] of m) m.set(d, x / vs.length);
    return m;
  };
  const p = avg(positive);
  const n = negative.length > 0 ? avg(negative) : new Map<number, number>();
  const indices = [...new Set([...p.keys(), ...n.keys()])].sort((a, b) => a - b);
  const values = indices.map((d) =>
    negative.length > 0 ? 2 * (p.get(d) ?? 0) - (n.get(d) ?? 0) : (p.get(d) as number),
  );
  return { indices, values };
}
/** a sparse candidate shares an index with the query, whatever the sign of its score */
const sharing = (q: Sparse) => (v: Vecs) =>
  v.text?.indices.some((d) => q.indices.includes(d)) ? sparseDot(q, v.text) : undefined;

function expectRanking(got: Scored[], want: Scored[]): void {
  expect(got.map((g) => g.id)).toEqual(want.map((w) => w.id));
  got.forEach((g, i) => expect(g.score).toBeCloseTo(want[i].score, 4));
}

const text = (id: number) => POINTS[id].vector.text as Sparse;
const colbert = (id: number) => POINTS[id].vector.colbert as number[][];

beforeAll(async () => {
  const t = tempStore();
  cleanup = t.cleanup;
  const svc = service(t.store, directInvoker(t.store, 2));
  strata = await startStrata(svc);
  const put = async (path: string, body: unknown) => {
    const res = await fetch(`${strata.url}${path}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  };
  await put(`/collections/${C}`, {
    vectors: {
      dense: { size: 4, distance: 'Cosine' },
      colbert: { size: 3, distance: 'Dot', multivector_config: { comparator: 'max_sim' } },
    },
    sparse_vectors: { text: {} },
  });
  await put(`/collections/${C}/points?wait=true`, { points: POINTS.slice(0, 30) });
  await new CollectionOptimizer({ store: t.store, skipGc: true }).optimizeUntil(C);
  await put(`/collections/${C}/points?wait=true`, { points: POINTS.slice(30) });
}, 60_000);

afterAll(async () => {
  await strata?.close();
  cleanup?.();
});

describe('a sparse name', () => {
  it('a point id as the query searches with its sparse vector, the point itself excluded', async () => {
    for (const id of [2, 41]) {
      const want = bruteForce(without([id]), sparseScore(text(id)), 6);
      expect(want.length).toBe(6);
      expectRanking(await query({ query: id, using: 'text', limit: 6 }), want);
    }
  });

  it('recommend average_vector searches with the merged average, through the query API and legacy recommend', async () => {
    const positive = [1, 33];
    const negative = [5];
    const q = sparseAverage(positive.map(text), negative.map(text));
    const want = bruteForce(without([...positive, ...negative]), sharing(q), 5);
    expect(want[4].score).toBeGreaterThan(0);
    const got = await query({ query: { recommend: { positive, negative } }, using: 'text', limit: 5 });
    expectRanking(got, want);
    const legacy = await call('/points/recommend', { positive, negative, using: 'text', limit: 5 });
    expect(legacy.status).toBe(200);
    expectRanking(legacy.json.result as Scored[], want);
    // positives only: the plain average; a sparse vector given inline is an example too
    const inline = { indices: [3, 7], values: [1, 0.5] };
    const q2 = sparseAverage([text(1), inline], []);
    const want2 = bruteForce(without([1]), sharing(q2), 5);
    expectRanking(await query({ query: { recommend: { positive: [1, inline] } }, using: 'text', limit: 5 }), want2);
  });

  it('refuses a dense example', async () => {
    const dense = await call('/points/query', { query: { recommend: { positive: [[1, 0, 0]] } }, using: 'text' });
    expect(dense.status).toBe(400);
    expect(dense.json.status?.error).toMatch(/Conversion between sparse and regular vectors failed/);
  });
});

describe('a multivector name', () => {
  it('recommend average_vector searches with the positive rows and the negated negative rows (MaxSim)', async () => {
    const positive = [0, 34];
    const negative = [6];
    const rows = [...positive.flatMap(colbert), ...negative.flatMap(colbert).map((r) => r.map((x) => -x))];
    const want = bruteForce(without([...positive, ...negative]), multiScore(rows), 6);
    const params = { exact: true };
    expectRanking(
      await query({ query: { recommend: { positive, negative } }, using: 'colbert', limit: 6, params }),
      want,
    );
    const legacy = await call('/points/recommend', { positive, negative, using: 'colbert', limit: 6, params });
    expect(legacy.status).toBe(200);
    expectRanking(legacy.json.result as Scored[], want);
    // not an average: two positives score as one query of all their rows
    const one = bruteForce(
      without(positive),
      (v) => (v.colbert ? maxSim(positive.flatMap(colbert), v.colbert) : undefined),
      6,
    );
    expectRanking(await query({ query: { recommend: { positive } }, using: 'colbert', limit: 6, params }), one);
  });

  it('a point id as the query searches with its rows', async () => {
    const want = bruteForce(without([9]), multiScore(colbert(9)), 6);
    expectRanking(await query({ query: 9, using: 'colbert', limit: 6, params: { exact: true } }), want);
  });
});
