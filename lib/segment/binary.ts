/**
 * The header of the segment's own binary objects (`ids`, `payload`, `deleted.{v}`): a fixed 32-byte header built
 * from lib/binary's primitives (magic, version, CRC-32), and aligned typed-array views.
 *
 * Every segment-owned binary object starts with this header (all little-endian):
 *
 * | offset | size | field                                                          |
 * |--------|------|----------------------------------------------------------------|
 * | 0      | 8    | magic, ASCII, names the object kind (e.g. `STRA_IDS`)          |
 * | 8      | 4    | format version (u32)                                           |
 * | 12     | 4    | point count n (u32)                                            |
 * | 16     | 4    | CRC-32 of the checksummed region named by the object (u32)     |
 * | 20     | 12   | object-specific u32 fields a, b, c                             |
 *
 * Invariant: sections after the header start at multiples of 8 bytes, so typed-array views need no copy when the
 * buffer itself is 8-aligned (`aligned` copies once otherwise).
 */
import { checkMagic, checkVersion, le, writeMagicVersion } from '../binary/binary-format.js';
import { internal } from '../model/errors.js';

export { align8, checkCrc, crc32 } from '../binary/binary-format.js';

export const HEADER_BYTES = 32;

export interface ObjectHeader {
  magic: string;
  version: number;
  count: number;
  crc: number;
  a: number;
  b: number;
  c: number;
}

export function writeHeader(out: Uint8Array, h: ObjectHeader): void {
  const v = writeMagicVersion(out.subarray(0, HEADER_BYTES), h.magic, h.version);
  v.setUint32(12, h.count, true);
  v.setUint32(16, h.crc >>> 0, true);
  v.setUint32(20, h.a, true);
  v.setUint32(24, h.b, true);
  v.setUint32(28, h.c, true);
}

/** Parses and checks magic and version; `what` names the object in error messages. */
export function readHeader(bytes: Uint8Array, magic: string, version: number, what: string): ObjectHeader {
  if (bytes.byteLength < HEADER_BYTES) throw internal(`${what}: truncated header (${bytes.byteLength} bytes)`);
  checkMagic(bytes, magic, what);
  const v = le(bytes.subarray(0, HEADER_BYTES));
  const h: ObjectHeader = {
    magic,
    version: v.getUint32(8, true),
    count: v.getUint32(12, true),
    crc: v.getUint32(16, true),
    a: v.getUint32(20, true),
    b: v.getUint32(24, true),
    c: v.getUint32(28, true),
  };
  checkVersion(h.version, version, what);
  return h;
}

/** The same bytes, copied once if their offset is not 8-aligned (typed views of f64/u32 need alignment). */
export function aligned(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
}
