/**
 * The universal Query API through the official Python client (`qdrant-client` 1.20) and LangChain's
 * `QdrantVectorStore`, as a Python application would call it: test/python/client_queries.py runs in the `clients`
 * venv that the test set-up provisions (test/support/python-env.ts), against the real HTTP server over the real
 * service, and prints what it got; every answer is compared here with brute force over the same points.
 *
 * The data is spread over 3 sealed segments AND the WAL tail (overwrites, new points, deletes), so each answer must
 * merge both. Nearest leaves run `exact: true`, so answers compare id for id (scores to 1e-5). LangChain's embedding
 * model is a deterministic fake (SHA-256 of the text), recomputed here with node:crypto.
 */
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import { config, directInvoker, rng, service, tempStore } from '../support/collection-harness.js';
import { runPythonJob } from '../support/python-job.js';
import { startStrata, type StrataUnderTest } from '../support/strata-server.js';

const DIM = 8;
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'client_queries.py');
type P = { vector: number[]; payload: { g: string; tag: string } };
type Scored = { id: number; score: number };
interface Answer {
  fusion: Scored[];
  groups: { id: string; hits: number[] }[];
  recommend: Scored[];
  discover: Scored[];
  matrix: { a: number; b: number; score: number }[];
  mmr: { id: number; text: string; n: number }[];
  warnings: string[];
}

const live = new Map<number, P>();
const norm = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const sigmoid = (x: number) => 0.5 * (x / (1 + Math.abs(x)) + 1);
const vec = (id: number) => (live.get(id) as P).vector;

function makePoints(from: number, to: number, seed: number) {
  const r = rng(seed);
  const out = [];
  for (let id = from; id < to; id++) {
    const vector = Array.from({ length: DIM }, () => r() - 0.5);
    out.push({ id, vector, payload: { g: `g${id % 7}`, tag: id % 3 === 0 ? 'hot' : 'cold' } });
  }
  return out;
}

/** Brute force: every live point scored, best first, ties by id. */
function rank(score: (p: P, id: number) => number, keep: (p: P, id: number) => boolean = () => true): Scored[] {
  const out: Scored[] = [];
  for (const [id, p] of live) if (keep(p, id)) out.push({ id, score: score(p, id) });
  return out.sort((a, b) => b.score - a.score || a.id - b.id);
}

function expectRanking(got: readonly Scored[], want: readonly Scored[]) {
  expect(got.map((g) => g.id)).toEqual(want.map((w) => w.id));
  got.forEach((g, i) => expect(g.score).toBeCloseTo(want[i].score, 5));
}

/** The script's FakeEmbeddings: the first DIM bytes of the text's SHA-256, each mapped to (b - 127.5) / 127.5. */
const fakeEmbedding = (text: string) =>
  [...createHash('sha256').update(text, 'utf8').digest().subarray(0, DIM)].map((b) => (b - 127.5) / 127.5);

function runScript(job: unknown): Promise<Answer> {
  return runPythonJob<Answer>(SCRIPT, job);
}

let strata: StrataUnderTest;
let cleanup: () => void;
let answer: Answer;
const q0 = norm([0.3, -0.2, 0.1, 0.5, -0.4, 0.2, 0.1, -0.1]);
const q1 = norm([-0.3, 0.2, 0.4, 0.1, 0.2, -0.5, 0.3, 0.2]);
const LC = {
  collection: 'lc',
  dim: DIM,
  texts: Array.from({ length: 40 }, (_, i) => `document number ${i}`),
  ids: Array.from({ length: 40 }, (_, i) => i + 1),
  query: 'which document?',
  k: 5,
  fetch_k: 20,
};
const DISCOVER = { target: 40, pairs: [[41, 42] as const, [43, 44] as const] };

beforeAll(async () => {
  const t = tempStore();
  cleanup = t.cleanup;
  const svc = service(t.store, directInvoker(t.store, 3));
  await svc.createCollection('c', config(DIM, 'Cosine', { segments: 3 }));
  const first = makePoints(0, 150, 1);
  await svc.upsertPoints('c', first, true);
  await new CollectionOptimizer({ store: t.store, skipGc: true }).optimizeUntil('c');
  const tail = [...makePoints(140, 170, 2), ...makePoints(10, 20, 3)];
  await svc.upsertPoints('c', tail, true);
  await svc.deletePoints('c', { points: [0, 1, 2, 150] }, true);
  for (const p of [...first, ...tail]) live.set(p.id, { vector: norm(p.vector), payload: p.payload });
  for (const id of [0, 1, 2, 150]) live.delete(id);
  expect((await svc.getCollection('c')).segments_count).toBe(3);
  strata = await startStrata(svc);
  answer = await runScript({
    url: strata.url,
    collection: 'c',
    q0,
    q1,
    recommend: { positive: [30, 160], negative: [q1] },
    discover: DISCOVER,
    langchain: LC,
  });
});

afterAll(async () => {
  await strata?.close();
  cleanup?.();
});

describe('qdrant-client 1.20 and LangChain against Strata (segments + WAL tail)', () => {
  it('connects without a compatibility warning', () => {
    expect(answer.warnings.filter((w) => /compatib|version/i.test(w))).toEqual([]);
  });

  it('query_points: prefetch + RRF fusion (k = 2)', () => {
    const a = rank((p) => dot(p.vector, q0)).slice(0, 20);
    const b = rank(
      (p) => dot(p.vector, q1),
      (p) => p.payload.tag === 'hot',
    ).slice(0, 20);
    const sum = new Map<number, number>();
    for (const l of [a, b]) l.forEach((x, i) => sum.set(x.id, (sum.get(x.id) ?? 0) + 1 / (i + 1 + 2 - 1)));
    const want = [...sum].map(([id, score]) => ({ id, score })).sort((x, y) => y.score - x.score || x.id - y.id);
    expectRanking(answer.fusion, want.slice(0, 10));
  });

  it('query_points_groups: the best groups by their best hit, two hits each', () => {
    const want = new Map<string, number[]>();
    for (const r of rank((p) => dot(p.vector, q0))) {
      const g = (live.get(r.id) as P).payload.g;
      if (!want.has(g) && want.size < 3) want.set(g, []);
      const hits = want.get(g);
      if (hits && hits.length < 2) hits.push(r.id);
    }
    expect(answer.groups).toEqual([...want].map(([id, hits]) => ({ id, hits })));
  });

  it('recommend (best_score, an id and a vector as examples)', () => {
    const pos = [vec(30), vec(160)];
    const best = (p: P) => {
      const mp = Math.max(...pos.map((v) => dot(v, p.vector)));
      const mn = dot(q1, p.vector);
      return mp > mn ? sigmoid(mp) : -sigmoid(mn);
    };
    expectRanking(answer.recommend, rank(best, (_, id) => id !== 30 && id !== 160).slice(0, 10));
  });

  it('discover (target + context pairs)', () => {
    const t = vec(DISCOVER.target);
    const disc = (p: P) =>
      DISCOVER.pairs.reduce((s, [pos, neg]) => s + Math.sign(dot(vec(pos), p.vector) - dot(vec(neg), p.vector)), 0) +
      sigmoid(dot(t, p.vector));
    expectRanking(answer.discover, rank(disc, (_, id) => ![40, 41, 42, 43, 44].includes(id)).slice(0, 10));
  });

  it('search_matrix_pairs: each sampled point with its 2 nearest in the sample, filtered', () => {
    const sample = [...new Set(answer.matrix.map((p) => p.a))];
    expect(sample).toHaveLength(6);
    expect(answer.matrix).toHaveLength(12);
    for (const p of answer.matrix) {
      expect(live.get(p.b)?.payload.tag).toBe('cold');
      expect(p.score).toBeCloseTo(dot(vec(p.a), vec(p.b)), 5);
    }
    for (const a of sample) {
      const want = sample
        .filter((b) => b !== a)
        .map((b) => ({ id: b, score: dot(vec(a), vec(b)) }))
        .sort((x, y) => y.score - x.score || x.id - y.id)
        .slice(0, 2);
      const got = answer.matrix.filter((p) => p.a === a).map((p) => ({ id: p.b, score: p.score }));
      expectRanking(got, want);
    }
  });

  it('LangChain max_marginal_relevance_search returns k documents, chosen by the MMR rule', () => {
    const docs = LC.texts.map((text, i) => ({ id: LC.ids[i], text, v: norm(fakeEmbedding(text)) }));
    const q = norm(fakeEmbedding(LC.query));
    const cands = docs
      .map((d) => ({ ...d, rel: dot(d.v, q) }))
      .sort((a, b) => b.rel - a.rel || a.id - b.id)
      .slice(0, LC.fetch_k);
    const chosen: typeof cands = [];
    while (chosen.length < LC.k) {
      let best = 0;
      let bestScore = Number.NEGATIVE_INFINITY;
      cands.forEach((c, i) => {
        const s = chosen.length === 0 ? c.rel : 0.5 * c.rel - 0.5 * Math.max(...chosen.map((x) => dot(x.v, c.v)));
        if (s > bestScore) [best, bestScore] = [i, s];
      });
      chosen.push(cands.splice(best, 1)[0]);
    }
    expect(answer.mmr).toHaveLength(LC.k);
    expect(answer.mmr).toEqual(chosen.map((c) => ({ id: c.id, text: c.text, n: c.id - 1 })));
  });
});
