/**
 * The size rule of a paged graph: a segment whose layer 0 is small (at most G bytes, the worker's setting) is read
 * WHOLE the first time a query misses one of its pages, in ONE round of parallel ranged GETs, instead of page by
 * page as the walk discovers it. A cold walk over a small on-disk graph then costs one graph round whatever its
 * path, and every later query of the worker finds the whole graph in the page cache (the pages stay evictable).
 *
 * Invariants: only residency changes (the walk's decisions do not depend on it); the pages are the format's own,
 * verified and decoded by the page cache as any page; the parallel GETs are cut at page boundaries, about
 * PART_BYTES each (S3 serves parallel ranges faster than one long stream).
 */
import type { GraphAccessor } from '../index/graph.js';
import { type GraphFileMeta, type PagedGraph, graphByteLength } from '../index/graph-format.js';

/** Bytes per parallel ranged GET of a whole-graph read. */
const PART_BYTES = 1024 * 1024;

/** Bytes of a graph's layer 0 (its pages; the header is read at open). */
export function layer0Bytes(meta: GraphFileMeta): number {
  return graphByteLength(meta) - meta.headerBytes;
}

export class WholeGraphOnFirstTouch implements GraphAccessor {
  readonly meta: GraphAccessor['meta'];
  readonly upper: GraphAccessor['upper'];
  private whole: Promise<void> | null = null;

  constructor(private readonly inner: PagedGraph) {
    this.meta = inner.meta;
    this.upper = inner.upper;
  }

  layer0(id: number): Uint32Array | null {
    return this.inner.layer0(id);
  }

  layer0Offset(id: number): number {
    return this.inner.layer0Offset(id);
  }

  /** pages this query fetched (cost counter) */
  get pagesLoaded(): number {
    return this.inner.pagesLoaded;
  }

  load(ids: ArrayLike<number>): Promise<void> {
    this.whole ??= this.loadWhole();
    // after the whole read every page is resident for this query; a miss then (an evicted page) loads as usual
    return this.whole.then(() => {
      for (let i = 0; i < ids.length; i++) if (this.inner.layer0(ids[i]) === null) return this.inner.load(ids);
    });
  }

  private async loadWhole(): Promise<void> {
    const { pageCount, pageStride, nodesPerPage } = this.inner.meta;
    await Promise.all(wholeReadParts(pageCount, pageStride, nodesPerPage).map((nodes) => this.inner.load(nodes)));
  }
}

/**
 * The parallel parts of a whole read of a paged object: per part, the first item of each of its pages (loading
 * those items makes the part's pages resident, adjacent pages coalesced into one ranged GET of about PART_BYTES).
 */
export function wholeReadParts(pageCount: number, pageStride: number, itemsPerPage: number): number[][] {
  const perPart = Math.max(1, Math.floor(PART_BYTES / pageStride));
  const parts: number[][] = [];
  for (let p = 0; p < pageCount; p += perPart) {
    const firstItems: number[] = [];
    for (let q = p; q < Math.min(pageCount, p + perPart); q++) firstItems.push(q * itemsPerPage);
    parts.push(firstItems);
  }
  return parts;
}
