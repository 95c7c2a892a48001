import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocateSimdArena,
  dot,
  l2sq,
  normalized,
  normalizeRows,
  SIMD_BATCH,
  simdArenaOf,
  simdAvailable,
  simdRows,
} from '../../lib/distance/index.js';
import type { Distance } from '../../lib/model/distance.js';
import {
  buildHnsw,
  exactSearch,
  floatScorer,
  InMemoryGraph,
  MinHeap,
  mulberry32,
  type QueryScorer,
  rescore,
  SearchContext,
  searchHnsw,
} from '../../lib/index/index.js';
import {
  codeDot,
  deserializeQuantized,
  encodeQuery,
  Int8Scorer,
  quantize,
  serializeQuantized,
} from '../../lib/quantization/index.js';

function randomMatrix(seed: number, n: number, dim: number): Float32Array {
  const rnd = mulberry32(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i++) out[i] = rnd() * 2 - 1;
  return out;
}

/** The same scorer with only score(): forces the searches onto their one-by-one path. */
function oneByOne(scorer: QueryScorer): QueryScorer {
  return { score: (id) => scorer.score(id) };
}

describe('WebAssembly SIMD kernels', () => {
  it('are available on the platforms Strata runs on (Node ≥ 20, x86_64 and arm64)', () => {
    expect(simdAvailable()).toBe(true);
  });

  it('int8: scoreMany equals score() and the JS loop exactly, for any dim, ids and batch size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom<Distance>('Cosine', 'Dot', 'Euclid'),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (dim, n, distance, seed) => {
          const data = randomMatrix(seed, n, dim);
          if (distance === 'Cosine') normalizeRows(data, dim);
          const set = quantize(data, dim, distance, { quantile: 1 });
          expect(simdArenaOf(set.codes)).toBeDefined();
          // the corrections beside the codes: scoreMany's est_u8_wide returns finished estimates
          expect(set.corrections.buffer).toBe(set.codes.buffer);
          const query = randomMatrix(seed + 1, 1, dim);
          const scorer = new Int8Scorer(set, query);
          const rnd = mulberry32(seed + 2);
          const ids = Uint32Array.from({ length: 3 * n + 5 }, () => Math.floor(rnd() * n));
          const out = new Float64Array(ids.length);
          scorer.scoreMany(ids, 2, ids.length - 2, out);
          const q = encodeQuery(set.params, distance === 'Cosine' ? normalized(query) : query);
          for (let j = 0; j < ids.length - 2; j++) {
            expect(out[j]).toBe(scorer.score(ids[j + 2]));
            expect(out[j]).toBe(
              q.multiplier * codeDot(set, q, ids[j + 2]) + q.correction + set.corrections[ids[j + 2]],
            );
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('int8: the largest sums (all codes 127, 784-d) are exact, and batches longer than the scratch are chunked', () => {
    const dim = 784;
    const n = 1200;
    const data = new Float32Array(n * dim).fill(1);
    data[0] = 0; // a range, so 1 encodes to code 127
    for (const distance of ['Dot', 'Euclid'] as const) {
      const set = quantize(data, dim, distance, { quantile: 1 });
      const scorer = new Int8Scorer(set, new Float32Array(dim).fill(1));
      const ids = Uint32Array.from({ length: n }, (_, i) => n - 1 - i);
      const out = new Float64Array(n);
      scorer.scoreMany(ids, 0, n, out);
      for (let j = 0; j < n; j++) expect(out[j]).toBe(scorer.score(ids[j]));
      // Dot: 127 code units with 7 fractional bits (8 would pass Σ|q|·127 < 2^31): a sum of 1.6e9, near the i32 edge
      const q = distance === 'Dot' ? 127 * 128 : 127;
      expect(scorer.query.wide[0]).toBe(q);
      expect(codeDot(set, scorer.query, 5)).toBe(q * 127 * dim);
    }
  });

  it('int8: a set read back from its bytes is placed in an arena and scores identically', () => {
    const dim = 100;
    const data = randomMatrix(7, 300, dim);
    const set = quantize(data, dim, 'Euclid');
    const back = deserializeQuantized(serializeQuantized(set));
    expect(simdArenaOf(back.codes)).toBeDefined();
    expect(back.codes).toEqual(set.codes);
    expect(back.corrections).toEqual(set.corrections);
    expect(back.corrections.buffer).toBe(back.codes.buffer);
    const query = randomMatrix(8, 1, dim);
    const a = new Int8Scorer(set, query);
    const b = new Int8Scorer(back, query);
    const ids = Uint32Array.from({ length: 300 }, (_, i) => i);
    const outA = new Float64Array(300);
    const outB = new Float64Array(300);
    a.scoreMany(ids, 0, 300, outA);
    b.scoreMany(ids, 0, 300, outB);
    expect(outB).toEqual(outA);
  });

  it('est_u8_wide over a code set: (mult·Σ q·c + kq) + corr[id] in float64, the scalar expression, any batch size', () => {
    const dim = 52;
    const n = 90;
    const set = quantize(randomMatrix(11, n, dim), dim, 'Cosine');
    const arena = simdArenaOf(set.codes);
    if (arena === undefined) throw new Error('no SIMD arena');
    const q = encodeQuery(set.params, normalized(randomMatrix(12, 1, dim)));
    new Int16Array(arena.buffer, arena.queryOffset, q.wide.length).set(q.wide);
    arena.owner = null;
    // non-trivial multiplier and query term, so a lost term or a float32 rounding shows
    for (const [m, kq] of [
      [q.multiplier, q.correction],
      [-0.3, 1e-7],
    ]) {
      for (const count of [0, 1, 7, 64]) {
        const rnd = mulberry32(count + 1);
        for (let j = 0; j < count; j++) arena.ids[j] = Math.floor(rnd() * n);
        arena.outF64.fill(Number.NaN);
        const stride = set.params.stride;
        const { queryOffset, idsOffset, outOffset } = arena;
        const corr = set.corrections.byteOffset;
        arena.kernels.est_u8_wide(0, stride, stride, queryOffset, idsOffset, count, outOffset, corr, 4, m, kq);
        for (let j = 0; j < count; j++) {
          const id = arena.ids[j];
          expect(arena.outF64[j]).toBe(m * codeDot(set, q, id) + kq + set.corrections[id]);
        }
        // nothing past the batch is written but the first result slot's scratch word
        if (count > 0) expect(Number.isNaN(arena.outF64[count])).toBe(true);
      }
    }
  });

  it('est_u8_wide over rows carrying their correction (the walk arena) = over a code set, bit for bit', () => {
    // strides with and without a 4-byte tail past the 16-byte blocks (GloVe's 100, Fashion-MNIST's 784), codes up to
    // 127 and i16 query values up to ±32767 (all-127 rows: the largest products), any batch size
    for (const stride of [4, 8, 16, 20, 52, 100, 784]) {
      const n = 40;
      const rnd = mulberry32(stride);
      const codes = new Uint8Array(n * stride);
      for (let i = 0; i < codes.length; i++) codes[i] = i < 2 * stride ? 127 : Math.floor(rnd() * 128);
      const corr = Float32Array.from({ length: n }, () => rnd() * 4 - 2);
      // Σ|q|·127 < 2^31 as the encoder keeps it: extremes while the budget lasts, then small values
      let budget = Math.floor((2 ** 31 - 1) / 127);
      const query = Int16Array.from({ length: stride }, (_, i) => {
        const v = i % 7 === 0 ? (i % 2 === 0 ? 32767 : -32767) : Math.floor(rnd() * 65535) - 32767;
        const kept = Math.abs(v) <= budget ? v : Math.floor(rnd() * 256) - 128;
        budget -= Math.abs(kept);
        return kept;
      });
      // a code set's memory: codes, corrections apart; the walk arena's: rows of stride + 4 bytes
      const plain = allocateSimdArena(n * stride + 4 * n, 2 * stride);
      const wide = allocateSimdArena(n * (stride + 4), 2 * stride);
      if (plain === null || wide === null) throw new Error('no SIMD arena');
      new Uint8Array(plain.buffer).set(codes, 0);
      new Float32Array(plain.buffer, n * stride, n).set(corr);
      new Int16Array(plain.buffer, plain.queryOffset, stride).set(query);
      const rows = new DataView(wide.buffer);
      for (let i = 0; i < n; i++) {
        new Uint8Array(wide.buffer, i * (stride + 4), stride).set(codes.subarray(i * stride, (i + 1) * stride));
        rows.setFloat32(i * (stride + 4) + stride, corr[i], true);
      }
      new Int16Array(wide.buffer, wide.queryOffset, stride).set(query);
      for (const [mult, kq] of [
        [0.0137, -3.25],
        [-0.3, 1e-7],
      ])
        for (const count of [0, 1, 5, 32]) {
          for (let j = 0; j < count; j++) plain.ids[j] = wide.ids[j] = j < 2 ? j : Math.floor(rnd() * n);
          wide.outF64.fill(Number.NaN);
          const { queryOffset, idsOffset, outOffset } = plain;
          plain.kernels.est_u8_wide(
            0,
            stride,
            stride,
            queryOffset,
            idsOffset,
            count,
            outOffset,
            n * stride,
            4,
            mult,
            kq,
          );
          const w = stride + 4;
          wide.kernels.est_u8_wide(
            0,
            w,
            stride,
            wide.queryOffset,
            wide.idsOffset,
            count,
            wide.outOffset,
            stride,
            w,
            mult,
            kq,
          );
          expect(wide.outF64.subarray(0, count)).toEqual(plain.outF64.subarray(0, count));
          for (let j = 0; j < count; j++) {
            let sum = 0;
            for (let i = 0; i < stride; i++) sum += query[i] * codes[plain.ids[j] * stride + i];
            expect(plain.outF64[j]).toBe(mult * sum + kq + corr[plain.ids[j]]);
          }
          if (count > 0) expect(Number.isNaN(wide.outF64[count])).toBe(true);
        }
    }
  });

  it('heap_drain sorts a result heap in place in the order MinHeap pops give, ties included', () => {
    const arena = allocateSimdArena(16, 16);
    if (arena === null) throw new Error('no SIMD arena');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -4, max: 4 }), { maxLength: SIMD_BATCH / 2 }), (values) => {
        // a MinHeap built by pushes (the walk's result heap is one), its arrays copied into the arena
        const heap = new MinHeap(4);
        values.forEach((v, id) => heap.push(id, v / 2));
        const n = heap.size;
        const ids = new Uint32Array(arena.buffer, arena.idsOffset, n);
        const scores = new Float64Array(arena.buffer, arena.outOffset, n);
        ids.set(heap.ids.subarray(0, n));
        scores.set(heap.scores.subarray(0, n));
        arena.kernels.heap_drain(arena.idsOffset, arena.outOffset, n);
        // the JS pops, farthest first, written from the back: closest first
        const wantIds = new Array<number>(n);
        const wantScores = new Array<number>(n);
        for (let i = n - 1; i >= 0; i--) {
          wantIds[i] = heap.topId();
          wantScores[i] = heap.topScore();
          heap.pop();
        }
        expect(Array.from(ids)).toEqual(wantIds);
        expect(Array.from(scores)).toEqual(wantScores);
      }),
      { numRuns: 300 },
    );
  });

  it('scorers sharing one arena keep their own queries when interleaved', () => {
    const dim = 16;
    const set = quantize(randomMatrix(3, 50, dim), dim, 'Dot');
    const s1 = new Int8Scorer(set, randomMatrix(4, 1, dim));
    const s2 = new Int8Scorer(set, randomMatrix(5, 1, dim));
    const ids = Uint32Array.from({ length: 50 }, (_, i) => i);
    const o1 = new Float64Array(50);
    const o2 = new Float64Array(50);
    s1.scoreMany(ids, 0, 50, o1);
    s2.scoreMany(ids, 0, 50, o2);
    s1.scoreMany(ids, 0, 50, o2);
    expect(o2).toEqual(o1);
    for (let i = 0; i < 50; i++) expect(o1[i]).toBe(s1.score(i));
  });

  it('float32 rows: SIMD scores are bit-identical to the JS kernels (float64 sums in the same order)', () => {
    for (const dim of [4, 8, 12, 100, 784]) {
      const n = 64;
      const data = randomMatrix(dim, n, dim);
      normalizeRows(data, dim);
      const rows = simdRows(data, dim);
      expect(simdArenaOf(rows)).toBeDefined();
      expect(rows).toEqual(data);
      const query = randomMatrix(dim + 1, 1, dim);
      normalizeRows(query, dim);
      for (const distance of ['Cosine', 'Euclid'] as Distance[]) {
        const scorer = floatScorer(rows, dim, distance, query);
        const ids = Uint32Array.from({ length: n }, (_, i) => (i * 37) % n);
        const out = new Float64Array(n);
        (scorer as QueryScorer).scoreMany!(ids, 0, n, out);
        for (let j = 0; j < n; j++) {
          const expected =
            distance === 'Euclid' ? -l2sq(query, 0, data, ids[j] * dim, dim) : dot(query, 0, data, ids[j] * dim, dim);
          expect(out[j]).toBe(expected);
          expect(scorer.score(ids[j])).toBe(out[j]);
        }
      }
    }
  });

  it('float32 rows: a batch of any length (summed four rows side by side, then the 1-3 left) equals the JS kernels', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 23 }),
        fc.constantFrom<Distance>('Dot', 'Euclid'),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (quads, count, distance, seed) => {
          const dim = 4 * quads;
          const n = 17;
          const data = randomMatrix(seed, n, dim);
          const rows = simdRows(data, dim);
          const query = randomMatrix(seed + 1, 1, dim);
          const scorer = floatScorer(rows, dim, distance, query);
          const rnd = mulberry32(seed + 2);
          const ids = Uint32Array.from({ length: count + 1 }, () => Math.floor(rnd() * n));
          const out = new Float64Array(count);
          (scorer as QueryScorer).scoreMany!(ids, 1, count, out);
          for (let j = 0; j < count; j++) {
            const at = ids[j + 1] * dim;
            expect(out[j]).toBe(distance === 'Euclid' ? -l2sq(query, 0, data, at, dim) : dot(query, 0, data, at, dim));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("scoreMany into the scorer's own result slot (scratchScores) gives the values it gives into another array", () => {
    const dim = 32;
    const n = 50;
    const data = randomMatrix(3, n, dim);
    const query = randomMatrix(4, 1, dim);
    const scorers: QueryScorer[] = [
      floatScorer(simdRows(data, dim), dim, 'Euclid', query),
      floatScorer(simdRows(data, dim), dim, 'Dot', query),
      new Int8Scorer(quantize(data, dim, 'Euclid'), query),
    ];
    for (const scorer of scorers) {
      const ids = scorer.scratchIds!;
      const inPlace = scorer.scratchScores!;
      expect(inPlace).toBeDefined();
      for (let j = 0; j < n; j++) ids[j] = (j * 7) % n;
      const copy = new Float64Array(n);
      scorer.scoreMany!(ids, 0, n, copy);
      scorer.scoreMany!(ids, 0, n, inPlace);
      expect(Array.from(inPlace.subarray(0, n))).toEqual(Array.from(copy));
      for (let j = 0; j < n; j++) expect(copy[j]).toBe(scorer.score((j * 7) % n));
    }
  });

  it('simdRows leaves a dim that is not a multiple of 4 on the JS kernels', () => {
    const data = randomMatrix(1, 10, 5);
    expect(simdRows(data, 5)).toBe(data);
  });

  it('HNSW search, exact search and rescoring give identical results batched (SIMD) and one by one', () => {
    const dim = 36;
    const n = 1500;
    for (const distance of ['Cosine', 'Euclid'] as Distance[]) {
      const data = randomMatrix(11, n, dim);
      if (distance === 'Cosine') normalizeRows(data, dim);
      const graph = new InMemoryGraph(buildHnsw(data, dim, distance, { m: 8, efConstruct: 64, seed: 3 }));
      const set = quantize(data, dim, distance);
      const rows = simdRows(data, dim);
      const ctx = new SearchContext(n);
      for (let q = 0; q < 20; q++) {
        const query = randomMatrix(100 + q, 1, dim);
        for (const scorer of [new Int8Scorer(set, query), floatScorer(rows, dim, distance, query)]) {
          const batched = searchHnsw(graph, scorer, { k: 10, ef: 40 }, ctx);
          const distances = ctx.distances;
          const single = searchHnsw(graph, oneByOne(scorer), { k: 10, ef: 40 }, ctx);
          expect(batched).toEqual(single);
          expect(ctx.distances).toBe(distances);
          expect(rescore(batched.ids, scorer, 5)).toEqual(rescore(batched.ids, oneByOne(scorer), 5));
          const odd = (id: number): boolean => id % 3 !== 0;
          expect(exactSearch(n, scorer, 10, odd)).toEqual(exactSearch(n, oneByOne(scorer), 10, odd));
        }
      }
    }
  });
});
