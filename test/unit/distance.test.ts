import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dot,
  l1,
  l1Bounded,
  l2sq,
  l2sqBounded,
  normalized,
  normalizeInPlace,
  scoreToSimilarity,
  similarityFn,
  similarityToScore,
  thresholdKind,
  thresholdToSimilarity,
} from '../../lib/distance/index.js';

const value = fc.float({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true });

/** Two arrays holding a dim-long row at an offset each, plus the offsets. */
const rowsAtOffsets = fc
  .integer({ min: 0, max: 37 })
  .chain((dim) =>
    fc.tuple(
      fc.constant(dim),
      fc.integer({ min: 0, max: 9 }),
      fc.integer({ min: 0, max: 9 }),
      fc.array(value, { minLength: dim + 9, maxLength: dim + 9 }),
      fc.array(value, { minLength: dim + 9, maxLength: dim + 9 }),
    ),
  );

function naive(
  kind: 'dot' | 'l2' | 'l1',
  a: Float32Array,
  ao: number,
  b: Float32Array,
  bo: number,
  dim: number,
): number {
  let s = 0;
  for (let i = 0; i < dim; i++) {
    const x = a[ao + i];
    const y = b[bo + i];
    s += kind === 'dot' ? x * y : kind === 'l2' ? (x - y) * (x - y) : Math.abs(x - y);
  }
  return s;
}

function close(actual: number, expected: number, scale: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * (1 + scale));
}

describe('distance kernels', () => {
  it('dot, l2sq and l1 match the naive loop at any offsets and dims (including tails of the 4-unroll)', () => {
    fc.assert(
      fc.property(rowsAtOffsets, ([dim, ao, bo, av, bv]) => {
        const a = Float32Array.from(av);
        const b = Float32Array.from(bv);
        const scale =
          naive('l2', a, ao, new Float32Array(a.length), 0, dim) +
          naive('l2', b, bo, new Float32Array(b.length), 0, dim);
        close(dot(a, ao, b, bo, dim), naive('dot', a, ao, b, bo, dim), scale);
        close(l2sq(a, ao, b, bo, dim), naive('l2', a, ao, b, bo, dim), scale);
        close(l1(a, ao, b, bo, dim), naive('l1', a, ao, b, bo, dim), Math.sqrt(scale) * dim);
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it('bounded l2sq and l1 are exact below the bound and report ≥ bound otherwise', () => {
    fc.assert(
      fc.property(rowsAtOffsets, fc.double({ min: 0, max: 2e7, noNaN: true }), ([dim, ao, bo, av, bv], bound) => {
        const a = Float32Array.from(av);
        const b = Float32Array.from(bv);
        for (const [bounded, full] of [
          [l2sqBounded, l2sq],
          [l1Bounded, l1],
        ] as const) {
          const exact = full(a, ao, b, bo, dim);
          const got = bounded(a, ao, b, bo, dim, bound);
          if (exact < bound) close(got, exact, exact);
          else expect(got).toBeGreaterThanOrEqual(bound * (1 - 1e-12));
        }
      }),
      { seed: 4, numRuns: 300 },
    );
  });

  it('similarities are larger = closer: a row is at least as similar to itself under Euclid and Manhattan', () => {
    fc.assert(
      fc.property(rowsAtOffsets, ([dim, ao, bo, av, bv]) => {
        const a = Float32Array.from(av);
        const b = Float32Array.from(bv);
        for (const d of ['Euclid', 'Manhattan'] as const) {
          const sim = similarityFn(d);
          expect(sim(a, ao, a, ao, dim) === 0).toBe(true);
          expect(sim(a, ao, b, bo, dim)).toBeLessThanOrEqual(0);
        }
      }),
      { seed: 2, numRuns: 100 },
    );
  });
});

describe('similarity ↔ Qdrant score', () => {
  it('reports Euclid as sqrt(l2sq), Manhattan as L1, Dot and Cosine as the dot product', () => {
    expect(similarityToScore('Euclid', -25)).toBe(5);
    expect(similarityToScore('Manhattan', -7)).toBe(7);
    expect(similarityToScore('Dot', -3)).toBe(-3);
    expect(similarityToScore('Cosine', 0.5)).toBe(0.5);
    // an int8 estimate may round above 0; a distance is never negative
    expect(similarityToScore('Euclid', 1e-6)).toBe(0);
  });

  it('score → similarity → score round-trips and keeps the ordering of each metric', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (s, t) => {
          for (const d of ['Cosine', 'Dot', 'Euclid', 'Manhattan'] as const) {
            expect(similarityToScore(d, scoreToSimilarity(d, s))).toBeCloseTo(s, 6);
            // squaring underflows for subnormal gaps; real distances are far apart from that
            if (t - s > 1e-6) {
              const closerFirst = thresholdKind(d) === 'max_distance' ? [s, t] : [t, s];
              expect(scoreToSimilarity(d, closerFirst[0])).toBeGreaterThan(scoreToSimilarity(d, closerFirst[1]));
            }
          }
        },
      ),
      { seed: 3 },
    );
  });

  it('turns score_threshold into a lower bound on similarity: score ≥ t for Cosine/Dot, distance ≤ t otherwise', () => {
    expect(thresholdKind('Cosine')).toBe('min_score');
    expect(thresholdKind('Dot')).toBe('min_score');
    expect(thresholdKind('Euclid')).toBe('max_distance');
    expect(thresholdKind('Manhattan')).toBe('max_distance');
    // Euclid: distance 3 passes t = 3, distance 3.1 does not
    expect(-9 >= thresholdToSimilarity('Euclid', 3)).toBe(true);
    expect(-9.61 >= thresholdToSimilarity('Euclid', 3)).toBe(false);
    expect(-2 >= thresholdToSimilarity('Manhattan', 2)).toBe(true);
    expect(0.8 >= thresholdToSimilarity('Cosine', 0.8)).toBe(true);
    // a negative distance threshold admits nothing, not even an exact match
    expect(0 >= thresholdToSimilarity('Euclid', -1)).toBe(false);
  });
});

describe('normalize', () => {
  it('gives unit rows in place at an offset and leaves zero rows zero', () => {
    const data = Float32Array.from([9, 3, 4, 0, 0, 7]);
    expect(normalizeInPlace(data, 1, 2)).toBe(5);
    expect(Array.from(data.subarray(1, 3))).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(data[0]).toBe(9);
    expect(normalizeInPlace(data, 3, 2)).toBe(0);
    expect(Array.from(data.subarray(3, 5))).toEqual([0, 0]);
  });

  it('normalized() copies: the query is untouched and the copy has norm 1', () => {
    const q = [3, 4];
    const n = normalized(q);
    expect(q).toEqual([3, 4]);
    expect(dot(n, 0, n, 0, 2)).toBeCloseTo(1, 6);
  });
});
