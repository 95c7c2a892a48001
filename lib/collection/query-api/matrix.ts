/**
 * The distance matrix (`points/search/matrix/pairs` and `/offsets`, Qdrant's SearchMatrixRequest): `sample` live
 * points passing the filter are drawn at random, and for each of them its `limit` nearest among the other sampled
 * points, scored exactly with the originals at the coordinator (one batched vector read per segment).
 *
 * Invariants: a point is never its own neighbour; each row is ordered by score, best first (Qdrant's score: a
 * distance for Euclid/Manhattan, so ascending there); `offsets` index into `ids`, the sampled points in sample order.
 */
import { similarityToScore, storedSimilarityFn } from '../../distance/index.js';
import type { MatrixRequest } from '../../model/query.js';
import type { PointId } from '../../model/point-id.js';
import type { ServiceContext } from '../context.js';
import { compareIds } from '../merge.js';
import { liveEntries, matching } from '../reads.js';
import type { Snapshot } from '../snapshot.js';
import { sampleRandom } from './sample.js';
import { resolveVectorName } from './vector-name.js';
import { isSparse } from '../../model/sparse-vector.js';

export interface MatrixOffsets {
  offsets_row: number[];
  offsets_col: number[];
  scores: number[];
  ids: PointId[];
}

export async function searchMatrix(
  ctx: ServiceContext,
  snap: Snapshot,
  req: MatrixRequest,
  random: () => number = Math.random,
): Promise<MatrixOffsets> {
  const { dim, distance, datatype } = resolveVectorName(snap.manifest.config, req.using);
  const sim = storedSimilarityFn(distance, datatype);
  const all = await liveEntries(ctx, snap);
  const points: { id: PointId; vector: Float32Array }[] = [];
  for await (const p of matching(ctx, snap, all, req.filter, { payload: false, vector: true })) {
    // a point without the vector is not sampled, as Qdrant samples only points that have it
    const v = p.vectors?.get(req.using);
    if (v !== undefined && !isSparse(v)) points.push({ id: p.id, vector: v });
  }
  const sampled = sampleRandom(points, req.sample, random);
  const out: MatrixOffsets = { offsets_row: [], offsets_col: [], scores: [], ids: sampled.map((p) => p.id) };
  sampled.forEach((a, i) => {
    const row: { j: number; s: number }[] = [];
    sampled.forEach((b, j) => {
      if (i !== j) row.push({ j, s: sim(a.vector, 0, b.vector, 0, dim) });
    });
    row.sort((x, y) => (x.s !== y.s ? y.s - x.s : compareIds(sampled[x.j].id, sampled[y.j].id)));
    for (const { j, s } of row.slice(0, req.limit)) {
      out.offsets_row.push(i);
      out.offsets_col.push(j);
      out.scores.push(similarityToScore(distance, s));
    }
  });
  return out;
}

export function matrixPairs(m: MatrixOffsets): { pairs: { a: PointId; b: PointId; score: number }[] } {
  return {
    pairs: m.scores.map((score, k) => ({ a: m.ids[m.offsets_row[k]], b: m.ids[m.offsets_col[k]], score })),
  };
}
