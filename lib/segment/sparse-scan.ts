/**
 * An example-scored scan of ONE opened segment over a sparse name (recommend best_score / sum_scores, discover,
 * context, relevance feedback): Qdrant scores these forms over a sparse name with a full scan of the points holding
 * it, not through the inverted index (sparse_vector_index read_view/search.rs `search_scored`), since an example's
 * score is not a sum over the query's posting lists. Every live point that holds the name and passes the filter,
 * the tombstones and `exclude` is scored from its stored sparse vector (sparse-index.ts `vectorsOf`).
 *
 * Cost: an index in memory costs no read; a cold index reads the row pages of each batch of SCAN_BATCH_ROWS points
 * in one round. Invariants: as scan.ts (score descending, ties by external id, exactly the first `limit`); a point
 * without the name is never scored, one sharing no index with any example scores from zero similarities.
 */
import type { SparseVector } from '../model/sparse-vector.js';
import type { IoScope } from '../storage/io-stats.js';
import { SCAN_BATCH_ROWS, acceptedOffsets, keptHits, noExactHits } from './scan.js';
import { type SegmentHits, acceptFn, excludeMask } from './search.js';
import type { Segment } from './segment.js';
import type { SparseSegmentSelection } from './sparse-search.js';

export interface SparseScanQuery extends SparseSegmentSelection {
  /** the score of one stored sparse vector (scoring.ts compileSparseScoring) */
  score: (v: SparseVector) => number;
}

export async function scanSparseSegment(seg: Segment, q: SparseScanQuery, io: IoScope): Promise<SegmentHits> {
  if (seg.meta.sparse?.[q.using] === undefined || seg.meta.count === 0 || q.limit <= 0) return noExactHits();
  const [index, tomb, filtered] = await Promise.all([
    seg.sparse(q.using, io),
    seg.tombstones(q.deletedVersion, io),
    q.filter ? seg.filterMask(q.filter, io, q.payloadSchema) : null,
  ]);
  const accept = acceptFn(tomb, excludeMask(seg, q.exclude), filtered?.mask ?? null);
  const accepted = acceptedOffsets(seg, filtered?.offsets ?? null, accept);
  const min = q.minSimilarity ?? Number.NEGATIVE_INFINITY;
  const kept: number[] = [];
  const scores: number[] = [];
  let scored = 0;
  for (let at = 0; at < accepted.length; at += SCAN_BATCH_ROWS) {
    const batch = accepted.slice(at, at + SCAN_BATCH_ROWS);
    const vectors = await index.vectorsOf(batch, io);
    batch.forEach((o, i) => {
      const v = vectors[i];
      if (v === null) return;
      scored++;
      const s = q.score(v);
      if (!(s >= min)) return;
      kept.push(o);
      scores.push(s);
    });
  }
  return keptHits(seg, kept, scores, q.limit, scored);
}
