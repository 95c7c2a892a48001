/**
 * Binary layout of a segment's HNSW graph (object `segments/{id}/graph`). A reader GETs the header once (its fixed
 * part says how long it is) and then layer-0 pages by ranged GET; a node's record never straddles a page.
 * All integers little-endian u32 unless noted.
 *
 * Header:
 * | offset | size       | field                                                            |
 * |--------|------------|------------------------------------------------------------------|
 * | 0      | 8          | magic "STRAHNSW"                                                 |
 * | 8      | 4          | format version (1)                                               |
 * | 12     | 4          | n (nodes)                                                        |
 * | 16     | 4          | m                                                                |
 * | 20     | 4          | m0                                                               |
 * | 24     | 4          | entry point (0xFFFFFFFF when n = 0)                              |
 * | 28     | 4          | i32 max level (−1 when n = 0)                                    |
 * | 32     | 4          | configured page size P (bytes)                                   |
 * | 36     | 4          | nodes per page R = max(1, floor((P − 8) / (4·(1 + m0))))          |
 * | 40     | 4          | page stride S = 8 + R·4·(1 + m0) bytes (≤ P unless one record > P) |
 * | 44     | 4          | page count                                                       |
 * | 48     | 4          | U: nodes with level ≥ 1                                          |
 * | 52     | 4          | L: u32 words of upper links                                      |
 * | 56     | 4          | H: header length in bytes = offset of page 0 (multiple of 4)     |
 * | 60     | 4          | CRC-32 of header bytes [0, 60) ++ [64, H) (computed as one run with this field zeroed) |
 * | 64     | 4·U        | upper ids, ascending                                             |
 * | …      | U, pad → 4 | u8 upper levels                                                  |
 * | …      | 4·(U + 1)  | upper record offsets into links                                  |
 * | …      | 4·L        | upper links: per node, per level 1..level, (1 + m) u32 count-prefixed |
 * | …      | 8·E        | version 2 only: block entry points, per block (node u32, level u32) |
 *
 * Version 2 is a BLOCK GRAPH (graph.ts: `m: 0` with `payload_m`, no main graph): the same layout plus the block entry
 * table at the end of the header; E = (H − the version-1 header length) / 8, so the fixed part is unchanged. A graph
 * with a main graph is still written as version 1, byte for byte as before; both versions are read.
 *
 * Page p at H + p·S (the last page holds only its nodes, so it may be shorter):
 * | 0 | 4 | CRC-32 of the page bytes [4, end) |
 * | 4 | 4 | first node id of the page (= p·R) |
 * | 8 | … | records of nodes p·R …, each (1 + m0) u32: count, then neighbour ids |
 */
import { checkMagic, checkVersion, crc32, le, writeMagicVersion } from '../binary/binary-format.js';
import { internal, invalid } from '../model/errors.js';
import type { GraphAccessor, GraphMeta, HnswGraph, UpperLevels } from './graph.js';
import { type PageReader, ResidentPages } from './page-reader.js';

export const GRAPH_MAGIC = 'STRAHNSW';
/** the version of a graph with a main graph; BLOCK_GRAPH_VERSION marks a block graph (header table above) */
export const GRAPH_VERSION = 1;
export const BLOCK_GRAPH_VERSION = 2;
/** Bytes to GET first: they hold H, the full header length. */
export const GRAPH_FIXED_HEADER_BYTES = 64;
export const DEFAULT_PAGE_SIZE = 64 * 1024;
const PAGE_PREFIX = 8;

export interface GraphFileMeta extends GraphMeta {
  pageSize: number;
  nodesPerPage: number;
  pageStride: number;
  pageCount: number;
  upperCount: number;
  upperWords: number;
  headerBytes: number;
  /** block entry points in the header (version 2); -1: a version-1 graph (a main graph, no table) */
  blockEntryCount: number;
}

/** A byte range [start, end) in the graph or vectors object. */
export interface ByteRange {
  start: number;
  end: number;
}

function layoutMeta(
  g: GraphMeta,
  pageSize: number,
  upperCount: number,
  upperWords: number,
  blockEntryCount: number,
): GraphFileMeta {
  const recordBytes = 4 * (1 + g.m0);
  const nodesPerPage = Math.max(1, Math.floor((pageSize - PAGE_PREFIX) / recordBytes));
  const upperBytes =
    4 * upperCount + ((upperCount + 3) & ~3) + 4 * (upperCount + 1) + 4 * upperWords + 8 * Math.max(0, blockEntryCount);
  return {
    n: g.n,
    m: g.m,
    m0: g.m0,
    entryPoint: g.entryPoint,
    maxLevel: g.maxLevel,
    pageSize,
    nodesPerPage,
    pageStride: PAGE_PREFIX + nodesPerPage * recordBytes,
    pageCount: Math.ceil(g.n / nodesPerPage),
    upperCount,
    upperWords,
    headerBytes: GRAPH_FIXED_HEADER_BYTES + upperBytes,
    blockEntryCount,
  };
}

/** What locating and checking a layer-0 page needs: the header's geometry without its upper levels. */
export type GraphPageGeometry = Pick<
  GraphFileMeta,
  'n' | 'm0' | 'nodesPerPage' | 'pageStride' | 'pageCount' | 'headerBytes'
>;

/** The page geometry from the counts a segment's meta records (the header then only confirms it). */
export function graphPageGeometry(g: Omit<GraphPageGeometry, 'pageStride'>): GraphPageGeometry {
  return { ...g, pageStride: PAGE_PREFIX + g.nodesPerPage * 4 * (1 + g.m0) };
}

/** The page holding node id's layer-0 record. */
export function graphPageOf(meta: GraphFileMeta, id: number): number {
  return Math.floor(id / meta.nodesPerPage);
}

/** The bytes of page p in the graph object, for a ranged GET. */
export function graphPageRange(meta: GraphPageGeometry, page: number): ByteRange {
  if (!(page >= 0 && page < meta.pageCount)) throw invalid(`graph page ${page} outside 0..${meta.pageCount - 1}`);
  const start = meta.headerBytes + page * meta.pageStride;
  const nodes = Math.min(meta.nodesPerPage, meta.n - page * meta.nodesPerPage);
  return { start, end: start + PAGE_PREFIX + nodes * 4 * (1 + meta.m0) };
}

/**
 * The bytes of node `id`'s layer-0 record alone (count, then m0 neighbour slots) inside its page: a record-sized
 * read (lib/segment/cold-records.ts). The page's CRC covers the page, not this range.
 */
export function graphRecordRange(meta: GraphPageGeometry, id: number): ByteRange {
  if (!(id >= 0 && id < meta.n)) throw invalid(`graph node ${id} outside 0..${meta.n - 1}`);
  const page = Math.floor(id / meta.nodesPerPage);
  const record = 4 * (1 + meta.m0);
  const start = meta.headerBytes + page * meta.pageStride + PAGE_PREFIX + (id - page * meta.nodesPerPage) * record;
  return { start, end: start + record };
}

export function graphByteLength(meta: GraphFileMeta): number {
  return meta.pageCount === 0 ? meta.headerBytes : graphPageRange(meta, meta.pageCount - 1).end;
}

export function serializeGraph(g: HnswGraph, pageSize = DEFAULT_PAGE_SIZE): Uint8Array {
  if (!(Number.isInteger(pageSize) && pageSize >= 64))
    throw invalid(`page size must be an integer ≥ 64, got ${pageSize}`);
  const u = g.upper;
  const entries = u.blockEntries;
  if (entries !== undefined && entries.length % 2 !== 0) throw invalid('block entries must be (node, level) pairs');
  const meta = layoutMeta(g, pageSize, u.ids.length, u.links.length, entries === undefined ? -1 : entries.length / 2);
  const out = new Uint8Array(graphByteLength(meta));
  const view = writeMagicVersion(out, GRAPH_MAGIC, entries === undefined ? GRAPH_VERSION : BLOCK_GRAPH_VERSION);
  const fields = [
    meta.n,
    meta.m,
    meta.m0,
    meta.entryPoint,
    meta.maxLevel,
    meta.pageSize,
    meta.nodesPerPage,
    meta.pageStride,
    meta.pageCount,
    meta.upperCount,
    meta.upperWords,
    meta.headerBytes,
  ];
  fields.forEach((v, i) => view.setUint32(12 + 4 * i, v >>> 0, true));
  let at = GRAPH_FIXED_HEADER_BYTES;
  for (let i = 0; i < u.ids.length; i++, at += 4) view.setUint32(at, u.ids[i], true);
  out.set(u.levels, at);
  at += (u.ids.length + 3) & ~3;
  for (let i = 0; i <= u.ids.length; i++, at += 4) view.setUint32(at, u.offsets[i] ?? 0, true);
  for (let i = 0; i < u.links.length; i++, at += 4) view.setUint32(at, u.links[i], true);
  if (entries !== undefined) for (let i = 0; i < entries.length; i++, at += 4) view.setUint32(at, entries[i], true);
  view.setUint32(60, headerCrc(out, meta.headerBytes), true);
  const rec = 1 + g.m0;
  for (let p = 0; p < meta.pageCount; p++) {
    const { start, end } = graphPageRange(meta, p);
    const first = p * meta.nodesPerPage;
    view.setUint32(start + 4, first, true);
    const words = (end - start - PAGE_PREFIX) >> 2;
    for (let w = 0; w < words; w++) view.setUint32(start + PAGE_PREFIX + 4 * w, g.layer0[first * rec + w], true);
    view.setUint32(start, crc32(out, start + 4, end), true);
  }
  return out;
}

const ZERO_CRC_FIELD = new Uint8Array(4);

/** CRC of [0, 60) ++ four zero bytes ++ [64, H): the header with its own CRC field zeroed, without copying it. */
function headerCrc(bytes: Uint8Array, headerBytes: number): number {
  const head = crc32(ZERO_CRC_FIELD, 0, 4, crc32(bytes, 0, 60));
  return crc32(bytes, 64, headerBytes, head);
}

/** Parses the fixed 64-byte prefix (enough to learn H and the page geometry). */
export function parseGraphFixedHeader(bytes: Uint8Array): GraphFileMeta {
  if (bytes.byteLength < GRAPH_FIXED_HEADER_BYTES)
    throw internal(`graph: truncated header (${bytes.byteLength} bytes)`);
  checkMagic(bytes, GRAPH_MAGIC, 'graph');
  const view = le(bytes);
  const version = view.getUint32(8, true);
  if (version !== BLOCK_GRAPH_VERSION) checkVersion(version, GRAPH_VERSION, 'graph');
  const u32 = (at: number): number => view.getUint32(at, true);
  const meta: GraphFileMeta = {
    n: u32(12),
    m: u32(16),
    m0: u32(20),
    entryPoint: u32(24),
    maxLevel: view.getInt32(28, true),
    pageSize: u32(32),
    nodesPerPage: u32(36),
    pageStride: u32(40),
    pageCount: u32(44),
    upperCount: u32(48),
    upperWords: u32(52),
    headerBytes: u32(56),
    blockEntryCount: -1,
  };
  if (version === BLOCK_GRAPH_VERSION) {
    // the entry table is what the header holds past the version-1 layout
    const rest = meta.headerBytes - layoutMeta(meta, meta.pageSize, meta.upperCount, meta.upperWords, 0).headerBytes;
    if (!(rest >= 0 && rest % 8 === 0)) throw internal('graph: inconsistent block entry table');
    meta.blockEntryCount = rest / 8;
  }
  const expected = layoutMeta(meta, meta.pageSize, meta.upperCount, meta.upperWords, meta.blockEntryCount);
  if (
    expected.nodesPerPage !== meta.nodesPerPage ||
    expected.pageStride !== meta.pageStride ||
    expected.pageCount !== meta.pageCount ||
    expected.headerBytes !== meta.headerBytes
  ) {
    throw internal('graph: inconsistent header geometry');
  }
  return meta;
}

/** Parses and verifies the whole header [0, H): meta and the upper levels (copied out of `bytes`). */
export function parseGraphHeader(bytes: Uint8Array): { meta: GraphFileMeta; upper: UpperLevels } {
  const meta = parseGraphFixedHeader(bytes);
  if (bytes.length < meta.headerBytes)
    throw internal(`graph: header needs ${meta.headerBytes} bytes, got ${bytes.length}`);
  const view = le(bytes);
  if (headerCrc(bytes, meta.headerBytes) !== view.getUint32(60, true))
    throw internal('graph: header checksum mismatch');
  const U = meta.upperCount;
  let at = GRAPH_FIXED_HEADER_BYTES;
  const ids = new Uint32Array(U);
  for (let i = 0; i < U; i++, at += 4) ids[i] = view.getUint32(at, true);
  const levels = bytes.slice(at, at + U);
  at += (U + 3) & ~3;
  const offsets = new Uint32Array(U + 1);
  for (let i = 0; i <= U; i++, at += 4) offsets[i] = view.getUint32(at, true);
  const links = new Uint32Array(meta.upperWords);
  for (let i = 0; i < meta.upperWords; i++, at += 4) links[i] = view.getUint32(at, true);
  if (meta.blockEntryCount < 0) return { meta, upper: { ids, levels, offsets, links } };
  const blockEntries = new Uint32Array(2 * meta.blockEntryCount);
  for (let i = 0; i < blockEntries.length; i++, at += 4) blockEntries[i] = view.getUint32(at, true);
  return { meta, upper: { ids, levels, offsets, links, blockEntries } };
}

/** Verifies one page (as returned by a ranged GET of graphPageRange) and returns its records, first node at 0. */
export function decodeGraphPage(meta: GraphPageGeometry, page: number, bytes: Uint8Array): Uint32Array {
  const { start, end } = graphPageRange(meta, page);
  if (bytes.length !== end - start)
    throw internal(`graph page ${page}: ${bytes.length} bytes, expected ${end - start}`);
  const view = le(bytes);
  if (crc32(bytes, 4) !== view.getUint32(0, true)) throw internal(`graph page ${page}: checksum mismatch`);
  if (view.getUint32(4, true) !== page * meta.nodesPerPage) throw internal(`graph page ${page}: wrong first node`);
  const words = (bytes.length - PAGE_PREFIX) >> 2;
  const records = new Uint32Array(words);
  for (let w = 0; w < words; w++) records[w] = view.getUint32(PAGE_PREFIX + 4 * w, true);
  return records;
}

export function deserializeGraph(bytes: Uint8Array): HnswGraph {
  const { meta, upper } = parseGraphHeader(bytes);
  const layer0 = new Uint32Array(meta.n * (1 + meta.m0));
  for (let p = 0; p < meta.pageCount; p++) {
    const { start, end } = graphPageRange(meta, p);
    if (end > bytes.length) throw internal(`graph: truncated at page ${p}`);
    layer0.set(decodeGraphPage(meta, p, bytes.subarray(start, end)), p * meta.nodesPerPage * (1 + meta.m0));
  }
  return { n: meta.n, m: meta.m, m0: meta.m0, entryPoint: meta.entryPoint, maxLevel: meta.maxLevel, layer0, upper };
}

/**
 * A GraphAccessor over decoded layer-0 pages served by a PageReader (the segment's page cache: pages are verified
 * and decoded once, when they enter it). One accessor per query: it remembers the pages it has touched, so a hop
 * reads a plain array, and it asks the reader for the rest (a resident page synchronously, a missing one by `load`).
 */
export class PagedGraph implements GraphAccessor {
  readonly meta: GraphFileMeta;
  readonly upper: UpperLevels;
  private readonly pages: ResidentPages<Uint32Array>;
  private readonly rec: number;

  constructor(header: { meta: GraphFileMeta; upper: UpperLevels }, reader: PageReader<Uint32Array>) {
    this.meta = header.meta;
    this.upper = header.upper;
    this.pages = new ResidentPages(reader, header.meta.pageCount);
    this.rec = 1 + header.meta.m0;
  }

  /** pages this query fetched (cost counter) */
  get pagesLoaded(): number {
    return this.pages.loaded;
  }

  layer0(id: number): Uint32Array | null {
    return this.pages.get(Math.floor(id / this.meta.nodesPerPage));
  }

  layer0Offset(id: number): number {
    return (id % this.meta.nodesPerPage) * this.rec;
  }

  load(ids: ArrayLike<number>): Promise<void> {
    return this.pages.load(ids, this.meta.nodesPerPage);
  }
}
