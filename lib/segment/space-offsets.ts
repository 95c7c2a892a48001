/**
 * `offsets` of a named vector space: which point of the segment each row of that vector belongs to, written only
 * when some points of the segment lack the vector (optional vectors). Rows follow point offsets in ascending order,
 * so the map is strictly increasing.
 *
 * Layout (little-endian; header per binary.ts):
 *
 * | offset | size      | field                                                                         |
 * |--------|-----------|-------------------------------------------------------------------------------|
 * | 0      | 32        | header: magic `STRA_OFS`, version 1, rows, CRC-32 of the table, a = points    |
 * | 32     | rows × 4  | u32 point offset of row r, strictly increasing                                |
 */
import { internal } from '../model/errors.js';
import { HEADER_BYTES, aligned, checkCrc, crc32, readHeader, writeHeader } from './binary.js';

const MAGIC = 'STRA_OFS';
const VERSION = 1;

export function encodeSpaceOffsets(points: number, rowOffsets: Uint32Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + rowOffsets.length * 4);
  const table = new Uint8Array(rowOffsets.buffer, rowOffsets.byteOffset, rowOffsets.byteLength);
  out.set(table, HEADER_BYTES);
  writeHeader(out, {
    magic: MAGIC,
    version: VERSION,
    count: rowOffsets.length,
    crc: crc32(out.subarray(HEADER_BYTES)),
    a: points,
    b: 0,
    c: 0,
  });
  return out;
}

/** Row -> point offset, and point offset -> row (-1: the point lacks this vector). */
export interface SpaceOffsets {
  rowOffsets: Uint32Array;
  offsetRows: Int32Array;
}

export function decodeSpaceOffsets(bytes: Uint8Array, what = 'offsets'): SpaceOffsets {
  const h = readHeader(bytes, MAGIC, VERSION, what);
  if (bytes.byteLength !== HEADER_BYTES + h.count * 4) throw internal(`${what}: length does not match its header`);
  const body = bytes.subarray(HEADER_BYTES);
  checkCrc(body, h.crc, what);
  const a = aligned(body);
  const rowOffsets = new Uint32Array(a.buffer, a.byteOffset, h.count);
  return { rowOffsets, offsetRows: invertOffsets(rowOffsets, h.a, what) };
}

export function invertOffsets(rowOffsets: Uint32Array, points: number, what = 'offsets'): Int32Array {
  const offsetRows = new Int32Array(points).fill(-1);
  for (let r = 0; r < rowOffsets.length; r++) {
    const o = rowOffsets[r];
    if (o >= points || (r > 0 && o <= rowOffsets[r - 1])) throw internal(`${what}: row ${r} maps to bad offset ${o}`);
    offsetRows[o] = r;
  }
  return offsetRows;
}
