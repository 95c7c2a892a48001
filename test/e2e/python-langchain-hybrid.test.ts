/**
 * Hybrid (dense + sparse) retrieval as Python applications do it, against a served Strata: LangChain's
 * `QdrantVectorStore(retrieval_mode=RetrievalMode.HYBRID)` and `RetrievalMode.SPARSE`, and LlamaIndex's
 * `QdrantVectorStore(enable_hybrid=True)` with its own sparse functions (test/python/client_hybrid.py, `clients`
 * venv). The embeddings are deterministic functions of the text (SHA-256 based, no model), mirrored here, so every
 * answer is checked against brute force computed in this file:
 * - LangChain hybrid = Qdrant's RRF (k = 2: a point at 0-based position p gains 1 / (p + 2)) of the brute-force
 *   dense top-k (Cosine) and sparse top-k (dot product over shared indices), each under the same filter;
 * - LlamaIndex fuses on the client (relative score fusion, alpha 0.5) the two rankings the server answered in one
 *   query/batch; the same fusion of the brute-force rankings must give the same nodes and scores.
 * The LangChain collection is created by the store itself (unnamed dense "" + sparse "langchain-sparse"), sealed into
 * segments, then grown through the WAL tail, so the rankings cover sealed and unsealed points; deletes cover both.
 */
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import type { StrataCollectionService } from '../../lib/collection/service.js';
import { directInvoker, rng, service, tempStore } from '../support/collection-harness.js';
import { runPythonJob } from '../support/python-job.js';
import { startStrata, type StrataUnderTest } from '../support/strata-server.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'client_hybrid.py');
const LC = 'lc_hybrid';
const LLAMA = 'llama_hybrid';
const K = 5;
const DIM = 8;
/** a job's budget: importing LangChain and LlamaIndex alone took ~60 s on the loaded 2-core test machine */
const JOB_MS = 180_000;

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** The mirror of client_hybrid.py's embeddings. */
const denseOf = (text: string) => [...sha(text).subarray(0, DIM)].map((b) => (b - 127.5) / 127.5);
function sparseOf(text: string, document: boolean): Map<number, number> {
  const jitter = document ? 1 + sha(text).readUInt16LE(0) / 65536 : 1;
  const out = new Map<number, number>();
  for (const token of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const h = sha(token);
    const id = h.readUInt16LE(0);
    out.set(id, (out.get(id) ?? 0) + (0.5 + h[2] / 256) * jitter);
  }
  return out;
}

const norm = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};
const cosine = (a: number[], b: number[]) => norm(a).reduce((s, x, i) => s + x * norm(b)[i], 0);
function sparseDot(q: Map<number, number>, d: Map<number, number>): number {
  let s = 0;
  for (const [i, w] of q) s += w * (d.get(i) ?? 0);
  return s;
}

interface Doc {
  id: number | string;
  text: string;
  group: number;
}
type Ranked = { id: number | string; score: number };
type Hit = Ranked & { text?: string };

/** Best first; only points sharing an index with the query are sparse candidates (as an inverted index finds). */
function denseRanking(docs: Doc[], query: string): Ranked[] {
  const q = denseOf(query);
  return docs.map((d) => ({ id: d.id, score: cosine(denseOf(d.text), q) })).sort((a, b) => b.score - a.score);
}
function sparseRanking(docs: Doc[], query: string): Ranked[] {
  const q = sparseOf(query, false);
  return docs
    .map((d) => ({ id: d.id, score: sparseDot(q, sparseOf(d.text, true)) }))
    .filter((r) => r.score > 0)
    .sort((a, b) => b.score - a.score);
}

/** Qdrant's RRF over the top-k of each list (its default k = 2). */
function rrf(lists: Ranked[][]): Ranked[] {
  const scores = new Map<number | string, number>();
  for (const list of lists) list.forEach((r, p) => scores.set(r.id, (scores.get(r.id) ?? 0) + 1 / (p + 2)));
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}

/** LlamaIndex's relative_score_fusion: min-max normalize each list, then 0.5 · dense + 0.5 · sparse. */
function relativeScoreFusion(dense: Ranked[], sparse: Ranked[]): Ranked[] {
  const normalized = (list: Ranked[]) => {
    const max = Math.max(...list.map((r) => r.score));
    const min = Math.min(...list.map((r) => r.score));
    return new Map(list.map((r) => [r.id, max === min ? max : (r.score - min) / (max - min)]));
  };
  const d = normalized(dense);
  const s = normalized(sparse);
  const ids = [...new Set([...dense.map((r) => r.id), ...sparse.map((r) => r.id)])];
  return ids.map((id) => ({ id, score: 0.5 * (s.get(id) ?? 0) + 0.5 * (d.get(id) ?? 0) }));
}

/**
 * A fused ranking equals the reference up to the order of tied scores (RRF's sums tie by construction, and Qdrant
 * does not break ties): the scores agree position for position, and each run of equal scores holds the same ids,
 * except that the run cut by the limit may hold any of the tied ids.
 */
function expectSameRanking(got: Ranked[], want: Ranked[], limit: number): void {
  const top = want.slice(0, limit);
  expect(got.map((g) => g.score)).toHaveLength(top.length);
  got.forEach((g, i) => expect(g.score).toBeCloseTo(top[i].score, 5));
  for (let i = 0; i < got.length; ) {
    const tied = want.filter((w) => Math.abs(w.score - want[i].score) < 1e-5).map((w) => w.id);
    let j = i + 1;
    while (j < got.length && Math.abs(got[j].score - want[i].score) < 1e-5) j++;
    const run = got.slice(i, j).map((g) => g.id);
    if (j === got.length && tied.length > run.length) for (const id of run) expect(tied).toContain(id);
    else expect([...run].sort()).toEqual([...tied].sort());
    i = j;
  }
}

/** Neither reference ranking may hold near-ties at its top (else the engine's float32 order could differ). */
function expectNoNearTies(list: Ranked[]): void {
  for (let i = 1; i <= Math.min(K, list.length - 1); i++) {
    expect(list[i - 1].score - list[i].score, `near tie at ${i}`).toBeGreaterThan(1e-4);
  }
}

const r = rng(41);
const VOCAB = 'amber basalt cobalt delta ember fjord garnet harbor indigo jasper kelp lagoon marble nectar onyx pearl'
  .split(' ')
  .concat('quartz river sierra tundra'.split(' '));
const sentence = () => Array.from({ length: 6 }, () => VOCAB[Math.floor(r() * VOCAB.length)]).join(' ');
const QUERY = 'cobalt harbor river';

const docs: Doc[] = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, text: sentence(), group: i % 3 }));
const first = docs.slice(0, 30);
const added = docs.slice(30);
const uuid = (n: number) => {
  const h = sha(`node ${n}`).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const llamaDocs: Doc[] = docs.map((d, i) => ({ ...d, id: uuid(i) }));

/** The LangChain hybrid reference over `pool` with the filter applied to both prefetches. */
const hybridOf = (pool: Doc[]) => rrf([denseRanking(pool, QUERY).slice(0, K), sparseRanking(pool, QUERY).slice(0, K)]);
const inGroup1 = (d: Doc) => d.group === 1;
/** the two best hybrid points (one sealed at least) and one tail point are deleted */
const DELETE = [
  ...hybridOf(docs)
    .slice(0, 2)
    .map((h) => h.id as number),
  35,
];

interface Run {
  added: (number | string)[];
  hybrid: Hit[];
  filtered: Hit[];
  sparse: Hit[];
  plain: number[];
  deleted: boolean;
  after_delete: Hit[];
}
interface Llama {
  hybrid: Hit[];
  filtered: Hit[];
  after_delete: Hit[];
  vectors: string[];
  sparse: string[];
}

let strata: StrataUnderTest;
let svc: StrataCollectionService;
let cleanup: () => void;
let loaded: { vectors: string[]; sparse: string[] };
let segments: number;
let run: Run;
let llama: Llama;

beforeAll(async () => {
  const t = tempStore();
  cleanup = t.cleanup;
  svc = service(t.store, directInvoker(t.store, 2));
  strata = await startStrata(svc);
  const base = { url: strata.url, collection: LC };
  loaded = await runPythonJob(
    SCRIPT,
    {
      ...base,
      phase: 'load',
      texts: first.map((d) => d.text),
      groups: first.map((d) => d.group),
      ids: first.map((d) => d.id),
    },
    JOB_MS,
  );
  await new CollectionOptimizer({ store: t.store, skipGc: true }).optimizeUntil(LC);
  segments = (await svc.getCollection(LC)).segments_count;
  run = await runPythonJob<Run>(
    SCRIPT,
    {
      ...base,
      phase: 'run',
      add: { texts: added.map((d) => d.text), groups: added.map((d) => d.group), ids: added.map((d) => d.id) },
      k: K,
      query: QUERY,
      delete: DELETE,
    },
    JOB_MS,
  );
  llama = await runPythonJob<Llama>(
    SCRIPT,
    {
      url: strata.url,
      collection: LLAMA,
      phase: 'llama',
      node_ids: llamaDocs.map((d) => d.id),
      texts: llamaDocs.map((d) => d.text),
      groups: llamaDocs.map((d) => d.group),
      k: K,
      query: QUERY,
      delete: DELETE.map((id) => llamaDocs[(id as number) - 1].id),
    },
    JOB_MS,
  );
}, 4 * JOB_MS);

afterAll(async () => {
  await strata?.close();
  cleanup?.();
});

describe('the references are unambiguous', () => {
  it.each([
    ['all', docs],
    ['group 1', docs.filter(inGroup1)],
  ] as const)('%s: dense and sparse top-k have no near ties and at least k sparse candidates', (_, pool) => {
    expectNoNearTies(denseRanking(pool, QUERY));
    expectNoNearTies(sparseRanking(pool, QUERY));
    expect(sparseRanking(pool, QUERY).length).toBeGreaterThan(K);
  });
});

describe('LangChain QdrantVectorStore in RetrievalMode.HYBRID and SPARSE', () => {
  it('from_texts creates the unnamed dense vector and the sparse name; the points seal into segments', () => {
    expect(loaded).toEqual({ vectors: [''], sparse: ['langchain-sparse'] });
    expect(segments).toBeGreaterThan(0);
    expect(run.added).toEqual(added.map((d) => d.id));
  });

  it('similarity_search_with_score (hybrid) equals RRF of brute-force dense and sparse rankings', () => {
    expectSameRanking(run.hybrid, hybridOf(docs), K);
    for (const h of run.hybrid) expect(h.text).toBe(docs[(h.id as number) - 1].text);
  });

  it('a metadata filter applies to both prefetches', () => {
    const pool = docs.filter(inGroup1);
    expectSameRanking(run.filtered, hybridOf(pool), K);
    for (const h of run.filtered) expect(docs[(h.id as number) - 1].group).toBe(1);
  });

  it('RetrievalMode.SPARSE equals the brute-force sparse dot product', () => {
    const want = sparseRanking(docs, QUERY).slice(0, K);
    expect(run.sparse.map((h) => h.id)).toEqual(want.map((w) => w.id));
    run.sparse.forEach((h, i) => expect(h.score).toBeCloseTo(want[i].score, 4));
  });

  it('similarity_search returns the same documents as the scored search', () => {
    expect(run.plain).toEqual(run.hybrid.map((h) => h.id));
  });

  it('delete removes sealed and tail points from both rankings', () => {
    expect(run.deleted).toBe(true);
    const pool = docs.filter((d) => !DELETE.includes(d.id as number));
    expectSameRanking(run.after_delete, hybridOf(pool), K);
  });
});

describe('LlamaIndex QdrantVectorStore with enable_hybrid and its own sparse functions', () => {
  const fused = (pool: Doc[]) =>
    relativeScoreFusion(denseRanking(pool, QUERY).slice(0, K), sparseRanking(pool, QUERY).slice(0, K)).sort(
      (a, b) => b.score - a.score,
    );

  it('creates the named dense vector and the sparse name', () => {
    expect(llama.vectors).toEqual(['text-dense']);
    expect(llama.sparse).toEqual(['text-sparse-new']);
  });

  it('hybrid query = relative score fusion of the brute-force rankings', () => {
    expectSameRanking(llama.hybrid, fused(llamaDocs), K);
  });

  it('a metadata filter applies to both requests', () => {
    expectSameRanking(llama.filtered, fused(llamaDocs.filter(inGroup1)), K);
  });

  it('delete_nodes removes the points', () => {
    const gone = new Set(DELETE.map((id) => llamaDocs[id - 1].id));
    expectSameRanking(llama.after_delete, fused(llamaDocs.filter((d) => !gone.has(d.id))), K);
  });
});
