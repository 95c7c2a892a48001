import { describe, expect, it } from 'vitest';
import { dbsf, distributionNormalize, rrf } from '../../../../lib/collection/query-api/fusion.js';
import { mulberry32 } from '../../../../lib/index/rng.js';

const list = (ids: number[], scores?: number[]) => ids.map((id, i) => ({ id, score: scores?.[i] ?? 0, item: id }));

describe('RRF', () => {
  it('scores position p of a list 1/(p + k) with k = 2 by default, summed over lists', () => {
    const fused = rrf([list([1, 2, 3]), list([3, 1])]);
    const byId = new Map(fused.map((r) => [r.id, r.score]));
    expect(byId.get(1)).toBeCloseTo(1 / 2 + 1 / 3, 12);
    expect(byId.get(3)).toBeCloseTo(1 / 4 + 1 / 2, 12);
    expect(byId.get(2)).toBeCloseTo(1 / 3, 12);
    expect(fused.map((r) => r.id)).toEqual([1, 3, 2]);
  });

  it('matches a brute-force reference with k and weights on random lists', () => {
    const rnd = mulberry32(7);
    for (let trial = 0; trial < 20; trial++) {
      const lists = [0, 1, 2].map(() => {
        const ids = [...new Set(Array.from({ length: 8 }, () => Math.floor(rnd() * 15)))];
        return list(ids);
      });
      const k = 1 + Math.floor(rnd() * 60);
      const weights = [rnd() * 3, 1, 0.5];
      const want = new Map<number | string, number>();
      lists.forEach((l, li) =>
        l.forEach((r, p) => want.set(r.id, (want.get(r.id) ?? 0) + 1 / ((p + 1) / weights[li] + k - 1))),
      );
      const got = rrf(lists, k, weights);
      expect(got.length).toBe(want.size);
      for (const r of got) expect(r.score).toBeCloseTo(want.get(r.id) as number, 12);
      for (let i = 1; i < got.length; i++) expect(got[i - 1].score).toBeGreaterThanOrEqual(got[i].score);
    }
  });

  it('a weight of 0 contributes nothing', () => {
    const fused = rrf([list([1]), list([2])], 2, [1, 0]);
    expect(fused.find((r) => r.id === 2)?.score).toBe(0);
  });
});

describe('DBSF', () => {
  it('normalizes by mean ± 3 sample sigma, unclamped', () => {
    const s = [1, 2, 3, 10];
    const mean = 4;
    const std = Math.sqrt(((1 - 4) ** 2 + (2 - 4) ** 2 + (3 - 4) ** 2 + 36) / 3);
    const lo = mean - 3 * std;
    expect(distributionNormalize(s)).toEqual(s.map((x) => (x - lo) / (6 * std)));
    expect(distributionNormalize([5])).toEqual([0.5]);
    expect(distributionNormalize([2, 2, 2])).toEqual([0.5, 0.5, 0.5]);
  });

  it('sums the normalized scores of a point across lists', () => {
    const a = list([1, 2, 3], [0.9, 0.5, 0.1]);
    const b = list([3, 4], [20, 10]);
    const na = distributionNormalize([0.9, 0.5, 0.1]);
    const nb = distributionNormalize([20, 10]);
    const got = new Map(dbsf([a, b]).map((r) => [r.id, r.score]));
    expect(got.get(3)).toBeCloseTo(na[2] + nb[0], 12);
    expect(got.get(1)).toBeCloseTo(na[0], 12);
    expect(got.get(4)).toBeCloseTo(nb[1], 12);
  });
});
