import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fnv1a32, groupByWorker, workerFor } from '../../../lib/collection/routing.js';

describe('segment routing', () => {
  it('matches the published FNV-1a 32-bit test vectors, so every deployment routes alike', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('pins the worker of known ids (changing the hash would cold-start every segment)', () => {
    expect([1, 2, 4, 8].map((k) => workerFor('seg-000001', k))).toEqual([0, 0, 2, 6]);
  });

  it('is a pure function of (id, K) and always in range', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 1000 }), (id, k) => {
        const w = workerFor(id, k);
        expect(w).toBe(workerFor(id, k));
        expect(Number.isInteger(w) && w >= 0 && w < k).toBe(true);
      }),
    );
  });

  it('spreads segment ids evenly over K workers', () => {
    for (const k of [2, 4, 8, 16]) {
      const counts = new Array<number>(k).fill(0);
      const n = 8000;
      for (let i = 0; i < n; i++) counts[workerFor(`${i.toString(16).padStart(8, '0')}-seg`, k)]++;
      const expected = n / k;
      // chi-square with k-1 degrees of freedom stays far below this bound for a decent hash
      const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
      expect(chi2).toBeLessThan(3 * k + 10);
      expect(Math.min(...counts)).toBeGreaterThan(expected * 0.85);
    }
  });

  it('rejects a worker count that is not a positive integer', () => {
    expect(() => workerFor('s', 0)).toThrow(RangeError);
    expect(() => workerFor('s', 1.5)).toThrow(RangeError);
  });

  it('groups segments by owner, keeping input order inside a group', () => {
    const segments = Array.from({ length: 20 }, (_, i) => ({ id: `s${i}`, deletedVersion: 0 }));
    const groups = groupByWorker(segments, 3);
    const flat = [...groups.values()].flat();
    expect(flat).toHaveLength(20);
    for (const [w, group] of groups) {
      for (const s of group) expect(workerFor(s.id, 3)).toBe(w);
      const idx = group.map((s) => segments.indexOf(s));
      expect(idx).toEqual([...idx].sort((a, b) => a - b));
    }
  });
});
