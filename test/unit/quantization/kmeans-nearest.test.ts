/**
 * The k-means assignment kernel (km_nearest in lib/distance/simd-kernels.wat, driven by NearestCentroids) against
 * the JS loop it replaces: for every row the same nearest centroid (first index on ties), the same squared distances
 * to the nearest and second nearest (bit-identical float64 sums), for any dim, k (a multiple of 8) and ids; and the
 * same half-gaps (Hamerly's s) and the same k-means centroids. Ties are forced with small-integer coordinates and
 * repeated centroids, where "first index wins" and "second = best" decide.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simdAvailable } from '../../../lib/distance/index.js';
import { mulberry32 } from '../../../lib/index/index.js';
import { kmeans } from '../../../lib/quantization/kmeans.js';
import { NearestCentroids } from '../../../lib/quantization/kmeans-nearest.js';

interface Case {
  rows: Float32Array;
  centroids: Float32Array;
  count: number;
  dim: number;
  k: number;
}

/** Random rows and centroids; `grid` rounds coordinates to small integers so distances tie often. */
function makeCase(seed: number, count: number, dim: number, k: number, grid: boolean): Case {
  const rnd = mulberry32(seed);
  const value = () => (grid ? Math.floor(rnd() * 3) : rnd() * 2 - 1);
  const rows = Float32Array.from({ length: count * dim }, value);
  const centroids = Float32Array.from({ length: k * dim }, value);
  // a repeated centroid: its later copy must never be chosen, and the second best equals the best
  if (k > 9) centroids.copyWithin(9 * dim, 2 * dim, 3 * dim);
  return { rows, centroids, count, dim, k };
}

function run(c: Case, simd: boolean, ids: Uint32Array) {
  const space = new NearestCentroids(c.count, c.dim + 3, c.k, simd);
  space.rows.set(c.rows);
  space.setCentroids(c.centroids, c.dim);
  const best = new Uint32Array(c.count).fill(7777);
  const bestSq = new Float64Array(c.count).fill(-1);
  const secondSq = new Float64Array(c.count).fill(-1);
  space.nearest(ids, 1, ids.length - 1, best, bestSq, secondSq);
  const half = new Float64Array(c.k);
  space.halfGaps(half);
  return { best, bestSq, secondSq, half };
}

describe.skipIf(!simdAvailable())('k-means nearest centroids: SIMD kernel = JS loop', () => {
  it('the same nearest, squared distances and half-gaps for any dim, k and ids, ties included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 18 }),
        fc.constantFrom(8, 16, 256),
        fc.integer({ min: 2, max: 1100 }),
        fc.boolean(),
        (seed, dim, k, count, grid) => {
          const c = makeCase(seed, count, dim, k, grid);
          // every row once (past the kernel's 1,024-row batch when count allows), from offset 1
          const ids = Uint32Array.from({ length: count + 1 }, (_, i) => (i === 0 ? 0 : count - i));
          const simd = run(c, true, ids);
          const js = run(c, false, ids);
          expect(simd.best).toEqual(js.best);
          expect(simd.bestSq).toEqual(js.bestSq);
          expect(simd.secondSq).toEqual(js.secondSq);
          expect(simd.half).toEqual(js.half);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('ties: the first of equal centroids wins and the second best equals the best', () => {
    const dim = 4;
    const k = 16;
    const centroids = new Float32Array(k * dim).fill(5);
    // centroids 3, 6 and 12 sit on the row; 3 is the first of them
    for (const c of [3, 6, 12]) centroids.fill(1, c * dim, (c + 1) * dim);
    const c: Case = { rows: new Float32Array(dim).fill(1), centroids, count: 1, dim, k };
    for (const simd of [true, false]) {
      const r = run(c, simd, Uint32Array.of(0, 0));
      expect(r.best[0]).toBe(3);
      expect(r.bestSq[0]).toBe(0);
      expect(r.secondSq[0]).toBe(0);
    }
  });

  it('k-means gives the same centroids with the kernel as with the JS loop', () => {
    const rnd = mulberry32(17);
    const dim = 4;
    const count = 3000;
    const rows = Float32Array.from({ length: count * dim }, () => rnd() * 2 - 1);
    const options = { maxIterations: 25, accuracy: 1e-5, seed: 3 };
    const simd = kmeans(rows, count, dim, 256, { ...options, space: new NearestCentroids(count, dim, 256, true) });
    const js = kmeans(rows, count, dim, 256, { ...options, space: new NearestCentroids(count, dim, 256, false) });
    expect(simd).toEqual(js);
  });
});
