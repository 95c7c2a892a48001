import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MinHeap, mulberry32, type QueryScorer, rescore } from '../../lib/index/index.js';

/** The final order by definition: similarity descending, ties by id ascending, the first k. */
function referenceTopK(ids: Uint32Array, scores: Float64Array, k: number): { ids: number[]; scores: number[] } {
  const order = Array.from(ids.keys()).sort((a, b) => scores[b] - scores[a] || ids[a] - ids[b]);
  const keep = order.slice(0, k);
  return { ids: keep.map((i) => ids[i]), scores: keep.map((i) => scores[i]) };
}

describe('the pipeline final order (rescore top-k)', () => {
  it('small and large k give the sort order exactly: ties by id, duplicate ids, k beyond the candidates', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 150 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (n, k, levels, seed) => {
          const rnd = mulberry32(seed);
          // few distinct scores and ids drawn with repeats: many ties at the k-th place
          const ids = Uint32Array.from({ length: n }, () => Math.floor(rnd() * 40));
          const byId = Float64Array.from({ length: 40 }, () => Math.floor(rnd() * levels) - levels / 2);
          const scorer: QueryScorer = { score: (id) => byId[id] };
          const scores = Float64Array.from(ids, (id) => byId[id]);
          const got = rescore(ids, scorer, k);
          const want = referenceTopK(ids, scores, k);
          expect(Array.from(got.ids)).toEqual(want.ids);
          expect(Array.from(got.scores)).toEqual(want.scores);
        },
      ),
      { numRuns: 400 },
    );
  });
  it('results own their arrays: a later rescore (its scores scratch reused) or drain leaves earlier results intact', () => {
    const rnd = mulberry32(5);
    const scorerA: QueryScorer = { score: (id) => Math.sin(id) };
    const scorerB: QueryScorer = { score: (id) => Math.cos(id) };
    const idsA = Uint32Array.from({ length: 100 }, () => Math.floor(rnd() * 1000));
    const idsB = Uint32Array.from({ length: 300 }, () => Math.floor(rnd() * 1000));
    const a = rescore(idsA, scorerA, 30);
    const kept = { ids: Array.from(a.ids), scores: Array.from(a.scores) };
    const heap = new MinHeap(4);
    for (let i = 0; i < 50; i++) heap.push(i, rnd());
    const drained = heap.drainDescending();
    const b = rescore(idsB, scorerB, 40);
    expect(Array.from(a.ids)).toEqual(kept.ids);
    expect(Array.from(a.scores)).toEqual(kept.scores);
    expect(b.scores.length).toBe(40);
    // ids and scores of one result (one shared buffer past 64 bytes) do not overlap
    for (const r of [a, b, drained]) {
      const ids = Array.from(r.ids);
      r.scores.fill(Number.NaN);
      expect(Array.from(r.ids)).toEqual(ids);
      r.ids.fill(0xffffffff);
      expect(r.scores.every(Number.isNaN)).toBe(true);
    }
    expect(rescore(idsA, scorerA, 30).ids).toEqual(Uint32Array.from(kept.ids));
  });
});
