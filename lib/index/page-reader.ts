/**
 * How the paged accessors (PagedGraph, PagedRows) get their pages: DECODED and VERIFIED pages by index, from
 * whatever holds them (the segment's page cache, or a direct reader in tools and tests). The engine never sees bytes
 * of a paged tier on a query's path: checksums and decoding happen once, when a page is read from the store.
 *
 * Invariants: `resident` is synchronous and does no I/O (a warm query never awaits); `load` returns the pages asked
 * for, in order, fetching the missing ones in one round (the reader coalesces adjacent pages).
 */
export interface PageReader<T> {
  /** the decoded page when it is resident, else undefined */
  resident(page: number): T | undefined;
  load(pages: readonly number[]): Promise<T[]>;
}

/**
 * A query's view of a reader's pages: a page found once (resident or loaded) is kept in a plain array for the rest
 * of the query, so the hot loop pays one array read, not a cache lookup, per record.
 */
export class ResidentPages<T> {
  private readonly pages: (T | null)[];
  private readonly wanted: number[] = [];
  /** pages this view had to load (cost counter) */
  loaded = 0;

  constructor(
    private readonly reader: PageReader<T>,
    pageCount: number,
  ) {
    this.pages = new Array<T | null>(pageCount).fill(null);
  }

  /** the page when this view already holds it (no cache lookup) */
  held(page: number): T | null {
    return this.pages[page];
  }

  get(page: number): T | null {
    const held = this.pages[page];
    if (held !== null) return held;
    const found = this.reader.resident(page);
    if (found === undefined) return null;
    this.pages[page] = found;
    return found;
  }

  /** Makes the pages holding items `ids` (perPage items a page) resident. */
  async load(ids: ArrayLike<number>, perPage: number): Promise<void> {
    const wanted = this.wanted;
    wanted.length = 0;
    for (let i = 0; i < ids.length; i++) {
      const p = Math.floor(ids[i] / perPage);
      if (this.get(p) === null && !wanted.includes(p)) wanted.push(p);
    }
    if (wanted.length === 0) return;
    const asked = wanted.slice();
    const got = await this.reader.load(asked);
    asked.forEach((p, i) => {
      this.pages[p] = got[i];
    });
    this.loaded += asked.length;
  }
}
