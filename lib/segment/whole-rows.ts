/**
 * The size rule of paged originals under a float walk (scenario 2: vectors and graph on disk, no int8): a segment
 * whose originals are small (at most V bytes, the worker's setting) has them read WHOLE the first time the walk
 * misses a row, in ONE round of parallel ranged GETs (the whole graph's round, when both are small: both are first
 * touched before the descent's first distance), instead of a round per beam step.
 *
 * Why: measured on GloVe-100 (25k points, 16 KiB pages, ef 128), a cold float walk scores ~1,500 rows spread over
 * ~80% of the vector pages even in locality order: ~13 dependent rounds and ~350 ranged GETs for ~8 MB, against one
 * round and ~10 GETs for the whole 10 MB. A segment's first walk in a worker takes V only as far as it keeps the
 * cold query small (lib/segment/search.ts: 2 MiB); past it, it reads rows alone (cold-records.ts), and the worker's
 * later walks take the warm V (16 MiB). Rescoring (a few candidates' pages) never uses this rule.
 *
 * Invariants: only residency changes (the walk's decisions and scores do not depend on it); the pages are the
 * format's own, verified and decoded by the page cache, and stay evictable; a miss after the whole read (an evicted
 * page) loads as usual.
 */
import type { RowArray } from '../distance/index.js';
import type { PagedRows } from '../index/vectors-format.js';
import { wholeReadParts } from './whole-graph.js';

/** Bytes of an originals object's pages (the header is read at open). */
export function vectorPagesBytes(rows: PagedRows<RowArray>): number {
  return rows.meta.pageCount * rows.meta.pageStride;
}

/** Rows in the stored type R (float32 rows make it a scorer.ts RowSource). */
export class WholeRowsOnFirstTouch<R extends RowArray = Float32Array> {
  readonly dim: number;
  private whole: Promise<void> | null = null;

  constructor(private readonly inner: PagedRows<R>) {
    this.dim = inner.dim;
  }

  rows(id: number): R | null {
    return this.inner.rows(id);
  }

  rowOffset(id: number): number {
    return this.inner.rowOffset(id);
  }

  /** pages this query fetched (cost counter) */
  get pagesLoaded(): number {
    return this.inner.pagesLoaded;
  }

  /**
   * Starts the whole read now (a float walk's start): its first rows may all be resident already (the entry
   * region, read at open), and the read must still share the round of the whole graph's read.
   */
  start(): void {
    this.whole ??= this.loadWhole();
    // a failure surfaces at the walk's next load, which awaits the same promise
    this.whole.catch(() => undefined);
  }

  load(ids: ArrayLike<number>): Promise<void> {
    this.whole ??= this.loadWhole();
    return this.whole.then(() => {
      for (let i = 0; i < ids.length; i++) if (this.inner.rows(ids[i]) === null) return this.inner.load(ids);
    });
  }

  private async loadWhole(): Promise<void> {
    const { pageCount, pageStride, rowsPerPage } = this.inner.meta;
    await Promise.all(wholeReadParts(pageCount, pageStride, rowsPerPage).map((rows) => this.inner.load(rows)));
  }
}
