/**
 * The int8 build's neighbour selection in one wasm call (heur_u8, lib/index/build.ts selectInWasm) against the scalar
 * heuristic it replaces: the same kept ids and similarities for any candidates, and the same graph, byte for byte.
 * Corrections outside the codes' arena turn off both heur_u8 and the layer-0 insertion search in one wasm call
 * (lib/index/build-walk.ts), so the graph comparisons check the two together against the JS build.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeRows, SIMD_BATCH, simdArenaOf } from '../../lib/distance/index.js';
import type { Distance } from '../../lib/model/distance.js';
import { buildHnsw, mulberry32, serializeGraph } from '../../lib/index/index.js';
import { codeMultiplier, type QuantizedSet, quantize } from '../../lib/quantization/index.js';

function randomMatrix(seed: number, n: number, dim: number): Float32Array {
  const rnd = mulberry32(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i++) out[i] = rnd() * 2 - 1;
  return out;
}

/** Σ c_a·c_b over two code rows, in plain JS integers. */
function codeSum(set: QuantizedSet, a: number, b: number): number {
  const stride = set.params.stride;
  let s = 0;
  for (let i = 0; i < stride; i++) s += set.codes[a * stride + i] * set.codes[b * stride + i];
  return s;
}

/** The int8 estimate with a as the query side, in the build's double operations and order. */
function estimate(set: QuantizedSet, a: number, b: number): number {
  return codeMultiplier(set.params) * codeSum(set, a, b) + set.corrections[a] + set.corrections[b];
}

/** The scalar heuristic: keep c unless some kept r has estimate(c, r) > sim(c); stop at maxLinks. */
function heuristic(set: QuantizedSet, ids: number[], sims: number[], maxLinks: number): [number[], number[]] {
  const keptIds: number[] = [];
  const keptSims: number[] = [];
  for (let i = 0; i < ids.length && keptIds.length < maxLinks; i++) {
    if (keptIds.every((r) => !(estimate(set, ids[i], r) > sims[i]))) {
      keptIds.push(ids[i]);
      keptSims.push(sims[i]);
    }
  }
  return [keptIds, keptSims];
}

/** The same codes with the corrections outside the arena: the build then selects with a kernel call per candidate. */
function correctionsOutsideArena(set: QuantizedSet): QuantizedSet {
  return { ...set, corrections: set.corrections.slice() };
}

describe('int8 build: neighbour selection in one wasm call (heur_u8)', () => {
  it('keeps exactly the ids and similarities of the scalar heuristic, for any dim, candidates and maxLinks', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 140 }),
        fc.integer({ min: 2, max: 60 }),
        fc.constantFrom<Distance>('Cosine', 'Dot', 'Euclid'),
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (dim, n, distance, maxLinks, tieSims, seed) => {
          const data = randomMatrix(seed, n, dim);
          if (distance === 'Cosine') normalizeRows(data, dim);
          const set = quantize(data, dim, distance, { quantile: 1 });
          const arena = simdArenaOf(set.codes);
          expect(arena).toBeDefined();
          if (arena === undefined) return;
          // candidates: every other node, closest to a base first (its similarity the base's estimate), as a build
          // passes them; with tieSims, each similarity is instead an estimate to an earlier candidate, so the strict
          // `>` of the heuristic decides on exact equality
          const base = seed % n;
          const rnd = mulberry32(seed + 1);
          const ids = Array.from({ length: n }, (_, i) => i).filter((i) => i !== base);
          const sims = ids.map((c) => estimate(set, base, c));
          const order = ids.map((_, j) => j).sort((x, y) => sims[y] - sims[x] || x - y);
          const sortedIds = order.map((j) => ids[j]);
          const sortedSims = order.map((j, k) =>
            tieSims && k > 0 ? estimate(set, sortedIds[k], sortedIds[Math.floor(rnd() * k)]) : sims[j],
          );
          const [wantIds, wantSims] = heuristic(set, sortedIds, sortedSims, maxLinks);
          arena.ids.set(sortedIds);
          arena.outF64.set(sortedSims);
          const kept = arena.kernels.heur_u8(
            set.codes.byteOffset,
            set.params.stride,
            set.corrections.byteOffset,
            arena.idsOffset,
            arena.outOffset,
            sortedIds.length,
            maxLinks,
            codeMultiplier(set.params),
          );
          expect(Array.from(arena.ids.subarray(0, kept))).toEqual(wantIds);
          expect(Array.from(arena.outF64.subarray(0, kept))).toEqual(wantSims);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('stops at maxLinks, keeps the first candidate, and keeps nothing of an empty list', () => {
    const set = quantize(randomMatrix(5, 10, 16), 16, 'Euclid', { quantile: 1 });
    const arena = simdArenaOf(set.codes);
    if (arena === undefined) throw new Error('no SIMD arena');
    const mult = codeMultiplier(set.params);
    const call = (sim: number, count: number, maxLinks: number) => {
      arena.ids.set([1, 2, 3, 4]);
      arena.outF64.fill(sim, 0, 4);
      return arena.kernels.heur_u8(
        0,
        16,
        set.corrections.byteOffset,
        arena.idsOffset,
        arena.outOffset,
        count,
        maxLinks,
        mult,
      );
    };
    // no estimate beats +∞: every candidate is kept up to maxLinks; every estimate beats −∞: only the first is
    expect(call(Number.POSITIVE_INFINITY, 4, 8)).toBe(4);
    expect(call(Number.POSITIVE_INFINITY, 4, 3)).toBe(3);
    expect(Array.from(arena.ids.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(call(Number.NEGATIVE_INFINITY, 4, 8)).toBe(1);
    expect(call(0, 0, 8)).toBe(0);
    expect(call(0, 4, 0)).toBe(0);
  });

  it.each<[Distance, number]>([
    ['Euclid', 784],
    ['Cosine', 100],
    ['Dot', 36],
  ])(
    'the graph built on int8 codes is identical with and without the wasm selection and walk (%s, %i-d)',
    (distance, dim) => {
      const n = 1500;
      const data = randomMatrix(dim, n, dim);
      if (distance === 'Cosine') normalizeRows(data, dim);
      const codes = quantize(data, dim, distance);
      expect(codes.corrections.buffer).toBe(codes.codes.buffer);
      // efConstruct 300: result heaps past 255 entries; 1500 inserts: the walk's visited tag wraps several times
      for (const [m, efConstruct] of [
        [16, 100],
        [4, 12],
        [8, 300],
      ]) {
        const options = { m, efConstruct, seed: 9 };
        const inWasm = buildHnsw(data, dim, distance, { ...options, codes });
        const perCandidate = buildHnsw(data, dim, distance, { ...options, codes: correctionsOutsideArena(codes) });
        expect(serializeGraph(inWasm)).toEqual(serializeGraph(perCandidate));
      }
    },
  );

  it('candidate lists longer than the scratch batch take the per-candidate path and build the same graph', () => {
    const dim = 24;
    const data = randomMatrix(77, 900, dim);
    const codes = quantize(data, dim, 'Euclid');
    const options = { m: 6, efConstruct: SIMD_BATCH + 40, seed: 4 };
    expect(serializeGraph(buildHnsw(data, dim, 'Euclid', { ...options, codes }))).toEqual(
      serializeGraph(buildHnsw(data, dim, 'Euclid', { ...options, codes: correctionsOutsideArena(codes) })),
    );
  });
});
