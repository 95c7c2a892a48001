/**
 * Points holding a dense vector ("dense", 4-d Cosine), a MaxSim multivector ("colbert", 1-4 rows of 3-d, Dot) and a
 * sparse vector ("text", indices < 20), and the brute-force rankings over them: the fixture of the gRPC sparse and
 * multivector tests (JS and Python clients). Values are float32 already, so what a client sends is what is stored.
 * Some points lack colbert or text: a query over a name must skip them.
 */
import { rng } from './collection-harness.js';

export interface Sparse {
  indices: number[];
  values: number[];
}
export interface Vecs {
  dense: number[];
  colbert?: number[][];
  text?: Sparse;
}
export interface SparseMultiPoint {
  id: number;
  vector: Vecs;
}
export type Scored = { id: number; score: number };

/** `count` points with ids 0..count-1; colbert on 3 of 4 points, text on 4 of 5. */
export function sparseMultiPoints(count: number, seed: number): SparseMultiPoint[] {
  const r = rng(seed);
  const f = () => Math.fround(r() * 2 - 1);
  const sparse = (): Sparse => {
    const picked = Array.from({ length: 1 + Math.floor(r() * 5) }, () => Math.floor(r() * 20));
    const indices = [...new Set(picked)].sort((a, b) => a - b);
    return { indices, values: indices.map(() => Math.fround(r() * 2)) };
  };
  return Array.from({ length: count }, (_, n) => {
    const vector: Vecs = { dense: Array.from({ length: 4 }, f) };
    if (n % 4 !== 3) vector.colbert = Array.from({ length: 1 + (n % 4) }, () => Array.from({ length: 3 }, f));
    if (n % 5 !== 4) vector.text = sparse();
    return { id: n, vector };
  });
}

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
export const maxSim = (q: number[][], rows: number[][]) =>
  q.reduce((s, qr) => s + Math.max(...rows.map((row) => dot(qr, row))), 0);
export function sparseDot(q: Sparse, d: Sparse): number {
  let s = 0;
  q.indices.forEach((i, k) => {
    const at = d.indices.indexOf(i);
    if (at >= 0) s += q.values[k] * d.values[at];
  });
  return s;
}

/** Brute force, best first, ties by id, over the points `score` gives a score (undefined = not a candidate). */
export function bruteForce(
  points: SparseMultiPoint[],
  score: (v: Vecs) => number | undefined,
  limit: number,
): Scored[] {
  const out: Scored[] = [];
  for (const p of points) {
    const s = score(p.vector);
    if (s !== undefined) out.push({ id: p.id, score: s });
  }
  return out.sort((a, b) => b.score - a.score || a.id - b.id).slice(0, limit);
}

/** Sparse candidates share at least one index with the query (as an inverted index finds them). */
export const sparseScore =
  (q: Sparse) =>
  (v: Vecs): number | undefined => {
    const s = v.text ? sparseDot(q, v.text) : 0;
    return s > 0 ? s : undefined;
  };
export const multiScore =
  (q: number[][]) =>
  (v: Vecs): number | undefined =>
    v.colbert ? maxSim(q, v.colbert) : undefined;
