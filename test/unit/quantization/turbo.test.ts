import { describe, expect, it } from 'vitest';
import { normalizeRows, similarityFn } from '../../../lib/distance/index.js';
import { mulberry32 } from '../../../lib/index/index.js';
import type { Distance } from '../../../lib/model/distance.js';
import { isStrataError } from '../../../lib/model/errors.js';
import {
  decodeTurbo,
  deserializeTurbo,
  HadamardRotation,
  hadamardBlocks,
  paddedDimFor,
  permutationMap,
  quantizeTurbo,
  serializeTurbo,
  TURBO_BITS,
  type TurboBits,
  turboBytesPerVector,
  TurboScorer,
  trainTurbo,
} from '../../../lib/quantization/index.js';

const DISTANCES: Distance[] = ['Cosine', 'Dot', 'Euclid', 'Manhattan'];

function matrix(seed: number, n: number, dim: number, distance: Distance): Float32Array {
  const rnd = mulberry32(seed);
  // a shared offset makes coordinates anisotropic, which the TQ+ shift/scale has to absorb
  const out = Float32Array.from({ length: n * dim }, (_, i) => rnd() * 2 - 1 + 0.3 * Math.sin(i % dim));
  if (distance === 'Cosine') normalizeRows(out, dim);
  return out;
}

describe('TurboQuant rotation', () => {
  it('splits a dimension into power-of-two Hadamard blocks, largest first', () => {
    expect(hadamardBlocks(700)).toEqual([512, 128, 32, 16, 8, 4]);
    expect(hadamardBlocks(1536)).toEqual([1024, 512]);
    expect(hadamardBlocks(128)).toEqual([128]);
  });

  it('permutation maps are permutations and differ per seed', () => {
    const a = permutationMap(654605292835415893n, 300);
    const b = permutationMap(8636605637963351413n, 300);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(a).not.toEqual(b);
  });

  it.each([5, 100, 152, 784, 1176])(
    'is orthogonal at dim %i: keeps lengths and dot products, inverse undoes it',
    (dim) => {
      const rnd = mulberry32(dim);
      const rot = new HadamardRotation(dim);
      const x = Float64Array.from({ length: dim }, () => rnd() - 0.5);
      const y = Float64Array.from({ length: dim }, () => rnd() - 0.5);
      const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
      const before = [dot(x, x), dot(x, y)];
      const rx = x.slice();
      const ry = y.slice();
      rot.apply(rx);
      rot.apply(ry);
      expect(dot(rx, rx)).toBeCloseTo(before[0], 10);
      expect(dot(rx, ry)).toBeCloseTo(before[1], 10);
      expect(rx).not.toEqual(x);
      rot.applyInverse(rx);
      for (let i = 0; i < dim; i++) expect(rx[i]).toBeCloseTo(x[i], 12);
    },
  );

  it('spreads a spike over the coordinates', () => {
    const rot = new HadamardRotation(128);
    const x = new Float64Array(128);
    x[3] = 1;
    rot.apply(x);
    // unrotated, one coordinate holds all the energy; rotated, none holds more than 10% of it
    expect(Math.max(...x.map((v) => v * v))).toBeLessThan(0.1);
    expect(x.filter((v) => v !== 0).length).toBeGreaterThan(100);
  });
});

describe('TurboQuant codes', () => {
  it('pads and packs as Qdrant: bytes per vector at dim 100', () => {
    expect(TURBO_BITS.map((b) => paddedDimFor(100, b))).toEqual([104, 152, 100, 100]);
    // codes + sf + xm (+ ℓ for Euclid)
    expect(TURBO_BITS.map((b) => turboBytesPerVector(100, b, 'Cosine'))).toEqual([21, 27, 33, 58]);
    expect(turboBytesPerVector(784, 'bits4', 'Euclid')).toBe(392 + 12);
    const set = quantizeTurbo(matrix(1, 50, 100, 'Dot'), 100, 'Dot', { bits: 'bits1_5' });
    expect(set.codes.length).toBe(50 * 19);
  });

  // bound on mean |estimate − float similarity| / mean |float similarity| for 100-d rows (Cosine and Dot are the
  // loosest: near-orthogonal rows have small similarities, so the same absolute error is a larger share)
  const bounds: Record<TurboBits, number> = { bits1: 0.52, bits1_5: 0.5, bits2: 0.29, bits4: 0.07 };
  for (const distance of DISTANCES) {
    it.each(TURBO_BITS)(`${distance} %s: estimates track the float similarity`, (bits) => {
      const dim = 100;
      const data = matrix(2, 1000, dim, distance);
      const set = quantizeTurbo(data, dim, distance, { bits });
      const rnd = mulberry32(5);
      const q = Float32Array.from(data.subarray(0, dim), (v) => v + (rnd() - 0.5) * 0.2);
      const qn = Float32Array.from(q);
      if (distance === 'Cosine') normalizeRows(qn, dim);
      const scorer = new TurboScorer(set, q);
      const sim = similarityFn(distance);
      let err = 0;
      let mag = 0;
      for (let id = 0; id < 300; id++) {
        const truth = sim(qn, 0, data, id * dim, dim);
        const estimate = scorer.score(id);
        expect(Number.isFinite(estimate)).toBe(true);
        err += Math.abs(estimate - truth);
        mag += Math.abs(truth);
      }
      expect(err / mag).toBeLessThan(bounds[bits]);
    });
  }

  it('4 bits rank like exact search: top-10 overlap ≥ 0.85 on 2000 rows', () => {
    const dim = 64;
    const n = 2000;
    const data = matrix(3, n, dim, 'Cosine');
    const set = quantizeTurbo(data, dim, 'Cosine', { bits: 'bits4' });
    const sim = similarityFn('Cosine');
    let hits = 0;
    for (let t = 0; t < 20; t++) {
      const q = data.subarray(t * 97 * dim, (t * 97 + 1) * dim);
      const scorer = new TurboScorer(set, q);
      const est = Float64Array.from({ length: n }, (_, id) => scorer.score(id));
      const tru = Float64Array.from({ length: n }, (_, id) => sim(q, 0, data, id * dim, dim));
      const ids = Array.from({ length: n }, (_, i) => i);
      const top = new Set([...ids].sort((a, b) => tru[b] - tru[a]).slice(0, 10));
      hits += [...ids].sort((a, b) => est[b] - est[a]).filter((id, r) => r < 10 && top.has(id)).length;
    }
    expect(hits / 200).toBeGreaterThanOrEqual(0.85);
  });

  it('decodes back close to the original vector (4 bits: mean squared error < 1% of the energy)', () => {
    const dim = 100;
    const data = matrix(4, 500, dim, 'Euclid');
    const set = quantizeTurbo(data, dim, 'Euclid', { bits: 'bits4' });
    let err = 0;
    let energy = 0;
    for (let id = 0; id < 500; id++) {
      const d = decodeTurbo(set, id);
      for (let i = 0; i < dim; i++) {
        err += (d[i] - data[id * dim + i]) ** 2;
        energy += data[id * dim + i] ** 2;
      }
    }
    expect(err / energy).toBeLessThan(0.01);
  });

  it.each(DISTANCES)('%s: a zero vector encodes and scores finitely', (distance) => {
    const dim = 16;
    const data = matrix(5, 300, dim, distance);
    data.fill(0, 0, dim);
    const set = quantizeTurbo(data, dim, distance, { bits: 'bits2' });
    const scorer = new TurboScorer(set, data.subarray(dim, 2 * dim));
    expect(Number.isFinite(scorer.score(0))).toBe(true);
    expect(set.xm[0]).toBe(0);
  });

  it('training is reproducible for a seed', () => {
    const data = matrix(6, 3000, 40, 'Dot');
    const a = trainTurbo(data, 40, 'Dot', { bits: 'bits2', seed: 3, sampleSize: 500 });
    const b = trainTurbo(data, 40, 'Dot', { bits: 'bits2', seed: 3, sampleSize: 500 });
    expect(a).toEqual(b);
    expect(a.scale.some((s) => s !== 1)).toBe(true);
  });

  it.each(DISTANCES)('%s: round-trips through its binary layout and refuses a corrupt one', (distance) => {
    const dim = 30;
    const data = matrix(7, 200, dim, distance);
    const set = quantizeTurbo(data, dim, distance, { bits: 'bits4' });
    const bytes = serializeTurbo(set);
    const back = deserializeTurbo(bytes);
    expect(back).toEqual(set);
    const q = data.subarray(dim, 2 * dim);
    const before = new TurboScorer(set, q);
    const after = new TurboScorer(back, q);
    for (let id = 0; id < 200; id += 7) expect(after.score(id)).toBe(before.score(id));

    const flipped = bytes.slice();
    flipped[bytes.length - 2] ^= 4;
    const badVersion = bytes.slice();
    badVersion[8] = 9;
    for (const corrupt of [flipped, bytes.subarray(0, bytes.length - 1), badVersion]) {
      let caught: unknown;
      try {
        deserializeTurbo(corrupt);
      } catch (e) {
        caught = e;
      }
      expect(isStrataError(caught, 'internal')).toBe(true);
    }
    expect(() => deserializeTurbo(flipped)).toThrow(/checksum/);
  });

  it('refuses unknown bits', () => {
    expect(() => trainTurbo(new Float32Array(8), 4, 'Dot', { bits: 'bits3' as TurboBits })).toThrow(/bits3/);
  });
});
