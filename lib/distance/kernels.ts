/**
 * Float32 distance kernels over rows of flat row-major matrices. Every kernel takes (array, offset) pairs so a row
 * of an n × dim matrix is addressed without allocating a subarray. Accumulation is in float64 (JS numbers); loops are
 * unrolled by 4 with four independent accumulators (measured ~1.2× faster than the plain loop on V8 at dim 784, on a
 * loaded 2-core machine, so the figure is rough).
 *
 * Invariant: callers guarantee aOff + dim ≤ a.length and bOff + dim ≤ b.length (no bounds checks here).
 */

/** Σ a[aOff+i]·b[bOff+i] for i < dim. */
export function dot(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = aOff;
  let j = bOff;
  const end4 = aOff + (dim & ~3);
  const end = aOff + dim;
  for (; i < end4; i += 4, j += 4) {
    s0 += a[i] * b[j];
    s1 += a[i + 1] * b[j + 1];
    s2 += a[i + 2] * b[j + 2];
    s3 += a[i + 3] * b[j + 3];
  }
  for (; i < end; i++, j++) s0 += a[i] * b[j];
  return s0 + s1 + s2 + s3;
}

/** Σ (a[aOff+i] − b[bOff+i])² for i < dim. */
export function l2sq(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = aOff;
  let j = bOff;
  const end4 = aOff + (dim & ~3);
  const end = aOff + dim;
  for (; i < end4; i += 4, j += 4) {
    const d0 = a[i] - b[j];
    const d1 = a[i + 1] - b[j + 1];
    const d2 = a[i + 2] - b[j + 2];
    const d3 = a[i + 3] - b[j + 3];
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < end; i++, j++) {
    const d = a[i] - b[j];
    s0 += d * d;
  }
  return s0 + s1 + s2 + s3;
}

/** Σ |a[aOff+i] − b[bOff+i]| for i < dim. */
export function l1(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = aOff;
  let j = bOff;
  const end4 = aOff + (dim & ~3);
  const end = aOff + dim;
  for (; i < end4; i += 4, j += 4) {
    s0 += Math.abs(a[i] - b[j]);
    s1 += Math.abs(a[i + 1] - b[j + 1]);
    s2 += Math.abs(a[i + 2] - b[j + 2]);
    s3 += Math.abs(a[i + 3] - b[j + 3]);
  }
  for (; i < end; i++, j++) s0 += Math.abs(a[i] - b[j]);
  return s0 + s1 + s2 + s3;
}

/**
 * l2sq with early abandoning: returns the exact sum when it is < bound, otherwise some partial sum ≥ bound (checked
 * every 16 dimensions). Partial sums of squares only grow, so a caller that only needs "is it closer than bound?"
 * gets the same answer as from l2sq, at a fraction of the work for far candidates.
 */
export function l2sqBounded(
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  dim: number,
  bound: number,
): number {
  let s = 0;
  let i = aOff;
  let j = bOff;
  const end16 = aOff + (dim & ~15);
  const end = aOff + dim;
  while (i < end16) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    const stop = i + 16;
    for (; i < stop; i += 4, j += 4) {
      const d0 = a[i] - b[j];
      const d1 = a[i + 1] - b[j + 1];
      const d2 = a[i + 2] - b[j + 2];
      const d3 = a[i + 3] - b[j + 3];
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    s += s0 + s1 + s2 + s3;
    if (s >= bound) return s;
  }
  for (; i < end; i++, j++) {
    const d = a[i] - b[j];
    s += d * d;
  }
  return s;
}

/** l1 with early abandoning (same contract as l2sqBounded). */
export function l1Bounded(
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  dim: number,
  bound: number,
): number {
  let s = 0;
  let i = aOff;
  let j = bOff;
  const end16 = aOff + (dim & ~15);
  const end = aOff + dim;
  while (i < end16) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    const stop = i + 16;
    for (; i < stop; i += 4, j += 4) {
      s0 += Math.abs(a[i] - b[j]);
      s1 += Math.abs(a[i + 1] - b[j + 1]);
      s2 += Math.abs(a[i + 2] - b[j + 2]);
      s3 += Math.abs(a[i + 3] - b[j + 3]);
    }
    s += s0 + s1 + s2 + s3;
    if (s >= bound) return s;
  }
  for (; i < end; i++, j++) s += Math.abs(a[i] - b[j]);
  return s;
}
