/**
 * Seeded sampling shared by the codecs that train on a subset of a segment (product quantization's k-means, the
 * TurboQuant+ quantile pass). Invariant: the same (n, k, seed) always gives the same ids, so a segment build is
 * reproducible; the ids come back ascending, so a caller walks its rows in storage order.
 */

/** xorshift32 state stepper: small, deterministic, good enough to pick samples (never 0 for a non-zero state). */
export function xorshift32(s: number): number {
  let x = s >>> 0 || 1;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}

/** k distinct ids of [0, n) (k ≤ n) picked by a seeded partial Fisher–Yates, sorted ascending. */
export function sampleIdsSorted(n: number, k: number, seed: number): Uint32Array {
  const take = Math.min(n, k);
  const ids = new Uint32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i;
  let s = seed >>> 0 || 1;
  for (let i = 0; i < take; i++) {
    s = xorshift32(s);
    const j = i + (s % (n - i));
    const t = ids[i];
    ids[i] = ids[j];
    ids[j] = t;
  }
  return ids.slice(0, take).sort();
}
