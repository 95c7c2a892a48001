/**
 * Binary layout of a segment's quantized set (object `segments/{id}/quantized`), read whole in ONE GET and kept in
 * memory. All integers little-endian.
 *
 * | offset            | size        | field                                                        |
 * |-------------------|-------------|--------------------------------------------------------------|
 * | 0                 | 8           | magic "STRQINT8"                                             |
 * | 8                 | 4           | u32 format version (1)                                       |
 * | 12                | 4           | u32 distance: 0 Cosine, 1 Dot, 2 Euclid, 3 Manhattan         |
 * | 16                | 4           | u32 n (vectors)                                              |
 * | 20                | 4           | u32 dim                                                      |
 * | 24                | 4           | u32 stride (bytes per code row, dim rounded up to 4)         |
 * | 28                | 4           | f32 alpha                                                    |
 * | 32                | 4           | f32 offset                                                   |
 * | 36                | 4           | f32 quantile                                                 |
 * | 40                | 4           | u32 CRC-32 of bytes [48, end)                                |
 * | 44                | 4           | reserved, 0                                                  |
 * | 48                | n × stride  | codes, row-major, u8 in 0..127, rows padded with 0            |
 * | 48 + n·stride     | 4·n         | f32 per-vector correction terms                               |
 *
 * The code area starts 4-aligned and stride is a multiple of 4, so a reader views the corrections as f32 (and the
 * codes as bytes) without copying whenever the buffer itself is 4-aligned.
 */
import { simdAvailable } from '../distance/index.js';
import type { Distance } from '../model/distance.js';
import { crc32, readMagicVersion, writeMagicVersion } from '../binary/binary-format.js';
import { internal } from '../model/errors.js';
import { allocateSet, type QuantizedSet, type ScalarParams } from './scalar-int8.js';

export const QUANTIZED_MAGIC = 'STRQINT8';
export const QUANTIZED_VERSION = 1;
export const QUANTIZED_HEADER_BYTES = 48;

const DISTANCE_CODES: readonly Distance[] = ['Cosine', 'Dot', 'Euclid', 'Manhattan'];

export function quantizedByteLength(n: number, stride: number): number {
  return QUANTIZED_HEADER_BYTES + n * stride + 4 * n;
}

export function serializeQuantized(set: QuantizedSet): Uint8Array {
  const p = set.params;
  const out = new Uint8Array(quantizedByteLength(set.n, p.stride));
  const view = writeMagicVersion(out, QUANTIZED_MAGIC, QUANTIZED_VERSION);
  view.setUint32(12, DISTANCE_CODES.indexOf(p.distance), true);
  view.setUint32(16, set.n, true);
  view.setUint32(20, p.dim, true);
  view.setUint32(24, p.stride, true);
  view.setFloat32(28, p.alpha, true);
  view.setFloat32(32, p.offset, true);
  view.setFloat32(36, p.quantile, true);
  out.set(set.codes.subarray(0, set.n * p.stride), QUANTIZED_HEADER_BYTES);
  const corrAt = QUANTIZED_HEADER_BYTES + set.n * p.stride;
  for (let i = 0; i < set.n; i++) view.setFloat32(corrAt + 4 * i, set.corrections[i], true);
  view.setUint32(40, crc32(out, QUANTIZED_HEADER_BYTES), true);
  return out;
}

/** Parses and verifies (magic, version, sizes, CRC) a quantized set; throws StrataError('internal') when corrupt. */
export function deserializeQuantized(bytes: Uint8Array): QuantizedSet {
  const view = readMagicVersion(bytes, QUANTIZED_MAGIC, QUANTIZED_VERSION, QUANTIZED_HEADER_BYTES, 'quantized set');
  const distance = DISTANCE_CODES[view.getUint32(12, true)];
  if (distance === undefined) throw internal('quantized set: bad distance code');
  const n = view.getUint32(16, true);
  const dim = view.getUint32(20, true);
  const stride = view.getUint32(24, true);
  if (stride !== ((dim + 3) & ~3)) throw internal(`quantized set: stride ${stride} does not match dim ${dim}`);
  if (bytes.length !== quantizedByteLength(n, stride)) {
    throw internal(`quantized set: ${bytes.length} bytes, expected ${quantizedByteLength(n, stride)}`);
  }
  if (crc32(bytes, QUANTIZED_HEADER_BYTES) !== view.getUint32(40, true))
    throw internal('quantized set: checksum mismatch');
  const params: ScalarParams = {
    distance,
    dim,
    stride,
    alpha: view.getFloat32(28, true),
    offset: view.getFloat32(32, true),
    quantile: view.getFloat32(36, true),
  };
  // With WebAssembly SIMD the codes are copied once into a SIMD arena (and the corrections beside them, so the input
  // buffer is not kept alive); otherwise zero-copy views when the buffer is aligned, else one aligned copy.
  // (allocateSet places both there, the corrections after the codes, as the est_u8_wide kernel reads them)
  if (distance !== 'Manhattan' && simdAvailable()) {
    const set = allocateSet(params, n);
    set.codes.set(bytes.subarray(QUANTIZED_HEADER_BYTES, QUANTIZED_HEADER_BYTES + n * stride));
    const corrAt = QUANTIZED_HEADER_BYTES + n * stride;
    for (let i = 0; i < n; i++) set.corrections[i] = view.getFloat32(corrAt + 4 * i, true);
    return set;
  }
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const codesAt = aligned.byteOffset + QUANTIZED_HEADER_BYTES;
  const codes = new Uint8Array(aligned.buffer, codesAt, n * stride);
  const corrections = new Float32Array(aligned.buffer, codesAt + n * stride, n);
  return { params, n, codes, corrections };
}
