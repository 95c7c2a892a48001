import { describe, expect, it } from 'vitest';
import { assembleGroups, groupKeys } from '../../../../lib/collection/query-api/groups.js';
import { sampleRandom } from '../../../../lib/collection/query-api/sample.js';
import { mulberry32 } from '../../../../lib/index/rng.js';

describe('groups', () => {
  it('keyword and integer values group; arrays join each group; others join none', () => {
    expect(groupKeys('g', { g: 'a' })).toEqual(['a']);
    expect(groupKeys('g', { g: [1, 'b', 1, 2.5, true] })).toEqual([1, 'b']);
    expect(groupKeys('g', { h: 1 })).toEqual([]);
    expect(() => groupKeys('g', { g: { x: 1 } })).toThrow(/holds an object/);
  });

  it('opens at most limit groups in best-hit order, each capped at group_size', () => {
    const hits = [
      { id: 1, g: 'a' },
      { id: 2, g: 'b' },
      { id: 3, g: 'a' },
      { id: 4, g: 'c' },
      { id: 5, g: 'a' },
      { id: 6, g: 'b' },
    ];
    const { groups, complete } = assembleGroups(hits, (h) => [h.g], 2, 2);
    expect(groups.map((g) => [g.id, g.hits.map((h) => h.id)])).toEqual([
      ['a', [1, 3]],
      ['b', [2, 6]],
    ]);
    expect(complete).toBe(true);
    expect(assembleGroups(hits.slice(0, 3), (h) => [h.g], 2, 2).complete).toBe(false);
  });
});

describe('sample', () => {
  it('draws distinct points, every point reachable', () => {
    const seen = new Set<number>();
    const rnd = mulberry32(1);
    for (let i = 0; i < 50; i++) {
      const s = sampleRandom([1, 2, 3, 4, 5, 6], 3, rnd);
      expect(new Set(s).size).toBe(3);
      for (const x of s) seen.add(x);
    }
    expect(seen.size).toBe(6);
    expect(sampleRandom([1, 2], 5, rnd).sort()).toEqual([1, 2]);
  });
});
