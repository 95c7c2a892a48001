/**
 * The universal Query API through the official `@qdrant/js-client-rest` against the real service (filesystem store,
 * in-process segment searches), every form checked against a brute-force reference over the same points. The data
 * is spread over sealed segments AND the WAL tail: 3 segments sealed, then overwrites, new points and deletes left
 * unsealed, so every answer must merge both and honour shadowing (§4.2).
 *
 * Nearest leaves run with `exact: true`, so the reference is exact too and answers compare id for id (scores to 1e-5).
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import type { StrataCollectionService } from '../../lib/collection/service.js';
import { config, directInvoker, rng, service, tempStore } from '../support/collection-harness.js';
import { startStrata, type StrataUnderTest, type LegacyQdrantClient } from '../support/strata-server.js';

const DIM = 8;
const EXACT = { exact: true };
type P = { vector: number[]; payload: { g: string; k: number; n: number; tag: string; obj: { a: number } } };

let strata: StrataUnderTest;
let client: QdrantClient;
let client118: LegacyQdrantClient;
let svc: StrataCollectionService;
let cleanup: () => void;
/** the reference: live points by id (vectors normalized, as Cosine stores them) */
const live = new Map<number, P>();

const norm = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const sigmoid = (x: number) => 0.5 * (x / (1 + Math.abs(x)) + 1);

function makePoints(from: number, to: number, seed: number): { id: number; vector: number[]; payload: P['payload'] }[] {
  const r = rng(seed);
  const out = [];
  for (let id = from; id < to; id++) {
    const vector = Array.from({ length: DIM }, () => r() - 0.5);
    out.push({
      id,
      vector,
      payload: {
        g: `g${id % 7}`,
        k: id % 10,
        n: Math.floor(r() * 1000),
        tag: id % 3 === 0 ? 'hot' : 'cold',
        obj: { a: 1 },
      },
    });
  }
  return out;
}

/** Brute force: every live point scored, best first, ties by id. */
function rank(score: (p: P, id: number) => number, keep: (p: P, id: number) => boolean = () => true) {
  const out: { id: number; score: number }[] = [];
  for (const [id, p] of live) if (keep(p, id)) out.push({ id, score: score(p, id) });
  return out.sort((a, b) => b.score - a.score || a.id - b.id);
}

const ids = (xs: readonly { id: unknown }[]) => xs.map((x) => x.id);

function expectRanking(got: readonly { id: unknown; score: number }[], want: { id: number; score: number }[]) {
  expect(ids(got)).toEqual(ids(want));
  got.forEach((g, i) => expect(g.score).toBeCloseTo(want[i].score, 5));
}

beforeAll(async () => {
  const t = tempStore();
  cleanup = t.cleanup;
  svc = service(t.store, directInvoker(t.store, 3));
  await svc.createCollection('c', config(DIM, 'Cosine', { segments: 3 }));
  // order_by needs a range index on its key, as in Qdrant
  await svc.createFieldIndex('c', 'n', 'integer');
  await svc.createCollection('groups_info', config(DIM, 'Cosine'));
  const first = makePoints(0, 150, 1);
  await svc.upsertPoints('c', first, true);
  await new CollectionOptimizer({ store: t.store, skipGc: true }).optimizeUntil('c');
  // the WAL tail: overwrites of sealed points, new points, deletes
  const tail = [...makePoints(140, 170, 2), ...makePoints(10, 20, 3)];
  await svc.upsertPoints('c', tail, true);
  await svc.deletePoints('c', { points: [0, 1, 2, 150] }, true);
  for (const p of [...first, ...tail]) live.set(p.id, { vector: norm(p.vector), payload: p.payload });
  for (const id of [0, 1, 2, 150]) live.delete(id);
  await svc.upsertPoints(
    'groups_info',
    [{ id: 5, vector: [1, 0, 0, 0, 0, 0, 0, 0], payload: { about: 'five' } }],
    true,
  );
  strata = await startStrata(svc);
  client = strata.client;
  client118 = strata.client118;
  expect((await svc.getCollection('c')).segments_count).toBe(3);
});

afterAll(async () => {
  await strata?.close();
  cleanup?.();
});

const q0 = norm([0.3, -0.2, 0.1, 0.5, -0.4, 0.2, 0.1, -0.1]);
const q1 = norm([-0.3, 0.2, 0.4, 0.1, 0.2, -0.5, 0.3, 0.2]);

describe('query forms vs brute force (segments + WAL tail)', () => {
  it('a point id queries with its stored vector, and never returns itself', async () => {
    const me = live.get(12) as P;
    const got = await client.query('c', { query: 12, limit: 10, params: EXACT });
    expectRanking(
      got.points,
      rank(
        (p) => dot(p.vector, me.vector),
        (_, id) => id !== 12,
      ).slice(0, 10),
    );
  });

  it('lookup_from takes example vectors from another collection, and does not exclude their ids here', async () => {
    const e = [1, 0, 0, 0, 0, 0, 0, 0];
    const got = await client.query('c', {
      query: { recommend: { positive: [5] } },
      lookup_from: { collection: 'groups_info' },
      limit: 10,
      params: EXACT,
    });
    expectRanking(got.points, rank((p) => dot(p.vector, e)).slice(0, 10));
    expect(
      await client
        .query('c', { query: 5, lookup_from: { collection: 'groups_info', vector: 'image' } })
        .catch((x) => x.status),
    ).toBe(400);
  });

  it('prefetch + RRF (k = 2) and weighted RRF, and DBSF', async () => {
    const prefetch = [
      { query: q0, limit: 20, params: EXACT },
      { query: q1, limit: 20, params: EXACT, filter: { must: [{ key: 'tag', match: { value: 'hot' } }] } },
    ];
    const a = rank((p) => dot(p.vector, q0)).slice(0, 20);
    const b = rank(
      (p) => dot(p.vector, q1),
      (p) => p.payload.tag === 'hot',
    ).slice(0, 20);
    const fuse = (parts: Map<number, number>[]) => {
      const sum = new Map<number, number>();
      for (const m of parts) for (const [id, s] of m) sum.set(id, (sum.get(id) ?? 0) + s);
      return [...sum].map(([id, score]) => ({ id, score })).sort((x, y) => y.score - x.score || x.id - y.id);
    };
    const rrfOf = (l: { id: number }[], w: number, k: number) =>
      new Map(l.map((x, i) => [x.id, 1 / ((i + 1) / w + k - 1)]));
    expectRanking(
      (await client.query('c', { prefetch, query: { fusion: 'rrf' }, limit: 15 })).points,
      fuse([rrfOf(a, 1, 2), rrfOf(b, 1, 2)]).slice(0, 15),
    );
    expectRanking(
      (await client.query('c', { prefetch, query: { rrf: { k: 5, weights: [3, 1] } }, limit: 15 } as never)).points,
      fuse([rrfOf(a, 3, 5), rrfOf(b, 1, 5)]).slice(0, 15),
    );
    const dbsfOf = (l: { id: number; score: number }[]) => {
      const mean = l.reduce((s, x) => s + x.score, 0) / l.length;
      const std = Math.sqrt(l.reduce((s, x) => s + (x.score - mean) ** 2, 0) / (l.length - 1));
      return new Map(l.map((x) => [x.id, (x.score - (mean - 3 * std)) / (6 * std)]));
    };
    expectRanking(
      (await client.query('c', { prefetch, query: { fusion: 'dbsf' }, limit: 15 })).points,
      fuse([dbsfOf(a), dbsfOf(b)]).slice(0, 15),
    );
  });

  it('prefetch then re-score with another vector (two stages)', async () => {
    const cands = new Set(
      rank((p) => dot(p.vector, q0))
        .slice(0, 30)
        .map((x) => x.id),
    );
    const got = await client.query('c', { prefetch: { query: q0, limit: 30, params: EXACT }, query: q1, limit: 8 });
    expectRanking(
      got.points,
      rank(
        (p) => dot(p.vector, q1),
        (_, id) => cands.has(id),
      ).slice(0, 8),
    );
  });

  it('recommend: average_vector, best_score, sum_scores (ids and vectors mixed)', async () => {
    const pos = [(live.get(30) as P).vector, (live.get(160) as P).vector];
    const neg = [norm(q1)];
    const notEx = (_: P, id: number) => id !== 30 && id !== 160;
    const avg = pos[0].map((_x, i) => {
      const ap = (pos[0][i] + pos[1][i]) / 2;
      return ap + ap - neg[0][i];
    });
    const avgN = norm(avg);
    const recommend = (strategy: string) => ({ recommend: { positive: [30, 160], negative: [q1], strategy } });
    expectRanking(
      (await client.query('c', { query: recommend('average_vector'), limit: 10, params: EXACT } as never)).points,
      rank((p) => dot(p.vector, avgN), notEx).slice(0, 10),
    );
    const best = (p: P) => {
      const mp = Math.max(...pos.map((v) => dot(v, p.vector)));
      const mn = Math.max(...neg.map((v) => dot(v, p.vector)));
      return mp > mn ? sigmoid(mp) : -sigmoid(mn);
    };
    expectRanking(
      (await client.query('c', { query: recommend('best_score'), limit: 10 } as never)).points,
      rank(best, notEx).slice(0, 10),
    );
    const sum = (p: P) => dot(pos[0], p.vector) + dot(pos[1], p.vector) - dot(neg[0], p.vector);
    expectRanking(
      (await client.query('c', { query: recommend('sum_scores'), limit: 10 } as never)).points,
      rank(sum, notEx).slice(0, 10),
    );
    // the legacy endpoint answers the same list
    const legacy = await client118.recommend('c', {
      positive: [30, 160],
      negative: [q1],
      strategy: 'sum_scores',
      limit: 10,
    });
    expectRanking(legacy, rank(sum, notEx).slice(0, 10));
  });

  it('discover and context', async () => {
    const t = (live.get(40) as P).vector;
    const pairs = [
      { positive: 41, negative: 42 },
      { positive: 43, negative: 44 },
    ];
    const v = (id: number) => (live.get(id) as P).vector;
    const notEx = (_: P, id: number) => ![40, 41, 42, 43, 44].includes(id);
    const disc = (p: P) =>
      pairs.reduce((s, c) => s + Math.sign(dot(v(c.positive), p.vector) - dot(v(c.negative), p.vector)), 0) +
      sigmoid(dot(t, p.vector));
    expectRanking(
      (await client.query('c', { query: { discover: { target: 40, context: pairs } }, limit: 10 })).points,
      rank(disc, notEx).slice(0, 10),
    );
    expectRanking(
      await client118.discoverPoints('c', { target: 40, context: pairs, limit: 10 }),
      rank(disc, notEx).slice(0, 10),
    );
    const ctx = (p: P) =>
      pairs.reduce((s, c) => {
        const d = Math.min(dot(v(c.positive), p.vector) - dot(v(c.negative), p.vector) - 1.1920929e-7, 0);
        return s + d / (1 + Math.abs(d));
      }, 0);
    const got = await client.query('c', { query: { context: pairs }, limit: 10 });
    const want = rank(ctx, (_, id) => ![41, 42, 43, 44].includes(id)).slice(0, 10);
    got.points.forEach((g, i) => expect(g.score).toBeCloseTo(want[i].score, 5));
    // the legacy discover without a target is context search, as Qdrant's
    const legacy = await client118.discoverPoints('c', { context: pairs, limit: 10 });
    legacy.forEach((g, i) => expect(g.score).toBeCloseTo(want[i].score, 5));
    const neither = await fetch(`${strata.url}/collections/c/points/discover`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ limit: 10 }),
    });
    expect(neither.status).toBe(400);
    expect(((await neither.json()) as { status: { error: string } }).status.error).toBe(
      'Bad request: target and/or context_pairs must be specified',
    );
  });

  it('MMR picks from the nearest candidates by the textbook rule', async () => {
    const cands = rank((p) => dot(p.vector, q0)).slice(0, 25);
    const sel: { id: number; score: number }[] = [];
    const rest = [...cands];
    while (sel.length < 6) {
      let best = 0;
      let bestS = -Infinity;
      rest.forEach((c, i) => {
        const red =
          sel.length === 0
            ? 0
            : Math.max(...sel.map((s) => dot((live.get(s.id) as P).vector, (live.get(c.id) as P).vector)));
        const s = sel.length === 0 ? c.score : 0.4 * c.score - 0.6 * red;
        if (s > bestS) [best, bestS] = [i, s];
      });
      sel.push(rest.splice(best, 1)[0]);
    }
    const got = await client.query('c', {
      query: { nearest: q0, mmr: { diversity: 0.6, candidates_limit: 25 } },
      limit: 6,
      params: EXACT,
    });
    expectRanking(got.points, sel);
  });

  it('formula: $score boosted by a payload condition and a decay', async () => {
    const cands = rank((p) => dot(p.vector, q0)).slice(0, 30);
    const formula = {
      sum: [
        '$score',
        { mult: [0.3, { key: 'tag', match: { value: 'hot' } }] },
        { mult: [0.2, { gauss_decay: { x: 'n', target: 500, scale: 200 } }] },
      ],
    };
    const want = cands
      .map((c) => {
        const p = live.get(c.id) as P;
        const decay = Math.exp((Math.log(0.5) / 200 ** 2) * (p.payload.n - 500) ** 2);
        return { id: c.id, score: c.score + (p.payload.tag === 'hot' ? 0.3 : 0) + 0.2 * decay };
      })
      .sort((a, b) => b.score - a.score || a.id - b.id)
      .slice(0, 10);
    const got = await client.query('c', {
      prefetch: { query: q0, limit: 30, params: EXACT },
      query: { formula },
      limit: 10,
    } as never);
    expectRanking(got.points, want);
  });

  it('order_by, sample, and no query (id order, like scroll)', async () => {
    const byN = [...live].sort((a, b) => b[1].payload.n - a[1].payload.n || a[0] - b[0]).slice(0, 5);
    const ordered = await client.query('c', { query: { order_by: { key: 'n', direction: 'desc' } }, limit: 5 });
    expect(ordered.points.map((p) => p.id)).toEqual(byN.map(([id]) => id));
    const sampled = await client.query('c', {
      query: { sample: 'random' },
      limit: 6,
      filter: { must: [{ key: 'tag', match: { value: 'hot' } }] },
    });
    expect(new Set(ids(sampled.points)).size).toBe(6);
    for (const p of sampled.points) expect(live.get(p.id as number)?.payload.tag).toBe('hot');
    const scan = await client.query('c', { limit: 7, offset: 2 });
    expect(ids(scan.points)).toEqual([...live.keys()].sort((a, b) => a - b).slice(2, 9));
  });

  it('groups: query/groups, search/groups, recommend/groups with lookup', async () => {
    const ranked = rank((p) => dot(p.vector, q0));
    const want = new Map<string, number[]>();
    for (const r of ranked) {
      const g = (live.get(r.id) as P).payload.g;
      if (!want.has(g) && want.size < 3) want.set(g, []);
      const hits = want.get(g);
      if (hits && hits.length < 2) hits.push(r.id);
    }
    const expected = [...want].map(([id, hits]) => ({ id, hits }));
    const shape = (r: { groups: { id: unknown; hits: { id: unknown }[] }[] }) =>
      r.groups.map((g) => ({ id: g.id, hits: ids(g.hits) }));
    expect(
      shape(await client.queryGroups('c', { query: q0, group_by: 'g', group_size: 2, limit: 3, params: EXACT })),
    ).toEqual(expected);
    expect(
      shape(
        await client118.searchPointGroups('c', { vector: q0, group_by: 'g', group_size: 2, limit: 3, params: EXACT }),
      ),
    ).toEqual(expected);
    // integer keys through the legacy door (the JS client does not forward its with_lookup), then with_lookup
    // through query/groups: group 5 carries point 5 of `groups_info`, groups without such a point carry none
    const legacy = await client118.recommendPointGroups('c', {
      positive: [12],
      group_by: 'k',
      group_size: 1,
      limit: 10,
      params: EXACT,
    });
    const keys = (r: { groups: { id: unknown }[] }) => r.groups.map((g) => g.id).sort((a, b) => Number(a) - Number(b));
    expect(keys(legacy)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const rec = await client.queryGroups('c', {
      query: { recommend: { positive: [12] } },
      group_by: 'k',
      group_size: 1,
      limit: 10,
      with_lookup: 'groups_info',
      params: EXACT,
    });
    expect(keys(rec)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const g of rec.groups) {
      if (g.id === 5) expect(g.lookup).toMatchObject({ id: 5, payload: { about: 'five' } });
      else expect(g.lookup).toBeUndefined();
    }
  });

  it('distance matrix: pairs and offsets agree with brute force over the sample', async () => {
    const m = await client.searchMatrixOffsets('c', { sample: 12, limit: 3 });
    expect(new Set(m.ids).size).toBe(12);
    for (let k = 0; k < m.scores.length; k++) {
      const a = live.get(m.ids[m.offsets_row[k]] as number) as P;
      const b = live.get(m.ids[m.offsets_col[k]] as number) as P;
      expect(m.scores[k]).toBeCloseTo(dot(a.vector, b.vector), 5);
    }
    expect(m.scores.length).toBe(36);
    const pairs = await client.searchMatrixPairs('c', {
      sample: 5,
      limit: 2,
      filter: { must: [{ key: 'tag', match: { value: 'cold' } }] },
    });
    expect(pairs.pairs).toHaveLength(10);
    for (const p of pairs.pairs) expect(live.get(p.a as number)?.payload.tag).toBe('cold');
  });

  it('query/batch and recommend/batch run every form over one snapshot', async () => {
    const res = await client.queryBatch('c', {
      searches: [
        { query: q0, limit: 3, params: EXACT },
        { query: 12, limit: 3, params: EXACT },
        { query: { sample: 'random' }, limit: 2 },
      ],
    });
    expect(ids(res[0].points)).toEqual(ids(rank((p) => dot(p.vector, q0)).slice(0, 3)));
    expect(res[1].points).toHaveLength(3);
    expect(res[2].points).toHaveLength(2);
    const rb = await client118.recommendBatch('c', {
      searches: [
        { positive: [12], limit: 2 },
        { positive: [13], limit: 4 },
      ],
    });
    expect(rb.map((r) => r.length)).toEqual([2, 4]);
  });
});

describe('bad input gets Qdrant’s 4xx and message', () => {
  const rejection = async (p: Promise<unknown>) => {
    const e = (await p.then(
      () => null,
      (x: unknown) => x,
    )) as { status: number; data: { status: { error: string } } } | null;
    expect(e).not.toBeNull();
    return { status: e?.status, error: e?.data?.status?.error };
  };

  it.each([
    ['unknown point id', { query: 99999 }, 404, 'Not found: No point with id 99999 found'],
    ['a deleted point id', { query: { recommend: { positive: [0] } } }, 404, 'Not found: No point with id 0 found'],
    [
      'empty positive list',
      { query: { recommend: { positive: [] } } },
      400,
      'Wrong input: At least one positive vector ID required with this strategy',
    ],
    [
      'formula with a missing prefetch',
      { prefetch: { query: q0 }, query: { formula: { sum: ['$score', '$score[1]'] } } },
      400,
      'Wrong input: $score[1] refers to prefetch 1, but the query has 1 prefetch',
    ],
    [
      'formula without prefetch',
      { query: { formula: '$score' } },
      400,
      'Wrong input: cannot apply Formula without prefetches',
    ],
    [
      'fusion without prefetch',
      { query: { fusion: 'rrf' } },
      400,
      'Wrong input: cannot apply Fusion without prefetches',
    ],
    [
      'limit 0',
      { query: q0, limit: 0 },
      422,
      'Validation error in JSON body: [limit: value 0 invalid, must be 1 or larger]',
    ],
    ['unknown vector name', { query: q0, using: 'image' }, 400, 'Wrong input: Not existing vector name error: image'],
    [
      'RRF weights of the wrong length',
      { prefetch: [{ query: q0 }], query: { rrf: { weights: [1, 2] } } },
      400,
      'Wrong input: RRF weights length (2) does not match number of prefetches (1)',
    ],
  ])('%s', async (_, body, status, error) => {
    expect(await rejection(client.query('c', body as never))).toEqual({ status, error });
  });

  it('group_by on an object field', async () => {
    expect(await rejection(client.queryGroups('c', { query: q0, group_by: 'obj', limit: 2 }))).toEqual({
      status: 400,
      error: 'Wrong input: field `obj` holds an object; only keyword and integer values can be grouped by',
    });
  });
});
