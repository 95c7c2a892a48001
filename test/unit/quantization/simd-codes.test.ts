/**
 * The WebAssembly SIMD kernels of the binary, product and TurboQuant codes (xor_popcnt, pq_lut + lut_f32, tq_dot in
 * lib/distance/simd-kernels.wat) against the scalar JS reference: a set whose codes live in a SIMD arena scores a
 * batch through one kernel call per SIMD_BATCH ids; the same set with its codes copied to a plain array takes the JS
 * loops. Every score must be identical (the kernels sum the same exact integers, or the same float64 sums in the same
 * order), for any dim, encoding, distance, ids (repeats included) and batch length (past SIMD_BATCH too).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeRows, SIMD_BATCH, simdArenaOf, simdAvailable } from '../../../lib/distance/index.js';
import { mulberry32 } from '../../../lib/index/index.js';
import type { BinaryEncoding } from '../../../lib/model/collection-config.js';
import type { Distance } from '../../../lib/model/distance.js';
import {
  BinaryScorer,
  type BinarySet,
  deserializeBinary,
  deserializeProduct,
  deserializeTurbo,
  encodeBinary,
  type ProductCompression,
  ProductScorer,
  type ProductSet,
  quantizeProduct,
  quantizeTurbo,
  serializeBinary,
  serializeProduct,
  serializeTurbo,
  type TurboBits,
  TurboScorer,
  type TurboSet,
  trainBinary,
} from '../../../lib/quantization/index.js';

interface Scorer {
  score(id: number): number;
  scoreMany(ids: Uint32Array, start: number, count: number, out: Float64Array): void;
  readonly scratchIds?: Uint32Array;
}

function matrix(seed: number, n: number, dim: number, distance: Distance): Float32Array {
  const rnd = mulberry32(seed);
  // an offset per dimension: non-centered data, as Fashion-MNIST's, exercises the mean/shift paths
  const out = Float32Array.from({ length: n * dim }, (_, i) => rnd() * 2 - 1 + 0.4 * Math.cos(i % dim));
  if (distance === 'Cosine') normalizeRows(out, dim);
  return out;
}

function randomIds(seed: number, n: number, count: number): Uint32Array {
  const rnd = mulberry32(seed);
  return Uint32Array.from({ length: count }, () => Math.floor(rnd() * n));
}

/** scoreMany through the kernel (from an offset, and in place in the arena's id slot) equals the JS scorer's score(). */
function expectSameScores(simd: Scorer, js: Scorer, ids: Uint32Array): void {
  expect(simd.scratchIds).toBeDefined();
  expect(js.scratchIds).toBeUndefined();
  const out = new Float64Array(ids.length);
  simd.scoreMany(ids, 2, ids.length - 2, out);
  for (let j = 0; j < ids.length - 2; j++) expect(out[j]).toBe(js.score(ids[j + 2]));
  const slot = simd.scratchIds!;
  const count = Math.min(ids.length, slot.length);
  slot.set(ids.subarray(0, count));
  simd.scoreMany(slot, 0, count, out);
  for (let j = 0; j < count; j++) expect(out[j]).toBe(js.score(ids[j]));
}

const plainBinary = (set: BinarySet): BinarySet => ({ ...set, codes: set.codes.slice() });
const plainProduct = (set: ProductSet): ProductSet => ({ ...set, codes: set.codes.slice() });
const plainTurbo = (set: TurboSet): TurboSet => ({ ...set, codes: set.codes.slice() });

const ENCODINGS: BinaryEncoding[] = ['one_bit', 'one_and_half_bits', 'two_bits'];
const DISTANCES: Distance[] = ['Cosine', 'Dot', 'Euclid', 'Manhattan'];

describe.skipIf(!simdAvailable())('SIMD kernels of the binary, product and TurboQuant codes', () => {
  it('binary: xor_popcnt scores equal the JS popcount for every encoding, query encoding and distance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 2, max: 40 }),
        fc.constantFrom(...ENCODINGS),
        fc.constantFrom<1 | 4 | 8>(1, 4, 8),
        fc.constantFrom(...DISTANCES),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (dim, n, encoding, queryBits, distance, seed) => {
          const data = matrix(seed, n, dim, distance);
          const set = encodeBinary(trainBinary(data, dim, distance, encoding, queryBits), data);
          expect(simdArenaOf(set.codes)).toBeDefined();
          const query = matrix(seed + 1, 1, dim, 'Dot');
          const simd = new BinaryScorer(set, query);
          const js = new BinaryScorer(plainBinary(set), query);
          const ids = randomIds(seed + 2, n, 3 * n + 5);
          expectSameScores(simd, js, ids);
          for (const id of ids.subarray(0, 5)) expect(simd.xor(id)).toBe(js.xor(id));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('product: lut_f32 sums equal the JS table loop bit for bit, for every compression and distance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 2, max: 30 }),
        fc.constantFrom<ProductCompression>('x4', 'x8', 'x16', 'x32', 'x64'),
        fc.constantFrom(...DISTANCES),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (dim, n, compression, distance, seed) => {
          const data = matrix(seed, n, dim, distance);
          const set = quantizeProduct(data, dim, distance, { compression, seed });
          expect(simdArenaOf(set.codes)).toBeDefined();
          const query = matrix(seed + 1, 1, dim, 'Dot');
          // counts 1..7 cover the kernel's 4-row blocks and its single-row tail
          const ids = randomIds(seed + 2, n, 2 + 1 + (seed % 7) + 2 * n);
          expectSameScores(new ProductScorer(set, query), new ProductScorer(plainProduct(set), query), ids);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('turbo: tq_dot scores equal the JS byte table for 1, 1.5, 2 and 4 bits (Manhattan keeps the JS path)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 260 }),
        fc.integer({ min: 2, max: 30 }),
        fc.constantFrom<TurboBits>('bits1', 'bits1_5', 'bits2', 'bits4'),
        fc.constantFrom<Distance>('Cosine', 'Dot', 'Euclid'),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (dim, n, bits, distance, seed) => {
          const data = matrix(seed, n, dim, distance);
          const set = quantizeTurbo(data, dim, distance, { bits, seed });
          expect(simdArenaOf(set.codes)).toBeDefined();
          const query = matrix(seed + 1, 1, dim, 'Dot');
          const ids = randomIds(seed + 2, n, 3 * n + 5);
          expectSameScores(new TurboScorer(set, query), new TurboScorer(plainTurbo(set), query), ids);
        },
      ),
      { numRuns: 150 },
    );
    const manhattan = quantizeTurbo(matrix(7, 20, 33, 'Manhattan'), 33, 'Manhattan', { bits: 'bits2' });
    expect(new TurboScorer(manhattan, matrix(8, 1, 33, 'Dot')).scratchIds).toBeUndefined();
  });

  it('batches longer than SIMD_BATCH are scored in several kernel calls with the same results', () => {
    const dim = 784;
    const n = 300;
    const data = matrix(11, n, dim, 'Euclid');
    const query = matrix(12, 1, dim, 'Dot');
    const ids = randomIds(13, n, SIMD_BATCH * 2 + 37);
    const b = encodeBinary(trainBinary(data, dim, 'Euclid', 'two_bits', 8), data);
    expectSameScores(new BinaryScorer(b, query), new BinaryScorer(plainBinary(b), query), ids);
    const p = quantizeProduct(data, dim, 'Euclid', { compression: 'x16', seed: 1, maxIterations: 3 });
    expectSameScores(new ProductScorer(p, query), new ProductScorer(plainProduct(p), query), ids);
    const t = quantizeTurbo(data, dim, 'Euclid', { bits: 'bits4' });
    expectSameScores(new TurboScorer(t, query), new TurboScorer(plainTurbo(t), query), ids);
  });

  it('sets read back from their bytes hold their codes in an arena and score as the encoded set', () => {
    const dim = 100;
    const n = 50;
    const data = matrix(21, n, dim, 'Cosine');
    const query = matrix(22, 1, dim, 'Dot');
    const ids = randomIds(23, n, 120);
    const b = encodeBinary(trainBinary(data, dim, 'Cosine', 'one_and_half_bits', 4), data);
    const b2 = deserializeBinary(serializeBinary(b));
    expect(simdArenaOf(b2.codes)).toBeDefined();
    expectSameScores(new BinaryScorer(b2, query), new BinaryScorer(plainBinary(b), query), ids);
    const p = quantizeProduct(data, dim, 'Cosine', { compression: 'x8', seed: 3 });
    const p2 = deserializeProduct(serializeProduct(p));
    expect(simdArenaOf(p2.codes)).toBeDefined();
    expectSameScores(new ProductScorer(p2, query), new ProductScorer(plainProduct(p), query), ids);
    const t = quantizeTurbo(data, dim, 'Cosine', { bits: 'bits1_5' });
    const t2 = deserializeTurbo(serializeTurbo(t));
    expect(simdArenaOf(t2.codes)).toBeDefined();
    expectSameScores(new TurboScorer(t2, query), new TurboScorer(plainTurbo(t), query), ids);
  });

  it('interleaved scorers over one arena each re-copy their own query', () => {
    const dim = 64;
    const n = 40;
    const data = matrix(31, n, dim, 'Dot');
    const ids = randomIds(32, n, 60);
    const t = quantizeTurbo(data, dim, 'Dot', { bits: 'bits2' });
    const [qa, qb] = [matrix(33, 1, dim, 'Dot'), matrix(34, 1, dim, 'Dot')];
    const a = new TurboScorer(t, qa);
    const b = new TurboScorer(t, qb);
    const out = new Float64Array(ids.length);
    for (const [simd, q] of [
      [a, qa],
      [b, qb],
      [a, qa],
    ] as const) {
      simd.scoreMany(ids, 0, ids.length, out);
      const js = new TurboScorer(plainTurbo(t), q);
      for (let j = 0; j < ids.length; j++) expect(out[j]).toBe(js.score(ids[j]));
    }
  });

  it('product: interleaved scorers rebuild their own table in the arena (pq_lut), for scoreMany and score', () => {
    const dim = 37;
    const n = 600;
    const ids = randomIds(42, n, 90);
    for (const distance of DISTANCES) {
      const data = matrix(41, n, dim, distance);
      const set = quantizeProduct(data, dim, distance, { compression: 'x16', seed: 5, maxIterations: 4 });
      // a second set in its own arena: its centroids never mix with the first's
      const other = quantizeProduct(matrix(45, n, dim, distance), dim, distance, { compression: 'x16', seed: 6 });
      const [qa, qb] = [matrix(43, 1, dim, 'Dot'), matrix(44, 1, dim, 'Dot')];
      const a = new ProductScorer(set, qa);
      const b = new ProductScorer(set, qb);
      const c = new ProductScorer(other, qa);
      const out = new Float64Array(ids.length);
      for (const [simd, q, s] of [
        [a, qa, set],
        [b, qb, set],
        [c, qa, other],
        [a, qa, set],
      ] as const) {
        const js = new ProductScorer(plainProduct(s), q);
        simd.scoreMany(ids, 0, ids.length, out);
        for (let j = 0; j < ids.length; j++) expect(out[j]).toBe(js.score(ids[j]));
        (simd === a ? b : a).score(ids[0]);
        for (let j = 0; j < 5; j++) expect(simd.score(ids[j])).toBe(js.score(ids[j]));
      }
    }
  });
});
