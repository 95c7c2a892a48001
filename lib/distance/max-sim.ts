/**
 * MaxSim (Qdrant's `score_max_similarity`, ColBERT's late interaction): the similarity of a query multivector to a
 * stored one is the SUM over the query's rows of the MAX similarity of that row to any of the stored rows. It is
 * not symmetric. As in Qdrant, the per-pair similarity is the metric's internal one (dot for Cosine and Dot, −l2²
 * for Euclid, −l1 for Manhattan) and no per-pair post-processing is applied, so a Euclid MaxSim sums negated squared
 * distances; the final score conversion (similarity.ts) is applied once to the sum, as Qdrant post-processes it.
 *
 * This is the plain kernel: the coordinator's exact scan of the WAL tail, the HNSW build over multivectors and
 * tests' brute-force reference use it; lib/index/max-sim-scorer.ts composes the same rule over per-row scorers.
 */
import type { SimilarityFn } from './similarity.js';

/** MaxSim of query rows q[qOff, qOff + qRows·dim) against stored rows b[bOff, bOff + bRows·dim). */
export function maxSim(
  sim: SimilarityFn,
  q: Float32Array,
  qOff: number,
  qRows: number,
  b: Float32Array,
  bOff: number,
  bRows: number,
  dim: number,
): number {
  let sum = 0;
  for (let i = 0; i < qRows; i++) {
    let best = Number.NEGATIVE_INFINITY;
    const at = qOff + i * dim;
    for (let r = 0; r < bRows; r++) {
      const s = sim(q, at, b, bOff + r * dim, dim);
      if (s > best) best = s;
    }
    sum += best;
  }
  return sum;
}
