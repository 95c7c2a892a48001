import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cosineU8,
  dotF16,
  dotU8,
  FLOAT16_VALUES,
  l1F16,
  l1U8,
  l2sqF16,
  l2sqU8,
  normalized,
  SIMD_BATCH,
  simdArenaOf,
  simdStoredRows,
  sumSquares,
} from '../../lib/distance/index.js';
import { ResidentRows, storedScorer } from '../../lib/index/stored-scorer.js';
import { deserializeStoredVectors, mulberry32, serializeVectors } from '../../lib/index/index.js';
import type { Distance } from '../../lib/model/distance.js';

const DISTANCES: Distance[] = ['Cosine', 'Dot', 'Euclid', 'Manhattan'];

/** The scalar reference of a stored-type score (stored-kernels.ts), as the JS scorers compute it. */
function reference(
  float16: boolean,
  distance: Distance,
  q: Float32Array,
  rows: Uint16Array | Uint8Array,
  id: number,
  dim: number,
): number {
  const off = id * dim;
  if (float16) {
    const r = rows as Uint16Array;
    if (distance === 'Euclid') return -l2sqF16(q, 0, r, off, dim);
    if (distance === 'Manhattan') return -l1F16(q, 0, r, off, dim);
    return dotF16(q, 0, r, off, dim);
  }
  const r = rows as Uint8Array;
  if (distance === 'Cosine') return cosineU8(q, 0, sumSquares(q, 0, dim), r, off, dim);
  if (distance === 'Euclid') return -l2sqU8(q, 0, r, off, dim);
  if (distance === 'Manhattan') return -l1U8(q, 0, r, off, dim);
  return dotU8(q, 0, r, off, dim);
}

/** Random float16 bit patterns, weighted towards the edge cases (zeros, subnormals, the largest finite, ±∞). */
function float16Rows(seed: number, length: number): Uint16Array {
  const rnd = mulberry32(seed);
  const special = [0x0000, 0x8000, 0x0001, 0x03ff, 0x8200, 0x0400, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x3c00];
  return Uint16Array.from({ length }, () => {
    const r = rnd();
    if (r < 0.1) return special[Math.floor(rnd() * special.length)];
    // finite patterns elsewhere (exponent < 31), so most sums are finite
    const bits = Math.floor(rnd() * 0x10000);
    return (bits & 0x7c00) === 0x7c00 ? bits & 0xbfff : bits;
  });
}

function scoreAll(
  float16: boolean,
  distance: Distance,
  data: Uint16Array | Uint8Array,
  dim: number,
  query: Float32Array,
  ids: Uint32Array,
): { simd: Float64Array; one: Float64Array; ref: Float64Array } {
  const scorer = storedScorer(new ResidentRows(data, dim), float16 ? 'float16' : 'uint8', distance, query);
  expect(scorer.scoreMany).toBeDefined();
  const simd = new Float64Array(ids.length);
  scorer.scoreMany!(ids, 0, ids.length, simd);
  const one = Float64Array.from(ids, (id) => scorer.score(id));
  // the scorers normalise a Cosine query; the reference takes it as the scorer holds it
  const q = distance === 'Cosine' ? normalized(query) : query;
  const ref = Float64Array.from(ids, (id) => reference(float16, distance, q, data, id, dim));
  return { simd, one, ref };
}

describe('SIMD kernels over float16 and uint8 originals', () => {
  it('float16: f16_f64 equals dotF16 / l2sqF16 / l1F16 bit for bit, subnormals and infinities included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(...DISTANCES),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (quads, n, distance, seed) => {
          const dim = 4 * quads;
          const data = simdStoredRows(float16Rows(seed, n * dim), dim);
          expect(simdArenaOf(data)).toBeDefined();
          const rnd = mulberry32(seed + 1);
          const query = Float32Array.from({ length: dim }, () => (rnd() * 2 - 1) * 8);
          const ids = Uint32Array.from({ length: 2 * n + 3 }, () => Math.floor(rnd() * n));
          const { simd, one, ref } = scoreAll(true, distance, data, dim, query, ids);
          for (let j = 0; j < ids.length; j++) {
            expect(simd[j]).toBe(ref[j]);
            expect(one[j]).toBe(ref[j]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('float16: every bit pattern decodes as FLOAT16_VALUES does (a one-hot query reads each value back)', () => {
    const dim = 4;
    const n = 0x10000 / dim;
    const all = simdStoredRows(
      Uint16Array.from({ length: 0x10000 }, (_, h) => h),
      dim,
    );
    const ids = Uint32Array.from({ length: n }, (_, i) => i);
    for (let lane = 0; lane < dim; lane++) {
      const query = new Float32Array(dim);
      query[lane] = 1;
      const { simd, ref } = scoreAll(true, 'Dot', all, dim, query, ids);
      expect(simd).toEqual(ref);
      for (let id = 0; id < n; id++) {
        const row = all.subarray(id * dim, (id + 1) * dim);
        // a row without ±∞ or NaN (0·∞ is NaN) reads back the lane's value itself
        if (row.every((h) => (h & 0x7c00) !== 0x7c00)) expect(simd[id]).toBe(FLOAT16_VALUES[id * dim + lane] + 0);
      }
    }
  });

  it('uint8: u8_f64 and cos_u8_f64 equal dotU8 / l2sqU8 / l1U8 / cosineU8 bit for bit (zero rows give cosine 0)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(...DISTANCES),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (quads, n, distance, seed) => {
          const dim = 4 * quads;
          const rnd = mulberry32(seed);
          const bytes = Uint8Array.from({ length: n * dim }, () => Math.floor(rnd() * 256));
          bytes.fill(0, 0, dim); // row 0 is all zeros: Qdrant's cosine of a zero norm is 0
          const data = simdStoredRows(bytes, dim);
          expect(simdArenaOf(data)).toBeDefined();
          const query = Float32Array.from({ length: dim }, () => rnd() * 255);
          const ids = Uint32Array.from({ length: 2 * n + 3 }, (_, i) => (i === 0 ? 0 : Math.floor(rnd() * n)));
          const { simd, one, ref } = scoreAll(false, distance, data, dim, query, ids);
          for (let j = 0; j < ids.length; j++) {
            expect(simd[j]).toBe(ref[j]);
            expect(one[j]).toBe(ref[j]);
          }
          if (distance === 'Cosine') expect(simd[0]).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('batches longer than the arena scratch are chunked, and a query written by another scorer is re-copied', () => {
    const dim = 32;
    const n = SIMD_BATCH + 300;
    const rnd = mulberry32(5);
    const data = simdStoredRows(
      Uint8Array.from({ length: n * dim }, () => Math.floor(rnd() * 256)),
      dim,
    );
    const ids = Uint32Array.from({ length: n }, (_, i) => n - 1 - i);
    const qa = Float32Array.from({ length: dim }, () => rnd());
    const qb = Float32Array.from({ length: dim }, () => rnd());
    const a = storedScorer(new ResidentRows(data, dim), 'uint8', 'Euclid', qa);
    const b = storedScorer(new ResidentRows(data, dim), 'uint8', 'Euclid', qb);
    const outA = new Float64Array(n);
    const outB = new Float64Array(n);
    a.scoreMany!(ids, 0, n, outA);
    b.scoreMany!(ids, 0, n, outB);
    const again = new Float64Array(n);
    a.scoreMany!(ids, 0, n, again);
    for (let j = 0; j < n; j++) {
      expect(outA[j]).toBe(-l2sqU8(qa, 0, data, ids[j] * dim, dim));
      expect(outB[j]).toBe(-l2sqU8(qb, 0, data, ids[j] * dim, dim));
    }
    expect(again).toEqual(outA);
  });

  it('rows read whole from a float16 or uint8 vectors object are placed in an arena; other dims keep the JS kernels', () => {
    const rnd = mulberry32(9);
    for (const dim of [8, 6]) {
      const values = Float32Array.from({ length: 20 * dim }, () => Math.floor(rnd() * 256));
      for (const datatype of ['float16', 'uint8'] as const) {
        const { data } = deserializeStoredVectors(serializeVectors(values, dim, undefined, datatype));
        const scorer = storedScorer(new ResidentRows(data, dim), datatype, 'Dot', values.subarray(0, dim));
        expect(simdArenaOf(data) !== undefined).toBe(dim % 4 === 0);
        expect(scorer.scoreMany !== undefined).toBe(dim % 4 === 0);
        // the same score either way: the value's own squared norm
        expect(scorer.score(0)).toBe(sumSquares(values, 0, dim));
      }
    }
  });
});
