/**
 * A `cold` sparse index (`sparse_vectors.{name}.index.on_disk: true`, or `memory: cold`): the object of
 * sparse-format.ts version 2 read in pieces through a PageSource (the worker's page cache, or direct ranged reads at
 * the coordinator), never whole.
 *
 * - The directory ([0, directoryBytes), its size in meta.json) is read once by one ranged GET and held by the reader
 *   (20 bytes per dimension): search plans and IDF's whole-segment counts need nothing else.
 * - A search fetches ONLY its dimensions' posting lists, in ONE round: each list is a page (its index = its slot),
 *   checked against the directory's CRC when it arrives; lists whose byte gaps are below COALESCE_GAP share a
 *   ranged GET, the others go in parallel. Lists already in the page cache cost nothing.
 * - Stored vectors (retrieve, with_vector) read the row table (a page, self-checked) and then only the asked rows
 *   (each a page, with its own CRC): two rounds cold, one once the table is cached.
 *
 * Invariant: answers are those of the whole object in memory (sparse-index.ts), byte for byte: the same lists and
 * rows, decoded by the same functions, searched by the same sparse-topk.ts.
 */
import { internal, isStrataError } from '../model/errors.js';
import type { SparseVector } from '../model/sparse-vector.js';
import type { IoScope } from '../storage/io-stats.js';
import type { DecodedPage, PageSpan } from '../storage/page-cache.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { PageSource } from './page-io.js';
import {
  type PostingList,
  type SparseDirectory,
  type SparseRowTable,
  decodePostingList,
  decodeSparseDirectory,
  decodeSparseRow,
  decodeSparseRowTable,
  findRow,
  rowTableBytes,
  slotOf,
} from './sparse-format.js';
import type { Accept, DocumentFrequencies, SparseReader } from './sparse-index.js';
import { type SparseHits, queryTerms, sparseTopK } from './sparse-topk.js';
import { getRange } from './store-io.js';

/** Lists or rows closer than this share one ranged GET (a GET costs more than a few KB of transfer). */
export const COALESCE_GAP = 16 * 1024;

type RowPage = SparseVector & DecodedPage;

export class PagedSparseIndex implements SparseReader {
  private constructor(
    readonly dir: SparseDirectory,
    private readonly pages: PageSource,
    private readonly key: string,
  ) {}

  /** Reads and checks the directory of object `key` (one ranged GET, charged to `io`). */
  static async open(
    store: ObjectStore,
    pages: PageSource,
    key: string,
    directoryBytes: number,
    io: IoScope | undefined,
  ): Promise<PagedSparseIndex> {
    // held by the reader (the segment), not by the page cache: every query of the segment needs it
    const bytes = await getRange(store, key, 0, directoryBytes, io, 'sparse directory');
    return new PagedSparseIndex(decodeSparseDirectory(bytes, key), pages, key);
  }

  get rows(): number {
    return this.dir.rows;
  }

  get byteLength(): number {
    return this.dir.byteLength;
  }

  /** Posting lists of `slots` (one round for the missing ones), keyed by slot. */
  async lists(slots: readonly number[], io: IoScope | undefined): Promise<Map<number, PostingList>> {
    const starts = this.dir.listStart as Float64Array;
    const spans = slots.map((d) => ({ page: this.listPage(d), start: starts[d], end: starts[d + 1] }));
    const got = await load(
      this.pages,
      this.key,
      spans,
      (page, bytes) => decodePostingList(this.dir, page - LIST_PAGE0, bytes, true),
      io,
    );
    return new Map(slots.map((d, i) => [d, got[i]]));
  }

  async search(
    q: SparseVector,
    limit: number,
    accept: Accept,
    count: number,
    minScore: number | undefined,
    io: IoScope | undefined,
  ): Promise<SparseHits> {
    const terms = queryTerms(this.dir, q);
    const lists = await this.lists(
      terms.map((t) => t.d),
      io,
    );
    return sparseTopK(this.dir, terms, (d) => lists.get(d) as PostingList, limit, accept, count, minScore);
  }

  async holders(io: IoScope | undefined): Promise<Uint32Array> {
    return (await this.rowTable(io)).rowPoint;
  }

  async vectorsOf(offsets: readonly number[], io: IoScope | undefined): Promise<(SparseVector | null)[]> {
    if (offsets.length === 0) return [];
    const table = await this.rowTable(io);
    const rows = offsets.map((o) => findRow(table.rowPoint, o));
    // an empty vector's row has no bytes to page (a page of no bytes is no page): it is answered without a read
    const empty = (r: number) => table.rowStart[r] === table.rowStart[r + 1];
    const wanted = [...new Set(rows.filter((r) => r >= 0 && !empty(r)))];
    const base = this.rowEntriesStart();
    const got = await load(
      this.pages,
      this.key,
      wanted.map((r) => ({
        page: this.rowPage(r),
        start: base + 8 * table.rowStart[r],
        end: base + 8 * table.rowStart[r + 1],
      })),
      (page, bytes): RowPage => {
        const v = decodeSparseRow(table, page - this.rowPage(0), bytes, true);
        return Object.assign(v, { byteLength: 8 * v.indices.length });
      },
      io,
    );
    const byRow = new Map(wanted.map((r, i) => [r, got[i]]));
    return rows.map((r) => {
      if (r < 0) return null;
      if (empty(r)) return { indices: new Uint32Array(0), values: new Float32Array(0) };
      const v = byRow.get(r) as RowPage;
      return { indices: v.indices.slice(), values: v.values.slice() };
    });
  }

  async documentFrequencies(dims: Uint32Array, accept: Accept, io: IoScope | undefined): Promise<DocumentFrequencies> {
    const slots = Array.from(dims, (d) => slotOf(this.dir, d));
    const { pstart } = this.dir;
    if (accept === null) {
      return { rows: this.rows, df: slots.map((d) => (d < 0 ? 0 : pstart[d + 1] - pstart[d])) };
    }
    // some points are not counted: the lists say which hold each dimension, the row table which hold the vector
    const [lists, table] = await Promise.all([
      this.lists(
        slots.filter((d) => d >= 0),
        io,
      ),
      this.rowTable(io),
    ]);
    let rows = 0;
    for (const o of table.rowPoint) if (accept(o)) rows++;
    const df = slots.map((d) => {
      if (d < 0) return 0;
      let n = 0;
      for (const o of (lists.get(d) as PostingList).points) if (accept(o)) n++;
      return n;
    });
    return { rows, df };
  }

  private rowEntriesStart(): number {
    return this.dir.byteLength + rowTableBytes(this.dir.rows);
  }

  private async rowTable(io: IoScope | undefined): Promise<SparseRowTable> {
    const start = this.dir.byteLength;
    const [table] = await load(
      this.pages,
      this.key,
      [{ page: this.rowTablePage(), start, end: start + rowTableBytes(this.dir.rows) }],
      (_p, bytes) => decodeSparseRowTable(bytes, this.dir.rows, true, this.key),
      io,
    );
    return table;
  }

  // page indexes: one per list from LIST_PAGE0, the row table, then one per row
  private listPage(d: number): number {
    return LIST_PAGE0 + d;
  }

  private rowTablePage(): number {
    return LIST_PAGE0 + this.dir.dims.length;
  }

  private rowPage(r: number): number {
    return this.rowTablePage() + 1 + r;
  }
}

/** page index of list 0 (0 is left unused: the directory is not cached) */
const LIST_PAGE0 = 1;

/**
 * Pages `spans` of `key` from `pages` in one round: runs of missing pages closer than COALESCE_GAP share a ranged
 * GET (PageCache merges the runs with the smallest gaps first, so capping its requests at the number of gaps above
 * COALESCE_GAP, plus one, merges exactly the small ones).
 */
async function load<T extends DecodedPage>(
  pages: PageSource,
  key: string,
  spans: PageSpan[],
  decode: (page: number, bytes: Uint8Array) => T,
  io: IoScope | undefined,
): Promise<T[]> {
  if (spans.length === 0) return [];
  const missing = spans.filter((s) => pages.peek(key, s.page) === undefined);
  const sorted = missing.sort((a, b) => a.start - b.start);
  let requests = 1;
  for (let i = 1; i < sorted.length; i++) if (sorted[i].start - sorted[i - 1].end > COALESCE_GAP) requests++;
  try {
    return await pages.getPages(key, spans, decode, io, { maxRequests: requests });
  } catch (e) {
    if (isStrataError(e, 'not_found')) throw internal(`segment object missing: ${key}`, e);
    throw e;
  }
}
