/**
 * The example-scored forms over the three shapes of a vector name (lib/segment/example-forms.ts via scoring.ts):
 * over a multivector each example is MaxSim'd against the point's rows (the example's rows as the query); over a
 * sparse name each example is a dot product over the shared indices; malformed examples are refused before any
 * point is scored.
 */
import { describe, expect, it } from 'vitest';
import { compileScoring, compileSparseScoring } from '../../../lib/segment/scoring.js';
import { scaledFastSigmoid } from '../../../lib/segment/vector-queries.js';

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const maxSim = (q: number[][], rows: number[][]) => q.reduce((s, r) => s + Math.max(...rows.map((x) => dot(r, x))), 0);

describe('a multivector name', () => {
  const point = [
    [1, 0],
    [0.5, -2],
    [-1, 1],
  ];
  const pos = [
    [0.2, 1],
    [1, 1],
  ];
  const neg = [[-0.5, 0.25]];

  it('best_score and sum_scores compare each example to the point by MaxSim over all of its rows', () => {
    const row = Float32Array.from([9, 9, ...point.flat()]);
    const sum = compileScoring(
      { kind: 'recommend', strategy: 'sum_scores', positive: [pos.flat()], negative: [neg.flat()] },
      2,
      'Dot',
      undefined,
      undefined,
      true,
    );
    // the point's rows start after a leading row that is not the point's
    expect(sum.score(row, 2, null, 3)).toBeCloseTo(maxSim(pos, point) - maxSim(neg, point), 6);
    const best = compileScoring(
      { kind: 'recommend', strategy: 'best_score', positive: [pos.flat()], negative: [neg.flat()] },
      2,
      'Dot',
      undefined,
      undefined,
      true,
    );
    const [p, n] = [maxSim(pos, point), maxSim(neg, point)];
    expect(best.score(row, 2, null, 3)).toBeCloseTo(p > n ? scaledFastSigmoid(p) : -scaledFastSigmoid(n), 6);
  });

  it('refuses an example that is not whole rows of the dimension', () => {
    expect(() =>
      compileScoring(
        { kind: 'context', context: [{ positive: [1, 2, 3], negative: [1, 2] }] },
        2,
        'Dot',
        undefined,
        undefined,
        true,
      ),
    ).toThrow('scoring context.0.positive: expected rows of 2 finite numbers');
  });
});

describe('a sparse name', () => {
  it('discover scores each example by a dot product over the shared indices, 0 when none is shared', () => {
    const score = compileSparseScoring({
      kind: 'discover',
      target: { indices: [1, 4], values: [2, 1] },
      context: [{ positive: { indices: [7], values: [1] }, negative: { indices: [4], values: [0.5] } }],
    });
    const v = { indices: Uint32Array.from([1, 4, 9]), values: Float32Array.from([0.5, 3, 1]) };
    // target: 2·0.5 + 1·3 = 4; pair: 0 (no shared index) vs 0.5·3 = 1.5 → rank −1
    expect(score(v)).toBeCloseTo(-1 + scaledFastSigmoid(4), 6);
  });

  it('refuses malformed sparse examples and forms that read no vector', () => {
    expect(() =>
      compileSparseScoring({
        kind: 'recommend',
        strategy: 'sum_scores',
        positive: [{ indices: [1, 1], values: [1, 2] }],
        negative: [],
      }),
    ).toThrow(/positive\.0/);
    expect(() => compileSparseScoring({ kind: 'sample' })).toThrow('scoring sample reads no sparse vector');
  });
});
