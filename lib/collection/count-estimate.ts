/**
 * `POST /points/count` with `exact: false`: Qdrant's estimate (its shard sums each segment's
 * `estimate_point_count`, the `exp` of the payload index's cardinality estimation) instead of a filtered read.
 *
 * Per sealed segment, over its live points (not tombstoned, not shadowed by a tail winner): a condition its field
 * indexes serve (index-filter.ts) is counted exactly from the index (as Qdrant's map index counts a value; no
 * payload is read), `has_id` from the id table, `has_vector` from the segment's vector presence (as Qdrant counts
 * a vector storage's available vectors), and every other condition is Qdrant's `unknown` (0 / half / all);
 * query-estimator.ts combines them. Tail points (unsealed, in the coordinator's memory) are counted exactly.
 *
 * Invariant: min ≤ the exact count ≤ max for the returned bounds (query-estimator.ts); only `exp` is an estimate.
 * Without a filter the count is exact, as in Qdrant (the available point count).
 */
import type { Condition, Filter } from '../model/filter.js';
import type { PointId } from '../model/point-id.js';
import { compileFilter } from '../segment/filter.js';
import { servedConditionMask } from '../segment/index-filter.js';
import {
  type CardinalityEstimation,
  estimateFilter,
  exactEstimation,
  unknownEstimation,
} from '../segment/query-estimator.js';
import type { ServiceContext } from './context.js';
import type { SegmentEntry } from './manifest.js';
import type { Snapshot } from './snapshot.js';

/** The estimation of the points of `snap` matching `filter`, summed over segments (Qdrant's merge_independent). */
export async function estimateCount(
  ctx: ServiceContext,
  snap: Snapshot,
  filter: Filter,
): Promise<CardinalityEstimation> {
  const schema = snap.manifest.config.payload_schema;
  const perSegment = await Promise.all(snap.manifest.segments.map((s) => estimateSegment(ctx, snap, s, filter)));
  const pred = compileFilter(filter, schema);
  let tail = 0;
  for (const w of snap.winners.values()) if (w.vectors !== null && pred(w.id, w.payload, w.vectors)) tail++;
  const sum = exactEstimation(tail);
  for (const e of perSegment) {
    sum.min += e.min;
    sum.exp += e.exp;
    sum.max += e.max;
  }
  return sum;
}

async function estimateSegment(
  ctx: ServiceContext,
  snap: Snapshot,
  segment: SegmentEntry,
  filter: Filter,
): Promise<CardinalityEstimation> {
  const schema = snap.manifest.config.payload_schema;
  const [points, fields] = await Promise.all([
    ctx.access.livePoints(snap.collection, segment),
    ctx.access.filterFields(snap.collection, segment.id, filter, snap.manifest.config),
  ]);
  const live = new Uint8Array(fields?.count ?? 0);
  const offsets = new Map<PointId, number>();
  for (const p of points) {
    if (snap.winners.has(p.id)) continue;
    live[p.offset] = 1;
    offsets.set(p.id, p.offset);
  }
  const total = offsets.size;
  const estimate = (c: Exclude<Condition, Filter>): CardinalityEstimation => {
    if ('has_id' in c) return exactEstimation([...new Set(c.has_id)].filter((id) => offsets.has(id)).length);
    const mask = fields === null ? null : servedConditionMask(c, fields, schema);
    if (mask === null) return unknownEstimation(total);
    let n = 0;
    for (let o = 0; o < mask.length; o++) n += mask[o] & live[o];
    return exactEstimation(n);
  };
  // a cold index first learns which posting pages its conditions select (one pass), reads them, then answers
  if (fields !== null && fields.loads.length > 0) {
    estimateFilter(filter, estimate, total);
    await Promise.all(fields.loads.map((load) => load()));
  }
  return estimateFilter(filter, estimate, total);
}
