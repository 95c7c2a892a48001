/**
 * Reading a paged space's ENTRY REGION at open (entry-order.ts): the upper-level nodes' layer-0 records (graph pages
 * 0..) and, for a float walk, their rows of originals (vector pages 0..), into the page cache, in the open's own
 * round. A cold walk then descends and starts layer 0 on resident pages: its first store round is its first beam
 * step's (lib/index/beam-search.ts finds the region resident and fetches nothing for it).
 *
 * Invariants: only segments whose meta records `hnsw.entryRows` (written with the region) are read this way; the
 * pages are the format's own, fetched, verified and decoded exactly as the paged accessors fetch them (same object
 * key, page index, byte range and decoder), so they are ordinary evictable cache entries; the rows are read only
 * for a space the walk scores on originals (no codes) and the records only for a paged graph.
 */
import { decodeGraphPage, graphPageGeometry, graphPageRange } from '../index/graph-format.js';
import { vectorsLayout } from '../index/vectors-format.js';
import type { IoScope } from '../storage/io-stats.js';
import { GRAPH, VECTORS } from './keys.js';
import { type SpaceMeta, placementOf } from './meta.js';
import { type PageSource, pageReader } from './page-io.js';
import { pagedRows } from './paged-rows.js';

/** Resolves when the region's pages are resident (nothing to read: at once). */
export async function readEntryRegion(
  cache: PageSource,
  key: (object: string) => string,
  m: SpaceMeta,
  io: IoScope | undefined,
): Promise<void> {
  const h = m.hnsw;
  const u = h?.entryRows ?? 0;
  if (h === null || u === 0 || m.multivector !== undefined) return;
  const place = placementOf(m);
  const reads: Promise<unknown>[] = [];
  if (place.graph === 'cold') {
    const geometry = graphPageGeometry({
      n: m.count,
      m0: h.m0,
      nodesPerPage: h.nodesPerPage,
      pageCount: h.pageCount,
      headerBytes: h.headerBytes,
    });
    const pages = Array.from({ length: Math.ceil(u / h.nodesPerPage) }, (_, p) => p);
    const reader = pageReader(
      cache,
      key(GRAPH),
      (p) => graphPageRange(geometry, p),
      (p, bytes) => decodeGraphPage(geometry, p, bytes),
      io,
    );
    reads.push(reader.load(pages));
  }
  if (place.vectors === 'cold' && m.quantization === null) {
    const rows = pagedRows(cache, key(VECTORS), vectorsLayout(m.count, m.dim, m.vectors.pageSize, m.datatype), io);
    reads.push(rows.load(Uint32Array.from({ length: u }, (_, r) => r)));
  }
  await Promise.all(reads);
}
