/**
 * `multi` of a multivector space (lib/model/multivector.ts): which of the space's stored vectors (inner rows: the
 * `vectors` and `quantized` objects hold one row per vector of every multivector) belong to each of its rows. Row r
 * (one point's multivector) owns inner rows [starts[r], starts[r + 1]); starts is non-decreasing with starts[0] = 0
 * and every row owns at least one inner row (Qdrant refuses an empty multivector).
 *
 * Layout (little-endian; header per binary.ts):
 *
 * | offset | size          | field                                                                        |
 * |--------|---------------|------------------------------------------------------------------------------|
 * | 0      | 32            | header: magic `STRA_MVR`, version 1, rows, CRC-32 of the table, a = inner rows |
 * | 32     | (rows+1) × 4  | u32 starts: first inner row of row r; the last entry is the inner row count  |
 */
import { internal } from '../model/errors.js';
import { HEADER_BYTES, aligned, checkCrc, crc32, readHeader, writeHeader } from './binary.js';

const MAGIC = 'STRA_MVR';
const VERSION = 1;

/** Inner-row starts of a multivector space from its rows' vector counts. */
export function startsOf(counts: ArrayLike<number>): Uint32Array {
  const starts = new Uint32Array(counts.length + 1);
  for (let r = 0; r < counts.length; r++) starts[r + 1] = starts[r] + counts[r];
  return starts;
}

export function encodeMultiRows(starts: Uint32Array): Uint8Array {
  const rows = starts.length - 1;
  const out = new Uint8Array(HEADER_BYTES + starts.length * 4);
  out.set(new Uint8Array(starts.buffer, starts.byteOffset, starts.byteLength), HEADER_BYTES);
  writeHeader(out, {
    magic: MAGIC,
    version: VERSION,
    count: rows,
    crc: crc32(out.subarray(HEADER_BYTES)),
    a: starts[rows],
    b: 0,
    c: 0,
  });
  return out;
}

export function decodeMultiRows(bytes: Uint8Array, what = 'multi'): Uint32Array {
  const h = readHeader(bytes, MAGIC, VERSION, what);
  if (bytes.byteLength !== HEADER_BYTES + (h.count + 1) * 4)
    throw internal(`${what}: length does not match its header`);
  const body = bytes.subarray(HEADER_BYTES);
  checkCrc(body, h.crc, what);
  const a = aligned(body);
  const starts = new Uint32Array(a.buffer, a.byteOffset, h.count + 1);
  if (starts[0] !== 0 || starts[h.count] !== h.a) throw internal(`${what}: starts do not span ${h.a} inner rows`);
  for (let r = 0; r < h.count; r++) {
    if (starts[r + 1] <= starts[r]) throw internal(`${what}: row ${r} owns no vector`);
  }
  return starts;
}
