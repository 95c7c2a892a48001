/**
 * The sparse benchmark's baseline and its checks: a full scan of stored sparse vectors (the dot product of the
 * query with EVERY stored vector, a sorted merge per row over flat typed arrays, float64 sums; a point sharing no
 * dimension is not a hit, as in the index) and a top-k comparison that tolerates only reordering within exact-score
 * ties (sums taken in a different order may differ in the last bits).
 */
import type { SparseVector } from '../../lib/model/sparse-vector.js';

/** Every stored vector, flat: row r's entries are [start[r], start[r+1]). */
export interface FlatRows {
  start: Uint32Array;
  dims: Uint32Array;
  weights: Float32Array;
}

export function flatten(rows: readonly SparseVector[]): FlatRows {
  const start = new Uint32Array(rows.length + 1);
  rows.forEach((r, i) => {
    start[i + 1] = start[i] + r.indices.length;
  });
  const dims = new Uint32Array(start[rows.length]);
  const weights = new Float32Array(start[rows.length]);
  rows.forEach((r, i) => {
    dims.set(r.indices, start[i]);
    weights.set(r.values, start[i]);
  });
  return { start, dims, weights };
}

/** The top `k` rows by dot product with `q` (indices sorted), best first, ties by row; `accept` filters rows. */
export function fullScan(
  rows: FlatRows,
  q: SparseVector,
  k: number,
  accept: ((r: number) => boolean) | null,
): { rows: number[]; scores: number[] } {
  const { start, dims, weights } = rows;
  const qi = q.indices;
  const qv = q.values;
  const qn = qi.length;
  // a bounded min-heap of (score, row): the worst kept on top
  const hs = new Float64Array(k);
  const hr = new Int32Array(k);
  let size = 0;
  const worse = (a: number, b: number) => hs[a] < hs[b] || (hs[a] === hs[b] && hr[a] > hr[b]);
  const swap = (a: number, b: number) => {
    const s = hs[a];
    hs[a] = hs[b];
    hs[b] = s;
    const r = hr[a];
    hr[a] = hr[b];
    hr[b] = r;
  };
  const n = start.length - 1;
  for (let r = 0; r < n; r++) {
    let i = start[r];
    const end = start[r + 1];
    let j = 0;
    let s = 0;
    let shared = false;
    while (i < end && j < qn) {
      const a = dims[i];
      const b = qi[j];
      if (a === b) {
        s += qv[j] * weights[i];
        shared = true;
        i++;
        j++;
      } else if (a < b) i++;
      else j++;
    }
    if (!shared || (accept !== null && !accept(r))) continue;
    if (size < k) {
      hs[size] = s;
      hr[size] = r;
      let c = size++;
      while (c > 0 && worse(c, (c - 1) >> 1)) {
        swap(c, (c - 1) >> 1);
        c = (c - 1) >> 1;
      }
    } else if (s > hs[0] || (s === hs[0] && r < hr[0])) {
      hs[0] = s;
      hr[0] = r;
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        let m = c;
        if (l < size && worse(l, m)) m = l;
        if (l + 1 < size && worse(l + 1, m)) m = l + 1;
        if (m === c) break;
        swap(c, m);
        c = m;
      }
    }
  }
  const order = Array.from({ length: size }, (_, i) => i).sort((a, b) => hs[b] - hs[a] || hr[a] - hr[b]);
  return { rows: order.map((i) => hr[i]), scores: order.map((i) => hs[i]) };
}

/**
 * Whether two top-k lists are the same: same length, same score at each rank (within `tol`, relative), same id
 * unless tied.
 */
export function sameTopK(
  a: { ids: readonly number[]; scores: readonly number[] },
  b: { ids: readonly number[]; scores: readonly number[] },
  tol = 1e-9,
): boolean {
  if (a.ids.length !== b.ids.length) return false;
  const close = (x: number, y: number) => Math.abs(x - y) <= tol * Math.max(1, Math.abs(x), Math.abs(y));
  for (let i = 0; i < a.ids.length; i++) {
    if (!close(a.scores[i], b.scores[i])) return false;
    if (a.ids[i] === b.ids[i]) continue;
    // a different id at this rank is a tie only if its score equals a neighbour's
    const tied =
      (i > 0 && close(a.scores[i], a.scores[i - 1])) || (i + 1 < a.ids.length && close(a.scores[i], a.scores[i + 1]));
    if (!tied || !b.ids.includes(a.ids[i])) return false;
  }
  return true;
}
