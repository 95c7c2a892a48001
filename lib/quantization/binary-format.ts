/**
 * Binary layout of a segment's binary-quantized set (object `segments/{id}/quantized`, like int8's), read whole in
 * ONE GET and kept in memory. All integers little-endian.
 *
 * | offset              | size            | field                                                         |
 * |---------------------|-----------------|---------------------------------------------------------------|
 * | 0                   | 8               | magic "STRQBINY"                                              |
 * | 8                   | 4               | u32 format version (1)                                        |
 * | 12                  | 4               | u32 distance: 0 Cosine, 1 Dot, 2 Euclid, 3 Manhattan          |
 * | 16                  | 4               | u32 n (vectors)                                               |
 * | 20                  | 4               | u32 dim                                                       |
 * | 24                  | 4               | u32 encoding: 0 one_bit, 1 two_bits, 2 one_and_half_bits      |
 * | 28                  | 4               | u32 query bits: 1 (same as storage), 4, 8                     |
 * | 32                  | 4               | u32 words per row                                             |
 * | 36                  | 4               | u32 flags: bit 0 statistics present                           |
 * | 40                  | 4               | u32 CRC-32 of bytes [48, end)                                 |
 * | 44                  | 4               | reserved, 0                                                   |
 * | 48                  | 8·dim (flag 0)  | f32 mean[dim], then f32 stddev[dim]                           |
 * | S                   | 4·words·n       | u32 code words, row-major                                     |
 * | S + 4·words·n       | 4·n (not Cosine)| f32 per-vector norm (L2; L1 for Manhattan)                    |
 *
 * Every section is a multiple of 4 bytes, so a reader views codes and norms in place when the buffer is 4-aligned.
 * Distinct from int8's magic "STRQINT8", which lets codes.ts tell the kinds apart from the bytes alone.
 */
import { crc32, readMagicVersion, writeMagicVersion } from '../binary/binary-format.js';
import type { Distance } from '../model/distance.js';
import { internal } from '../model/errors.js';
import {
  allocateBinaryCodes,
  BINARY_ENCODING_CODES,
  type BinaryParams,
  type BinarySet,
  extendedBits,
  type QueryBits,
} from './binary.js';

export const BINARY_MAGIC = 'STRQBINY';
export const BINARY_VERSION = 1;
export const BINARY_HEADER_BYTES = 48;

const DISTANCE_CODES: readonly Distance[] = ['Cosine', 'Dot', 'Euclid', 'Manhattan'];

export function binaryByteLength(p: BinaryParams, n: number): number {
  const stats = p.mean === null ? 0 : 8 * p.dim;
  const norms = p.distance === 'Cosine' ? 0 : 4 * n;
  return BINARY_HEADER_BYTES + stats + 4 * p.words * n + norms;
}

export function serializeBinary(set: BinarySet): Uint8Array {
  const p = set.params;
  const out = new Uint8Array(binaryByteLength(p, set.n));
  const view = writeMagicVersion(out, BINARY_MAGIC, BINARY_VERSION);
  view.setUint32(12, DISTANCE_CODES.indexOf(p.distance), true);
  view.setUint32(16, set.n, true);
  view.setUint32(20, p.dim, true);
  view.setUint32(24, BINARY_ENCODING_CODES.indexOf(p.encoding), true);
  view.setUint32(28, p.queryBits, true);
  view.setUint32(32, p.words, true);
  view.setUint32(36, p.mean === null ? 0 : 1, true);
  let at = BINARY_HEADER_BYTES;
  if (p.mean !== null && p.stddev !== null) {
    for (let i = 0; i < p.dim; i++) view.setFloat32(at + 4 * i, p.mean[i], true);
    at += 4 * p.dim;
    for (let i = 0; i < p.dim; i++) view.setFloat32(at + 4 * i, p.stddev[i], true);
    at += 4 * p.dim;
  }
  for (let i = 0; i < set.n * p.words; i++) view.setUint32(at + 4 * i, set.codes[i], true);
  at += 4 * set.n * p.words;
  for (let i = 0; i < set.norms.length; i++) view.setFloat32(at + 4 * i, set.norms[i], true);
  view.setUint32(40, crc32(out, BINARY_HEADER_BYTES), true);
  return out;
}

/** Parses and verifies (magic, version, sizes, CRC) a binary set; throws StrataError('internal') when corrupt. */
export function deserializeBinary(bytes: Uint8Array): BinarySet {
  const what = 'binary quantized set';
  const view = readMagicVersion(bytes, BINARY_MAGIC, BINARY_VERSION, BINARY_HEADER_BYTES, what);
  const distance = DISTANCE_CODES[view.getUint32(12, true)];
  const encoding = BINARY_ENCODING_CODES[view.getUint32(24, true)];
  const queryBits = view.getUint32(28, true);
  if (distance === undefined || encoding === undefined) throw internal(`${what}: bad distance or encoding code`);
  if (queryBits !== 1 && queryBits !== 4 && queryBits !== 8) throw internal(`${what}: bad query bits ${queryBits}`);
  const n = view.getUint32(16, true);
  const dim = view.getUint32(20, true);
  const words = view.getUint32(32, true);
  const bits = extendedBits(dim, encoding);
  if (dim === 0 || words !== Math.max(1, Math.ceil(bits / 32)))
    throw internal(`${what}: ${words} words for dim ${dim}`);
  const withStats = (view.getUint32(36, true) & 1) === 1;
  const params: BinaryParams = {
    distance,
    dim,
    encoding,
    queryBits: queryBits as QueryBits,
    bits,
    words,
    mean: withStats ? new Float32Array(dim) : null,
    stddev: withStats ? new Float32Array(dim) : null,
  };
  if (bytes.length !== binaryByteLength(params, n)) {
    throw internal(`${what}: ${bytes.length} bytes, expected ${binaryByteLength(params, n)}`);
  }
  if (crc32(bytes, BINARY_HEADER_BYTES) !== view.getUint32(40, true)) throw internal(`${what}: checksum mismatch`);
  let at = BINARY_HEADER_BYTES;
  if (params.mean !== null && params.stddev !== null) {
    for (let i = 0; i < dim; i++) params.mean[i] = view.getFloat32(at + 4 * i, true);
    at += 4 * dim;
    for (let i = 0; i < dim; i++) params.stddev[i] = view.getFloat32(at + 4 * i, true);
    at += 4 * dim;
  }
  // one aligned copy of codes (in a SIMD arena where there is one) and norms, so the fetched buffer is not kept alive
  const codes = allocateBinaryCodes(n, words);
  for (let i = 0; i < codes.length; i++) codes[i] = view.getUint32(at + 4 * i, true);
  at += 4 * codes.length;
  const norms = new Float32Array(distance === 'Cosine' ? 0 : n);
  for (let i = 0; i < norms.length; i++) norms[i] = view.getFloat32(at + 4 * i, true);
  return { params, n, codes, norms };
}
