/**
 * Which points of a segment hold a vector name: what has_vector filters on (filter.ts, index-filter.ts). Read from
 * what the segment already keeps for its vectors, never from payloads:
 * - a dense or multivector space (meta `spaces`): every point when its `offsets` object is absent (row = offset),
 *   else the points its row -> offset map names (space-offsets.ts);
 * - a sparse name (meta `sparse`): every point when it has a row per point, else the points of its row table
 *   (sparse-format.ts), which a cold reader fetches once;
 * - a name the meta does not hold (no point of the segment has it, or it was deleted or re-created since: the
 *   caller passes the meta as its config sees it, segment meta.ts `liveMeta`): no point.
 *
 * Invariant: a vector deleted from a point, or left out of its last upsert, was never written into the segment that
 * holds the point's current version, so presence here is the point's current presence.
 */
import type { IoScope } from '../storage/io-stats.js';
import type { SegmentMeta } from './meta.js';
import type { SpaceOffsets } from './space-offsets.js';
import type { SparseReader } from './sparse-index.js';

/** What presence needs of a segment (a PointSource, or an opened Segment's). */
export interface PresenceSource {
  readonly meta: SegmentMeta;
  spaceOffsets(name: string, io: IoScope | undefined): Promise<SpaceOffsets | null>;
  sparse(name: string, io: IoScope | undefined): Promise<SparseReader>;
}

/** 1 where point offset o holds vector `name`. */
export async function presenceMask(src: PresenceSource, name: string, io: IoScope | undefined): Promise<Uint8Array> {
  const n = src.meta.count;
  const mask = new Uint8Array(n);
  const space = src.meta.spaces[name];
  if (space !== undefined) {
    const offsets = space.offsetsBytes > 0 ? await src.spaceOffsets(name, io) : null;
    if (offsets === null) return mask.fill(1);
    for (const o of offsets.rowOffsets) mask[o] = 1;
    return mask;
  }
  const sparse = src.meta.sparse?.[name];
  if (sparse === undefined) return mask;
  if (sparse.count === n) return mask.fill(1);
  for (const o of await (await src.sparse(name, io)).holders(io)) mask[o] = 1;
  return mask;
}

/** The presence masks of `names`, read concurrently. */
export async function presenceMasks(
  src: PresenceSource,
  names: Iterable<string>,
  io: IoScope | undefined,
): Promise<Map<string, Uint8Array>> {
  const list = [...names];
  const masks = await Promise.all(list.map((name) => presenceMask(src, name, io)));
  return new Map(list.map((name, i) => [name, masks[i]]));
}
