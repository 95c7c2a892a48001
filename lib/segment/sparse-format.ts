/**
 * A segment's sparse vector name: its inverted index and its vectors per row, one immutable object
 * (`vectors/{name}/sparse`, keys.ts), and the exact search over it.
 *
 * Layout (little-endian, every array 4-byte aligned; rows = points holding the vector, E = Σ non-zeros):
 *
 * | offset | size       | field                                                                        |
 * |--------|------------|------------------------------------------------------------------------------|
 * | 0      | 8          | magic `STRSPRS1`                                                             |
 * | 8      | 4          | format version (1)                                                           |
 * | 12     | 4          | rows                                                                         |
 * | 16     | 4          | D = dimensions with a posting list                                           |
 * | 20     | 4          | E                                                                            |
 * | 24     | 4          | K = postings per block                                                       |
 * | 28     | 4          | NB = blocks of every list together                                           |
 * | 32     | 4          | CRC-32 of bytes [40, end)                                                    |
 * | 36     | 4          | reserved (0)                                                                 |
 * | 40     | rows × 4   | row -> point offset (ascending)                                              |
 * |        | (rows+1)×4 | row r's entries are [start[r], start[r+1])                                   |
 * |        | E × 4      | row entries' dimension ids (sorted within a row)                             |
 * |        | E × 4      | row entries' weights (float32)                                               |
 * |        | D × 4      | dimension ids with postings, ascending                                       |
 * |        | (D+1) × 4  | list d's postings are [pstart[d], pstart[d+1])                               |
 * |        | D × 4      | list d's largest weight (float32)                                            |
 * |        | D × 4      | list d's smallest weight (float32; weights may be negative)                  |
 * |        | E × 4      | postings' point offsets (ascending within a list)                            |
 * |        | E × 4      | postings' weights (float32)                                                  |
 * |        | NB × 4     | each block's largest weight (list d's blocks start at ⌈pstart[d]/K⌉ … )      |
 *
 * Invariants: search is exact (Qdrant's sparse search is): every point sharing a query dimension is scored with
 * the full dot product, accumulated in float64 over the query's posting lists only; a point sharing none is never
 * a result (as in Qdrant's inverted index). List and block maxima bound a dimension's contribution: a list whose
 * bound cannot lift any point into the top-k once k candidates are known is skipped (MaxScore pruning), so skipping
 * never changes the answer.
 */
import { crc32, readMagicVersion, writeMagicVersion } from '../binary/binary-format.js';
import { internal } from '../model/errors.js';
import type { SparseVector } from '../model/sparse-vector.js';

const MAGIC = 'STRSPRS1';
const VERSION = 1;
const HEADER = 40;
/** postings per block of the block maxima */
export const SPARSE_BLOCK = 128;

/** Encodes rows (row r belongs to point offset `offsets[r]`, ascending) into the object's bytes. */
export function encodeSparseIndex(offsets: Uint32Array, rows: readonly SparseVector[]): Uint8Array {
  if (offsets.length !== rows.length) throw internal('sparse index: offsets and rows differ');
  const n = rows.length;
  const E = rows.reduce((s, r) => s + r.indices.length, 0);
  // postings per dimension: counted, then filled in row order (so offsets ascend within a list)
  const counts = new Map<number, number>();
  for (const r of rows) for (const d of r.indices) counts.set(d, (counts.get(d) ?? 0) + 1);
  const dims = Uint32Array.from(counts.keys()).sort();
  const D = dims.length;
  const pstart = new Uint32Array(D + 1);
  const slot = new Map<number, number>();
  for (let d = 0; d < D; d++) {
    pstart[d + 1] = pstart[d] + (counts.get(dims[d]) as number);
    slot.set(dims[d], d);
  }
  const blocksOf = (d: number): number => Math.ceil((pstart[d + 1] - pstart[d]) / SPARSE_BLOCK);
  let NB = 0;
  for (let d = 0; d < D; d++) NB += blocksOf(d);
  const words = n + (n + 1) + 2 * E + D + (D + 1) + 2 * D + 2 * E + NB;
  const out = new Uint8Array(HEADER + words * 4);
  const view = writeMagicVersion(out, MAGIC, VERSION);
  view.setUint32(12, n, true);
  view.setUint32(16, D, true);
  view.setUint32(20, E, true);
  view.setUint32(24, SPARSE_BLOCK, true);
  view.setUint32(28, NB, true);
  const parts = layout(out, n, D, E, NB);
  parts.rowPoint.set(offsets);
  let at = 0;
  rows.forEach((r, i) => {
    parts.rowStart[i] = at;
    parts.rowDims.set(r.indices, at);
    parts.rowWeights.set(r.values, at);
    at += r.indices.length;
  });
  parts.rowStart[n] = at;
  parts.dims.set(dims);
  parts.pstart.set(pstart);
  const fill = Uint32Array.from(pstart.subarray(0, D));
  parts.listMax.fill(Number.NEGATIVE_INFINITY);
  parts.listMin.fill(Number.POSITIVE_INFINITY);
  rows.forEach((r, i) => {
    for (let j = 0; j < r.indices.length; j++) {
      const d = slot.get(r.indices[j]) as number;
      const w = r.values[j];
      parts.postPoint[fill[d]] = offsets[i];
      parts.postWeight[fill[d]++] = w;
      if (w > parts.listMax[d]) parts.listMax[d] = w;
      if (w < parts.listMin[d]) parts.listMin[d] = w;
    }
  });
  let b = 0;
  for (let d = 0; d < D; d++) {
    for (let p = pstart[d]; p < pstart[d + 1]; p += SPARSE_BLOCK) {
      let m = Number.NEGATIVE_INFINITY;
      for (let k = p; k < Math.min(p + SPARSE_BLOCK, pstart[d + 1]); k++) m = Math.max(m, parts.postWeight[k]);
      parts.blockMax[b++] = m;
    }
  }
  view.setUint32(32, crc32(out, HEADER), true);
  return out;
}

interface Parts {
  rowPoint: Uint32Array;
  rowStart: Uint32Array;
  rowDims: Uint32Array;
  rowWeights: Float32Array;
  dims: Uint32Array;
  pstart: Uint32Array;
  listMax: Float32Array;
  listMin: Float32Array;
  postPoint: Uint32Array;
  postWeight: Float32Array;
  blockMax: Float32Array;
}

function layout(bytes: Uint8Array, n: number, D: number, E: number, NB: number): Parts {
  const buf = bytes.buffer;
  let at = bytes.byteOffset + HEADER;
  const u = (len: number) => {
    const a = new Uint32Array(buf, at, len);
    at += len * 4;
    return a;
  };
  const f = (len: number) => {
    const a = new Float32Array(buf, at, len);
    at += len * 4;
    return a;
  };
  return {
    rowPoint: u(n),
    rowStart: u(n + 1),
    rowDims: u(E),
    rowWeights: f(E),
    dims: u(D),
    pstart: u(D + 1),
    listMax: f(D),
    listMin: f(D),
    postPoint: u(E),
    postWeight: f(E),
    blockMax: f(NB),
  };
}

/** What one sparse search did (counters for the cost report and the benchmark). */
export interface SparseSearchStats {
  /** postings read (the engine's "distances") */
  postings: number;
  /** query lists skipped whole by MaxScore pruning */
  skippedLists: number;
}

/** A decoded sparse index: exact search and row access. */
export class SparseIndex {
  private constructor(
    readonly rows: number,
    private readonly p: Parts,
    readonly byteLength: number,
  ) {}

  static decode(raw: Uint8Array, what: string): SparseIndex {
    // typed views need 4-byte alignment: a body sliced from a larger buffer may not have it
    const bytes = raw.byteOffset % 4 === 0 ? raw : raw.slice();
    const view = readMagicVersion(bytes, MAGIC, VERSION, HEADER, what);
    const n = view.getUint32(12, true);
    const D = view.getUint32(16, true);
    const E = view.getUint32(20, true);
    const NB = view.getUint32(28, true);
    const words = n + (n + 1) + 2 * E + D + (D + 1) + 2 * D + 2 * E + NB;
    if (bytes.byteLength !== HEADER + words * 4) throw internal(`${what}: length does not match its header`);
    if (crc32(bytes, HEADER) !== view.getUint32(32, true)) throw internal(`${what}: checksum mismatch`);
    return new SparseIndex(n, layout(bytes, n, D, E, NB), bytes.byteLength);
  }

  /** The row of point offset `o`, or -1 when that point lacks this vector. */
  rowOf(o: number): number {
    const a = this.p.rowPoint;
    let lo = 0;
    let hi = a.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] === o) return mid;
      if (a[mid] < o) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The stored vector of point offset `o` (a copy), or null. */
  vectorOf(o: number): SparseVector | null {
    const r = this.rowOf(o);
    if (r < 0) return null;
    const { rowStart, rowDims, rowWeights } = this.p;
    return {
      indices: rowDims.slice(rowStart[r], rowStart[r + 1]),
      values: rowWeights.slice(rowStart[r], rowStart[r + 1]),
    };
  }

  /** Rows whose point `accept` allows (null: every row): IDF's n. */
  countRows(accept: ((o: number) => boolean) | null): number {
    if (accept === null) return this.rows;
    let n = 0;
    for (const o of this.p.rowPoint) if (accept(o)) n++;
    return n;
  }

  /** Points holding dimension `dim` (for IDF's document frequency), with `accept` deciding which count. */
  documentFrequency(dim: number, accept: ((o: number) => boolean) | null): number {
    const d = this.slotOf(dim);
    if (d < 0) return 0;
    const { pstart, postPoint } = this.p;
    if (accept === null) return pstart[d + 1] - pstart[d];
    let n = 0;
    for (let k = pstart[d]; k < pstart[d + 1]; k++) if (accept(postPoint[k])) n++;
    return n;
  }

  private slotOf(dim: number): number {
    const a = this.p.dims;
    let lo = 0;
    let hi = a.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] === dim) return mid;
      if (a[mid] < dim) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /**
   * The exact top `limit` points by dot product with `q` among those `accept` allows (null: all), best first, ties
   * by offset; `minScore` drops lower scores. Term-at-a-time over the query's lists, largest bound first; once k
   * candidates are known, a list whose remaining bound (the sum of its and every later list's largest
   * contribution) cannot beat the k-th score adds no NEW candidate, only scores of points already seen.
   */
  search(
    q: SparseVector,
    limit: number,
    accept: ((o: number) => boolean) | null,
    count: number,
    minScore?: number,
  ): { offsets: Uint32Array; scores: Float64Array; stats: SparseSearchStats } {
    const stats = { postings: 0, skippedLists: 0 };
    const { pstart, listMax, listMin, postPoint, postWeight } = this.p;
    const terms: { d: number; w: number; bound: number }[] = [];
    for (let i = 0; i < q.indices.length; i++) {
      const d = this.slotOf(q.indices[i]);
      if (d < 0 || q.values[i] === 0) continue;
      const w = q.values[i];
      terms.push({ d, w, bound: Math.max(w * listMax[d], w * listMin[d]) });
    }
    terms.sort((a, b) => b.bound - a.bound);
    // partial scores are lower bounds of final ones only when every contribution is non-negative
    const prunable = terms.every((t) => t.w > 0 && listMin[t.d] >= 0);
    // remaining[t] = Σ bounds of terms t.. (what a point first seen at term t can still reach)
    const remaining = new Float64Array(terms.length + 1);
    for (let t = terms.length - 1; t >= 0; t--) remaining[t] = remaining[t + 1] + Math.max(0, terms[t].bound);
    const scores = new Float64Array(count);
    const seen = new Uint8Array(count);
    const touched: number[] = [];
    let kth = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < terms.length; t++) {
      const { d, w } = terms[t];
      // new points cannot enter the top-k any more: only points already seen are updated
      const closed = prunable && touched.length >= limit && remaining[t] < kth;
      if (closed) stats.skippedLists++;
      for (let k = pstart[d]; k < pstart[d + 1]; k++) {
        const o = postPoint[k];
        if (seen[o] === 0) {
          if (closed) continue;
          if (accept !== null && !accept(o)) {
            seen[o] = 2;
            continue;
          }
          seen[o] = 1;
          touched.push(o);
        } else if (seen[o] === 2) continue;
        scores[o] += w * postWeight[k];
        stats.postings++;
      }
      if (prunable && !closed && touched.length >= limit && t + 1 < terms.length) {
        kth = kthLargest(scores, touched, limit);
      }
    }
    const out = touched.filter((o) => minScore === undefined || scores[o] >= minScore);
    out.sort((a, b) => (scores[b] !== scores[a] ? scores[b] - scores[a] : a - b));
    const top = out.slice(0, limit);
    return { offsets: Uint32Array.from(top), scores: Float64Array.from(top, (o) => scores[o]), stats };
  }
}

/** The k-th largest score among `touched`: a lower bound of the final k-th score when contributions are ≥ 0. */
function kthLargest(scores: Float64Array, touched: readonly number[], k: number): number {
  const s = Float64Array.from(touched, (o) => scores[o]).sort();
  return s[s.length - k];
}
