/**
 * Qdrant's vector name order (a BTreeMap<String, _>: UTF-8 bytes, '' first), which answers list names in whatever
 * order a config stored them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byVectorName, compareVectorNames } from '../../../lib/model/vector-name-order.js';

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('vector name order', () => {
  it("is Rust's String order: '' first, then by UTF-8 bytes, not by UTF-16 code units", () => {
    expect(['b', '', 'B', 'a', 'ab', 'é'].sort(compareVectorNames)).toEqual(['', 'B', 'a', 'ab', 'b', 'é']);
    // U+FF21 (3 UTF-8 bytes) sorts before U+1F600 (4 bytes, a surrogate pair below U+FF21 in UTF-16)
    const wide = '\uff21';
    const emoji = '\u{1f600}';
    expect(emoji < wide).toBe(true);
    expect([emoji, wide].sort(compareVectorNames)).toEqual([wide, emoji]);
  });

  it('agrees with a byte-wise comparison of UTF-8 on any strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(Math.sign(compareVectorNames(a, b))).toBe(Math.sign(Buffer.compare(utf8(a), utf8(b))));
      }),
      { numRuns: 300 },
    );
  });

  it('copies a map with its keys in that order, values untouched', () => {
    const map = { text: 1, '': 2, image: 3 };
    const sorted = byVectorName(map);
    expect(Object.keys(sorted)).toEqual(['', 'image', 'text']);
    expect(sorted).toEqual(map);
    expect(Object.keys(map)).toEqual(['text', '', 'image']);
  });
});
