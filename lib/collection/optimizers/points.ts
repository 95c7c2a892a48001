/**
 * Points on their way into a new segment (a seal's fresh points, a merge's or rebuild's carried-over live points),
 * as parallel arrays in the order they will be written, and the size rules that cut them into segments.
 */
import type { CollectionConfig } from '../../model/collection-config.js';
import type { Payload } from '../../model/payload.js';
import type { PointId } from '../../model/point-id.js';
import type { VectorRows } from '../../model/points.js';
import { vectorSpaces } from '../../model/vector-spaces.js';

export interface NewPoints {
  ids: PointId[];
  versions: number[];
  payloads: (Payload | null)[];
  /** each point's vectors by name */
  vectors: VectorRows[];
}

export function emptyPoints(): NewPoints {
  return { ids: [], versions: [], payloads: [], vectors: [] };
}

export function appendPoints(into: NewPoints, from: NewPoints): void {
  into.ids.push(...from.ids);
  into.versions.push(...from.versions);
  into.payloads.push(...from.payloads);
  into.vectors.push(...from.vectors);
}

/** Points per segment allowed by `max_segment_size` (KB of float32 vectors); Infinity when unset. */
export function maxSegmentPoints(config: CollectionConfig): number {
  const kb = config.optimizers_config.max_segment_size;
  if (kb === null || kb === undefined || kb <= 0) return Number.POSITIVE_INFINITY;
  // KB of float32 vectors counts every vector a point may hold, as Qdrant sums its vector storages
  const perPoint = vectorSpaces(config).reduce((n, s) => n + s.size * 4, 0);
  return Math.max(1, Math.floor((kb * 1024) / perPoint));
}

/** Splits points (sorted by id) into `parts` contiguous, balanced groups. */
export function split(pts: NewPoints, parts: number): NewPoints[] {
  const n = pts.ids.length;
  const k = Math.max(1, Math.min(parts, n));
  const out: NewPoints[] = [];
  for (let p = 0; p < k; p++) {
    const from = Math.floor((p * n) / k);
    const to = Math.floor(((p + 1) * n) / k);
    out.push({
      ids: pts.ids.slice(from, to),
      versions: pts.versions.slice(from, to),
      payloads: pts.payloads.slice(from, to),
      vectors: pts.vectors.slice(from, to),
    });
  }
  return out;
}
