/**
 * A segment's sparse vector name: its inverted index and its vectors per row, one immutable object
 * (`sparse/{name}`, keys.ts). Format version 2, laid out so a reader can page it (sparse-paged.ts): a small
 * DIRECTORY first (what a search and IDF need before any posting list), then the rows, then each posting list as
 * one contiguous, separately checksummed byte range, so a query fetches only its dimensions' lists.
 *
 * Layout (little-endian, every array 4-byte aligned; n = rows (points holding the vector), D = dimensions with a
 * posting list, E = Σ non-zeros, K = postings per block, NB = blocks of every list together):
 *
 * | offset   | size          | field                                                                          |
 * |----------|---------------|--------------------------------------------------------------------------------|
 * | 0        | 8             | magic `STRSPRS1`                                                               |
 * | 8        | 4             | format version (2)                                                             |
 * | 12       | 4 × 5         | n, D, E, K, NB                                                                 |
 * | 32       | 4             | CRC-32 of the directory                                                        |
 * | 36       | 4             | CRC-32 of the row table                                                        |
 * | 40       | 4             | CRC-32 of the row entries                                                      |
 * | 44       | 4             | CRC-32 of the posting lists                                                    |
 * | 48       | D × 4         | directory: dimension ids with postings, ascending                              |
 * |          | (D+1) × 4     | directory: list d holds postings [pstart[d], pstart[d+1]) (its length = df)    |
 * |          | D × 4         | directory: list d's largest weight (float32)                                   |
 * |          | D × 4         | directory: list d's smallest weight (float32; weights may be negative)         |
 * |          | D × 4         | directory: CRC-32 of list d's bytes                                            |
 * |          | n × 4         | row table: row -> point offset (ascending)                                     |
 * |          | (n+1) × 4     | row table: row r's entries are [rstart[r], rstart[r+1])                        |
 * |          | n × 4         | row table: CRC-32 of row r's bytes                                             |
 * |          | 4             | row table: CRC-32 of the row table's bytes before it (readable on its own)     |
 * |          | E × 8         | row entries: row r = its dimension ids (sorted), then its weights (float32)    |
 * |          | E × 8 + NB × 4| posting lists: list d = its point offsets (ascending), its weights (float32), |
 * |          |               | then the largest weight of each block of K postings                            |
 *
 * The directory is `directoryBytes(D)` long from byte 0 (header included), recorded in meta.json so a reader asks
 * for it without reading the header first. Format version 1 (sparse-format-v1.ts: arrays of all rows and all lists,
 * read whole) still opens.
 *
 * Invariants: every section is checked before use (whole reads: the four section CRCs; ranged reads: the directory's
 * CRC, then each list's or row's own); a list's postings ascend by point offset and its blocks' maxima bound every
 * weight of the block.
 */
import { crc32, le, readMagicVersion, writeMagicVersion } from '../binary/binary-format.js';
import { internal } from '../model/errors.js';
import type { SparseVector } from '../model/sparse-vector.js';

export const SPARSE_MAGIC = 'STRSPRS1';
export const SPARSE_VERSION = 2;
const HEADER = 48;
/** postings per block of the block maxima */
export const SPARSE_BLOCK = 128;

/** What a search needs before any posting list: the dimensions, their lists' extent, bounds and checksums. */
export interface SparseDirectory {
  rows: number;
  /** dimension ids with a posting list, ascending */
  dims: Uint32Array;
  /** list d holds postings [pstart[d], pstart[d+1]) */
  pstart: Uint32Array;
  listMax: Float32Array;
  listMin: Float32Array;
  /** postings per block */
  block: number;
  /** byte range of list d in the object: [listStart[d], listStart[d+1]); null for a version 1 object */
  listStart: Float64Array | null;
  /** CRC-32 of each list's bytes; null for a version 1 object */
  listCrc: Uint32Array | null;
  /** bytes [0, end) of the object are the header and the directory */
  byteLength: number;
}

/** One decoded posting list. */
export interface PostingList {
  /** point offsets, ascending */
  points: Uint32Array;
  weights: Float32Array;
  /** the largest weight of each block of `block` postings */
  blockMax: Float32Array;
  readonly byteLength: number;
}

/** Bytes of the header and directory of an object with `dims` dimensions. */
export const directoryBytes = (dims: number): number => HEADER + (5 * dims + 1) * 4;

/** Slot of dimension `dim` in the directory, or -1. */
export function slotOf(dir: SparseDirectory, dim: number): number {
  const a = dir.dims;
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

/** The sections' byte offsets, derived from the header's counts. */
export interface SparseSections {
  n: number;
  D: number;
  E: number;
  NB: number;
  rowTable: number;
  rowEntries: number;
  lists: number;
  end: number;
}

export function sectionsOf(n: number, D: number, E: number, NB: number): SparseSections {
  const rowTable = directoryBytes(D);
  const rowEntries = rowTable + rowTableBytes(n);
  const lists = rowEntries + 8 * E;
  return { n, D, E, NB, rowTable, rowEntries, lists, end: lists + 8 * E + 4 * NB };
}

const blocks = (len: number, k: number): number => Math.ceil(len / k);

/** Bytes of the row table of `n` rows (it starts at directoryBytes(D)). */
export const rowTableBytes = (n: number): number => (3 * n + 2) * 4;

/** Encodes rows (row r belongs to point offset `offsets[r]`, ascending) into the object's bytes. */
export function encodeSparseIndex(offsets: Uint32Array, rows: readonly SparseVector[]): Uint8Array {
  if (offsets.length !== rows.length) throw internal('sparse index: offsets and rows differ');
  const n = rows.length;
  const E = rows.reduce((s, r) => s + r.indices.length, 0);
  const counts = new Map<number, number>();
  for (const r of rows) for (const d of r.indices) counts.set(d, (counts.get(d) ?? 0) + 1);
  const dims = Uint32Array.from(counts.keys()).sort();
  const D = dims.length;
  const pstart = new Uint32Array(D + 1);
  const slot = new Map<number, number>();
  let NB = 0;
  for (let d = 0; d < D; d++) {
    const len = counts.get(dims[d]) as number;
    pstart[d + 1] = pstart[d] + len;
    slot.set(dims[d], d);
    NB += blocks(len, SPARSE_BLOCK);
  }
  const s = sectionsOf(n, D, E, NB);
  const out = new Uint8Array(s.end);
  const view = writeMagicVersion(out, SPARSE_MAGIC, SPARSE_VERSION);
  [n, D, E, SPARSE_BLOCK, NB].forEach((v, i) => view.setUint32(12 + 4 * i, v, true));
  const u32 = (at: number, len: number) => new Uint32Array(out.buffer, at, len);
  const f32 = (at: number, len: number) => new Float32Array(out.buffer, at, len);

  // postings, filled in row order so offsets ascend within a list
  const postPoint = new Uint32Array(E);
  const postWeight = new Float32Array(E);
  const fill = Uint32Array.from(pstart.subarray(0, D));
  const rowStart = u32(s.rowTable + 4 * n, n + 1);
  let at = 0;
  rows.forEach((r, i) => {
    rowStart[i] = at;
    const len = r.indices.length;
    u32(s.rowEntries + 8 * at, len).set(r.indices);
    f32(s.rowEntries + 8 * at + 4 * len, len).set(r.values);
    at += len;
    for (let j = 0; j < len; j++) {
      const d = slot.get(r.indices[j]) as number;
      postPoint[fill[d]] = offsets[i];
      postWeight[fill[d]++] = r.values[j];
    }
  });
  rowStart[n] = at;
  u32(s.rowTable, n).set(offsets);
  const rowCrc = u32(s.rowTable + 4 * (2 * n + 1), n);
  for (let r = 0; r < n; r++)
    rowCrc[r] = crc32(out, s.rowEntries + 8 * rowStart[r], s.rowEntries + 8 * rowStart[r + 1]);

  const dir = HEADER;
  u32(dir, D).set(dims);
  u32(dir + 4 * D, D + 1).set(pstart);
  const listMax = f32(dir + 4 * (2 * D + 1), D);
  const listMin = f32(dir + 4 * (3 * D + 1), D);
  const listCrc = u32(dir + 4 * (4 * D + 1), D);
  let byte = s.lists;
  for (let d = 0; d < D; d++) {
    const from = pstart[d];
    const len = pstart[d + 1] - from;
    const start = byte;
    u32(byte, len).set(postPoint.subarray(from, from + len));
    const w = postWeight.subarray(from, from + len);
    f32(byte + 4 * len, len).set(w);
    const bm = f32(byte + 8 * len, blocks(len, SPARSE_BLOCK));
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < len; k++) {
      const b = (k / SPARSE_BLOCK) | 0;
      if (k % SPARSE_BLOCK === 0) bm[b] = Number.NEGATIVE_INFINITY;
      if (w[k] > bm[b]) bm[b] = w[k];
      if (w[k] > hi) hi = w[k];
      if (w[k] < lo) lo = w[k];
    }
    listMax[d] = hi;
    listMin[d] = lo;
    byte += 8 * len + 4 * bm.length;
    listCrc[d] = crc32(out, start, byte);
  }
  const tableCrc = crc32(out, s.rowTable, s.rowEntries - 4);
  le(out).setUint32(s.rowEntries - 4, tableCrc, true);
  view.setUint32(32, crc32(out, HEADER, s.rowTable), true);
  view.setUint32(36, tableCrc, true);
  view.setUint32(40, crc32(out, s.rowEntries, s.lists), true);
  view.setUint32(44, crc32(out, s.lists, s.end), true);
  return out;
}

/** The counts of a version 2 header (the first bytes of `bytes`), checked. */
export function readSparseHeader(bytes: Uint8Array, what: string): SparseSections & { view: DataView } {
  const view = readMagicVersion(bytes, SPARSE_MAGIC, SPARSE_VERSION, HEADER, what);
  const [n, D, E, K, NB] = [0, 1, 2, 3, 4].map((i) => view.getUint32(12 + 4 * i, true));
  if (K !== SPARSE_BLOCK) throw internal(`${what}: block size ${K}, this build reads ${SPARSE_BLOCK}`);
  return { ...sectionsOf(n, D, E, NB), view };
}

/** The version of a sparse object from its first 12 bytes (1 or 2). */
export function sparseVersionOf(bytes: Uint8Array): number {
  return bytes.byteLength >= 12 ? le(bytes).getUint32(8, true) : 0;
}

/**
 * The directory from the object's first `directoryBytes(D)` bytes (or more: the whole object), checked against
 * its CRC. Its arrays are views over `raw` (copied first when `raw` is not 4-byte aligned).
 */
export function decodeSparseDirectory(raw: Uint8Array, what: string): SparseDirectory {
  const bytes = aligned(raw);
  const s = readSparseHeader(bytes, what);
  if (bytes.byteLength < s.rowTable) throw internal(`${what}: directory truncated`);
  if (crc32(bytes, HEADER, s.rowTable) !== s.view.getUint32(32, true)) {
    throw internal(`${what}: directory checksum mismatch`);
  }
  const { D } = s;
  const u32 = (at: number, len: number) => new Uint32Array(bytes.buffer, bytes.byteOffset + at, len);
  const f32 = (at: number, len: number) => new Float32Array(bytes.buffer, bytes.byteOffset + at, len);
  const pstart = u32(HEADER + 4 * D, D + 1);
  const listStart = new Float64Array(D + 1);
  listStart[0] = s.lists;
  for (let d = 0; d < D; d++) {
    const len = pstart[d + 1] - pstart[d];
    listStart[d + 1] = listStart[d] + 8 * len + 4 * blocks(len, SPARSE_BLOCK);
  }
  if (listStart[D] !== s.end) throw internal(`${what}: directory does not match its header`);
  return {
    rows: s.n,
    dims: u32(HEADER, D),
    pstart,
    listMax: f32(HEADER + 4 * (2 * D + 1), D),
    listMin: f32(HEADER + 4 * (3 * D + 1), D),
    block: SPARSE_BLOCK,
    listStart,
    listCrc: u32(HEADER + 4 * (4 * D + 1), D),
    byteLength: s.rowTable,
  };
}

/**
 * Posting list `d` from its bytes (exactly [listStart[d], listStart[d+1]) of the object); `check` verifies its CRC
 * (a list cut out of a whole object already checked skips it).
 */
export function decodePostingList(dir: SparseDirectory, d: number, raw: Uint8Array, check: boolean): PostingList {
  const len = dir.pstart[d + 1] - dir.pstart[d];
  const nb = blocks(len, dir.block);
  if (raw.byteLength !== 8 * len + 4 * nb) throw internal(`sparse list ${d}: ${raw.byteLength} bytes`);
  if (check && dir.listCrc !== null && crc32(raw) !== dir.listCrc[d]) {
    throw internal(`sparse list ${d}: checksum mismatch`);
  }
  const bytes = aligned(raw);
  const at = bytes.byteOffset;
  return {
    points: new Uint32Array(bytes.buffer, at, len),
    weights: new Float32Array(bytes.buffer, at + 4 * len, len),
    blockMax: new Float32Array(bytes.buffer, at + 8 * len, nb),
    byteLength: bytes.byteLength,
  };
}

/** The row table (row -> point offset, entry starts, row CRCs) from its bytes. */
export interface SparseRowTable {
  rowPoint: Uint32Array;
  rowStart: Uint32Array;
  rowCrc: Uint32Array;
  readonly byteLength: number;
}

/** The row table of `n` rows from exactly its bytes; `check` verifies its trailing CRC. */
export function decodeSparseRowTable(raw: Uint8Array, n: number, check: boolean, what: string): SparseRowTable {
  if (raw.byteLength !== rowTableBytes(n)) throw internal(`${what}: row table is ${raw.byteLength} bytes`);
  if (check && crc32(raw, 0, raw.byteLength - 4) !== le(raw).getUint32(raw.byteLength - 4, true)) {
    throw internal(`${what}: row table checksum mismatch`);
  }
  const bytes = aligned(raw);
  const u32 = (at: number, len: number) => new Uint32Array(bytes.buffer, bytes.byteOffset + at, len);
  return {
    rowPoint: u32(0, n),
    rowStart: u32(4 * n, n + 1),
    rowCrc: u32(4 * (2 * n + 1), n),
    byteLength: raw.byteLength,
  };
}

/** Row r of the table as a vector (copied) from its entry bytes, checked against its CRC when `check`. */
export function decodeSparseRow(table: SparseRowTable, r: number, raw: Uint8Array, check: boolean): SparseVector {
  const len = table.rowStart[r + 1] - table.rowStart[r];
  if (raw.byteLength !== 8 * len) throw internal(`sparse row ${r}: ${raw.byteLength} bytes`);
  if (check && crc32(raw) !== table.rowCrc[r]) throw internal(`sparse row ${r}: checksum mismatch`);
  const bytes = raw.slice();
  return {
    indices: new Uint32Array(bytes.buffer, 0, len),
    values: new Float32Array(bytes.buffer, 4 * len, len),
  };
}

/** Index of point offset `o` in an ascending array, or -1. */
export function findRow(rowPoint: Uint32Array, o: number): number {
  let lo = 0;
  let hi = rowPoint.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (rowPoint[mid] === o) return mid;
    if (rowPoint[mid] < o) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** `raw`, or a copy of it when typed views over it would not be 4-byte aligned. */
export function aligned(raw: Uint8Array): Uint8Array {
  return raw.byteOffset % 4 === 0 ? raw : raw.slice();
}

/** A section CRC of the header at `at` (32 directory, 36 row table, 40 row entries, 44 lists). */
export function sectionCrc(view: DataView, at: 32 | 36 | 40 | 44): number {
  return view.getUint32(at, true);
}
