/**
 * Record-granularity reads of a LARGE paged tier (the graph's layer 0, float originals) under a walk: a beam step
 * fetches exactly the layer-0 records and rows it needs, not their pages. The size rule (whole-graph.ts,
 * whole-rows.ts) covers small objects; this is the path of the rest.
 *
 * Why: an ef-128 walk over a 25k-point GloVe-100 segment scores ~1,800 rows scattered over ~80% of its pages
 * (neighbours share a 40-row page 4% of the time): pages cost 7-11 MB a cold query, the whole objects 13.3 MB,
 * the records themselves ~1 MB (400 B a row, 132 B a layer-0 record at m = 16). The price is GETs: a step's records
 * are a few hundred ranged GETs, issued together (one round), records at most `gapBytes` apart sharing one.
 *
 * - Pages resident in the cache (the entry region read at open, pages a whole read or a rescoring left) are used as
 *   they are; a record is read only when its page is not resident.
 * - Records are cached beside pages (page-io.ts RECORD_INDEX_BASE), charged their decoded bytes: a warm query finds
 *   them and reads nothing; the cache's byte budget holds.
 *
 * Invariants: the walk's decisions do not depend on where a record comes from (same values as the page's); a
 * record read alone is NOT covered by its page's CRC (the format checksums pages): it is checked for length, and a
 * layer-0 record for a count ≤ m0 and neighbour ids < n, so a torn or misplaced range cannot send the walk out of
 * bounds; layer0(id) / rows(id) and their offsets agree within one synchronous step (a record held by the query is
 * at offset 0, else the page's offset).
 */
import type { RowArray } from '../distance/index.js';
import { type GraphPageGeometry, type PagedGraph, graphRecordRange } from '../index/graph-format.js';
import type { GraphAccessor } from '../index/graph.js';
import { type PageReader, ResidentPages } from '../index/page-reader.js';
import { type PagedRows, type VectorsFileMeta, vectorsRowRange } from '../index/vectors-format.js';
import { le } from '../binary/binary-format.js';
import { internal } from '../model/errors.js';
import type { IoScope } from '../storage/io-stats.js';
import { type PageSource, recordReader } from './page-io.js';

/**
 * A query's records of one object over its pages: `pageOf(id)` finds a resident page (null when absent), records
 * fill in the rest. A page found absent is not looked up again by this query (records never become pages).
 */
class RecordsOverPages<T extends RowArray | Uint32Array> {
  private readonly records: ResidentPages<T>;
  private readonly pageAbsent: Uint8Array;
  private readonly need: number[] = [];

  constructor(
    private readonly pageOf: (id: number) => T | null,
    private readonly perPage: number,
    pageCount: number,
    count: number,
    reader: PageReader<T>,
  ) {
    this.records = new ResidentPages(reader, count);
    this.pageAbsent = new Uint8Array(pageCount);
  }

  /** records this query fetched (cost counter) */
  get loaded(): number {
    return this.records.loaded;
  }

  get(id: number): T | null {
    const held = this.records.held(id);
    if (held !== null) return held;
    const p = Math.floor(id / this.perPage);
    if (this.pageAbsent[p] === 0) {
      const page = this.pageOf(id);
      if (page !== null) return page;
      this.pageAbsent[p] = 1;
    }
    return this.records.get(id);
  }

  /** offset of id's values in get(id)'s array: 0 in its own record, else `pageOffset` */
  offset(id: number, pageOffset: number): number {
    return this.records.held(id) !== null ? 0 : pageOffset;
  }

  load(ids: ArrayLike<number>): Promise<void> {
    const need = this.need;
    need.length = 0;
    for (let i = 0; i < ids.length; i++) if (this.get(ids[i]) === null) need.push(ids[i]);
    return need.length === 0 ? Promise.resolve() : this.records.load(need.slice(), 1);
  }
}

/** A paged layer 0 read by records for one query (its resident pages still used). */
export class RecordGraph implements GraphAccessor {
  readonly meta: GraphAccessor['meta'];
  readonly upper: GraphAccessor['upper'];
  private readonly view: RecordsOverPages<Uint32Array>;

  constructor(
    private readonly inner: PagedGraph,
    source: PageSource,
    key: string,
    io: IoScope | undefined,
    gapBytes: number,
  ) {
    this.meta = inner.meta;
    this.upper = inner.upper;
    const geometry = inner.meta;
    this.view = new RecordsOverPages(
      (id) => inner.layer0(id),
      geometry.nodesPerPage,
      geometry.pageCount,
      geometry.n,
      recordReader(source, key, (id) => graphRecordRange(geometry, id), decodeGraphRecord(geometry), io, gapBytes),
    );
  }

  /** pages this query fetched (cost counter: none, records only) */
  get pagesLoaded(): number {
    return this.inner.pagesLoaded;
  }

  /** layer-0 records this query fetched */
  get recordsLoaded(): number {
    return this.view.loaded;
  }

  layer0(id: number): Uint32Array | null {
    return this.view.get(id);
  }

  layer0Offset(id: number): number {
    return this.view.offset(id, this.inner.layer0Offset(id));
  }

  load(ids: ArrayLike<number>): Promise<void> {
    return this.view.load(ids);
  }
}

/** Paged originals read by rows for one query (its resident pages still used); rows in the stored type R. */
export class RecordRows<R extends RowArray = Float32Array> {
  readonly dim: number;
  readonly meta: VectorsFileMeta;
  private readonly view: RecordsOverPages<R>;

  constructor(
    private readonly inner: PagedRows<R>,
    source: PageSource,
    key: string,
    io: IoScope | undefined,
    gapBytes: number,
  ) {
    this.dim = inner.dim;
    this.meta = inner.meta;
    const layout = inner.meta;
    this.view = new RecordsOverPages<R>(
      (id) => inner.rows(id),
      layout.rowsPerPage,
      layout.pageCount,
      layout.n,
      recordReader(source, key, (id) => vectorsRowRange(layout, id), decodeRow<R>(layout), io, gapBytes),
    );
  }

  /** pages this query fetched (cost counter: none, records only) */
  get pagesLoaded(): number {
    return this.inner.pagesLoaded;
  }

  /** rows this query fetched */
  get recordsLoaded(): number {
    return this.view.loaded;
  }

  rows(id: number): R | null {
    return this.view.get(id);
  }

  rowOffset(id: number): number {
    return this.view.offset(id, this.inner.rowOffset(id));
  }

  load(ids: ArrayLike<number>): Promise<void> {
    return this.view.load(ids);
  }
}

/** One layer-0 record (count, m0 slots), checked as far as a record alone can be. */
function decodeGraphRecord(meta: GraphPageGeometry): (id: number, bytes: Uint8Array) => Uint32Array {
  const words = 1 + meta.m0;
  return (id, bytes) => {
    if (bytes.length !== 4 * words) throw internal(`graph record ${id}: ${bytes.length} bytes, expected ${4 * words}`);
    const view = le(bytes);
    const record = new Uint32Array(words);
    for (let w = 0; w < words; w++) record[w] = view.getUint32(4 * w, true);
    const count = record[0];
    if (count > meta.m0) throw internal(`graph record ${id}: ${count} neighbours, at most ${meta.m0}`);
    for (let j = 1; j <= count; j++) {
      if (record[j] >= meta.n) throw internal(`graph record ${id}: neighbour ${record[j]} outside 0..${meta.n - 1}`);
    }
    return record;
  };
}

/** One row in its stored type (float32, float16 bit patterns, bytes), copied out of the GET's body. */
function decodeRow<R extends RowArray>(layout: VectorsFileMeta): (id: number, bytes: Uint8Array) => R {
  const { dim, datatype } = layout;
  return (id, bytes) => {
    const expected = dim * (datatype === 'float32' ? 4 : datatype === 'float16' ? 2 : 1);
    if (bytes.length !== expected) throw internal(`vectors row ${id}: ${bytes.length} bytes, expected ${expected}`);
    if (datatype === 'uint8') return bytes.slice() as R;
    const view = le(bytes);
    if (datatype === 'float16') {
      const row = new Uint16Array(dim);
      for (let i = 0; i < dim; i++) row[i] = view.getUint16(2 * i, true);
      return row as R;
    }
    const row = new Float32Array(dim);
    for (let i = 0; i < dim; i++) row[i] = view.getFloat32(4 * i, true);
    return row as R;
  };
}
