/**
 * Binary layout of a segment's float32 originals (object `segments/{id}/vectors`): row-major rows in fixed-size pages
 * read by ranged GET for rescoring (or whole, when vectors live in memory). A row never straddles a page.
 * All integers little-endian u32; values little-endian f32.
 *
 * | offset | size | field                                                                |
 * |--------|------|----------------------------------------------------------------------|
 * | 0      | 8    | magic "STRAVF32"                                                     |
 * | 8      | 4    | format version (1)                                                   |
 * | 12     | 4    | n (rows)                                                             |
 * | 16     | 4    | dim                                                                  |
 * | 20     | 4    | configured page size P (bytes)                                       |
 * | 24     | 4    | rows per page R = max(1, floor((P − 8) / (4·dim)))                    |
 * | 28     | 4    | page stride S = 8 + R·4·dim                                          |
 * | 32     | 4    | page count                                                           |
 * | 36     | 4    | CRC-32 of bytes [0, 36)                                              |
 * | 40     | 24   | reserved, 0                                                          |
 * | 64 + p·S | …  | page p: u32 CRC-32 of the page bytes [4, end), u32 first row (p·R), rows (the last page is shorter) |
 */
import { crc32, le, readMagicVersion, writeMagicVersion } from '../binary/binary-format.js';
import { allocateSimdArena } from '../distance/index.js';
import { internal, invalid } from '../model/errors.js';
import { type ByteRange, DEFAULT_PAGE_SIZE } from './graph-format.js';
import { type PageReader, ResidentPages } from './page-reader.js';
import type { RowSource } from './scorer.js';

export const VECTORS_MAGIC = 'STRAVF32';
export const VECTORS_VERSION = 1;
export const VECTORS_HEADER_BYTES = 64;
const PAGE_PREFIX = 8;

export interface VectorsFileMeta {
  n: number;
  dim: number;
  pageSize: number;
  rowsPerPage: number;
  pageStride: number;
  pageCount: number;
}

export function vectorsLayout(n: number, dim: number, pageSize = DEFAULT_PAGE_SIZE): VectorsFileMeta {
  if (!(Number.isInteger(pageSize) && pageSize >= 64))
    throw invalid(`page size must be an integer ≥ 64, got ${pageSize}`);
  const rowsPerPage = Math.max(1, Math.floor((pageSize - PAGE_PREFIX) / (4 * dim)));
  return {
    n,
    dim,
    pageSize,
    rowsPerPage,
    pageStride: PAGE_PREFIX + rowsPerPage * 4 * dim,
    pageCount: Math.ceil(n / rowsPerPage),
  };
}

export function vectorsPageOf(meta: VectorsFileMeta, id: number): number {
  return Math.floor(id / meta.rowsPerPage);
}

export function vectorsPageRange(meta: VectorsFileMeta, page: number): ByteRange {
  if (!(page >= 0 && page < meta.pageCount)) throw invalid(`vectors page ${page} outside 0..${meta.pageCount - 1}`);
  const start = VECTORS_HEADER_BYTES + page * meta.pageStride;
  const rows = Math.min(meta.rowsPerPage, meta.n - page * meta.rowsPerPage);
  return { start, end: start + PAGE_PREFIX + rows * 4 * meta.dim };
}

export function serializeVectors(data: Float32Array, dim: number, pageSize = DEFAULT_PAGE_SIZE): Uint8Array {
  if (data.length % dim !== 0) throw invalid(`data length ${data.length} is not a multiple of dim ${dim}`);
  const meta = vectorsLayout(data.length / dim, dim, pageSize);
  const total = meta.pageCount === 0 ? VECTORS_HEADER_BYTES : vectorsPageRange(meta, meta.pageCount - 1).end;
  const out = new Uint8Array(total);
  const view = writeMagicVersion(out, VECTORS_MAGIC, VECTORS_VERSION);
  [meta.n, dim, pageSize, meta.rowsPerPage, meta.pageStride, meta.pageCount].forEach((v, i) =>
    view.setUint32(12 + 4 * i, v, true),
  );
  view.setUint32(36, crc32(out, 0, 36), true);
  for (let p = 0; p < meta.pageCount; p++) {
    const { start, end } = vectorsPageRange(meta, p);
    const first = p * meta.rowsPerPage;
    view.setUint32(start + 4, first, true);
    const count = (end - start - PAGE_PREFIX) >> 2;
    for (let w = 0; w < count; w++) view.setFloat32(start + PAGE_PREFIX + 4 * w, data[first * dim + w], true);
    view.setUint32(start, crc32(out, start + 4, end), true);
  }
  return out;
}

export function parseVectorsHeader(bytes: Uint8Array): VectorsFileMeta {
  const view = readMagicVersion(bytes, VECTORS_MAGIC, VECTORS_VERSION, VECTORS_HEADER_BYTES, 'vectors');
  const u32 = (at: number): number => view.getUint32(at, true);
  if (crc32(bytes, 0, 36) !== u32(36)) throw internal('vectors: header checksum mismatch');
  const meta = vectorsLayout(u32(12), u32(16), u32(20));
  if (meta.rowsPerPage !== u32(24) || meta.pageStride !== u32(28) || meta.pageCount !== u32(32)) {
    throw internal('vectors: inconsistent header geometry');
  }
  return meta;
}

/** Verifies one page and returns its rows (first row of the page at offset 0). */
export function decodeVectorsPage(meta: VectorsFileMeta, page: number, bytes: Uint8Array): Float32Array {
  const { start, end } = vectorsPageRange(meta, page);
  if (bytes.length !== end - start)
    throw internal(`vectors page ${page}: ${bytes.length} bytes, expected ${end - start}`);
  const view = le(bytes);
  if (crc32(bytes, 4) !== view.getUint32(0, true)) throw internal(`vectors page ${page}: checksum mismatch`);
  if (view.getUint32(4, true) !== page * meta.rowsPerPage) throw internal(`vectors page ${page}: wrong first row`);
  const count = (bytes.length - PAGE_PREFIX) >> 2;
  const rows = new Float32Array(count);
  for (let w = 0; w < count; w++) rows[w] = view.getFloat32(PAGE_PREFIX + 4 * w, true);
  return rows;
}

export function deserializeVectors(bytes: Uint8Array): { meta: VectorsFileMeta; data: Float32Array } {
  const meta = parseVectorsHeader(bytes);
  // rows held in memory are scored by the SIMD kernels (same values as the JS ones) when they live in an arena
  const arena = meta.dim % 4 === 0 ? allocateSimdArena(meta.n * meta.dim * 4, meta.dim * 4) : null;
  const data =
    arena === null ? new Float32Array(meta.n * meta.dim) : new Float32Array(arena.buffer, 0, meta.n * meta.dim);
  for (let p = 0; p < meta.pageCount; p++) {
    const { start, end } = vectorsPageRange(meta, p);
    if (end > bytes.length) throw internal(`vectors: truncated at page ${p}`);
    data.set(decodeVectorsPage(meta, p, bytes.subarray(start, end)), p * meta.rowsPerPage * meta.dim);
  }
  return { meta, data };
}

/** A RowSource over decoded pages served by a PageReader (see PagedGraph: one per query, same contract). */
export class PagedRows implements RowSource {
  readonly dim: number;
  private readonly pages: ResidentPages<Float32Array>;

  constructor(
    readonly meta: VectorsFileMeta,
    reader: PageReader<Float32Array>,
  ) {
    this.dim = meta.dim;
    this.pages = new ResidentPages(reader, meta.pageCount);
  }

  /** pages this query fetched (cost counter) */
  get pagesLoaded(): number {
    return this.pages.loaded;
  }

  rows(id: number): Float32Array | null {
    return this.pages.get(Math.floor(id / this.meta.rowsPerPage));
  }

  rowOffset(id: number): number {
    return (id % this.meta.rowsPerPage) * this.dim;
  }

  load(ids: ArrayLike<number>): Promise<void> {
    return this.pages.load(ids, this.meta.rowsPerPage);
  }
}
