/**
 * The multivector recall workload on real data, shared by test/e2e/multivector-recall.test.ts and
 * `npm run bench -- multivector` so both measure the same thing: the first `rows` GloVe-100 base rows grouped, in
 * order, into documents of 2-6 consecutive rows (sizes drawn from a seeded PRNG), each document one token matrix;
 * query q is GloVe query rows [q·queryRows, (q+1)·queryRows). Ground truth is brute-force MaxSim (Σ over the query's
 * rows of the best cosine against the document's rows) with ties broken by document index.
 *
 * Invariant: the same dataset, rows and seed give the same documents, queries and truth (no other randomness).
 */
import { mulberry32 } from '../../lib/index/rng.js';
import type { Dataset } from './datasets.js';

export interface TokenMatrices {
  dim: number;
  /** document d owns rows [starts[d], starts[d+1]) of `base` and `unit` */
  starts: Uint32Array;
  docs: number;
  /** the raw GloVe rows, rows × dim (what a client upserts) */
  base: Float32Array;
  /** the same rows normalized (what Cosine scores) */
  unit: Float32Array;
}

export const MULTIVECTOR_ROWS = 20_000;
export const MULTIVECTOR_SEED = 5;
export const QUERY_ROWS = 3;

export function gloveTokenMatrices(ds: Dataset, rows = MULTIVECTOR_ROWS, seed = MULTIVECTOR_SEED): TokenMatrices {
  const dim = ds.dim;
  const random = mulberry32(seed);
  const starts: number[] = [0];
  while (starts[starts.length - 1] < rows) {
    starts.push(Math.min(rows, starts[starts.length - 1] + 2 + Math.floor(random() * 5)));
  }
  const base = ds.base.subarray(0, rows * dim);
  const unit = Float32Array.from(base);
  for (let r = 0; r < rows; r++) {
    const v = unit.subarray(r * dim, (r + 1) * dim);
    const n = Math.hypot(...v);
    for (let i = 0; i < dim; i++) v[i] /= n;
  }
  return { dim, starts: Uint32Array.from(starts), docs: starts.length - 1, base, unit };
}

/** Rows [from, to) of rows × dim data as number[][] (a client's multivector). */
export function rowsOf(data: Float32Array, dim: number, from: number, to: number): number[][] {
  return Array.from({ length: to - from }, (_, r) => Array.from(data.subarray((from + r) * dim, (from + r + 1) * dim)));
}

/** Query q of the workload: QUERY_ROWS consecutive GloVe query rows. */
export function queryMatrix(ds: Dataset, q: number, queryRows = QUERY_ROWS): number[][] {
  return rowsOf(ds.queries, ds.dim, q * queryRows, (q + 1) * queryRows);
}

/** Brute-force MaxSim top k document indices (0-based), best first, ties by index. */
export function maxSimTopK(set: TokenMatrices, query: number[][], k: number): number[] {
  const { dim, starts, unit } = set;
  const qs = query.map((row) => {
    const n = Math.hypot(...row);
    return row.map((x) => x / n);
  });
  const scores = new Float64Array(set.docs);
  for (let d = 0; d < set.docs; d++) {
    let s = 0;
    for (const row of qs) {
      let best = Number.NEGATIVE_INFINITY;
      for (let r = starts[d]; r < starts[d + 1]; r++) {
        let dot = 0;
        for (let i = 0; i < dim; i++) dot += row[i] * unit[r * dim + i];
        if (dot > best) best = dot;
      }
      s += best;
    }
    scores[d] = s;
  }
  return Array.from({ length: set.docs }, (_, d) => d)
    .sort((a, b) => scores[b] - scores[a] || a - b)
    .slice(0, k);
}
