import { describe, expect, it } from 'vitest';
import {
  averageVector,
  bestScore,
  contextScore,
  discoverScore,
  scaledFastSigmoid,
  sumScores,
} from '../../../lib/segment/vector-queries.js';

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('recommend strategies', () => {
  it('average_vector is avg(pos) + (avg(pos) - avg(neg))', () => {
    expect(
      averageVector(
        [
          [1, 0],
          [3, 2],
        ],
        [],
      ),
    ).toEqual([2, 1]);
    expect(
      averageVector(
        [
          [1, 0],
          [3, 2],
        ],
        [[0, 4]],
      ),
    ).toEqual([4, -2]);
  });

  it('best_score: sigmoid of the best positive when it beats the best negative, else minus sigmoid of the negative', () => {
    const x = [1, 0];
    const sim = (v: number[]) => dot(x, v);
    expect(
      bestScore(
        [
          [0.9, 0],
          [0.2, 0],
        ],
        [[0.5, 0]],
        sim,
      ),
    ).toBeCloseTo(scaledFastSigmoid(0.9), 12);
    expect(bestScore([[0.3, 0]], [[0.5, 0]], sim)).toBeCloseTo(-scaledFastSigmoid(0.5), 12);
    // negatives only: every score is negative, the least similar to the negatives ranks first
    expect(bestScore([], [[0.5, 0]], sim)).toBeLessThan(0);
    expect(scaledFastSigmoid(1)).toBeCloseTo(0.75, 12);
  });

  it('sum_scores is the sum over positives minus the sum over negatives', () => {
    const sim = (v: number[]) => dot([1, 1], v);
    expect(
      sumScores(
        [
          [1, 0],
          [0, 2],
        ],
        [[1, 1]],
        sim,
      ),
    ).toBe(1);
  });
});

describe('discover and context', () => {
  const sim = (v: number[]) => dot([1, 0], v);
  it('discover = Σ sign(pos - neg) + sigmoid(target)', () => {
    const pairs = [
      { positive: [1, 0], negative: [0, 0] },
      { positive: [0, 0], negative: [2, 0] },
      { positive: [3, 0], negative: [1, 0] },
    ];
    expect(discoverScore([0.5, 0], pairs, sim)).toBeCloseTo(1 + scaledFastSigmoid(0.5), 12);
  });

  it('context is 0 when every pair prefers its positive, negative otherwise', () => {
    expect(contextScore([{ positive: [1, 0], negative: [0, 0] }], sim)).toBe(0);
    const d = 0 - 1 - 1.1920929e-7;
    expect(contextScore([{ positive: [0, 0], negative: [1, 0] }], sim)).toBeCloseTo(d / (1 + Math.abs(d)), 12);
  });
});
