import { describe, expect, it } from 'vitest';
import { normalizeRows, similarityFn } from '../../../lib/distance/index.js';
import { mulberry32 } from '../../../lib/index/index.js';
import type { Distance } from '../../../lib/model/distance.js';
import { isStrataError } from '../../../lib/model/errors.js';
import { kmeans } from '../../../lib/quantization/kmeans.js';
import {
  chunkSizeFor,
  decodeProduct,
  deserializeProduct,
  encodeProduct,
  PRODUCT_HEADER_BYTES,
  ProductScorer,
  productLookupTable,
  quantizeProduct,
  serializeProduct,
  trainProduct,
} from '../../../lib/quantization/index.js';

const DISTANCES: Distance[] = ['Cosine', 'Dot', 'Euclid', 'Manhattan'];

/** n rows around 16 random centres, so k-means has structure to find. */
function clustered(seed: number, n: number, dim: number): Float32Array {
  const rnd = mulberry32(seed);
  const centres = Float32Array.from({ length: 16 * dim }, () => rnd() * 2 - 1);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rnd() * 16);
    for (let d = 0; d < dim; d++) out[i * dim + d] = centres[c * dim + d] + (rnd() - 0.5) * 0.2;
  }
  return out;
}

describe('product quantization', () => {
  it('maps compression x4…x64 to 1…16 dimensions per chunk and one byte per chunk', () => {
    expect(['x4', 'x8', 'x16', 'x32', 'x64'].map((c) => chunkSizeFor(c as 'x4'))).toEqual([1, 2, 4, 8, 16]);
    const data = clustered(1, 300, 100);
    const set = quantizeProduct(data, 100, 'Dot', { compression: 'x16', maxIterations: 3 });
    // 100 dims in chunks of 4: 25 bytes per vector (400 bytes of float32 / 16)
    expect(set.params.chunks).toBe(25);
    expect(set.codes.length).toBe(300 * 25);
    const odd = quantizeProduct(clustered(2, 300, 30), 30, 'Dot', { compression: 'x32', maxIterations: 3 });
    // 30 = 8 + 8 + 8 + 6: the last chunk is shorter
    expect(odd.params.chunks).toBe(4);
  });

  it.each(DISTANCES)('%s: estimates are the float similarity to the decoded vector', (distance) => {
    const dim = 24;
    const data = clustered(3, 600, dim);
    if (distance === 'Cosine') normalizeRows(data, dim);
    const set = quantizeProduct(data, dim, distance, { compression: 'x8', maxIterations: 5 });
    const sim = similarityFn(distance);
    const rnd = mulberry32(9);
    const q = Float32Array.from({ length: dim }, () => rnd() * 2 - 1);
    const qn = distance === 'Cosine' ? Float32Array.from(q) : q;
    if (distance === 'Cosine') normalizeRows(qn, dim);
    const scorer = new ProductScorer(set, q);
    for (let id = 0; id < set.n; id += 37) {
      const decoded = decodeProduct(set, id);
      expect(scorer.score(id)).toBeCloseTo(sim(qn, 0, decoded, 0, dim), 4);
    }
  });

  it.each(DISTANCES)(
    '%s: each table entry is its chunk term summed in order in float64, stored as float32',
    (distance) => {
      const dim = 30;
      const data = clustered(12, 700, dim);
      if (distance === 'Cosine') normalizeRows(data, dim);
      const params = trainProduct(data, dim, distance, { compression: 'x32', maxIterations: 4 });
      const rnd = mulberry32(13);
      const q = Float32Array.from({ length: dim }, () => rnd() * 2 - 1);
      const lut = productLookupTable(params, q);
      const { chunks, chunkSize, centroids } = params;
      expect(lut.length).toBe(chunks * 256);
      for (let j = 0; j < chunks; j++) {
        for (let c = 0; c < 256; c++) {
          let s = 0;
          for (let i = j * chunkSize; i < Math.min((j + 1) * chunkSize, dim); i++) {
            const x = centroids[c * dim + i];
            if (distance === 'Euclid') s -= (q[i] - x) * (q[i] - x);
            else if (distance === 'Manhattan') s -= Math.abs(q[i] - x);
            else s += q[i] * x;
          }
          expect(lut[j * 256 + c]).toBe(Math.fround(s));
        }
      }
    },
  );

  it('with no more vectors than centroids, the vectors are the centroids: codes decode exactly', () => {
    const dim = 10;
    const data = clustered(4, 200, dim);
    const set = quantizeProduct(data, dim, 'Euclid', { compression: 'x8' });
    for (let id = 0; id < 200; id++) expect(decodeProduct(set, id)).toEqual(data.subarray(id * dim, (id + 1) * dim));
  });

  it('k-means training is reproducible for a seed and its codes reconstruct better than a random codebook', () => {
    const dim = 16;
    const data = clustered(5, 2000, dim);
    const a = trainProduct(data, dim, 'Euclid', { compression: 'x8', seed: 7, sampleSize: 1000, maxIterations: 10 });
    const b = trainProduct(data, dim, 'Euclid', { compression: 'x8', seed: 7, sampleSize: 1000, maxIterations: 10 });
    expect(a.centroids).toEqual(b.centroids);
    const trained = encodeProduct(a, data);
    const untrained = encodeProduct({ ...a, centroids: a.centroids.map((_, i) => Math.sin(i)) }, data);
    const error = (set: typeof trained) => {
      let e = 0;
      for (let id = 0; id < set.n; id++) {
        const d = decodeProduct(set, id);
        for (let i = 0; i < dim; i++) e += (d[i] - data[id * dim + i]) ** 2;
      }
      return e / set.n;
    };
    // 16 clusters of spread ±0.1: each 2-d chunk lands within ~0.1 of a centroid
    expect(error(trained)).toBeLessThan(0.05);
    expect(error(trained)).toBeLessThan(error(untrained) / 10);
  });

  it('ranks like exact search on clustered data (x4: top-10 overlap ≥ 0.9)', () => {
    const dim = 32;
    const n = 3000;
    const data = clustered(6, n, dim);
    const set = quantizeProduct(data, dim, 'Euclid', { compression: 'x4', sampleSize: 2000, maxIterations: 20 });
    const sim = similarityFn('Euclid');
    const rnd = mulberry32(11);
    let hits = 0;
    const queries = 20;
    for (let t = 0; t < queries; t++) {
      const q = new Float32Array(dim);
      const src = Math.floor(rnd() * n) * dim;
      for (let i = 0; i < dim; i++) q[i] = data[src + i] + (rnd() - 0.5) * 0.05;
      const scorer = new ProductScorer(set, q);
      const coded = Float64Array.from({ length: n }, (_, id) => scorer.score(id));
      const exactSim = Float64Array.from({ length: n }, (_, id) => sim(q, 0, data, id * dim, dim));
      const byCode = Array.from({ length: n }, (_, id) => id).sort((x, y) => coded[y] - coded[x]);
      const exact = Array.from({ length: n }, (_, id) => id).sort((x, y) => exactSim[y] - exactSim[x]);
      const top = new Set(exact.slice(0, 10));
      hits += byCode.slice(0, 10).filter((id) => top.has(id)).length;
    }
    expect(hits / (queries * 10)).toBeGreaterThanOrEqual(0.9);
  });

  it('round-trips through its binary layout and refuses a corrupt one', () => {
    const dim = 20;
    const data = clustered(7, 500, dim);
    const set = quantizeProduct(data, dim, 'Dot', { compression: 'x8', maxIterations: 4 });
    const bytes = serializeProduct(set);
    expect(bytes.length).toBe(PRODUCT_HEADER_BYTES + 4 * 256 * dim + 500 * 10);
    const back = deserializeProduct(bytes);
    expect(back.params).toEqual(set.params);
    expect(back.codes).toEqual(set.codes);
    const q = data.subarray(0, dim);
    const before = new ProductScorer(set, q);
    const after = new ProductScorer(back, q);
    for (let id = 0; id < 500; id += 13) expect(after.score(id)).toBe(before.score(id));

    const flipped = bytes.slice();
    flipped[bytes.length - 3] ^= 1;
    const badMagic = bytes.slice();
    badMagic[0] = 0x58;
    for (const corrupt of [flipped, bytes.subarray(0, bytes.length - 1), badMagic]) {
      let caught: unknown;
      try {
        deserializeProduct(corrupt);
      } catch (e) {
        caught = e;
      }
      expect(isStrataError(caught, 'internal')).toBe(true);
    }
    expect(() => deserializeProduct(flipped)).toThrow(/checksum/);
  });

  it('refuses an unknown compression', () => {
    expect(() => trainProduct(new Float32Array(8), 4, 'Dot', { compression: 'x3' as 'x4' })).toThrow(/x3/);
  });
});

describe('k-means', () => {
  /** Plain Lloyd with a full scan per row: what the bounded assignment must reproduce. */
  function lloyd(rows: Float32Array, count: number, dim: number, k: number, iterations: number): Float32Array {
    const c = rows.slice(0, k * dim);
    for (let it = 0; it < iterations; it++) {
      const sums = new Float64Array(k * dim);
      const counts = new Uint32Array(k);
      for (let i = 0; i < count; i++) {
        let best = 0;
        let bestSq = Number.POSITIVE_INFINITY;
        for (let j = 0; j < k; j++) {
          let s = 0;
          for (let d = 0; d < dim; d++) s += (rows[i * dim + d] - c[j * dim + d]) ** 2;
          if (s < bestSq) {
            bestSq = s;
            best = j;
          }
        }
        counts[best]++;
        for (let d = 0; d < dim; d++) sums[best * dim + d] += rows[i * dim + d];
      }
      for (let j = 0; j < k; j++) {
        // every cluster keeps its initial row at least, so none is empty here
        for (let d = 0; d < dim; d++) c[j * dim + d] = Math.fround(sums[j * dim + d] / counts[j]);
      }
    }
    return c;
  }

  it.each([1, 3, 8])('bounded assignment gives the same centroids as a full scan (dim %i)', (dim) => {
    const count = 1500;
    const rows = clustered(20 + dim, count, dim);
    const fast = kmeans(rows, count, dim, 32, { maxIterations: 12, accuracy: 0, seed: 1 });
    expect(fast).toEqual(lloyd(rows, count, dim, 32, 12));
  });
});
