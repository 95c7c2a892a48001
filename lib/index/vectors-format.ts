/**
 * Binary layout of a segment's originals (object `segments/{id}/vectors`): row-major rows in fixed-size pages read by
 * ranged GET for rescoring (or whole, when vectors live in memory). A row never straddles a page. Rows are stored in
 * the vector's datatype: float32 (version 1, the only layout before datatypes, still written for float32 so those
 * objects keep their bytes), float16 or uint8 (version 2: the element type in the header), so a float16 page holds
 * twice the rows of a float32 one and a uint8 page four times. All integers little-endian u32; values little-endian
 * (float32, float16 bit patterns, or bytes).
 *
 * | offset | size | field                                                                |
 * |--------|------|----------------------------------------------------------------------|
 * | 0      | 8    | magic "STRAVF32"                                                     |
 * | 8      | 4    | format version (1: float32; 2: the element type below)               |
 * | 12     | 4    | n (rows)                                                             |
 * | 16     | 4    | dim                                                                  |
 * | 20     | 4    | configured page size P (bytes)                                       |
 * | 24     | 4    | rows per page R = max(1, floor((P − 8) / (e·dim))), e = bytes per value (4, 2, 1) |
 * | 28     | 4    | page stride S = 8 + R·e·dim                                          |
 * | 32     | 4    | page count                                                           |
 * | 36     | 4    | v1: CRC-32 of bytes [0, 36). v2: element type (1 float16, 2 uint8)   |
 * | 40     | 4    | v1: reserved, 0. v2: CRC-32 of bytes [0, 40)                         |
 * | 44     | 20   | reserved, 0                                                          |
 * | 64 + p·S | …  | page p: u32 CRC-32 of the page bytes [4, end), u32 first row (p·R), rows (the last page is shorter) |
 *
 * Decoded pages (and whole objects) stay in the stored type (Float32Array, Uint16Array of float16 bit patterns,
 * Uint8Array), so a page cache or a worker holds 2 or 1 bytes per value; lib/distance/stored-kernels.ts scores them.
 */
import { crc32, le, readMagicVersion, writeMagicVersion } from '../binary/binary-format.js';
import { type RowArray, allocateSimdArena, decodeRowInto, elementBytes, encodeRows } from '../distance/index.js';
import type { VectorDatatype } from '../model/collection-config.js';
import { internal, invalid } from '../model/errors.js';
import { type ByteRange, DEFAULT_PAGE_SIZE } from './graph-format.js';
import { type PageReader, ResidentPages } from './page-reader.js';

export const VECTORS_MAGIC = 'STRAVF32';
export const VECTORS_VERSION = 1;
/** the version of float16 / uint8 objects (the element type in the header) */
export const TYPED_VECTORS_VERSION = 2;
export const VECTORS_HEADER_BYTES = 64;
const PAGE_PREFIX = 8;
const ELEMENT_CODES: Record<VectorDatatype, number> = { float32: 0, float16: 1, uint8: 2 };
const CODE_ELEMENTS: readonly VectorDatatype[] = ['float32', 'float16', 'uint8'];

export interface VectorsFileMeta {
  n: number;
  dim: number;
  pageSize: number;
  rowsPerPage: number;
  pageStride: number;
  pageCount: number;
  /** the type rows are stored in */
  datatype: VectorDatatype;
}

export function vectorsLayout(
  n: number,
  dim: number,
  pageSize = DEFAULT_PAGE_SIZE,
  datatype: VectorDatatype = 'float32',
): VectorsFileMeta {
  if (!(Number.isInteger(pageSize) && pageSize >= 64))
    throw invalid(`page size must be an integer ≥ 64, got ${pageSize}`);
  const rowBytes = elementBytes(datatype) * dim;
  const rowsPerPage = Math.max(1, Math.floor((pageSize - PAGE_PREFIX) / rowBytes));
  return {
    n,
    dim,
    pageSize,
    rowsPerPage,
    pageStride: PAGE_PREFIX + rowsPerPage * rowBytes,
    pageCount: Math.ceil(n / rowsPerPage),
    datatype,
  };
}

export function vectorsPageOf(meta: VectorsFileMeta, id: number): number {
  return Math.floor(id / meta.rowsPerPage);
}

export function vectorsPageRange(meta: VectorsFileMeta, page: number): ByteRange {
  if (!(page >= 0 && page < meta.pageCount)) throw invalid(`vectors page ${page} outside 0..${meta.pageCount - 1}`);
  const start = VECTORS_HEADER_BYTES + page * meta.pageStride;
  const rows = Math.min(meta.rowsPerPage, meta.n - page * meta.rowsPerPage);
  return { start, end: start + PAGE_PREFIX + rows * elementBytes(meta.datatype) * meta.dim };
}

/**
 * The bytes of row `id` alone inside its page, in the stored type: a record-sized read (lib/segment/cold-records.ts).
 * The page's CRC covers the page, not this range.
 */
export function vectorsRowRange(meta: VectorsFileMeta, id: number): ByteRange {
  if (!(id >= 0 && id < meta.n)) throw invalid(`vectors row ${id} outside 0..${meta.n - 1}`);
  const page = Math.floor(id / meta.rowsPerPage);
  const row = elementBytes(meta.datatype) * meta.dim;
  const start = VECTORS_HEADER_BYTES + page * meta.pageStride + PAGE_PREFIX + (id - page * meta.rowsPerPage) * row;
  return { start, end: start + row };
}

/**
 * The object of rows `data` stored as `datatype` (float32 by default). Values must be representable in it
 * (lib/distance representableAs): a float16 object stores each value's float16 bit pattern, a uint8 one its byte.
 */
export function serializeVectors(
  data: Float32Array,
  dim: number,
  pageSize = DEFAULT_PAGE_SIZE,
  datatype: VectorDatatype = 'float32',
): Uint8Array {
  if (data.length % dim !== 0) throw invalid(`data length ${data.length} is not a multiple of dim ${dim}`);
  const meta = vectorsLayout(data.length / dim, dim, pageSize, datatype);
  const total = meta.pageCount === 0 ? VECTORS_HEADER_BYTES : vectorsPageRange(meta, meta.pageCount - 1).end;
  const out = new Uint8Array(total);
  const typed = datatype !== 'float32';
  const view = writeMagicVersion(out, VECTORS_MAGIC, typed ? TYPED_VECTORS_VERSION : VECTORS_VERSION);
  [meta.n, dim, pageSize, meta.rowsPerPage, meta.pageStride, meta.pageCount].forEach((v, i) =>
    view.setUint32(12 + 4 * i, v, true),
  );
  if (typed) {
    view.setUint32(36, ELEMENT_CODES[datatype], true);
    view.setUint32(40, crc32(out, 0, 40), true);
  } else view.setUint32(36, crc32(out, 0, 36), true);
  const rows = encodeRows(datatype, data);
  for (let p = 0; p < meta.pageCount; p++) {
    const { start, end } = vectorsPageRange(meta, p);
    const first = p * meta.rowsPerPage;
    view.setUint32(start + 4, first, true);
    const at = start + PAGE_PREFIX;
    const count = rows.length === 0 ? 0 : Math.min(meta.rowsPerPage, meta.n - first) * dim;
    if (rows instanceof Float32Array)
      for (let w = 0; w < count; w++) view.setFloat32(at + 4 * w, rows[first * dim + w], true);
    else if (rows instanceof Uint16Array)
      for (let w = 0; w < count; w++) view.setUint16(at + 2 * w, rows[first * dim + w], true);
    else out.set(rows.subarray(first * dim, first * dim + count), at);
    view.setUint32(start, crc32(out, start + 4, end), true);
  }
  return out;
}

export function parseVectorsHeader(bytes: Uint8Array): VectorsFileMeta {
  const version = bytes.byteLength >= 12 ? le(bytes).getUint32(8, true) : VECTORS_VERSION;
  const typed = version === TYPED_VECTORS_VERSION;
  const view = readMagicVersion(
    bytes,
    VECTORS_MAGIC,
    typed ? version : VECTORS_VERSION,
    VECTORS_HEADER_BYTES,
    'vectors',
  );
  const u32 = (at: number): number => view.getUint32(at, true);
  const crcAt = typed ? 40 : 36;
  if (crc32(bytes, 0, crcAt) !== u32(crcAt)) throw internal('vectors: header checksum mismatch');
  const datatype = typed ? CODE_ELEMENTS[u32(36)] : 'float32';
  if (datatype === undefined || (typed && datatype === 'float32'))
    throw internal(`vectors: unknown element type ${u32(36)}`);
  const meta = vectorsLayout(u32(12), u32(16), u32(20), datatype);
  if (meta.rowsPerPage !== u32(24) || meta.pageStride !== u32(28) || meta.pageCount !== u32(32)) {
    throw internal('vectors: inconsistent header geometry');
  }
  return meta;
}

/** Verifies one page and returns its rows in the stored type (first row of the page at offset 0). */
export function decodeStoredPage(meta: VectorsFileMeta, page: number, bytes: Uint8Array): RowArray {
  const { start, end } = vectorsPageRange(meta, page);
  if (bytes.length !== end - start)
    throw internal(`vectors page ${page}: ${bytes.length} bytes, expected ${end - start}`);
  const view = le(bytes);
  if (crc32(bytes, 4) !== view.getUint32(0, true)) throw internal(`vectors page ${page}: checksum mismatch`);
  if (view.getUint32(4, true) !== page * meta.rowsPerPage) throw internal(`vectors page ${page}: wrong first row`);
  const values = (bytes.length - PAGE_PREFIX) / elementBytes(meta.datatype);
  // copied out, so a page never pins the larger buffer of a coalesced read
  if (meta.datatype === 'uint8') return bytes.slice(PAGE_PREFIX);
  if (meta.datatype === 'float16') {
    const rows = new Uint16Array(values);
    for (let w = 0; w < values; w++) rows[w] = view.getUint16(PAGE_PREFIX + 2 * w, true);
    return rows;
  }
  const rows = new Float32Array(values);
  for (let w = 0; w < values; w++) rows[w] = view.getFloat32(PAGE_PREFIX + 4 * w, true);
  return rows;
}

/** An empty row array of `datatype` with `length` values (in a SIMD arena when they can be). */
function allocateRows(datatype: VectorDatatype, n: number, dim: number): RowArray {
  // rows held in memory are scored by the SIMD kernels (same values as the JS ones) when they live in an arena
  const arena = dim % 4 === 0 ? allocateSimdArena(n * dim * elementBytes(datatype), dim * 4) : null;
  if (datatype === 'float16')
    return arena === null ? new Uint16Array(n * dim) : new Uint16Array(arena.buffer, 0, n * dim);
  if (datatype === 'uint8') return arena === null ? new Uint8Array(n * dim) : new Uint8Array(arena.buffer, 0, n * dim);
  return arena === null ? new Float32Array(n * dim) : new Float32Array(arena.buffer, 0, n * dim);
}

/** Verifies one page and returns its rows as float32 values, whatever the stored type (tools, tests). */
export function decodeVectorsPage(meta: VectorsFileMeta, page: number, bytes: Uint8Array): Float32Array {
  return asFloat32(decodeStoredPage(meta, page, bytes));
}

/** The whole object verified, its rows in the stored type (what a worker holds in memory). */
export function deserializeStoredVectors(bytes: Uint8Array): { meta: VectorsFileMeta; data: RowArray } {
  const meta = parseVectorsHeader(bytes);
  const data = allocateRows(meta.datatype, meta.n, meta.dim);
  for (let p = 0; p < meta.pageCount; p++) {
    const { start, end } = vectorsPageRange(meta, p);
    if (end > bytes.length) throw internal(`vectors: truncated at page ${p}`);
    data.set(decodeStoredPage(meta, p, bytes.subarray(start, end)) as never, p * meta.rowsPerPage * meta.dim);
  }
  return { meta, data };
}

/** The whole object verified, its rows as float32 values whatever the stored type. */
export function deserializeVectors(bytes: Uint8Array): { meta: VectorsFileMeta; data: Float32Array } {
  const { meta, data } = deserializeStoredVectors(bytes);
  return { meta, data: asFloat32(data) };
}

/** Stored rows as float32 values (float32 rows as they are). */
export function asFloat32(rows: RowArray): Float32Array {
  if (rows instanceof Float32Array) return rows;
  const out = new Float32Array(rows.length);
  decodeRowInto(rows, 0, rows.length, out);
  return out;
}

/**
 * A row source over decoded pages served by a PageReader (see PagedGraph: one per query, same contract); pages are
 * in the stored type R (a float32 object's PagedRows is scorer.ts's RowSource).
 */
export class PagedRows<R extends RowArray = Float32Array> {
  readonly dim: number;
  private readonly pages: ResidentPages<R>;

  constructor(
    readonly meta: VectorsFileMeta,
    reader: PageReader<R>,
  ) {
    this.dim = meta.dim;
    this.pages = new ResidentPages(reader, meta.pageCount);
  }

  /** pages this query fetched (cost counter) */
  get pagesLoaded(): number {
    return this.pages.loaded;
  }

  rows(id: number): R | null {
    return this.pages.get(Math.floor(id / this.meta.rowsPerPage));
  }

  rowOffset(id: number): number {
    return (id % this.meta.rowsPerPage) * this.dim;
  }

  load(ids: ArrayLike<number>): Promise<void> {
    return this.pages.load(ids, this.meta.rowsPerPage);
  }
}
