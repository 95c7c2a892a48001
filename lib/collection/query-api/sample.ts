/**
 * `{sample: "random"}`: `limit` points drawn uniformly without replacement from the candidates (every live point
 * matching the filter, or a prefetch's results). The generator is injected so tests are deterministic; the
 * service seeds it per request, so two calls differ, as in Qdrant.
 */
export function sampleRandom<T>(candidates: readonly T[], limit: number, random: () => number): T[] {
  const pool = candidates.slice();
  const n = Math.min(limit, pool.length);
  // partial Fisher–Yates: the first n slots end up a uniform sample
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, n);
}
