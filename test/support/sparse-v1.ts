/**
 * The sparse object writer of format version 1 (lib/segment/sparse-format-v1.ts has the layout), as segments were
 * sealed before the paged layout: kept for tests only, to prove such segments still open and answer the same.
 */
import { crc32, writeMagicVersion } from '../../lib/binary/binary-format.js';
import type { SparseVector } from '../../lib/model/sparse-vector.js';

const MAGIC = 'STRSPRS1';
const VERSION = 1;
const HEADER = 40;
const SPARSE_BLOCK = 128;

/** Encodes rows (row r belongs to point offset `offsets[r]`, ascending) as a version 1 object. */
export function encodeSparseV1(offsets: Uint32Array, rows: readonly SparseVector[]): Uint8Array {
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
