import { describe, expect, it } from 'vitest';
import { roundFloat16, storedValue, toUint8 } from '../../../lib/model/datatype.js';

/** float16 from its bits: the reference the rounding must land on */
function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const f = bits & 0x3ff;
  if (e === 0x1f) return f === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (e === 0 ? f * 2 ** -24 : (1 + f / 1024) * 2 ** (e - 15));
}

describe('float16 values (half::f16::from_f32)', () => {
  it('is exact on every finite float16, and each lies between its neighbours', () => {
    for (let bits = 0; bits < 0x7c00; bits++) {
      const v = half(bits);
      expect(roundFloat16(v)).toBe(v);
      expect(roundFloat16(-v)).toBe(-v);
    }
  });

  it('rounds to the nearest float16, ties to even, and overflows to infinity', () => {
    expect(roundFloat16(0.1)).toBe(0.0999755859375);
    expect(roundFloat16(1 / 3)).toBe(0.333251953125);
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: the even mantissa (1) wins; 1 + 3·2^-11 goes up to 1 + 2^-9
    expect(roundFloat16(1 + 2 ** -11)).toBe(1);
    expect(roundFloat16(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
    expect(roundFloat16(1e-7)).toBe(2 * 2 ** -24);
    expect(roundFloat16(65504)).toBe(65504);
    expect(roundFloat16(65519)).toBe(65504);
    expect(roundFloat16(65520)).toBe(Number.POSITIVE_INFINITY);
    expect(roundFloat16(-1e6)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('matches the nearest-value definition on random inputs', () => {
    const finite = Array.from({ length: 0x7c00 }, (_, b) => half(b));
    let s = 7;
    for (let i = 0; i < 300; i++) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      const x = Math.fround((s / 2 ** 31) * 2 ** ((s % 30) - 15));
      const got = roundFloat16(x);
      const best = Math.min(...finite.map((v) => Math.abs(v - x)));
      expect(Math.abs(got - x)).toBe(best);
    }
  });
});

describe('uint8 values (Rust `f32 as u8`)', () => {
  it('truncates towards zero and saturates into 0..=255', () => {
    expect([3.9, 0.99, -0.5, -3.7, 255.9, 256, 300, 1e9, 128].map(toUint8)).toEqual([
      3, 0, 0, 0, 255, 255, 255, 255, 128,
    ]);
    expect(storedValue('float32', 0.1)).toBe(0.1);
    expect(storedValue('uint8', 7.5)).toBe(7);
  });
});
