/**
 * The sparse index format and its search: exact top-k equal to a brute-force sparse dot product (MaxScore pruning
 * never changes the answer), with an accept filter and negative weights; WAL version 4 round-trips sparse blocks
 * while a batch without them keeps version 2's bytes (version 3 is multivector counts: lib/collection/wal.ts).
 */
import { describe, expect, it } from 'vitest';
import { decodeWal, encodeWal } from '../../../lib/collection/wal.js';
import { type SparseVector, sparseDot, sparseOverlaps } from '../../../lib/model/sparse-vector.js';
import { encodeSparseIndex } from '../../../lib/segment/sparse-format.js';
import { SparseIndex } from '../../../lib/segment/sparse-index.js';
import { rng } from '../../support/collection-harness.js';

function randomSparse(r: () => number, vocab: number, negative: boolean): SparseVector {
  const dims = new Set<number>();
  const len = 1 + Math.floor(r() * 20);
  while (dims.size < len) dims.add(Math.floor(vocab ** r()) - 1);
  const indices = Uint32Array.from([...dims].sort((a, b) => a - b));
  return { indices, values: Float32Array.from(indices, () => (negative ? r() - 0.3 : 1 + Math.floor(r() * 4))) };
}

describe('sparse index', () => {
  for (const negative of [false, true]) {
    it(`search equals brute force (${negative ? 'negative' : 'non-negative'} weights, with a filter)`, () => {
      const r = rng(negative ? 7 : 3);
      const count = 3000;
      const offsets = Uint32Array.from({ length: 2000 }, (_, i) => Math.floor((i * count) / 2000));
      const rows = Array.from(offsets, () => randomSparse(r, 500, negative));
      const index = SparseIndex.decode(encodeSparseIndex(offsets, rows), 'test');
      for (let k = 0; k < 20; k++) {
        const q = randomSparse(r, 500, negative);
        const accept = k % 2 === 0 ? null : (o: number) => o % 3 !== 0;
        const want = rows
          .map((v, i) => ({ o: offsets[i], v }))
          .filter(({ o, v }) => sparseOverlaps(q, v) && (accept === null || accept(o)))
          .map(({ o, v }) => ({ o, s: sparseDot(q, v) }))
          .sort((a, b) => b.s - a.s || a.o - b.o)
          .slice(0, 10);
        const got = index.searchSync(q, 10, accept, count);
        expect(Array.from(got.scores)).toEqual(want.map((w) => expect.closeTo(w.s, 9)));
        expect(Array.from(got.offsets)).toEqual(want.map((w) => w.o));
      }
      expect(index.vectorOf(offsets[5])).toEqual(rows[5]);
      expect(index.vectorOf(2)).toBeNull(); // offsets step by 1.5: 2 holds no vector
    });
  }

  it('refuses a corrupted object', () => {
    const bytes = encodeSparseIndex(Uint32Array.of(0), [{ indices: Uint32Array.of(3), values: Float32Array.of(1) }]);
    bytes[bytes.length - 1] ^= 1;
    expect(() => SparseIndex.decode(bytes, 'x')).toThrow(/checksum/);
  });
});

describe('WAL sparse blocks', () => {
  const base = { incarnation: 'i', seq: 5, writer: 'w', ids: [1, 2], payloads: [null, null], deletes: [] };
  const dense = [{ name: 'd', dim: 2, points: null, data: Float32Array.of(1, 2, 3, 4) }];

  it('version 4 round-trips sparse vectors; a batch without them stays version 2', () => {
    const sparse = [
      { name: 's', points: [1], rows: [{ indices: Uint32Array.of(2, 9), values: Float32Array.of(0.5, -1) }] },
    ];
    const v4 = encodeWal({ ...base, vectors: dense, sparse });
    expect(new DataView(v4.buffer).getUint16(4, true)).toBe(4);
    const back = decodeWal(v4);
    expect(back.sparse).toEqual(sparse);
    expect(back.vectors).toEqual(dense);
    const v2 = encodeWal({ ...base, vectors: dense });
    expect(new DataView(v2.buffer).getUint16(4, true)).toBe(2);
    expect(decodeWal(v2).sparse).toBeUndefined();
  });
});
