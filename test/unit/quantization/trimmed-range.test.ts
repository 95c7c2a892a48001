import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../lib/index/index.js';
import { trainScalar } from '../../../lib/quantization/index.js';
import { trimmedRange } from '../../../lib/quantization/trimmed-range.js';

/** What trainScalar took before: the sample sorted by the typed-array sort, read at both ranks. */
function bySort(values: Float32Array, cut: number): [number, number] {
  const sorted = values.slice().sort();
  return [sorted[cut], sorted[sorted.length - 1 - cut]];
}

const special = [0, -0, 1, -1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 1e-45, -1e-45, 3.5];

describe('trimmedRange: the two trimmed order statistics without sorting', () => {
  it('equals the sorted sample at ranks cut and length − 1 − cut, bit for bit (−0 before +0, NaN last, ties)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.float(),
            fc.constantFrom(...special),
            fc.integer({ min: -3, max: 3 }).map((x) => x / 2),
          ),
          { minLength: 1, maxLength: 300 },
        ),
        fc.nat(),
        (list, pick) => {
          const values = Float32Array.from(list);
          const cut = pick % ((values.length + 1) >> 1);
          const got = trimmedRange(values, cut);
          const want = bySort(values, cut);
          expect(Object.is(got[0], want[0]) || (Number.isNaN(got[0]) && Number.isNaN(want[0]))).toBe(true);
          expect(Object.is(got[1], want[1]) || (Number.isNaN(got[1]) && Number.isNaN(want[1]))).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('leaves the sample unchanged and rejects a cut that leaves no range', () => {
    const values = Float32Array.from([3, 1, 2, -0, 0]);
    // sorted: −0, +0, 1, 2, 3
    expect(trimmedRange(values, 0)).toEqual([-0, 3]);
    expect(trimmedRange(values, 1)).toEqual([0, 2]);
    expect(Array.from(values)).toEqual([3, 1, 2, -0, 0]);
    expect(trimmedRange(values, 2)).toEqual([1, 1]);
    expect(() => trimmedRange(values, 3)).toThrow(RangeError);
    expect(() => trimmedRange(values, -1)).toThrow(RangeError);
  });

  it('trainScalar trains the range it trained by sorting (values recorded from the sorting version)', () => {
    const dim = 100;
    const rnd = mulberry32(11);
    const data = new Float32Array(7000 * dim);
    // mostly small values and a heavy 1% tail, so each quantile trims to a different pair of ranks
    for (let i = 0; i < data.length; i++) data[i] = (rnd() - 0.5) * (rnd() < 0.01 ? 40 : 1);
    const recorded: [number, number, number][] = [
      [0.99, -19.8039493560791, 0.3110417127609253],
      [0.95, -18.908658981323242, 0.29771146178245544],
      [0.6, -11.763704299926758, 0.18804019689559937],
    ];
    for (const [quantile, offset, alpha] of recorded) {
      const params = trainScalar(data, dim, 'Euclid', { quantile });
      expect([params.offset, params.alpha]).toEqual([offset, alpha]);
    }
  });
});
