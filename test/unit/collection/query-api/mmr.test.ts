import { describe, expect, it } from 'vitest';
import { mmrSelect } from '../../../../lib/collection/query-api/mmr.js';
import { mulberry32 } from '../../../../lib/index/rng.js';

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

/** The textbook definition, recomputing every max over the selected set. */
function reference(vs: number[][], q: number[], diversity: number, limit: number): number[] {
  const rel = vs.map((v) => dot(v, q));
  const sel: number[] = [];
  const rest = vs.map((_, i) => i);
  while (sel.length < limit && rest.length > 0) {
    let best = -1;
    let bestScore = -Infinity;
    for (const i of rest) {
      const score =
        sel.length === 0
          ? rel[i]
          : (1 - diversity) * rel[i] - diversity * Math.max(...sel.map((j) => dot(vs[i], vs[j])));
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    }
    sel.push(best);
    rest.splice(rest.indexOf(best), 1);
  }
  return sel;
}

describe('MMR', () => {
  it('picks a diverse second point over a near-duplicate', () => {
    const vs = [
      [1, 0],
      [0.99, 0.01],
      [0.6, 0.8],
    ];
    const q = [1, 0];
    const rel = vs.map((v) => dot(v, q));
    const idx = mmrSelect([0, 1, 2], rel, (a, b) => dot(vs[a], vs[b]), 0.7, 2);
    expect(idx).toEqual([0, 2]);
    expect(mmrSelect([0, 1, 2], rel, (a, b) => dot(vs[a], vs[b]), 0, 2)).toEqual([0, 1]);
  });

  it('matches the textbook definition on random sets', () => {
    const rnd = mulberry32(3);
    for (let t = 0; t < 20; t++) {
      const vs = Array.from({ length: 30 }, () => [rnd() - 0.5, rnd() - 0.5, rnd() - 0.5]);
      const q = [rnd(), rnd(), rnd()];
      const diversity = rnd();
      const ids = vs.map((_, i) => i);
      const got = mmrSelect(
        ids,
        vs.map((v) => dot(v, q)),
        (a, b) => dot(vs[a], vs[b]),
        diversity,
        10,
      );
      expect(got).toEqual(reference(vs, q, diversity, 10));
    }
  });
});
