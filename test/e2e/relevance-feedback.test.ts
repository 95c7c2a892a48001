/**
 * Relevance feedback queries (`query: {relevance_feedback: {target, feedback, strategy: {naive: {a, b, c}}}}`)
 * through the official REST client, against a brute-force reference of Qdrant's naive formula
 * (lib/segment/src/vector_storage/query/feedback_query.rs):
 *
 *   score(x) = a·sim(target, x) + Σ over ordered pairs (better, worse) of judged examples with score_b > score_w
 *              of (score_b − score_w)^b · c · (sim(better, x) − sim(worse, x))
 *
 * with sim Qdrant's internal similarity (dot of normalized vectors for Cosine, −Σ(a−b)² for Euclid), over points in
 * sealed segments and the WAL tail; point ids as examples are looked up and never returned; as a prefetch's re-scoring;
 * and Qdrant's validation of the strategy.
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import { rng } from '../support/collection-harness.js';
import { clientRejection, serveTempStore, type ServedTempStore } from '../support/strata-server.js';

const DIM = 6;
const N = 90;
let strata: ServedTempStore;
let client: QdrantClient;

const r = rng(17);
const vectors = Array.from({ length: N }, () => Array.from({ length: DIM }, () => r() * 2 - 1));
const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const f32 = (v: number[]) => Array.from(Float32Array.from(v));
const sims = {
  Cosine: (a: number[], b: number[]) => unit(a).reduce((s, x, i) => s + x * unit(b)[i], 0),
  Euclid: (a: number[], b: number[]) => -a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0),
};
type Space = keyof typeof sims;

interface Judged {
  vector: number[];
  score: number;
}

function reference(space: Space, target: number[], judged: Judged[], k: { a: number; b: number; c: number }) {
  const sim = sims[space];
  return (x: number[]) => {
    let s = k.a * sim(target, x);
    for (const better of judged)
      for (const worse of judged) {
        const confidence = better.score - worse.score;
        if (confidence > 0) s += confidence ** k.b * k.c * (sim(better.vector, x) - sim(worse.vector, x));
      }
    return s;
  };
}

function ranking(score: (x: number[]) => number, exclude: number[] = []) {
  return vectors
    .map((v, i) => ({ id: i + 1, score: score(f32(v)) }))
    .filter((p) => !exclude.includes(p.id))
    .sort((x, y) => y.score - x.score || x.id - y.id);
}

beforeAll(async () => {
  strata = await serveTempStore(2);
  client = strata.client;
  for (const space of ['Cosine', 'Euclid'] as const) {
    const name = space.toLowerCase();
    await client.createCollection(name, {
      vectors: { size: DIM, distance: space },
      optimizers_config: { default_segment_number: 2 },
    });
    const points = vectors.map((vector, i) => ({ id: i + 1, vector, payload: { odd: (i + 1) % 2 === 1 } }));
    await client.upsert(name, { wait: true, points: points.slice(0, 60) });
    await new CollectionOptimizer({ store: strata.store, skipGc: true }).optimizeUntil(name);
    await client.upsert(name, { wait: true, points: points.slice(60) });
  }
});

afterAll(async () => {
  await strata?.close();
});

const STRATEGY = { a: 0.7, b: 1.5, c: 0.4 };

describe('relevance feedback (naive strategy)', () => {
  for (const space of ['Cosine', 'Euclid'] as const) {
    it(`${space}: vectors as target and examples = brute force over sealed segments and the tail`, async () => {
      const target = Array.from({ length: DIM }, () => r() - 0.5);
      const judged = [0.9, 0.2, 0.55].map((score) => ({ vector: Array.from({ length: DIM }, () => r() - 0.5), score }));
      const res = await client.query(space.toLowerCase(), {
        query: {
          relevance_feedback: {
            target,
            feedback: judged.map((j) => ({ example: j.vector, score: j.score })),
            strategy: { naive: STRATEGY },
          },
        },
        limit: 10,
      } as never);
      const want = ranking(reference(space, target, judged, STRATEGY)).slice(0, 10);
      expect(res.points.map((p) => p.id)).toEqual(want.map((p) => p.id));
      res.points.forEach((p, i) => expect(p.score).toBeCloseTo(want[i].score, 3));
    });
  }

  it('point ids as target and examples are looked up (tail and sealed) and never returned; with a filter', async () => {
    const judged = [
      { id: 3, score: 1 },
      { id: 71, score: 0.3 },
      { id: 40, score: 0.6 },
    ];
    const res = await client.query('cosine', {
      query: {
        relevance_feedback: {
          target: 88,
          feedback: judged.map((j) => ({ example: j.id, score: j.score })),
          strategy: { naive: STRATEGY },
        },
      },
      filter: { must: [{ key: 'odd', match: { value: false } }] },
      limit: 8,
    } as never);
    const score = reference(
      'Cosine',
      f32(vectors[87]),
      judged.map((j) => ({ vector: f32(vectors[j.id - 1]), score: j.score })),
      STRATEGY,
    );
    const want = ranking(score, [88, 3, 71, 40])
      .filter((p) => p.id % 2 === 0)
      .slice(0, 8);
    expect(res.points.map((p) => p.id)).toEqual(want.map((p) => p.id));
  });

  it('re-scores a prefetch: only the prefetched candidates are ranked by the feedback formula', async () => {
    const target = vectors[5];
    const judged = [
      { vector: vectors[10], score: 0.8 },
      { vector: vectors[20], score: 0.1 },
    ];
    const res = await client.query('euclid', {
      prefetch: { query: vectors[30], limit: 20 },
      query: {
        relevance_feedback: {
          target,
          feedback: judged.map((j) => ({ example: j.vector, score: j.score })),
          strategy: { naive: STRATEGY },
        },
      },
      limit: 5,
    } as never);
    const near = ranking((x) => sims.Euclid(f32(vectors[30]), x))
      .slice(0, 20)
      .map((p) => p.id);
    const score = reference(
      'Euclid',
      f32(target),
      judged.map((j) => ({ ...j, vector: f32(j.vector) })),
      STRATEGY,
    );
    const want = near
      .map((id) => ({ id, score: score(f32(vectors[id - 1])) }))
      .sort((x, y) => y.score - x.score || x.id - y.id)
      .slice(0, 5);
    expect(res.points.map((p) => p.id)).toEqual(want.map((p) => p.id));
  });

  it('refuses a negative b (422) and a missing strategy (400) as Qdrant does, and an unknown example id with 404', async () => {
    const bad = (strategy: unknown) =>
      clientRejection(
        client.query('cosine', {
          query: { relevance_feedback: { target: vectors[0], feedback: [], strategy } },
        } as never),
      );
    expect(await bad({ naive: { a: 1, b: -1, c: 1 } })).toEqual({
      status: 422,
      error: 'Validation error in JSON body: [query.relevance_feedback.strategy.naive.b: must be 0 or larger]',
    });
    const missing = await bad(undefined);
    expect(missing.status).toBe(400);
    expect(missing.error).toMatch(/^Format error in JSON body: query\.relevance_feedback\.strategy/);
    const unknown = await clientRejection(
      client.query('cosine', {
        query: {
          relevance_feedback: { target: 1, feedback: [{ example: 9999, score: 1 }], strategy: { naive: STRATEGY } },
        },
      } as never),
    );
    expect(unknown).toEqual({ status: 404, error: 'Not found: No point with id 9999 found' });
  });
});
