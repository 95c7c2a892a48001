/**
 * A per-query paged view of a vector space's originals: its pages come through a PageSource, charged to `io`; one
 * load costs at most `maxGets` ranged GETs when given (nearest page runs merged).
 */
import { PagedRows, decodeVectorsPage, vectorsPageRange } from '../index/vectors-format.js';
import type { VectorsFileMeta } from '../index/vectors-format.js';
import type { IoScope } from '../storage/io-stats.js';
import { type PageSource, pageReader } from './page-io.js';

export function pagedRows(
  pages: PageSource,
  key: string,
  layout: VectorsFileMeta,
  io: IoScope | undefined,
  maxGets?: number,
): PagedRows {
  return new PagedRows(
    layout,
    pageReader(
      pages,
      key,
      (p) => vectorsPageRange(layout, p),
      (p, bytes) => decodeVectorsPage(layout, p, bytes),
      io,
      maxGets,
    ),
  );
}
