import { describe, expect, it } from 'vitest';
import type { Condition, Filter } from '../../../lib/model/filter.js';
import {
  type CardinalityEstimation,
  combineMinShould,
  combineMust,
  estimateFilter,
  exactEstimation,
  unknownEstimation,
} from '../../../lib/segment/query-estimator.js';

// Qdrant's own estimator test fixture (lib/segment/src/index/query_estimator.rs, `test_estimator`), TOTAL = 1000
const TOTAL = 1000;
const byKey: Record<string, CardinalityEstimation> = {
  color: { min: 100, exp: 200, max: 300 },
  size: { min: 100, exp: 100, max: 100 },
  price: { min: 10, exp: 15, max: 20 },
};
const estimator = (c: Exclude<Condition, Filter>): CardinalityEstimation => {
  if ('has_id' in c) return exactEstimation(c.has_id.length);
  if ('key' in c) return byKey[c.key] ?? unknownEstimation(TOTAL);
  return unknownEstimation(TOTAL);
};
const cond = (key: string): Condition => ({ key, match: { value: 'x' } });
const sane = (e: CardinalityEstimation) => {
  expect(e.max).toBeLessThanOrEqual(TOTAL);
  expect(e.min).toBeLessThanOrEqual(e.exp);
  expect(e.exp).toBeLessThanOrEqual(e.max);
};

describe("Qdrant's cardinality estimation", () => {
  it('one condition is its own estimation; no condition is every point', () => {
    expect(estimateFilter({ must: [cond('color')] }, estimator, TOTAL).exp).toBe(200);
    expect(estimateFilter({}, estimator, TOTAL)).toEqual({ min: TOTAL, exp: TOTAL, max: TOTAL });
  });

  it('must multiplies probabilities, takes the smallest max and the inclusion-exclusion min', () => {
    // color ∧ size ∧ unindexed: exp = 1000 · 0.2 · 0.1 · 0.5; min = max(0, 100 + 100 + 0 − 2000) folded; max = 100
    const e = estimateFilter({ must: [cond('color'), cond('size'), cond('other')] }, estimator, TOTAL);
    expect(e).toEqual({ min: 0, exp: 10, max: 100 });
    sane(e);
  });

  it('should uses the complement rule; an unknown branch keeps the bounds wide', () => {
    // 1 − 0.8 · 0.9 = 0.28
    expect(estimateFilter({ should: [cond('color'), cond('size')] }, estimator, TOTAL)).toEqual({
      min: 100,
      exp: 280,
      max: 400,
    });
    const wide = estimateFilter({ should: [cond('color'), cond('size'), cond('other')] }, estimator, TOTAL);
    // 1 − 0.8 · 0.9 · 0.5 = 0.64; min = the largest min
    expect(wide).toEqual({ min: 100, exp: 640, max: TOTAL });
    sane(wide);
  });

  it('min_should of k among n is the should of the k-intersections; k > n is exactly 0; k = n is must', () => {
    const three = [cond('color'), cond('size'), cond('price')];
    const two = estimateFilter({ min_should: { conditions: three, min_count: 2 } }, estimator, TOTAL);
    sane(two);
    const all = estimateFilter({ min_should: { conditions: three, min_count: 3 } }, estimator, TOTAL);
    expect(all).toEqual(estimateFilter({ must: three }, estimator, TOTAL));
    expect(combineMinShould([exactEstimation(10), exactEstimation(20)], 3, TOTAL)).toEqual(exactEstimation(0));
  });

  it('must_not inverts each condition before combining', () => {
    // not has_id [1..5]: {995, 995, 995}; not color: {700, 800, 900}
    const e = estimateFilter({ must_not: [{ has_id: [1, 2, 3, 4, 5] }, cond('color')] }, estimator, TOTAL);
    expect(e).toEqual({ min: 695, exp: Math.round(0.995 * 0.8 * TOTAL), max: 900 });
  });

  it('nested clauses combine recursively and stay within bounds', () => {
    const f: Filter = {
      should: [{ must: [cond('color'), cond('size')] }, { must: [cond('price'), cond('size')] }],
      must_not: [{ has_id: [1, 2, 3, 4, 5] }],
    };
    sane(estimateFilter(f, estimator, TOTAL));
    expect(combineMust([{ min: 12, exp: 12, max: 12 }], 10_000)).toEqual({ min: 12, exp: 12, max: 12 });
  });

  it('bounds hold the true count for random exact sets (min ≤ true ≤ max)', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const n = 200;
    for (let trial = 0; trial < 200; trial++) {
      const sets: Record<string, Uint8Array> = {};
      for (const k of ['a', 'b', 'c', 'd']) {
        const p = rand();
        sets[k] = Uint8Array.from({ length: n }, () => (rand() < p ? 1 : 0));
      }
      const est = (c: Exclude<Condition, Filter>) => {
        const key = (c as { key: string }).key;
        if (key === 'd') return unknownEstimation(n);
        return exactEstimation(sets[key].reduce((s, x) => s + x, 0));
      };
      const pick = (): Condition => cond(['a', 'b', 'c', 'd'][Math.floor(rand() * 4)]);
      const f: Filter = {
        must: [pick(), { should: [pick(), pick()] }],
        must_not: rand() < 0.5 ? [pick()] : [],
        ...(rand() < 0.5 ? { min_should: { conditions: [pick(), pick(), pick()], min_count: 2 } } : {}),
      };
      // the unindexed key 'd' matches every third point (its estimation is `unknown`)
      const truthOf: Record<string, boolean[]> = { d: Array.from({ length: n }, (_, o) => o % 3 === 0) };
      for (const k of ['a', 'b', 'c']) truthOf[k] = Array.from(sets[k], (x) => x === 1);
      const m = (c: Condition): boolean[] => truthOf[(c as { key: string }).key];
      const truth = Array.from({ length: n }, (_, o) => {
        const must = (f.must ?? []).every((c) => ('should' in c ? (c.should ?? []).some((s) => m(s)[o]) : m(c)[o]));
        const not = (f.must_not ?? []).every((c) => !m(c)[o]);
        const ms = f.min_should ? f.min_should.conditions.filter((c) => m(c)[o]).length >= 2 : true;
        return must && not && ms;
      }).filter(Boolean).length;
      const e = estimateFilter(f, est, n);
      expect(e.min).toBeLessThanOrEqual(truth);
      expect(truth).toBeLessThanOrEqual(e.max);
      expect(e.min).toBeLessThanOrEqual(e.exp);
      expect(e.exp).toBeLessThanOrEqual(e.max);
    }
  });
});
