/**
 * Exact means exact (DESIGN.md §4.8, issue 14): `exact: true` on a quantized segment scores the float32 originals of
 * every point, as Qdrant does (it sets `ignore: true` for exact search), so its top-k is the brute-force top-k over the
 * originals in ids AND similarities, in every tier and whatever the quantization params say. Before, it scanned the
 * int8 codes and rescored only `limit` candidates, which missed true neighbours (recall@10 ≈ 0.99).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Distance } from '../../../lib/model/distance.js';
import type { SearchParams } from '../../../lib/model/search.js';
import { floatScorer } from '../../../lib/index/scorer.js';
import type { SegmentSearchTask } from '../../../lib/segment/task-contract.js';
import { runSegmentTaskDetailed, type SegmentTaskContext } from '../../../lib/segment/task.js';
import { writeSegment } from '../../../lib/segment/writer.js';
import type { FileSystemStore } from '../../../lib/storage/fs-store.js';
import {
  COLLECTION,
  TIERS,
  makeConfig,
  seededPayloads,
  seededVectors,
  taskContext,
  tempStore,
} from '../../support/segment-fixtures.js';

const N = 3000;
const DIM = 24;
const QUERIES = 40;
const LIMIT = 10;

const segId = (i: number): string => `000000000000010${i}-seg`;

/** Brute force over the originals: similarity desc, then offset asc (the engine's tie order). */
function bruteForce(vectors: Float32Array, distance: Distance, q: Float32Array): { ids: number[]; sims: number[] } {
  const s = floatScorer(vectors, DIM, distance, q);
  const all = Array.from({ length: N }, (_, id) => ({ id, sim: s.score(id) }));
  all.sort((a, b) => b.sim - a.sim || a.id - b.id);
  const top = all.slice(0, LIMIT);
  return { ids: top.map((x) => x.id), sims: top.map((x) => x.sim) };
}

for (const distance of ['Cosine', 'Euclid'] as const) {
  describe(`exact search over a quantized segment (${distance})`, () => {
    let store: FileSystemStore;
    let cleanup: () => void;
    let ctx: SegmentTaskContext;
    const vectors = seededVectors(N, DIM, 21, distance);
    const queries = seededVectors(QUERIES, DIM, 22, distance);

    beforeAll(async () => {
      ({ store, cleanup } = tempStore());
      const payloads = seededPayloads(N, 23);
      for (let t = 0; t < TIERS.length; t++) {
        await writeSegment(
          store,
          `${COLLECTION}/segments/${segId(t)}`,
          {
            config: makeConfig(DIM, distance, TIERS[t]),
            ids: Array.from({ length: N }, (_, i) => i),
            versions: new Array<number>(N).fill(1),
            vectors,
            payloads,
            seed: 5,
          },
          { graphPageSize: 4096, vectorsPageSize: 4096, localityOrder: false },
        );
      }
      ctx = taskContext(store);
    });
    afterAll(() => cleanup());

    const paramsCases: SearchParams[] = [
      { exact: true },
      { exact: true, quantization: { ignore: false, oversampling: 1 } },
      { exact: true, quantization: { ignore: false, rescore: false, oversampling: 1 } },
    ];

    it('returns the brute-force top-k of the originals in every tier, whatever the quantization params', async () => {
      for (let t = 0; t < TIERS.length; t++) {
        for (const params of paramsCases) {
          for (let qi = 0; qi < QUERIES; qi++) {
            const q = queries.subarray(qi * DIM, (qi + 1) * DIM);
            const task: SegmentSearchTask = {
              collectionPrefix: COLLECTION,
              segments: [{ id: segId(t), deletedVersion: 0 }],
              vector: Array.from(q),
              limit: LIMIT,
              params,
            };
            const { result } = await runSegmentTaskDetailed(task, ctx);
            const expected = bruteForce(vectors, distance, q);
            const where = `tier ${t}, ${JSON.stringify(params)}, query ${qi}`;
            expect(
              result.candidates.map((c) => Number(c.id)),
              where,
            ).toEqual(expected.ids);
            expect(
              result.candidates.map((c) => c.similarity),
              where,
            ).toEqual(expected.sims);
          }
        }
      }
    }, 60_000);
  });
}
