/**
 * Binary layout of a TurboQuant set (the segment's `quantized` object when the code is `turbo`), read whole in one
 * GET. All integers and floats little-endian; the CRC covers everything after the header. The rotation is not stored:
 * it is a pure function of the padded dimension D (turbo-rotation.ts).
 *
 * | offset             | size          | field                                                      |
 * |--------------------|---------------|------------------------------------------------------------|
 * | 0                  | 8             | magic "STRQTURB"                                           |
 * | 8                  | 4             | u32 format version (1)                                     |
 * | 12                 | 4             | u32 distance: 0 Cosine, 1 Dot, 2 Euclid, 3 Manhattan       |
 * | 16                 | 4             | u32 n (vectors)                                            |
 * | 20                 | 4             | u32 dim                                                    |
 * | 24                 | 4             | u32 bits: 0 bits1, 1 bits1_5, 2 bits2, 3 bits4             |
 * | 28                 | 4             | u32 padded dim D                                           |
 * | 32                 | 4             | u32 code bytes per vector                                  |
 * | 36                 | 4             | u32 CRC-32 of bytes [40, end)                              |
 * | 40                 | 4·D           | f32 TQ+ shift per coordinate                               |
 * | 40 + 4D            | 4·D           | f32 TQ+ scale per coordinate                               |
 * | 40 + 8D            | 4·n           | f32 scaling factor sf per vector                           |
 * | 40 + 8D + 4n       | 4·n           | f32 xm per vector                                          |
 * | 40 + 8D + 8n       | 4·n (Euclid)  | f32 length ℓ per vector, Euclid only                       |
 * | then               | n · codeBytes | packed codes, row-major, LSB-first                         |
 */
import { crc32, readMagicVersion, writeMagicVersion } from '../binary/binary-format.js';
import type { Distance } from '../model/distance.js';
import { internal } from '../model/errors.js';
import {
  allocateTurboCodes,
  paddedDimFor,
  TURBO_BITS,
  turboBitSize,
  turboExtrasPerVector,
  type TurboParams,
  type TurboSet,
} from './turbo.js';

export const TURBO_MAGIC = 'STRQTURB';
export const TURBO_VERSION = 1;
export const TURBO_HEADER_BYTES = 40;

const DISTANCE_CODES: readonly Distance[] = ['Cosine', 'Dot', 'Euclid', 'Manhattan'];

export function turboByteLength(n: number, paddedDim: number, codeBytes: number, distance: Distance): number {
  return TURBO_HEADER_BYTES + 8 * paddedDim + 4 * n * turboExtrasPerVector(distance) + n * codeBytes;
}

function writeFloats(view: DataView, at: number, values: Float32Array): number {
  for (let i = 0; i < values.length; i++, at += 4) view.setFloat32(at, values[i], true);
  return at;
}

function readFloats(view: DataView, at: number, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++, at += 4) out[i] = view.getFloat32(at, true);
  return out;
}

export function serializeTurbo(set: TurboSet): Uint8Array {
  const p = set.params;
  const out = new Uint8Array(turboByteLength(set.n, p.paddedDim, p.codeBytes, p.distance));
  const view = writeMagicVersion(out, TURBO_MAGIC, TURBO_VERSION);
  view.setUint32(12, DISTANCE_CODES.indexOf(p.distance), true);
  view.setUint32(16, set.n, true);
  view.setUint32(20, p.dim, true);
  view.setUint32(24, TURBO_BITS.indexOf(p.bits), true);
  view.setUint32(28, p.paddedDim, true);
  view.setUint32(32, p.codeBytes, true);
  let at = writeFloats(view, TURBO_HEADER_BYTES, p.shift);
  at = writeFloats(view, at, p.scale);
  at = writeFloats(view, at, set.scaling);
  at = writeFloats(view, at, set.xm);
  at = writeFloats(view, at, set.lengths);
  out.set(set.codes.subarray(0, set.n * p.codeBytes), at);
  view.setUint32(36, crc32(out, TURBO_HEADER_BYTES), true);
  return out;
}

/** Parses and verifies (magic, version, sizes, CRC) a TurboQuant set; throws StrataError('internal') when corrupt. */
export function deserializeTurbo(bytes: Uint8Array): TurboSet {
  const view = readMagicVersion(bytes, TURBO_MAGIC, TURBO_VERSION, TURBO_HEADER_BYTES, 'turbo set');
  const distance = DISTANCE_CODES[view.getUint32(12, true)];
  if (distance === undefined) throw internal('turbo set: bad distance code');
  const bits = TURBO_BITS[view.getUint32(24, true)];
  if (bits === undefined) throw internal('turbo set: bad bits code');
  const n = view.getUint32(16, true);
  const dim = view.getUint32(20, true);
  const paddedDim = view.getUint32(28, true);
  const codeBytes = view.getUint32(32, true);
  if (dim === 0 || paddedDim !== paddedDimFor(dim, bits) || codeBytes !== (paddedDim * turboBitSize(bits)) / 8) {
    throw internal(`turbo set: padded dim ${paddedDim} / ${codeBytes} code bytes do not match dim ${dim} at ${bits}`);
  }
  const expected = turboByteLength(n, paddedDim, codeBytes, distance);
  if (bytes.length !== expected) throw internal(`turbo set: ${bytes.length} bytes, expected ${expected}`);
  if (crc32(bytes, TURBO_HEADER_BYTES) !== view.getUint32(36, true)) throw internal('turbo set: checksum mismatch');
  let at = TURBO_HEADER_BYTES;
  const shift = readFloats(view, at, paddedDim);
  const scale = readFloats(view, (at += 4 * paddedDim), paddedDim);
  const scaling = readFloats(view, (at += 4 * paddedDim), n);
  const xm = readFloats(view, (at += 4 * n), n);
  const lengths = readFloats(view, (at += 4 * n), distance === 'Euclid' ? n : 0);
  at += 4 * lengths.length;
  const params: TurboParams = { distance, dim, bits, paddedDim, codeBytes, shift, scale };
  // the codes are copied out (into a SIMD arena where there is one), so the fetched buffer is not kept alive
  const codes = allocateTurboCodes(n, params);
  codes.set(bytes.subarray(at, at + n * codeBytes));
  return { params, n, codes, scaling, xm, lengths };
}
