/**
 * The example-scored query forms (recommend best_score / sum_scores, discover, context, relevance feedback) over a
 * multivector name and over sparse names (plain and `modifier: idf`), and MMR over a sparse name, through the
 * official REST client, against brute force computed here with Qdrant's rules:
 * - multivector: sim(example, point) = MaxSim (Σ over the example's rows of the best point row, Dot);
 * - sparse: sim(example, point) = dot over the shared indices, 0 when none is shared (every point holding the name
 *   is a candidate: Qdrant scans them); with `idf`, every example weighted by ln((n − df + 0.5)/(df + 0.5) + 1) over
 *   the live points holding the name;
 * - MMR over a sparse name: the nearest candidates (IDF-weighted search), then λ·dot(query, x) − (1 − λ)·max
 *   dot(x, selected) with plain dot products.
 * Checked with every point in the WAL tail, then sealed into several segments, then segments + a tail that
 * overwrites and deletes some of them; through the query API, prefetch re-scoring, groups, legacy recommend and
 * discover with `using`, `lookup_from` another collection, and the refusals' wording.
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import { rng } from '../support/collection-harness.js';
import {
  type Scored,
  type Sparse,
  type SparseMultiPoint,
  type Vecs,
  maxSim,
  sparseDot,
  sparseMultiPoints,
} from '../support/sparse-multi-points.js';
import {
  clientRejection,
  type ServedTempStore,
  serveTempStore,
  type LegacyQdrantClient,
} from '../support/strata-server.js';

const C = 'scored';
const OTHER = 'scored_other';
let strata: ServedTempStore;
let client: QdrantClient;
let client118: LegacyQdrantClient;

/** the live points, as the collection holds them now (each also holds `text` as `weighted`) */
const live = new Map<number, Vecs>();
const payload = (id: number) => ({ bucket: id % 3, odd: id % 2 === 1 });
const upsert = async (points: SparseMultiPoint[]) => {
  for (const p of points) live.set(p.id, p.vector);
  await client.upsert(C, {
    wait: true,
    points: points.map((p) => ({
      id: p.id,
      vector: { ...p.vector, ...(p.vector.text ? { weighted: p.vector.text } : {}) },
      payload: payload(p.id),
    })),
  } as never);
};

const EPS = 1.1920929e-7;
const fs = (x: number) => x / (1 + Math.abs(x));
const sig = (x: number) => 0.5 * (fs(x) + 1);

type Example = number[][] | Sparse;
interface Name {
  using: 'colbert' | 'text' | 'weighted';
  /** a stored example by id, as the collection stores it */
  of(id: number): Example;
  /** the example as it is scored (IDF-weighted for `weighted`) */
  prepare(e: Example): Example;
  /** sim(example, point), undefined when the point lacks the name */
  sim(e: Example, v: Vecs): number | undefined;
}

function idfWeighted(e: Sparse): Sparse {
  const holders = [...live.values()].filter((v) => v.text !== undefined);
  const n = holders.length;
  return {
    indices: e.indices,
    values: e.indices.map((d, i) => {
      const df = holders.filter((v) => v.text?.indices.includes(d)).length;
      return Math.fround(e.values[i] * Math.log((n - df + 0.5) / (df + 0.5) + 1));
    }),
  };
}

const NAMES: Name[] = [
  {
    using: 'colbert',
    of: (id) => live.get(id)?.colbert as number[][],
    prepare: (e) => e,
    sim: (e, v) => (v.colbert ? maxSim(e as number[][], v.colbert) : undefined),
  },
  {
    using: 'text',
    of: (id) => live.get(id)?.text as Sparse,
    prepare: (e) => e,
    sim: (e, v) => (v.text ? sparseDot(e as Sparse, v.text) : undefined),
  },
  {
    using: 'weighted',
    of: (id) => live.get(id)?.text as Sparse,
    prepare: (e) => idfWeighted(e as Sparse),
    sim: (e, v) => (v.text ? sparseDot(e as Sparse, v.text) : undefined),
  },
];

/** ids of live points holding every name the test uses as examples */
const examplesIds = () =>
  [...live.keys()].filter((id) => live.get(id)?.colbert && live.get(id)?.text).sort((a, b) => a - b);

/** brute force over the live points: best first, ties by id; `score` undefined = not a candidate */
function rank(score: (v: Vecs, id: number) => number | undefined, exclude: number[], limit: number): Scored[] {
  const out: Scored[] = [];
  for (const [id, v] of live) {
    if (exclude.includes(id)) continue;
    const s = score(v, id);
    if (s !== undefined) out.push({ id, score: s });
  }
  return out.sort((a, b) => b.score - a.score || a.id - b.id).slice(0, limit);
}

function expectRanking(got: { id: unknown; score: number }[], want: Scored[]): void {
  expect(got.map((g) => g.id)).toEqual(want.map((w) => w.id));
  got.forEach((g, i) => expect(g.score).toBeCloseTo(want[i].score, 4));
}

/** The five forms, each with its request and its brute-force scorer, over examples `ids` of the collection. */
function forms(name: Name, ids: number[]) {
  const [a, b, c, d, e] = ids;
  const ex = (id: number) => name.prepare(name.of(id));
  const sims = (v: Vecs, es: number[]) => es.map((id) => name.sim(ex(id), v));
  const judged = [
    { id: c, score: 0.9 },
    { id: d, score: 0.2 },
    { id: e, score: 0.55 },
  ];
  const K = { a: 0.7, b: 1.5, c: 0.4 };
  return [
    {
      what: 'recommend best_score',
      query: { recommend: { positive: [a, b], negative: [c], strategy: 'best_score' } },
      examples: [a, b, c],
      score: (v: Vecs) => {
        const [pa, pb, nc] = sims(v, [a, b, c]);
        if (pa === undefined) return undefined;
        const pos = Math.max(pa, pb as number);
        return pos > (nc as number) ? sig(pos) : -sig(nc as number);
      },
    },
    {
      what: 'recommend sum_scores (negatives only)',
      query: { recommend: { positive: [], negative: [d, e], strategy: 'sum_scores' } },
      examples: [d, e],
      score: (v: Vecs) => {
        const [nd, ne] = sims(v, [d, e]);
        return nd === undefined ? undefined : -nd - (ne as number);
      },
    },
    {
      what: 'discover',
      query: {
        discover: {
          target: a,
          context: [
            { positive: b, negative: c },
            { positive: d, negative: e },
          ],
        },
      },
      examples: [a, b, c, d, e],
      score: (v: Vecs) => {
        const [t, pb, nc, pd, ne] = sims(v, [a, b, c, d, e]) as number[];
        if (t === undefined) return undefined;
        return Math.sign(pb - nc) + Math.sign(pd - ne) + sig(t);
      },
    },
    {
      what: 'context',
      query: {
        context: [
          { positive: a, negative: b },
          { positive: c, negative: d },
        ],
      },
      examples: [a, b, c, d],
      score: (v: Vecs) => {
        const [pa, nb, pc, nd] = sims(v, [a, b, c, d]) as number[];
        if (pa === undefined) return undefined;
        return fs(Math.min(pa - nb - EPS, 0)) + fs(Math.min(pc - nd - EPS, 0));
      },
    },
    {
      what: 'relevance feedback',
      query: {
        relevance_feedback: {
          target: a,
          feedback: judged.map((j) => ({ example: j.id, score: j.score })),
          strategy: { naive: K },
        },
      },
      examples: [a, c, d, e],
      score: (v: Vecs) => {
        const t = name.sim(ex(a), v);
        if (t === undefined) return undefined;
        let s = K.a * t;
        for (const better of judged)
          for (const worse of judged) {
            const conf = better.score - worse.score;
            if (conf > 0) {
              const w = conf ** K.b * K.c;
              s += w * ((name.sim(ex(better.id), v) as number) - (name.sim(ex(worse.id), v) as number));
            }
          }
        return s;
      },
    },
  ];
}

/** Every form over every name through the query API (with a filter too) = brute force. */
async function checkForms(ids: number[]): Promise<void> {
  for (const name of NAMES) {
    for (const f of forms(name, ids)) {
      const got = await client.query(C, { query: f.query, using: name.using, limit: 8 } as never);
      const want = rank(f.score, f.examples, 8);
      expect(want.length, `${name.using} ${f.what}`).toBe(8);
      expectRanking(got.points, want);
      const filtered = await client.query(C, {
        query: f.query,
        using: name.using,
        limit: 5,
        filter: { must: [{ key: 'odd', match: { value: true } }] },
      } as never);
      expectRanking(
        filtered.points,
        rank((v, id) => (id % 2 === 1 ? f.score(v) : undefined), f.examples, 5),
      );
    }
  }
}

/** Legacy recommend (best_score) and discover with `using`, and a prefetch re-scored by best_score. */
async function checkLegacyAndPrefetch(ids: number[]): Promise<void> {
  for (const name of NAMES) {
    const [best, sum, discover] = forms(name, ids);
    const [a, b, c] = ids;
    const legacy = await client118.recommend(C, {
      positive: [a, b],
      negative: [c],
      strategy: 'best_score',
      using: name.using,
      limit: 6,
    });
    expectRanking(legacy, rank(best.score, best.examples, 6));
    // the JS client has no legacy discover method: the route directly
    const disc = await fetch(`${strata.url}/collections/${C}/points/discover`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        target: ids[0],
        context: [
          { positive: ids[1], negative: ids[2] },
          { positive: ids[3], negative: ids[4] },
        ],
        using: name.using,
        limit: 6,
      }),
    });
    expect(disc.status).toBe(200);
    expectRanking(((await disc.json()) as { result: Scored[] }).result, rank(discover.score, discover.examples, 6));
    // the prefetch's top 30 by sum_scores, re-ranked by best_score (the query's examples are excluded from every
    // stage)
    const pre = await client.query(C, {
      prefetch: { query: sum.query, using: name.using, limit: 30 },
      query: best.query,
      using: name.using,
      limit: 6,
    } as never);
    const examples = [...best.examples, ...sum.examples];
    const prefetched = rank(sum.score, examples, 30).map((s) => s.id);
    const want = rank((v, id) => (prefetched.includes(id) ? best.score(v) : undefined), examples, 6);
    expectRanking(pre.points, want);
  }
}

/** MMR over a sparse name: candidates by the (IDF-weighted) search, selection by plain dot products. */
async function checkSparseMmr(): Promise<void> {
  const q: Sparse = { indices: [1, 4, 7, 11, 16], values: [0.9, 0.4, 1.2, 0.7, 0.3] };
  for (const name of NAMES.filter((n) => n.using !== 'colbert')) {
    const got = await client.query(C, {
      query: { nearest: q, mmr: { diversity: 0.6, candidates_limit: 15 } },
      using: name.using,
      limit: 5,
    } as never);
    const searched = name.prepare(q) as Sparse;
    const candidates = rank(
      (v) => (v.text?.indices.some((d) => q.indices.includes(d)) ? sparseDot(searched, v.text) : undefined),
      [],
      15,
    );
    const vec = (id: number) => live.get(id)?.text as Sparse;
    const lambda = 0.4;
    const relevance = new Map(candidates.map((c) => [c.id, sparseDot(q, vec(c.id))]));
    const chosen: Scored[] = [];
    const left = [...candidates];
    while (chosen.length < 5 && left.length > 0) {
      let best = 0;
      let bestScore = Number.NEGATIVE_INFINITY;
      left.forEach((c, i) => {
        const div = chosen.length === 0 ? 0 : Math.max(...chosen.map((s) => sparseDot(vec(c.id), vec(s.id))));
        const s =
          chosen.length === 0
            ? (relevance.get(c.id) as number)
            : lambda * (relevance.get(c.id) as number) - (1 - lambda) * div;
        if (s > bestScore) {
          best = i;
          bestScore = s;
        }
      });
      chosen.push(left.splice(best, 1)[0]);
    }
    // MMR chooses and orders; each point keeps its search score
    expectRanking(got.points, chosen);
    // as the re-scoring stage over a prefetch of the same query: the same candidates, the same choice
    const staged = await client.query(C, {
      prefetch: { query: q, using: name.using, limit: 30 },
      query: { nearest: q, mmr: { diversity: 0.6, candidates_limit: 15 } },
      using: name.using,
      limit: 5,
    } as never);
    expectRanking(staged.points, chosen);
  }
}

beforeAll(async () => {
  strata = await serveTempStore(2);
  client = strata.client;
  client118 = strata.client118;
  for (const name of [C, OTHER]) {
    await client.createCollection(name, {
      vectors: {
        dense: { size: 4, distance: 'Cosine' },
        colbert: { size: 3, distance: 'Dot', multivector_config: { comparator: 'max_sim' } },
      },
      sparse_vectors: { text: {}, weighted: { modifier: 'idf' } },
      optimizers_config: { default_segment_number: 3 },
    } as never);
  }
  await upsert(sparseMultiPoints(90, 29));
}, 60_000);

afterAll(async () => {
  await strata?.close();
});

describe('example-scored forms over multivector and sparse names', () => {
  it('every point in the WAL tail: each form = brute force, with and without a filter', async () => {
    await checkForms(examplesIds().slice(0, 5));
    await checkLegacyAndPrefetch(examplesIds().slice(5, 10));
    await checkSparseMmr();
  });

  it('sealed into several segments: the same answers, scanned by the workers', async () => {
    await new CollectionOptimizer({ store: strata.store, skipGc: true }).optimizeUntil(C);
    const info = await client.getCollection(C);
    expect(info.segments_count).toBeGreaterThanOrEqual(2);
    expect(info.points_count).toBe(90);
    await checkForms(examplesIds().slice(10, 15));
    await checkLegacyAndPrefetch(examplesIds().slice(0, 5));
    await checkSparseMmr();
  });

  it('segments + a tail that overwrites and deletes points: the tail shadows them, IDF counts the live set', async () => {
    const fresh = sparseMultiPoints(90, 31).slice(60);
    await upsert(fresh);
    await client.delete(C, { wait: true, points: [2, 3, 17] });
    for (const id of [2, 3, 17]) live.delete(id);
    // examples from the tail and from the segments
    const ids = examplesIds();
    await checkForms([ids.at(-1), ids[1], ids.at(-3), ids[4], ids.at(-5)] as number[]);
    await checkLegacyAndPrefetch([ids[2], ids.at(-2), ids[6], ids.at(-4), ids[8]] as number[]);
    await checkSparseMmr();
  });

  it('groups: the best point of each group by a scored form', async () => {
    const ids = examplesIds();
    for (const name of NAMES) {
      const best = forms(name, ids.slice(0, 5))[0];
      const res = await client.queryGroups(C, {
        query: best.query,
        using: name.using,
        group_by: 'bucket',
        group_size: 1,
        limit: 3,
      } as never);
      const all = rank(best.score, best.examples, live.size);
      const firstOf = [0, 1, 2].map((bucket) => all.find((s) => s.id % 3 === bucket) as Scored);
      firstOf.sort((x, y) => y.score - x.score || x.id - y.id);
      expect(res.groups.map((g) => g.hits[0].id)).toEqual(firstOf.map((s) => s.id));
      res.groups.forEach((g, i) => expect(g.hits[0].score).toBeCloseTo(firstOf[i].score, 4));
    }
  });

  it('lookup_from another collection: its stored vectors are the examples, its ids are not excluded', async () => {
    const r = rng(5);
    const other = sparseMultiPoints(12, 77).map((p) => ({ ...p, id: p.id + 1 }));
    await client.upsert(OTHER, {
      wait: true,
      points: other.map((p) => ({
        id: p.id,
        vector: { ...p.vector, ...(p.vector.text ? { weighted: p.vector.text } : {}) },
      })),
    } as never);
    const holding = other.filter((p) => p.vector.colbert && p.vector.text).map((p) => p.id);
    const [a, b] = [holding[0], holding[1 + Math.floor(r() * (holding.length - 1))]];
    const vecOf = (id: number) => (other.find((p) => p.id === id) as SparseMultiPoint).vector;
    for (const name of NAMES.filter((n) => n.using !== 'weighted')) {
      const of = (id: number) => (name.using === 'colbert' ? vecOf(id).colbert : vecOf(id).text) as Example;
      const res = await client.query(C, {
        query: { recommend: { positive: [a], negative: [b], strategy: 'sum_scores' } },
        using: name.using,
        lookup_from: { collection: OTHER, vector: name.using },
        limit: 6,
      } as never);
      const want = rank(
        (v) => {
          const p = name.sim(of(a), v);
          return p === undefined ? undefined : p - (name.sim(of(b), v) as number);
        },
        [],
        6,
      );
      expectRanking(res.points, want);
    }
  });

  it('refuses as Qdrant does: a dense example for a sparse name, a sparse one for a multivector, unknown names', async () => {
    const ids = examplesIds();
    const dense = await clientRejection(
      client.query(C, {
        query: { recommend: { positive: [[0.1, 0.2, 0.3]], strategy: 'best_score' } },
        using: 'text',
      } as never),
    );
    expect(dense).toEqual({ status: 400, error: 'Wrong input: Conversion between sparse and regular vectors failed' });
    const sparse = await clientRejection(
      client.query(C, {
        query: { context: [{ positive: { indices: [1], values: [1] }, negative: ids[0] }] },
        using: 'colbert',
      } as never),
    );
    expect(sparse).toEqual({ status: 400, error: 'Wrong input: Conversion between sparse and regular vectors failed' });
    const lookup = await clientRejection(
      client.query(C, {
        query: { discover: { target: ids[0], context: [] } },
        using: 'text',
        lookup_from: { collection: OTHER, vector: 'nope' },
      } as never),
    );
    expect(lookup).toEqual({ status: 400, error: 'Wrong input: Not existing vector name error: nope' });
    const missing = await clientRejection(
      client.query(C, { query: { recommend: { positive: [9999], strategy: 'sum_scores' } }, using: 'text' } as never),
    );
    expect(missing).toEqual({ status: 404, error: 'Not found: No point with id 9999 found' });
  });
});
