/**
 * The primitives every Strata binary object is built from: ASCII magic + format version at the head, little-endian
 * fields, CRC-32 checksums. Each format (quantized set, graph, vectors, ids, payload, tombstones, WAL) keeps its own
 * layout table in its own module and reads and writes it through these helpers, so a checksum or a header check is
 * written once.
 *
 * Why a folder of its own: the lowest layer with a binary format is lib/quantization (DESIGN §2 order: distance <
 * quantization < index < storage < segment < collection), and a module may only import layers at or below its own.
 * lib/distance is below it but is about float kernels, not bytes; lib/index and lib/storage are above it. So this
 * pure module (no I/O: node:zlib only) sits under all of them, beside lib/errors.
 *
 * Invariants:
 * - CRC-32 is zlib's (IEEE 802.3, reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF): byte-identical to
 *   the table-driven CRC the formats were first written with, so every object written before still verifies.
 * - Every integer and float is little-endian; `le(bytes)` is a DataView over exactly `bytes` (its byteOffset
 *   honoured), so a header can be read from a sub-view of a larger buffer.
 * - A failed check is StrataError 'internal' naming the object (`what`): stored bytes are ours, so a mismatch is
 *   corruption or a bug, never bad user input.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';
import { internal } from '../model/errors.js';

/** CRC-32 of bytes[start, end); `prev` continues a checksum over an earlier run (zlib's running value). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, prev = 0): number {
  const run = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
  return zlibCrc32(run, prev) >>> 0;
}

/** Throws 'internal' unless crc32(bytes) equals `expected`. */
export function checkCrc(bytes: Uint8Array, expected: number, what: string): void {
  const got = crc32(bytes);
  if (got !== expected >>> 0) {
    throw internal(`${what}: checksum mismatch (stored ${expected >>> 0}, computed ${got}); the object is corrupt`);
  }
}

/** A little-endian view over exactly `bytes`. */
export function le(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export const align4 = (n: number): number => (n + 3) & ~3;
export const align8 = (n: number): number => (n + 7) & ~7;

/** Writes an ASCII magic at `at`. */
export function writeMagic(out: Uint8Array, magic: string, at = 0): void {
  for (let i = 0; i < magic.length; i++) out[at + i] = magic.charCodeAt(i);
}

/** Throws 'internal' unless `bytes` starts with `magic`. */
export function checkMagic(bytes: Uint8Array, magic: string, what: string): void {
  if (bytes.byteLength < magic.length) throw internal(`${what}: truncated header (${bytes.byteLength} bytes)`);
  for (let i = 0; i < magic.length; i++) {
    if (bytes[i] !== magic.charCodeAt(i)) {
      const got = String.fromCharCode(...bytes.subarray(0, magic.length));
      throw internal(`${what}: bad magic '${got}', expected '${magic}'`);
    }
  }
}

/** Throws 'internal' unless a stored format version is the one this build reads. */
export function checkVersion(got: number, expected: number, what: string): void {
  if (got !== expected) throw internal(`${what}: unsupported format version ${got}, this build reads ${expected}`);
}

/** The common head of the 8-byte-magic formats: magic at 0, u32 format version at 8. */
export const MAGIC_VERSION_BYTES = 12;

export function writeMagicVersion(out: Uint8Array, magic: string, version: number): DataView {
  if (magic.length !== 8) throw internal(`binary: magic must be 8 ASCII bytes, got '${magic}'`);
  writeMagic(out, magic);
  const view = le(out);
  view.setUint32(8, version, true);
  return view;
}

/**
 * Checks length (at least `headerBytes`), magic and version of an 8-byte-magic object; returns its little-endian
 * view for the format's own fields.
 */
export function readMagicVersion(
  bytes: Uint8Array,
  magic: string,
  version: number,
  headerBytes: number,
  what: string,
): DataView {
  if (bytes.byteLength < headerBytes) throw internal(`${what}: truncated header (${bytes.byteLength} bytes)`);
  checkMagic(bytes, magic, what);
  const view = le(bytes);
  checkVersion(view.getUint32(8, true), version, what);
  return view;
}
