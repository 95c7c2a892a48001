/**
 * A custom-scored scan of ONE opened segment (scoring.ts: recommend best_score / sum_scores, discover, context,
 * order_by, sample, no query): every live point that passes the filter, the tombstones and the task's `exclude`
 * is scored exactly — over the float32 originals, never int8 codes, as Qdrant scores these forms — and the best
 * `limit` are returned, so the coordinator merges one short list per segment instead of reading every vector.
 *
 * Cost: the originals in memory cost no read; on disk they are read in batches of SCAN_BATCH_ROWS rows, one
 * coalesced round per batch; a filter or order_by reads the segment's payloads once per container (like a
 * filtered search). Scoring runs the JS kernels, which sum exactly as the SIMD ones (bit-identical scores).
 *
 * Invariants: the result order is score descending, ties by external id ascending (the coordinator's merge
 * order), and it holds exactly the first `limit` of that order, so ties at the cut never depend on offsets;
 * a multivector point is scored over all of its rows (MaxSim per example, scoring.ts);
 * points the scoring rejects (undefined) or that fall below `minSimilarity` are never returned.
 */
import { internal } from '../model/errors.js';
import type { Filter } from '../model/filter.js';
import type { PayloadSchema } from '../model/payload-schema.js';
import { compareIds, type PointId } from '../model/point-id.js';
import { decodeRowInto } from '../distance/index.js';
import { MinHeap } from '../index/heap.js';
import type { CompiledScoring } from './scoring.js';
import { acceptFn, excludeMask, type SegmentHits } from './search.js';
import type { QueryIo, Segment } from './segment.js';
import type { SegmentSpace } from './space.js';

export interface ScanQuery {
  scoring: CompiledScoring;
  limit: number;
  filter?: Filter;
  exclude?: readonly PointId[];
  /** tombstone version to apply; 0 = none */
  deletedVersion: number;
  minSimilarity?: number;
  /** the collection's payload indexes: a filter they serve whole reads no payload */
  payloadSchema?: PayloadSchema;
  /** the vector a vector scoring reads ('' or absent: the unnamed vector); points without it are skipped */
  using?: string;
}

/**
 * Rows of paged originals fetched per round: large enough that a 100k-point segment takes a dozen rounds, small
 * enough that one batch's pages (8192 × dim × 4 bytes: 4 MiB at dim 128) stay a bounded share of worker memory.
 */
export const SCAN_BATCH_ROWS = 8192;

const EMPTY_ROW = new Float32Array(0);

export async function scanSegment(seg: Segment, q: ScanQuery, io: QueryIo): Promise<SegmentHits> {
  const { meta } = seg;
  const { scoring } = q;
  if (meta.count === 0 || q.limit <= 0) return noExactHits();

  // tombstones, the filter's payloads and order_by's payloads, in one parallel round
  const [tomb, filtered, payloads] = await Promise.all([
    seg.tombstones(q.deletedVersion, io),
    q.filter ? seg.filterMask(q.filter, io, q.payloadSchema) : null,
    scoring.needsPayload ? seg.allPayloads(io) : null,
  ]);
  const accept = acceptFn(tomb, excludeMask(seg, q.exclude), filtered?.mask ?? null);
  // a vector scoring reads the rows of its vector space; a point without that vector is never scored
  const space = scoring.needsVector ? seg.space(q.using ?? '') : undefined;
  if (scoring.needsVector && space === undefined) return noExactHits();
  const accepted = acceptedOffsets(seg, filtered?.offsets ?? null, accept, space && ((o) => space.rowOf(o) >= 0));

  const min = q.minSimilarity ?? Number.NEGATIVE_INFINITY;
  const dim = space?.meta.dim ?? 0;
  const inMemory = space !== undefined ? space.inMemoryVectors() : null;
  const paged = space !== undefined && inMemory === null ? space.rowSource(io) : null;
  // a multivector space's point row r owns the inner rows [starts[r], starts[r+1]) of its originals
  const starts = space?.starts ?? null;
  const innerOf = (o: number): [number, number] => {
    const r = (space as SegmentSpace).rowOf(o);
    return starts === null ? [r, r + 1] : [starts[r], starts[r + 1]];
  };
  // rows not in float32 (float16 / uint8), or a multivector's rows spread over pages, are gathered into this
  // buffer (the scorings take float32 values, a point's rows back to back)
  let gathered = new Float32Array(dim);
  const kept: number[] = [];
  const scores: number[] = [];
  for (let at = 0; at < accepted.length; at += SCAN_BATCH_ROWS) {
    const batch = accepted.slice(at, at + SCAN_BATCH_ROWS);
    if (paged !== null) {
      const inner: number[] = [];
      for (const o of batch) {
        const [from, to] = innerOf(o);
        for (let i = from; i < to; i++) inner.push(i);
      }
      await paged.load(inner);
    }
    for (const o of batch) {
      let row: Float32Array = EMPTY_ROW;
      let rowAt = 0;
      let rows = 1;
      if (space !== undefined) {
        const [from, to] = innerOf(o);
        rows = to - from;
        if (inMemory instanceof Float32Array) {
          row = inMemory;
          rowAt = from * dim;
        } else {
          if (gathered.length < rows * dim) gathered = new Float32Array(rows * dim);
          for (let i = from; i < to; i++) {
            const stored = inMemory ?? (paged as NonNullable<typeof paged>).rows(i);
            if (stored === null) throw internal(`scan: row ${i} of vector "${q.using ?? ''}" was not loaded`);
            const off = inMemory !== null ? i * dim : (paged as NonNullable<typeof paged>).rowOffset(i);
            decodeRowInto(stored, off, dim, gathered, (i - from) * dim);
          }
          row = gathered;
        }
      }
      const s = scoring.score(row, rowAt, payloads === null ? null : payloads[o], rows);
      if (s === undefined || !(s >= min)) continue;
      kept.push(o);
      scores.push(s);
    }
  }
  return keptHits(seg, kept, scores, q.limit, scoring.needsVector ? accepted.length : 0);
}

/** Hits of an exact scan: no graph path, no rescoring, no distance before the first round. */
function exactHits(offsets: Uint32Array, similarities: Float64Array, distances: number): SegmentHits {
  return { offsets, similarities, distances, path: 'exact', rescored: false, roundsBeforeFirstDistance: -1 };
}

/** An empty exact scan's hits (nothing to score); a fresh object, as callers may annotate hits. */
export function noExactHits(): SegmentHits {
  return exactHits(new Uint32Array(0), new Float64Array(0), 0);
}

/**
 * The offsets a scan scores, in offset order: those of the filter's `domain` (every offset when null) that `accept`
 * takes (tombstones, exclude, filter mask; null = all) and that hold the scanned vector (`holds`; absent = all).
 */
export function acceptedOffsets(
  seg: Segment,
  domain: ArrayLike<number> | null,
  accept: ((o: number) => boolean) | null,
  holds?: (o: number) => boolean,
): number[] {
  const total = domain === null ? seg.meta.count : domain.length;
  const accepted: number[] = [];
  for (let i = 0; i < total; i++) {
    const o = domain === null ? i : domain[i];
    if ((accept === null || accept(o)) && (holds === undefined || holds(o))) accepted.push(o);
  }
  return accepted;
}

/** The first `limit` of the scored offsets `kept` (scores beside them) as exact hits, having scored `distances`. */
export function keptHits(
  seg: Segment,
  kept: number[],
  scores: number[],
  limit: number,
  distances: number,
): SegmentHits {
  const best = firstByScoreThenId(seg, kept, scores, limit);
  return exactHits(
    Uint32Array.from(best, (i) => kept[i]),
    Float64Array.from(best, (i) => scores[i]),
    distances,
  );
}

/**
 * Indices of the first `limit` entries by score descending, ties by external id ascending. A bounded heap finds
 * the limit-th best score first, so only the entries at or above it (ties included) are sorted.
 */
export function firstByScoreThenId(seg: Segment, offsets: number[], scores: number[], limit: number): number[] {
  let pool = Array.from(offsets.keys());
  if (pool.length > limit) {
    const heap = new MinHeap(limit + 1);
    for (let i = 0; i < scores.length; i++) {
      if (heap.size < limit) heap.push(i, scores[i]);
      else if (scores[i] > heap.topScore()) {
        heap.pop();
        heap.push(i, scores[i]);
      }
    }
    const cut = heap.topScore();
    pool = pool.filter((i) => scores[i] >= cut);
  }
  pool.sort((a, b) => scores[b] - scores[a] || compareIds(seg.externalId(offsets[a]), seg.externalId(offsets[b])));
  return pool.length > limit ? pool.slice(0, limit) : pool;
}
