/**
 * Binary layout of a product-quantized set (the segment's `quantized` object when the code is `product`), read whole
 * in one GET. All integers little-endian; the CRC covers everything after the header.
 *
 * | offset              | size          | field                                                      |
 * |---------------------|---------------|------------------------------------------------------------|
 * | 0                   | 8             | magic "STRQPROD"                                           |
 * | 8                   | 4             | u32 format version (1)                                     |
 * | 12                  | 4             | u32 distance: 0 Cosine, 1 Dot, 2 Euclid, 3 Manhattan       |
 * | 16                  | 4             | u32 n (vectors)                                            |
 * | 20                  | 4             | u32 dim                                                    |
 * | 24                  | 4             | u32 chunk size s (1, 2, 4, 8, 16: x4 … x64)                 |
 * | 28                  | 4             | u32 chunks m = ceil(dim / s)                               |
 * | 32                  | 4             | u32 CRC-32 of bytes [40, end)                              |
 * | 36                  | 4             | reserved, 0                                                |
 * | 40                  | 4 · 256 · dim | f32 centroids, 256 rows of dim (chunk j of row c: centroid c of chunk j) |
 * | 40 + 1024·dim       | n · m         | u8 codes, row-major                                        |
 */
import { crc32, readMagicVersion, writeMagicVersion } from '../binary/binary-format.js';
import type { Distance } from '../model/distance.js';
import { internal } from '../model/errors.js';
import {
  allocateProductCodes,
  chunkCount,
  PQ_CENTROIDS,
  PRODUCT_COMPRESSIONS,
  type ProductCompression,
  type ProductSet,
  chunkSizeFor,
} from './product.js';

export const PRODUCT_MAGIC = 'STRQPROD';
export const PRODUCT_VERSION = 1;
export const PRODUCT_HEADER_BYTES = 40;

const DISTANCE_CODES: readonly Distance[] = ['Cosine', 'Dot', 'Euclid', 'Manhattan'];

export function productByteLength(n: number, dim: number, chunks: number): number {
  return PRODUCT_HEADER_BYTES + 4 * PQ_CENTROIDS * dim + n * chunks;
}

export function serializeProduct(set: ProductSet): Uint8Array {
  const p = set.params;
  const out = new Uint8Array(productByteLength(set.n, p.dim, p.chunks));
  const view = writeMagicVersion(out, PRODUCT_MAGIC, PRODUCT_VERSION);
  view.setUint32(12, DISTANCE_CODES.indexOf(p.distance), true);
  view.setUint32(16, set.n, true);
  view.setUint32(20, p.dim, true);
  view.setUint32(24, p.chunkSize, true);
  view.setUint32(28, p.chunks, true);
  let at = PRODUCT_HEADER_BYTES;
  for (let i = 0; i < p.centroids.length; i++, at += 4) view.setFloat32(at, p.centroids[i], true);
  out.set(set.codes.subarray(0, set.n * p.chunks), at);
  view.setUint32(32, crc32(out, PRODUCT_HEADER_BYTES), true);
  return out;
}

/** Parses and verifies (magic, version, sizes, CRC) a product set; throws StrataError('internal') when corrupt. */
export function deserializeProduct(bytes: Uint8Array): ProductSet {
  const view = readMagicVersion(bytes, PRODUCT_MAGIC, PRODUCT_VERSION, PRODUCT_HEADER_BYTES, 'product set');
  const distance = DISTANCE_CODES[view.getUint32(12, true)];
  if (distance === undefined) throw internal('product set: bad distance code');
  const n = view.getUint32(16, true);
  const dim = view.getUint32(20, true);
  const chunkSize = view.getUint32(24, true);
  const chunks = view.getUint32(28, true);
  const compression = PRODUCT_COMPRESSIONS.find((c) => chunkSizeFor(c) === chunkSize) as ProductCompression | undefined;
  if (compression === undefined) throw internal(`product set: bad chunk size ${chunkSize}`);
  if (dim === 0 || chunks !== chunkCount(dim, chunkSize)) {
    throw internal(`product set: ${chunks} chunks do not match dim ${dim} and chunk size ${chunkSize}`);
  }
  const expected = productByteLength(n, dim, chunks);
  if (bytes.length !== expected) throw internal(`product set: ${bytes.length} bytes, expected ${expected}`);
  if (crc32(bytes, PRODUCT_HEADER_BYTES) !== view.getUint32(32, true)) throw internal('product set: checksum mismatch');
  const centroids = new Float32Array(PQ_CENTROIDS * dim);
  let at = PRODUCT_HEADER_BYTES;
  for (let i = 0; i < centroids.length; i++, at += 4) centroids[i] = view.getFloat32(at, true);
  // the codes are copied out (into a SIMD arena where there is one), so the fetched buffer is not kept alive
  const codes = allocateProductCodes(n, chunks, dim);
  codes.set(bytes.subarray(at, at + n * chunks));
  return { params: { distance, dim, compression, chunkSize, chunks, centroids }, n, codes };
}
