/**
 * The example-scored forms over a multivector and a sparse name through the official Python client
 * (`qdrant-client`): test/python/client_scored.py runs in the `clients` venv against the real HTTP server, once with
 * every point in the WAL tail and once after they are sealed into segments. recommend best_score and sum_scores,
 * discover and context with point ids as examples = brute force: MaxSim of each example's normalized rows (Cosine)
 * for the multivector, dot over the shared indices for the sparse name.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';

import type { StrataCollectionService } from '../../lib/collection/service.js';
import type { FileSystemStore } from '../../lib/storage/fs-store.js';
import { runPythonJob } from '../support/python-job.js';
import { type Scored, type Sparse, maxSim, sparseDot, sparseMultiPoints } from '../support/sparse-multi-points.js';
import { type ServedTempStore, serveTempStore } from '../support/strata-server.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'client_scored.py');
const C = 'py_scored';

// every point has colbert (the fixture's 4th points lack it: given one row here); some lack text
const points = sparseMultiPoints(70, 13).map((p) => ({
  id: p.id,
  colbert: p.vector.colbert ?? [p.vector.dense.slice(0, 3)],
  text: p.vector.text,
}));
const examples = points
  .filter((p) => p.text !== undefined)
  .map((p) => p.id)
  .slice(3, 7);
const [A, B, Cx, D] = examples;

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const sig = (x: number) => 0.5 * (x / (1 + Math.abs(x)) + 1);
const fs = (x: number) => x / (1 + Math.abs(x));

type P = (typeof points)[number];
const sims: Record<'colbert' | 'text', (e: number, p: P) => number | undefined> = {
  colbert: (e, p) => maxSim(points[e].colbert.map(unit), p.colbert.map(unit)),
  text: (e, p) => (p.text ? sparseDot(points[e].text as Sparse, p.text) : undefined),
};

function rank(score: (p: P) => number | undefined, exclude: number[]): Scored[] {
  return points
    .filter((p) => !exclude.includes(p.id))
    .flatMap((p) => {
      const s = score(p);
      return s === undefined ? [] : [{ id: p.id, score: s }];
    })
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, 6);
}

function references(using: 'colbert' | 'text'): Record<string, Scored[]> {
  const sim = sims[using];
  const with3 = (p: P, f: (s: number[]) => number) => {
    const s = [A, B, Cx, D].map((e) => sim(e, p));
    return s[0] === undefined ? undefined : f(s as number[]);
  };
  return {
    [`${using}_best`]: rank(
      (p) => with3(p, ([a, b, c]) => (Math.max(a, b) > c ? sig(Math.max(a, b)) : -sig(c))),
      [A, B, Cx],
    ),
    [`${using}_sum`]: rank((p) => with3(p, ([a, , , d]) => a - d), [A, D]),
    [`${using}_discover`]: rank((p) => with3(p, ([a, b, c]) => Math.sign(b - c) + sig(a)), [A, B, Cx]),
    [`${using}_context`]: rank((p) => with3(p, ([, , c, d]) => fs(Math.min(c - d - 1.1920929e-7, 0))), [Cx, D]),
  };
}

function checkAnswer(got: Record<string, Scored[]>): void {
  const want = { ...references('colbert'), ...references('text') };
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const [k, w] of Object.entries(want)) {
    expect(w.length, k).toBe(6);
    expect(
      got[k].map((g) => g.id),
      k,
    ).toEqual(w.map((x) => x.id));
    got[k].forEach((g, i) => expect(g.score, k).toBeCloseTo(w[i].score, 4));
  }
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

describe('example-scored forms over multivector and sparse names through the Python client', () => {
  it('recommend best_score / sum_scores, discover and context = brute force, in the tail and after sealing', async () => {
    const run = (phase: string) =>
      runPythonJob<Record<string, Scored[]>>(SCRIPT, { phase, url: strata.url, points, examples }, 120_000);
    checkAnswer(await run('load'));
    await new CollectionOptimizer({ store, skipGc: true }).optimizeUntil(C);
    expect((await svc.getCollection(C)).segments_count).toBeGreaterThan(0);
    checkAnswer(await run('query'));
  }, 300_000);
});
