/**
 * Parity with Qdrant's own engine: the example-scored forms (recommend best_score / sum_scores, discover, context,
 * relevance feedback) over a MaxSim multivector, a sparse name and a sparse name with the IDF modifier, answered by
 * a Qdrant Edge shard (test/python/edge_scored.py, qdrant-edge-py pinned in test/support/python-env.ts) and by
 * Strata (two thirds of the points sealed into segments, the rest in the WAL tail) over the same points, with the
 * same inline example vectors. Every point holding the name is returned (the limit covers them all), so the two
 * rankings are compared whole: the same points, the same scores; ties (Qdrant orders them by its internal offsets,
 * Strata by id) are compared by id.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import { runPythonJob } from '../support/python-job.js';
import { type Scored, sparseMultiPoints } from '../support/sparse-multi-points.js';
import { type ServedTempStore, serveTempStore } from '../support/strata-server.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'edge_scored.py');
const C = 'parity';
const POINTS = sparseMultiPoints(60, 41);
const LIMIT = POINTS.length;
const STRATEGY = { a: 0.7, b: 1.5, c: 0.4 };
let strata: ServedTempStore;
let dir: string;

type Using = 'colbert' | 'text' | 'weighted';
interface Job {
  key: string;
  using: Using;
  kind: 'best_score' | 'sum_scores' | 'discover' | 'context' | 'feedback';
  positive?: unknown[];
  negative?: unknown[];
  target?: unknown;
  pairs?: [unknown, unknown][];
  feedback?: [unknown, number][];
  strategy?: typeof STRATEGY;
  limit: number;
}

/** the examples: stored vectors of points holding both names, as inline vectors */
function jobs(): Job[] {
  const holders = POINTS.filter((p) => p.vector.colbert && p.vector.text).map((p) => p.vector);
  const out: Job[] = [];
  for (const using of ['colbert', 'text', 'weighted'] as const) {
    const [a, b, c, d] = [holders[1], holders[7], holders[12], holders[20]].map((v) =>
      using === 'colbert' ? v.colbert : v.text,
    );
    const base = { using, limit: LIMIT };
    out.push(
      { ...base, key: `${using} best_score`, kind: 'best_score', positive: [a, b], negative: [c] },
      { ...base, key: `${using} sum_scores`, kind: 'sum_scores', positive: [a], negative: [d, b] },
      { ...base, key: `${using} discover`, kind: 'discover', target: a, pairs: [[b, c]] },
      {
        ...base,
        key: `${using} context`,
        kind: 'context',
        pairs: [
          [c, d],
          [a, b],
        ],
      },
      {
        ...base,
        key: `${using} feedback`,
        kind: 'feedback',
        target: a,
        feedback: [
          [b, 0.9],
          [c, 0.2],
          [d, 0.55],
        ],
        strategy: STRATEGY,
      },
    );
  }
  return out;
}

function restQuery(j: Job): unknown {
  switch (j.kind) {
    case 'best_score':
    case 'sum_scores':
      return { recommend: { positive: j.positive, negative: j.negative, strategy: j.kind } };
    case 'discover':
      return {
        discover: { target: j.target, context: j.pairs?.map(([positive, negative]) => ({ positive, negative })) },
      };
    case 'context':
      return { context: j.pairs?.map(([positive, negative]) => ({ positive, negative })) };
    default:
      return {
        relevance_feedback: {
          target: j.target,
          feedback: j.feedback?.map(([example, score]) => ({ example, score })),
          strategy: { naive: j.strategy },
        },
      };
  }
}

/**
 * Qdrant sums in float32, Strata in float64: a score that is 0 exactly here can be ±1e-8 there (relevance feedback
 * over points sharing no index with some examples). Scores equal to 1e-6 are one tie, ordered by id on both sides.
 */
const tieKey = (s: number) => Math.round(s * 1e6);
const byScoreThenId = (a: Scored, b: Scored) => tieKey(b.score) - tieKey(a.score) || a.id - b.id;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edge-scored-'));
  strata = await serveTempStore(2);
  await strata.client.createCollection(C, {
    vectors: { colbert: { size: 3, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } },
    sparse_vectors: { text: {}, weighted: { modifier: 'idf' } },
    optimizers_config: { default_segment_number: 2 },
  } as never);
  const upsert = (points: typeof POINTS) =>
    strata.client.upsert(C, {
      wait: true,
      points: points.map((p) => ({
        id: p.id,
        vector: {
          ...(p.vector.colbert ? { colbert: p.vector.colbert } : {}),
          ...(p.vector.text ? { text: p.vector.text, weighted: p.vector.text } : {}),
        },
      })),
    } as never);
  await upsert(POINTS.slice(0, 40));
  await new CollectionOptimizer({ store: strata.store, skipGc: true }).optimizeUntil(C);
  await upsert(POINTS.slice(40));
}, 60_000);

afterAll(async () => {
  await strata?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the example-scored forms over multivector and sparse names equal Qdrant's engine", () => {
  it('every form over colbert, text and weighted (IDF): the same points with the same scores', async () => {
    const all = jobs();
    const points = POINTS.map((p) => ({
      id: p.id,
      ...(p.vector.colbert ? { colbert: p.vector.colbert } : {}),
      ...(p.vector.text ? { text: p.vector.text } : {}),
    }));
    const edge = await runPythonJob<Record<string, Scored[]>>(
      SCRIPT,
      { dir: join(dir, 'shard'), points, queries: all },
      120_000,
    );
    for (const j of all) {
      const res = await strata.client.query(C, { query: restQuery(j), using: j.using, limit: LIMIT } as never);
      const got = res.points.map((p) => ({ id: Number(p.id), score: p.score })).sort(byScoreThenId);
      const want = [...edge[j.key]].sort(byScoreThenId);
      expect(want.length, j.key).toBeGreaterThan(30);
      expect(
        got.map((p) => p.id),
        j.key,
      ).toEqual(want.map((p) => p.id));
      got.forEach((p, i) => expect(p.score, `${j.key} #${i}`).toBeCloseTo(want[i].score, 4));
    }
  }, 180_000);
});
