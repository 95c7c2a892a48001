/**
 * A per-query paged view of a vector space's originals: its pages come through a PageSource, charged to `io`; one
 * load costs at most `maxGets` ranged GETs when given (nearest page runs merged). Pages are decoded (and cached) in
 * the stored type: a float16 page costs the cache half a float32 one, a uint8 page a quarter.
 */
import type { RowArray } from '../distance/index.js';
import { PagedRows, decodeStoredPage, vectorsPageRange } from '../index/vectors-format.js';
import type { VectorsFileMeta } from '../index/vectors-format.js';
import type { IoScope } from '../storage/io-stats.js';
import { type PageSource, pageReader } from './page-io.js';

export function pagedRows(
  pages: PageSource,
  key: string,
  layout: VectorsFileMeta,
  io: IoScope | undefined,
  maxGets?: number,
): PagedRows<RowArray> {
  return new PagedRows<RowArray>(
    layout,
    pageReader(
      pages,
      key,
      (p) => vectorsPageRange(layout, p),
      (p, bytes) => decodeStoredPage(layout, p, bytes),
      io,
      maxGets,
    ),
  );
}
