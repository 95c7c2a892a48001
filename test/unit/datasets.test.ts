import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bruteForceTopK,
  datasetsAvailable,
  datasetsDir,
  FASHION_DIR,
  GLOVE_DIR,
  loadFashionMnist,
  loadGlove,
  readFvecs,
  recallAtK,
  slice,
  type Dataset,
} from '../support/datasets.js';

/**
 * Brute force over the whole base must reproduce the shipped top-10 ids. Where ids differ, the two neighbours must be
 * a tie: our distance at that rank equals the shipped one (float32 storage may reorder exact or near ties).
 */
async function expectShippedTop10(ds: Dataset, distancesFile: string, queries: number[], tol: number): Promise<void> {
  const shipped = await readFvecs(distancesFile);
  expect(shipped.d).toBe(ds.gtK);
  for (const q of queries) {
    const { ids, distances } = bruteForceTopK(ds, ds.nBase, ds.queries.subarray(q * ds.dim, (q + 1) * ds.dim), 10);
    const ours = Array.from(distances, (d) => (ds.distance === 'Euclid' ? Math.sqrt(d) : d));
    const truth = Array.from(ds.groundTruth.subarray(q * ds.gtK, q * ds.gtK + 10));
    for (let r = 0; r < 10; r++) {
      expect(Math.abs(ours[r] - shipped.data[q * ds.gtK + r]), `query ${q} rank ${r} distance`).toBeLessThan(tol);
      if (ids[r] !== truth[r]) {
        // a tie swap: the shipped id at this rank must sit at an equal distance in our list too
        const other = Array.from(ids).indexOf(truth[r]);
        if (other >= 0) expect(Math.abs(ours[other] - ours[r])).toBeLessThan(tol);
        else expect(r).toBe(9); // a tie across the top-10 boundary
      }
    }
  }
}

describe.skipIf(!datasetsAvailable())('datasets', () => {
  it('loads GloVe-100 with the documented shapes and unnormalised vectors', async () => {
    const ds = await loadGlove();
    expect(ds).toMatchObject({ distance: 'Cosine', dim: 100, nBase: 100_000, nQueries: 1_000, gtK: 100 });
    expect(ds.base.length).toBe(100_000 * 100);
    expect(ds.queries.length).toBe(1_000 * 100);
    expect(ds.groundTruth.length).toBe(1_000 * 100);
    // "the" is the first base word: -0.038194 -0.24487 0.72812 (README)
    expect(Array.from(ds.base.subarray(0, 3))).toEqual([-0.038194, -0.24487, 0.72812].map(Math.fround));
    expect(await loadGlove()).toBe(ds); // cached per process
  });

  it('loads Fashion-MNIST-784 as float32 pixels with the documented shapes', async () => {
    const ds = await loadFashionMnist();
    expect(ds).toMatchObject({ distance: 'Euclid', dim: 784, nBase: 60_000, nQueries: 10_000, gtK: 100 });
    expect(ds.base.length).toBe(60_000 * 784);
    expect(ds.queries.length).toBe(10_000 * 784);
    expect(ds.groundTruth.length).toBe(10_000 * 100);
    let max = 0;
    for (let i = 0; i < 784 * 100; i++) max = Math.max(max, ds.base[i]);
    expect(max).toBe(255);
    expect(Math.min(...ds.groundTruth.subarray(0, 10_000))).toBeGreaterThanOrEqual(0);
  });

  it('reproduces the shipped GloVe ground truth by brute force (cosine)', async () => {
    const ds = await loadGlove();
    const file = join(datasetsDir(), GLOVE_DIR, 'glove.6B.100d.wink.groundtruth.angular.top100.distances.fvecs');
    await expectShippedTop10(ds, file, [0, 1, 500, 999], 1e-6);
  });

  it('reproduces the shipped Fashion-MNIST ground truth by brute force (Euclid)', async () => {
    const ds = await loadFashionMnist();
    const file = join(datasetsDir(), FASHION_DIR, 'fashion-mnist.groundtruth.euclidean.top100.distances.fvecs');
    await expectShippedTop10(ds, file, [0, 1, 5000, 9999], 1e-3);
  });

  it('slice recomputes exact ground truth over the first points', async () => {
    const ds = await loadGlove();
    const s = slice(ds, 2_000, 20, 10);
    expect(s).toMatchObject({ nBase: 2_000, nQueries: 20, gtK: 10, dim: 100, distance: 'Cosine' });
    expect(s.base.length).toBe(2_000 * 100);
    for (let i = 0; i < s.groundTruth.length; i++) expect(s.groundTruth[i]).toBeLessThan(2_000);
    // against the full base, the shipped neighbours that fall inside the slice come first in the same order
    for (let q = 0; q < 20; q++) {
      const inSlice = Array.from(ds.groundTruth.subarray(q * 100, q * 100 + 100)).filter((id) => id < 2_000);
      const n = Math.min(inSlice.length, 10);
      expect(Array.from(s.groundTruth.subarray(q * 10, q * 10 + n))).toEqual(inSlice.slice(0, n));
    }
  });

  it('recallAtK counts overlap with the top-k truth', () => {
    const gt = Int32Array.from([1, 2, 3, 4, 5, 6]);
    expect(
      recallAtK(
        [
          [1, 2, 9],
          [6, 5, 4],
        ],
        gt,
        3,
        3,
      ),
    ).toBeCloseTo(5 / 6);
    expect(recallAtK([[2, 2]], gt, 3, 2)).toBe(0.5);
    expect(recallAtK([[3, 1]], gt, 3, 1)).toBe(0);
  });
});
