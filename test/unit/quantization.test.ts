import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalized, normalizeRows, similarityFn } from '../../lib/distance/index.js';
import type { Distance } from '../../lib/model/distance.js';
import { isStrataError } from '../../lib/model/errors.js';
import {
  codeDot,
  deserializeQuantized,
  encodeAll,
  encodeQuery,
  encodeValue,
  Int8Scorer,
  quantize,
  serializeQuantized,
  trainScalar,
} from '../../lib/quantization/index.js';
import { mulberry32 } from '../../lib/index/index.js';

const DISTANCES: Distance[] = ['Cosine', 'Dot', 'Euclid', 'Manhattan'];

function randomMatrix(seed: number, n: number, dim: number, scale: number, shift: number): Float32Array {
  const rnd = mulberry32(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i++) out[i] = (rnd() - 0.5) * scale + shift;
  return out;
}

/** |float similarity − int8 estimate| allowed when every value lies in [lo, hi] (each decoded value off by ≤ α/2). */
function errorBound(
  distance: Distance,
  alpha: number,
  q: Float32Array,
  v: Float32Array,
  vOff: number,
  dim: number,
): number {
  let bound = 0;
  for (let i = 0; i < dim; i++) {
    const x = q[i];
    const y = v[vOff + i];
    if (distance === 'Dot' || distance === 'Cosine') bound += ((Math.abs(x) + Math.abs(y) + alpha / 2) * alpha) / 2;
    else if (distance === 'Euclid') bound += 2 * Math.abs(x - y) * alpha + alpha * alpha;
    else bound += alpha;
  }
  // float32 storage of alpha, offset and the corrections
  return bound * (1 + 1e-5) + 1e-4;
}

describe('scalar int8 quantization', () => {
  it('estimates every similarity within the error the step alpha implies, on the float similarity scale', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.constantFrom(...DISTANCES),
        (dim, seed, scale, shift, distance) => {
          const n = 40;
          const data = randomMatrix(seed, n + 1, dim, scale, shift);
          if (distance === 'Cosine') normalizeRows(data, dim);
          const stored = data.subarray(0, n * dim);
          const query = data.slice(n * dim);
          // quantile 1: the range covers every value, including the query's (drawn from the same rows' range below)
          const set = quantize(stored, dim, distance, { quantile: 1 });
          for (let i = 0; i < dim; i++) {
            query[i] = Math.min(Math.max(query[i], set.params.offset), set.params.offset + 127 * set.params.alpha);
          }
          // the scorer normalizes a Cosine query, so the similarity to compare with is the normalized one's (a value
          // it pushes past the range stays unclamped in the scorer's query, within the bound)
          if (distance === 'Cosine') normalizeRows(query, dim);
          const scorer = new Int8Scorer(set, query);
          const sim = similarityFn(distance);
          for (let id = 0; id < n; id++) {
            const exact = sim(query, 0, stored, id * dim, dim);
            const est = scorer.score(id);
            expect(Math.abs(est - exact)).toBeLessThanOrEqual(
              errorBound(distance, set.params.alpha, query, stored, id * dim, dim),
            );
          }
        },
      ),
      { seed: 11, numRuns: 200 },
    );
  });

  it('Dot/Cosine: the estimate errs by the stored codes only, the query kept unclamped in fine steps', () => {
    // queries reach far outside the trained range, where a query rounded to codes would be clamped: the bound below
    // is the stored side's α/2 a value plus the query's fixed-point step (α/2^(s+1)), nothing for the range
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: 1, max: 20, noNaN: true }),
        fc.constantFrom<Distance>('Dot', 'Cosine'),
        (dim, seed, scale, stretch, distance) => {
          const n = 40;
          const stored = randomMatrix(seed, n, dim, scale, 0);
          const query = randomMatrix(seed + 1, 1, dim, scale * stretch, 0);
          if (distance === 'Cosine') {
            normalizeRows(stored, dim);
            normalizeRows(query, dim);
          }
          const set = quantize(stored, dim, distance, { quantile: 1 });
          const scorer = new Int8Scorer(set, query);
          const { alpha } = set.params;
          const step = scorer.query.multiplier / (alpha * alpha); // 2^−s
          for (let id = 0; id < n; id++) {
            let exact = 0;
            let bound = 0;
            for (let i = 0; i < dim; i++) {
              const x = query[i];
              const y = stored[id * dim + i];
              exact += x * y;
              bound += (Math.abs(x) * alpha) / 2 + ((step * alpha) / 2) * (Math.abs(y) + alpha / 2);
            }
            expect(Math.abs(scorer.score(id) - exact)).toBeLessThanOrEqual(bound * (1 + 1e-5) + 1e-4);
          }
        },
      ),
      { seed: 13, numRuns: 200 },
    );
  });

  it('the i16 query takes the finest step (≤ 1/256 code) that keeps every kernel sum an exact i32', () => {
    // long vectors and large values force coarser steps; the sums must then still be exact (wasm = JS loop)
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.constantFrom(1e-3, 1, 1e3, 1e7),
        (dim, seed, scale) => {
          const stored = randomMatrix(seed, 8, dim, 2, 0);
          const set = quantize(stored, dim, 'Dot', { quantile: 1 });
          const scorer = new Int8Scorer(set, randomMatrix(seed + 1, 1, dim, 2 * scale, 0));
          const q = scorer.query;
          const { alpha } = set.params;
          const shift = Math.round(Math.log2((alpha * alpha) / q.multiplier));
          expect(shift).toBeLessThanOrEqual(8);
          let sumAbs = 0;
          let maxAbs = 0;
          for (const v of q.wide) {
            sumAbs += Math.abs(v);
            maxAbs = Math.max(maxAbs, Math.abs(v));
          }
          expect(maxAbs).toBeLessThanOrEqual(32767);
          expect(sumAbs * 127).toBeLessThan(2 ** 31);
          // one more fractional bit would break a bound (unless already at 8)
          if (shift < 8) expect(2 * maxAbs > 32767 - 2 || 127 * (2 * sumAbs + dim) >= 2 ** 31).toBe(true);
          const ids = Uint32Array.from({ length: 8 }, (_, i) => i);
          const out = new Float64Array(8);
          scorer.scoreMany(ids, 0, 8, out);
          for (let id = 0; id < 8; id++) {
            let plain = 0;
            for (let i = 0; i < dim; i++) plain += q.wide[i] * set.codes[id * set.params.stride + i];
            expect(codeDot(set, q, id)).toBe(plain);
            expect(out[id]).toBe(scorer.score(id));
          }
        },
      ),
      { seed: 12, numRuns: 100 },
    );
  });

  it('a scorer encodes its query as encodeQuery of the normalized (Cosine) or float32 copy, without the copy', () => {
    // the scorer folds the normalization and the float32 rounding into its encoding loop: the codes, the i16 query,
    // its multiplier and correction must be exactly those of the copy it no longer makes, zero vectors and float64
    // inputs included
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom<Distance>('Cosine', 'Dot', 'Euclid', 'Manhattan'),
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.constantFrom(0, 1e-30, 1e-3, 1, 1e20),
        (dim, distance, seed, scale) => {
          const data = randomMatrix(seed, 20, dim, 2, -1);
          if (distance === 'Cosine') normalizeRows(data, dim);
          const set = quantize(data, dim, distance, { quantile: 1 });
          const rnd = mulberry32(seed + 1);
          // float64 values that float32 rounds, at magnitudes whose squares underflow or dwarf the others
          const query = Array.from({ length: dim }, () => (rnd() * 2 - 1) * scale);
          const copy = distance === 'Cosine' ? normalized(query) : new Float32Array(query);
          const expected = encodeQuery(set.params, copy);
          const got = new Int8Scorer(set, query).query;
          expect(got.codes).toEqual(expected.codes);
          expect(got.wide).toEqual(expected.wide);
          expect(Object.is(got.multiplier, expected.multiplier)).toBe(true);
          expect(Object.is(got.correction, expected.correction)).toBe(true);
          // a step of ~4 float32 ulps with a code boundary next to one value: one ulp off there changes its code
          const i = seed % dim;
          const v = copy[i];
          if (v === 0) return;
          const alpha = Math.fround(Math.abs(v) * 2 ** -21);
          const fine = { ...set, params: { ...set.params, alpha, offset: Math.fround(v - 63.5 * alpha) } };
          const fineCodes = encodeQuery(fine.params, copy).codes;
          expect(new Int8Scorer(fine, query).query.codes).toEqual(fineCodes);
          // the query's codes are encodeValue's, value by value (the stored rows' rule)
          for (let j = 0; j < dim; j++) {
            expect(fineCodes[j]).toBe(encodeValue(fine.params, copy[j]));
            expect(expected.codes[j]).toBe(encodeValue(set.params, copy[j]));
          }
        },
      ),
      { seed: 17, numRuns: 300 },
    );
  });

  it('a Euclid / Manhattan query takes the codes of encodeValue at ties, NaN, infinities and every tail length', () => {
    // the query's codes come from one kernel call where SIMD runs: its rounding must be JS Math.round (ties toward
    // +∞, not to even), its clamps must send NaN to 0, and the padding past dim must stay 0
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 41 }),
        fc.constantFrom<Distance>('Euclid', 'Manhattan'),
        fc.array(
          fc.oneof(
            fc.integer({ min: -3, max: 130 }).map((k) => k + 0.5),
            fc.double({ min: -200, max: 200, noNaN: true }),
            fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 1e30, -1e30, 126.5, 127.49999, 0.49999997),
          ),
          { minLength: 41, maxLength: 41 },
        ),
        (dim, distance, values) => {
          const stride = (dim + 3) & ~3;
          const params = { distance, dim, stride, alpha: 1, offset: 0, quantile: 1 };
          const query = Float32Array.from(values.slice(0, dim));
          const q = encodeQuery(params, query);
          let sumSq = 0;
          for (let j = 0; j < stride; j++) {
            // encodeValue(NaN) is NaN, which a stored row's Uint8Array holds as 0
            const c = j < dim ? encodeValue(params, query[j]) || 0 : 0;
            expect(q.codes[j]).toBe(c);
            expect(q.wide[j]).toBe(c);
            sumSq += c * c;
          }
          expect(q.correction).toBe(distance === 'Euclid' ? -sumSq : 0);
        },
      ),
      { seed: 23, numRuns: 300 },
    );
  });

  it('stored rows take the codes of encodeValue and the corrections of their sums, ties, NaN and tails included', () => {
    // encodeAll encodes each row in one kernel call where SIMD runs: codes as encodeValue (a NaN code stored as 0),
    // padding 0, and the correction k_v of the header from the codes' exact sums
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 41 }),
        fc.constantFrom<Distance>('Cosine', 'Dot', 'Euclid'),
        fc.constantFrom({ alpha: 1, offset: 0 }, { alpha: 0.5, offset: -3 }, { alpha: 0.0123, offset: 0.7 }),
        fc.array(
          fc.oneof(
            fc.integer({ min: -3, max: 130 }).map((k) => k + 0.5),
            fc.double({ min: -200, max: 200, noNaN: true }),
            fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e30, 126.5, 0.49999997),
          ),
          { minLength: 3 * 41, maxLength: 3 * 41 },
        ),
        (dim, distance, range, values) => {
          const stride = (dim + 3) & ~3;
          const params = { distance, dim, stride, quantile: 1, ...range };
          const data = Float32Array.from(values.slice(0, 3 * dim));
          const set = encodeAll(params, data);
          for (let r = 0; r < 3; r++) {
            let sum = 0;
            let sumSq = 0;
            for (let j = 0; j < stride; j++) {
              const c = j < dim ? encodeValue(params, data[r * dim + j]) || 0 : 0;
              expect(set.codes[r * stride + j]).toBe(c);
              sum += c;
              sumSq += c * c;
            }
            const { alpha, offset } = range;
            const k = distance === 'Euclid' ? -alpha * alpha * sumSq : alpha * offset * sum + dim * offset * offset;
            expect(set.corrections[r]).toBe(Math.fround(k));
          }
        },
      ),
      { seed: 29, numRuns: 300 },
    );
  });

  it('codes clamp to 0..127 and extreme codes hit the range ends', () => {
    const p = trainScalar(Float32Array.from([-1, 0, 1, 2, 3]), 1, 'Dot', { quantile: 1 });
    expect(p.offset).toBe(-1);
    expect(encodeValue(p, -5)).toBe(0);
    expect(encodeValue(p, -1)).toBe(0);
    expect(encodeValue(p, 3)).toBe(127);
    expect(encodeValue(p, 99)).toBe(127);
  });

  it('the quantile trims extreme values: one outlier does not stretch the range', () => {
    const data = randomMatrix(5, 1000, 8, 2, 0);
    data[17] = 1000;
    const trimmed = trainScalar(data, 8, 'Euclid', { quantile: 0.99 });
    const full = trainScalar(data, 8, 'Euclid', { quantile: 1 });
    expect(full.offset + 127 * full.alpha).toBeCloseTo(1000, 2);
    expect(trimmed.offset + 127 * trimmed.alpha).toBeLessThan(1.01);
    expect(trimmed.offset).toBeGreaterThan(-1.01);
  });

  it('a constant segment encodes exactly and its estimates are finite', () => {
    const data = new Float32Array(4 * 3).fill(0.5);
    const set = quantize(data, 3, 'Euclid');
    expect(new Int8Scorer(set, [0.5, 0.5, 0.5]).score(2)).toBeCloseTo(0, 6);
  });

  it('serialize/deserialize round-trips params, codes and corrections, at aligned and unaligned byte offsets', () => {
    for (const distance of DISTANCES) {
      const set = quantize(randomMatrix(7, 33, 13, 4, 1), 13, distance);
      const bytes = serializeQuantized(set);
      for (const shift of [0, 1]) {
        const holder = new Uint8Array(bytes.length + shift);
        holder.set(bytes, shift);
        const back = deserializeQuantized(holder.subarray(shift));
        expect(back.params).toEqual(set.params);
        expect(back.n).toBe(33);
        expect(Array.from(back.codes)).toEqual(Array.from(set.codes));
        expect(Array.from(back.corrections)).toEqual(Array.from(set.corrections));
        expect(new Int8Scorer(back, randomMatrix(8, 1, 13, 4, 1)).score(5)).toBe(
          new Int8Scorer(set, randomMatrix(8, 1, 13, 4, 1)).score(5),
        );
      }
    }
  });

  it('deserialize rejects a flipped byte, a truncated file and a wrong magic as internal errors', () => {
    const bytes = serializeQuantized(quantize(randomMatrix(9, 10, 5, 1, 0), 5, 'Dot'));
    const flipped = bytes.slice();
    flipped[60] ^= 1;
    const badMagic = bytes.slice();
    badMagic[0] = 0;
    for (const corrupt of [flipped, bytes.subarray(0, bytes.length - 1), badMagic]) {
      let error: unknown;
      try {
        deserializeQuantized(corrupt);
      } catch (e) {
        error = e;
      }
      expect(isStrataError(error, 'internal')).toBe(true);
    }
  });
});
