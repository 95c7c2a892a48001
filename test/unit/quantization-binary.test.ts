/**
 * Binary quantization (lib/quantization/binary.ts): encodings and XOR sums against a bit-by-bit reading of Qdrant's
 * rules, the estimate on the float32 scale, the STRQBINY layout, and the codec seam (codes.ts) that serves every kind.
 */
import { describe, expect, it } from 'vitest';
import { normalizeRows } from '../../lib/distance/index.js';
import { mulberry32 } from '../../lib/index/index.js';
import type { BinaryEncoding, QuantizationConfig } from '../../lib/model/collection-config.js';
import type { Distance } from '../../lib/model/distance.js';
import { isStrataError } from '../../lib/model/errors.js';
import {
  BinaryScorer,
  binaryPairSimilarity,
  codeScorer,
  codesKey,
  deserializeBinary,
  deserializeCodes,
  encodeBinary,
  encodeCodes,
  popcount32,
  quantize,
  serializeBinary,
  serializeCodes,
  serializeQuantized,
  trainBinary,
} from '../../lib/quantization/index.js';
import type { QueryBits } from '../../lib/quantization/binary.js';

function randomMatrix(seed: number, n: number, dim: number): Float32Array {
  const rnd = mulberry32(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i++) out[i] = (rnd() - 0.5) * 2 + 0.3 * Math.sin(i % dim);
  return out;
}

/** Qdrant's extended bits of one vector, one boolean per position (encoded_vectors_binary.rs, read literally). */
function referenceBits(
  x: Float32Array,
  encoding: BinaryEncoding,
  mean: Float32Array | null,
  sd: Float32Array | null,
): boolean[] {
  const dim = x.length;
  if (encoding === 'one_bit') return Array.from(x, (v) => v > 0);
  const ext = encoding === 'two_bits' ? 2 * dim : dim + Math.ceil(dim / 2);
  const bits = new Array<boolean>(ext).fill(false);
  for (let i = 0; i < dim; i++) {
    const z = (x[i] - mean![i]) / sd![i];
    const b1 = z > -2 / 3;
    const b2 = z >= 2 / 3;
    bits[i] = b1;
    const j = dim + (encoding === 'two_bits' ? i : i >> 1);
    bits[j] = bits[j] || b2;
  }
  return bits;
}

function bitsOf(codes: Uint32Array, row: number, words: number, count: number): boolean[] {
  return Array.from({ length: count }, (_, i) => ((codes[row * words + (i >>> 5)] >>> (i & 31)) & 1) === 1);
}

describe('binary codes', () => {
  it('popcount32 counts set bits of any 32-bit word', () => {
    const rnd = mulberry32(3);
    for (let t = 0; t < 2000; t++) {
      const w = (rnd() * 2 ** 32) >>> 0;
      let naive = 0;
      for (let b = 0; b < 32; b++) naive += (w >>> b) & 1;
      expect(popcount32(w)).toBe(naive);
    }
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(0)).toBe(0);
  });

  it.each<BinaryEncoding>(['one_bit', 'two_bits', 'one_and_half_bits'])(
    '%s stores exactly the bits of Qdrant’s rules, nothing past them',
    (encoding) => {
      const dim = 37;
      const data = randomMatrix(1, 50, dim);
      const p = trainBinary(data, dim, 'Dot', encoding, 1);
      const set = encodeBinary(p, data);
      expect(p.words).toBe(Math.ceil(p.bits / 32));
      for (let r = 0; r < 50; r++) {
        const row = data.subarray(r * dim, (r + 1) * dim);
        const want = referenceBits(row, encoding, p.mean, p.stddev);
        expect(bitsOf(set.codes, r, p.words, p.words * 32)).toEqual([
          ...want,
          ...new Array(p.words * 32 - want.length).fill(false),
        ]);
      }
    },
  );

  it('statistics are per-dimension mean and sample standard deviation', () => {
    const data = Float32Array.from([1, 10, 3, 10, 5, 40]);
    const p = trainBinary(data, 2, 'Dot', 'two_bits', 1);
    expect(Array.from(p.mean!)).toEqual([3, 20]);
    expect(p.stddev![0]).toBeCloseTo(2, 6);
    expect(p.stddev![1]).toBeCloseTo(Math.sqrt(300), 4);
    expect(trainBinary(data, 2, 'Dot', 'one_bit', 1).mean).toBeNull();
    expect(trainBinary(data, 2, 'Dot', 'one_bit', 8).mean).not.toBeNull();
  });

  it.each<[BinaryEncoding, QueryBits]>([
    ['one_bit', 1],
    ['two_bits', 1],
    ['one_and_half_bits', 1],
    ['one_bit', 4],
    ['one_bit', 8],
    ['two_bits', 4],
    ['one_and_half_bits', 8],
  ])('%s with %i-bit queries: the XOR sum equals the bit-by-bit sum', (encoding, queryBits) => {
    const dim = 45;
    const data = randomMatrix(2, 41, dim);
    const p = trainBinary(data.subarray(0, 40 * dim), dim, 'Dot', encoding, queryBits);
    const set = encodeBinary(p, data.subarray(0, 40 * dim));
    const q = data.subarray(40 * dim);
    const scorer = new BinaryScorer(set, q);
    // the query's extended values and their levels, as Qdrant encodes a scalar query
    const ext: number[] = Array.from(q);
    if (encoding === 'two_bits') ext.push(...q);
    if (encoding === 'one_and_half_bits')
      for (let j = 0; 2 * j < dim; j++) ext.push(2 * j + 1 < dim ? Math.max(q[2 * j], q[2 * j + 1]) : q[2 * j]);
    const qBits = referenceBits(q, encoding, p.mean, p.stddev);
    const top = (1 << queryBits) - 1;
    const maxAbs = Math.max(...ext.map(Math.abs));
    for (let r = 0; r < 40; r++) {
      const v = bitsOf(set.codes, r, p.words, p.bits);
      let want = 0;
      for (let i = 0; i < p.bits; i++) {
        if (queryBits === 1) want += v[i] !== qBits[i] ? 1 : 0;
        else {
          const level = Math.round((ext[i] + maxAbs) / ((2 * maxAbs) / top));
          want += v[i] ? top - level : level;
        }
      }
      expect(scorer.xor(r)).toBe(want);
    }
  });

  it.each<Distance>(['Cosine', 'Dot', 'Euclid', 'Manhattan'])(
    '%s: the estimate is on the float32 scale and ranks the query’s own row first',
    (distance) => {
      const dim = 64;
      const data = randomMatrix(4, 200, dim);
      if (distance === 'Cosine') normalizeRows(data, dim);
      const set = encodeBinary(trainBinary(data, dim, distance, 'one_bit', 1), data);
      const q = data.slice(17 * dim, 18 * dim);
      const s = new BinaryScorer(set, q);
      let best = 0;
      for (let r = 1; r < 200; r++) if (s.score(r) > s.score(best)) best = r;
      expect(best).toBe(17);
      const self = s.score(17);
      let sq = 0;
      let l1 = 0;
      for (const x of q) {
        sq += x * x;
        l1 += Math.abs(x);
      }
      // identical codes: δ = 0, so the estimate is the exact self-similarity
      const exact = { Cosine: 1, Dot: sq, Euclid: 0, Manhattan: 0 }[distance];
      expect(self).toBeCloseTo(exact, 3);
      expect(l1).toBeGreaterThan(0);
      expect(s.computations).toBeGreaterThan(0);
    },
  );

  it.each<[Distance, BinaryEncoding, QueryBits]>([
    ['Cosine', 'one_bit', 1],
    ['Dot', 'two_bits', 4],
    ['Euclid', 'one_and_half_bits', 8],
    ['Manhattan', 'one_bit', 1],
    ['Cosine', 'two_bits', 8],
  ])(
    '%s %s, %i-bit queries: score and scoreMany are exactly the header formula over the XOR count',
    (distance, encoding, bits) => {
      const dim = 40;
      const n = 300;
      const data = randomMatrix(8, n, dim);
      if (distance === 'Cosine') normalizeRows(data, dim);
      const set = encodeBinary(trainBinary(data, dim, distance, encoding, bits), data);
      const q = randomMatrix(9, 1, dim);
      const s = new BinaryScorer(set, q);
      // the query's norm as the header defines it (Cosine: 1; Euclid/Manhattan of z-score codes: centred on the mean)
      const centre =
        (distance === 'Euclid' || distance === 'Manhattan') && encoding !== 'one_bit' ? set.params.mean : null;
      let acc = 0;
      for (let i = 0; i < dim; i++) {
        const x = centre === null ? q[i] : q[i] - centre[i];
        acc += distance === 'Manhattan' ? Math.abs(x) : x * x;
      }
      const a = distance === 'Cosine' ? 1 : distance === 'Manhattan' ? acc : Math.sqrt(acc);
      const deltaScale = 1 / (set.params.bits * ((1 << bits) - 1));
      const many = new Float64Array(n);
      s.scoreMany(
        Uint32Array.from({ length: n }, (_, i) => i),
        0,
        n,
        many,
      );
      for (let id = 0; id < n; id++) {
        const delta = s.xor(id) * deltaScale;
        const b = set.norms[id];
        const c = Math.cos(Math.PI * delta);
        const want = {
          Cosine: c,
          Dot: a * b * c,
          Euclid: -(a * a + b * b - 2 * a * b * c),
          Manhattan: -delta * (a + b),
        }[distance];
        expect(s.score(id)).toBe(want);
        expect(many[id]).toBe(want);
      }
    },
  );

  it('round-trips through STRQBINY bytes with identical scores, from an unaligned buffer too', () => {
    const dim = 30;
    const data = randomMatrix(5, 60, dim);
    for (const [encoding, bits] of [
      ['one_bit', 1],
      ['two_bits', 8],
      ['one_and_half_bits', 4],
    ] as const) {
      const set = encodeBinary(trainBinary(data, dim, 'Euclid', encoding, bits), data);
      const bytes = serializeBinary(set);
      const holder = new Uint8Array(bytes.length + 1);
      holder.set(bytes, 1);
      const back = deserializeBinary(holder.subarray(1));
      expect(back.params).toEqual(set.params);
      expect(back.codes).toEqual(set.codes);
      expect(back.norms).toEqual(set.norms);
      const q = data.subarray(0, dim);
      const a = new BinaryScorer(set, q);
      const b = new BinaryScorer(back, q);
      for (let r = 0; r < 60; r++) expect(b.score(r)).toBe(a.score(r));
    }
  });

  it('refuses corrupt, truncated or mislabelled bytes as internal errors', () => {
    const bytes = serializeBinary(
      encodeBinary(trainBinary(randomMatrix(6, 9, 10), 10, 'Dot', 'two_bits', 1), randomMatrix(6, 9, 10)),
    );
    const cases: Uint8Array[] = [];
    const flipped = bytes.slice();
    flipped[bytes.length - 3] ^= 1;
    cases.push(flipped, bytes.slice(0, bytes.length - 4));
    const badVersion = bytes.slice();
    badVersion[8] = 9;
    cases.push(badVersion);
    for (const c of cases) {
      let err: unknown;
      try {
        deserializeBinary(c);
      } catch (e) {
        err = e;
      }
      expect(isStrataError(err) && err.kind === 'internal', String(err)).toBe(true);
    }
  });
});

describe('binary pair estimate (a graph built on the codes)', () => {
  it.each([
    ['one_bit', 'Cosine'],
    ['two_bits', 'Euclid'],
    ['one_and_half_bits', 'Dot'],
    ['two_bits', 'Manhattan'],
  ] as [BinaryEncoding, Distance][])(
    '%s %s: pair(a, b) is the estimate of a for the query b, and symmetric',
    (encoding, distance) => {
      const dim = 37;
      const n = 30;
      const data = randomMatrix(5, n, dim);
      if (distance === 'Cosine') normalizeRows(data, dim);
      const set = encodeBinary(trainBinary(data, dim, distance, encoding, 1), data);
      const pair = binaryPairSimilarity(set);
      for (let b = 0; b < n; b += 7) {
        const asQuery = new BinaryScorer(set, data.subarray(b * dim, (b + 1) * dim));
        for (let a = 0; a < n; a++) {
          expect(pair(a, b)).toBeCloseTo(asQuery.score(a), 5);
          expect(pair(a, b)).toBe(pair(b, a));
        }
      }
    },
  );
});

describe('codec seam (codes.ts)', () => {
  const dim = 24;
  const data = randomMatrix(7, 300, dim);

  it('int8 through the seam is byte for byte the int8 codec', () => {
    const config: QuantizationConfig = { scalar: { type: 'int8', quantile: 0.99, always_ram: true } };
    const viaSeam = serializeCodes(encodeCodes(config, { data, dim, distance: 'Dot', seed: 1 }));
    expect(viaSeam).toEqual(serializeQuantized(quantize(data, dim, 'Dot', { quantile: 0.99, seed: 1 })));
  });

  it('picks the codec from the bytes and scores as the codec does', () => {
    const config: QuantizationConfig = { binary: { encoding: 'two_bits', query_encoding: 'scalar8bits' } };
    const codes = encodeCodes(config, { data, dim, distance: 'Cosine', seed: 1 });
    const back = deserializeCodes(serializeCodes(codes));
    const q = data.subarray(dim, 2 * dim);
    const direct = new BinaryScorer(encodeBinary(trainBinary(data, dim, 'Cosine', 'two_bits', 8), data), q);
    const seam = codeScorer(back, q);
    for (let r = 0; r < 300; r++) expect(seam.score(r)).toBe(direct.score(r));
  });

  it('refuses unknown bytes', () => {
    expect(() => deserializeCodes(new TextEncoder().encode('NOTCODES________'))).toThrow(/unknown magic/);
  });

  it.each<QuantizationConfig>([{ product: { compression: 'x8' } }, { turbo: { bits: 'bits2' } }, { turbo: {} }])(
    'serves %j through the same seam, round trip included',
    (config) => {
      const codes = encodeCodes(config, { data, dim, distance: 'Dot', seed: 1 });
      const back = deserializeCodes(serializeCodes(codes));
      expect(back.codec).toBe(codes.codec);
      const q = data.subarray(0, dim);
      const a = codeScorer(codes, q);
      const b = codeScorer(back, q);
      for (let r = 0; r < 300; r++) expect(b.score(r)).toBe(a.score(r));
    },
  );

  it('codesKey changes exactly when the codes would', () => {
    expect(codesKey({ scalar: { type: 'int8', quantile: 0.9, always_ram: false } })).toBe('int8');
    expect(codesKey({ binary: {} })).toBe(codesKey({ binary: { encoding: 'one_bit', query_encoding: 'binary' } }));
    expect(codesKey({ binary: { always_ram: true } })).toBe(codesKey({ binary: { query_encoding: 'default' } }));
    expect(codesKey({ binary: {} })).not.toBe(codesKey({ binary: { encoding: 'two_bits' } }));
    expect(codesKey({ binary: {} })).not.toBe(codesKey({ binary: { query_encoding: 'scalar4bits' } }));
    expect(codesKey({ turbo: {} })).toBe(codesKey({ turbo: { bits: 'bits4', always_ram: true } }));
    expect(codesKey({ product: { compression: 'x8' } })).not.toBe(codesKey({ product: { compression: 'x16' } }));
  });
});
