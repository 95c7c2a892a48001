/**
 * Sparse objects of format version 1 (written before the paged layout of sparse-format.ts): still read, whole, so
 * segments sealed before keep answering. Only a decoder lives here; nothing writes version 1 any more.
 *
 * Layout (little-endian, 4-byte aligned; n rows, D dimensions, E non-zeros, K postings per block, NB blocks):
 *
 * | offset | size       | field                                                                        |
 * |--------|------------|------------------------------------------------------------------------------|
 * | 0      | 8          | magic `STRSPRS1`                                                             |
 * | 8      | 4          | format version (1)                                                           |
 * | 12     | 4 × 5      | n, D, E, K, NB                                                               |
 * | 32     | 4          | CRC-32 of bytes [40, end)                                                    |
 * | 36     | 4          | reserved (0)                                                                 |
 * | 40     | n × 4      | row -> point offset (ascending)                                              |
 * |        | (n+1) × 4  | row r's entries are [start[r], start[r+1])                                   |
 * |        | E × 4, E × 4 | row entries' dimension ids, then their weights (float32)                   |
 * |        | D × 4      | dimension ids with postings, ascending                                       |
 * |        | (D+1) × 4  | list d's postings are [pstart[d], pstart[d+1])                               |
 * |        | D × 4, D × 4 | each list's largest, then smallest weight (float32)                        |
 * |        | E × 4, E × 4 | postings' point offsets (ascending within a list), then their weights      |
 * |        | NB × 4     | each block's largest weight, list after list                                 |
 *
 * Invariant: the whole object is checked (one CRC) before any view over it is handed out.
 */
import { crc32, readMagicVersion } from '../binary/binary-format.js';
import { internal } from '../model/errors.js';
import type { SparseVector } from '../model/sparse-vector.js';
import { type PostingList, SPARSE_MAGIC, type SparseDirectory, aligned } from './sparse-format.js';

const HEADER = 40;

/** A decoded version 1 object: the same directory and lists the version 2 reader gives, and its rows. */
export interface SparseV1 {
  dir: SparseDirectory;
  list(d: number): PostingList;
  rowPoint: Uint32Array;
  row(r: number): SparseVector;
  byteLength: number;
}

export function decodeSparseV1(raw: Uint8Array, what: string): SparseV1 {
  const bytes = aligned(raw);
  const view = readMagicVersion(bytes, SPARSE_MAGIC, 1, HEADER, what);
  const [n, D, E, K, NB] = [0, 1, 2, 3, 4].map((i) => view.getUint32(12 + 4 * i, true));
  const words = n + (n + 1) + 2 * E + D + (D + 1) + 2 * D + 2 * E + NB;
  if (bytes.byteLength !== HEADER + words * 4) throw internal(`${what}: length does not match its header`);
  if (crc32(bytes, HEADER) !== view.getUint32(32, true)) throw internal(`${what}: checksum mismatch`);
  let at = bytes.byteOffset + HEADER;
  const u = (len: number) => {
    const a = new Uint32Array(bytes.buffer, at, len);
    at += len * 4;
    return a;
  };
  const f = (len: number) => {
    const a = new Float32Array(bytes.buffer, at, len);
    at += len * 4;
    return a;
  };
  const rowPoint = u(n);
  const rowStart = u(n + 1);
  const rowDims = u(E);
  const rowWeights = f(E);
  const dims = u(D);
  const pstart = u(D + 1);
  const listMax = f(D);
  const listMin = f(D);
  const postPoint = u(E);
  const postWeight = f(E);
  const blockMax = f(NB);
  // each list's blocks follow the previous list's
  const bstart = new Uint32Array(D + 1);
  for (let d = 0; d < D; d++) bstart[d + 1] = bstart[d] + Math.ceil((pstart[d + 1] - pstart[d]) / K);
  const dir: SparseDirectory = {
    rows: n,
    dims,
    pstart,
    listMax,
    listMin,
    block: K,
    listStart: null,
    listCrc: null,
    byteLength: bytes.byteLength,
  };
  return {
    dir,
    list: (d) => ({
      points: postPoint.subarray(pstart[d], pstart[d + 1]),
      weights: postWeight.subarray(pstart[d], pstart[d + 1]),
      blockMax: blockMax.subarray(bstart[d], bstart[d + 1]),
      byteLength: 0,
    }),
    rowPoint,
    row: (r) => ({
      indices: rowDims.slice(rowStart[r], rowStart[r + 1]),
      values: rowWeights.slice(rowStart[r], rowStart[r + 1]),
    }),
    byteLength: bytes.byteLength,
  };
}
