/**
 * What a segment's sparse name answers (search, stored vectors, IDF's counts), behind one interface whatever holds
 * the bytes: `SparseIndex` over the whole object in memory (format 1 or 2; a `pinned` or `cached` index), or the
 * paged reader (sparse-paged.ts, a `cold` index) that reads the directory, then only the lists and rows a call needs.
 *
 * Invariant: every reader answers identically for the same object: search through sparse-topk.ts, rows and counts
 * from the same sections.
 */
import { crc32 } from '../binary/binary-format.js';
import { internal } from '../model/errors.js';
import type { SparseVector } from '../model/sparse-vector.js';
import type { IoScope } from '../storage/io-stats.js';
import { decodeSparseV1 } from './sparse-format-v1.js';
import {
  type PostingList,
  type SparseDirectory,
  aligned,
  decodePostingList,
  decodeSparseDirectory,
  decodeSparseRow,
  decodeSparseRowTable,
  findRow,
  readSparseHeader,
  sectionCrc,
  slotOf,
  sparseVersionOf,
} from './sparse-format.js';
import { type SparseHits, queryTerms, sparseTopK } from './sparse-topk.js';

export type Accept = ((o: number) => boolean) | null;

/** A segment's sparse name, as queries and the coordinator use it. */
export interface SparseReader {
  /** points holding the vector */
  readonly rows: number;
  /** memory this reader holds (the registry's accounting) */
  readonly byteLength: number;
  /** the exact top `limit` (sparse-topk.ts) */
  search(
    q: SparseVector,
    limit: number,
    accept: Accept,
    count: number,
    minScore: number | undefined,
    io: IoScope | undefined,
  ): Promise<SparseHits>;
  /** the point offsets holding the vector, ascending (has_vector: vector-presence.ts) */
  holders(io: IoScope | undefined): Promise<Uint32Array>;
  /** the stored vector of each offset (copies), null where the point lacks it */
  vectorsOf(offsets: readonly number[], io: IoScope | undefined): Promise<(SparseVector | null)[]>;
  /**
   * IDF's counts among the points `accept` allows (null: all): rows = points holding the vector, df[i] = of those,
   * the ones holding dims[i]
   */
  documentFrequencies(dims: Uint32Array, accept: Accept, io: IoScope | undefined): Promise<DocumentFrequencies>;
}

export interface DocumentFrequencies {
  rows: number;
  df: number[];
}

/** A whole sparse object decoded in memory (format 1 or 2), every section checked once. */
export class SparseIndex implements SparseReader {
  private readonly lists: (PostingList | undefined)[];

  private constructor(
    readonly dir: SparseDirectory,
    private readonly listAt: (d: number) => PostingList,
    private readonly rowPoint: Uint32Array,
    private readonly row: (r: number) => SparseVector,
    readonly byteLength: number,
  ) {
    this.lists = new Array(dir.dims.length);
  }

  static decode(raw: Uint8Array, what: string): SparseIndex {
    if (sparseVersionOf(raw) === 1) {
      const v1 = decodeSparseV1(raw, what);
      return new SparseIndex(v1.dir, v1.list, v1.rowPoint, v1.row, v1.byteLength);
    }
    const bytes = aligned(raw);
    const s = readSparseHeader(bytes, what);
    if (bytes.byteLength !== s.end) throw internal(`${what}: length does not match its header`);
    const dir = decodeSparseDirectory(bytes, what);
    const sections: [number, number, 36 | 40 | 44][] = [
      [s.rowTable, s.rowEntries - 4, 36],
      [s.rowEntries, s.lists, 40],
      [s.lists, s.end, 44],
    ];
    for (const [from, to, at] of sections) {
      if (crc32(bytes, from, to) !== sectionCrc(s.view, at)) throw internal(`${what}: checksum mismatch`);
    }
    const table = decodeSparseRowTable(bytes.subarray(s.rowTable, s.rowEntries), s.n, false, what);
    const listStart = dir.listStart as Float64Array;
    return new SparseIndex(
      dir,
      (d) => decodePostingList(dir, d, bytes.subarray(listStart[d], listStart[d + 1]), false),
      table.rowPoint,
      (r) =>
        decodeSparseRow(
          table,
          r,
          bytes.subarray(s.rowEntries + 8 * table.rowStart[r], s.rowEntries + 8 * table.rowStart[r + 1]),
          false,
        ),
      bytes.byteLength,
    );
  }

  get rows(): number {
    return this.dir.rows;
  }

  list(d: number): PostingList {
    let hit = this.lists[d];
    if (hit === undefined) {
      hit = this.listAt(d);
      this.lists[d] = hit;
    }
    return hit;
  }

  /** The stored vector of point offset `o` (a copy), or null. */
  vectorOf(o: number): SparseVector | null {
    const r = findRow(this.rowPoint, o);
    return r < 0 ? null : this.row(r);
  }

  /** Rows whose point `accept` allows (null: every row): IDF's n. */
  countRows(accept: Accept): number {
    if (accept === null) return this.rows;
    let n = 0;
    for (const o of this.rowPoint) if (accept(o)) n++;
    return n;
  }

  /** Points holding dimension `dim` (for IDF's document frequency), with `accept` deciding which count. */
  documentFrequency(dim: number, accept: Accept): number {
    const d = slotOf(this.dir, dim);
    if (d < 0) return 0;
    if (accept === null) return this.dir.pstart[d + 1] - this.dir.pstart[d];
    let n = 0;
    for (const o of this.list(d).points) if (accept(o)) n++;
    return n;
  }

  /** The exact top `limit` by dot product with `q` (sparse-topk.ts). */
  searchSync(q: SparseVector, limit: number, accept: Accept, count: number, minScore?: number): SparseHits {
    const terms = queryTerms(this.dir, q);
    return sparseTopK(this.dir, terms, (d) => this.list(d), limit, accept, count, minScore);
  }

  async search(q: SparseVector, limit: number, accept: Accept, count: number, minScore?: number): Promise<SparseHits> {
    return this.searchSync(q, limit, accept, count, minScore);
  }

  async holders(): Promise<Uint32Array> {
    return this.rowPoint;
  }

  async vectorsOf(offsets: readonly number[]): Promise<(SparseVector | null)[]> {
    return offsets.map((o) => this.vectorOf(o));
  }

  async documentFrequencies(dims: Uint32Array, accept: Accept): Promise<DocumentFrequencies> {
    return { rows: this.countRows(accept), df: Array.from(dims, (d) => this.documentFrequency(d, accept)) };
  }
}
