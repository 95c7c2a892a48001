/**
 * A sparse nearest search inside ONE opened segment: its sparse reader (sparse-readers.ts: the whole index, or a
 * cold index's directory), tombstones and filter mask read in one parallel round, then the exact inverted-index
 * search (a cold index fetches the query's posting lists in one more round first).
 *
 * Invariants: exact (every live, allowed point sharing a query dimension is scored with its full dot product);
 * tombstoned, excluded and filtered-out points are never candidates; a segment where no point holds the vector
 * returns nothing. Similarities are dot products (sparse vectors have no other distance).
 */
import type { PointId } from '../model/point-id.js';
import type { Filter } from '../model/filter.js';
import type { PayloadSchema } from '../model/payload-schema.js';
import type { SparseVector } from '../model/sparse-vector.js';
import type { IoScope } from '../storage/io-stats.js';
import { noExactHits } from './scan.js';
import { acceptFn, excludeMask, type SegmentHits } from './search.js';
import type { Segment } from './segment.js';

/** Which points of a segment a sparse query may return, and how many: shared by the index search and the scan. */
export interface SparseSegmentSelection {
  using: string;
  limit: number;
  filter?: Filter;
  payloadSchema?: PayloadSchema;
  exclude?: readonly PointId[];
  deletedVersion: number;
  minSimilarity?: number;
}

export interface SparseSegmentQuery extends SparseSegmentSelection {
  vector: SparseVector;
}

export async function searchSparseSegment(seg: Segment, q: SparseSegmentQuery, io: IoScope): Promise<SegmentHits> {
  if (seg.meta.sparse?.[q.using] === undefined || q.limit <= 0 || q.vector.indices.length === 0) return noExactHits();
  const [index, tomb, filtered] = await Promise.all([
    seg.sparse(q.using, io),
    seg.tombstones(q.deletedVersion, io),
    q.filter ? seg.filterMask(q.filter, io, q.payloadSchema) : null,
  ]);
  const accept = acceptFn(tomb, excludeMask(seg, q.exclude), filtered?.mask ?? null);
  const r = await index.search(q.vector, q.limit, accept, seg.meta.count, q.minSimilarity, io);
  // a cold index read the query's lists inside search: every round so far preceded the first product
  const rounds = io.rounds;
  return {
    offsets: r.offsets,
    similarities: r.scores,
    distances: r.stats.postings,
    path: 'exact',
    rescored: false,
    roundsBeforeFirstDistance: rounds,
  };
}
