import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SegmentSearchTask } from '../../../lib/segment/task-contract.js';
import type { Distance } from '../../../lib/model/distance.js';
import { isStrataError } from '../../../lib/model/errors.js';
import { buildHnsw } from '../../../lib/index/build.js';
import { InMemoryGraph } from '../../../lib/index/graph.js';
import { floatScorer } from '../../../lib/index/scorer.js';
import { oversampledCount, searchPipelineSync } from '../../../lib/index/pipeline.js';
import { encodeAll, Int8Scorer, trainScalar } from '../../../lib/quantization/index.js';
import { type SegmentTaskContext, runSegmentTaskDetailed } from '../../../lib/segment/task.js';
import { lookupOffsets } from '../../../lib/segment/points.js';
import { writeTombstones } from '../../../lib/segment/tombstones.js';
import { WalkArena } from '../../../lib/index/wasm-walk.js';
import { writeSegment } from '../../../lib/segment/writer.js';
import {
  COLLECTION,
  SEGMENT_ID,
  TIERS,
  makeConfig,
  seededPayloads,
  seededVectors,
  taskContext,
  tempStore,
} from '../../support/segment-fixtures.js';
import type { FileSystemStore } from '../../../lib/storage/fs-store.js';

const N = 3000;
const DIM = 24;
const SEED = 7;

interface Fixture {
  store: FileSystemStore;
  cleanup: () => void;
  vectors: Float32Array;
  queries: Float32Array;
  distance: Distance;
}

function task(segmentId: string, vector: Float32Array, over: Partial<SegmentSearchTask> = {}): SegmentSearchTask {
  return {
    collectionPrefix: COLLECTION,
    segments: [{ id: segmentId, deletedVersion: 0 }],
    vector: Array.from(vector),
    limit: 10,
    params: { exact: false, quantization: { ignore: false, oversampling: 2 } },
    ...over,
  };
}

function segId(i: number): string {
  return `000000000000000${i}-seg`;
}

/** The engine alone, in memory: the same pipeline (int8 HNSW with the same seed, then rescoring with originals). */
const engines = new Map<Fixture, { graph: InMemoryGraph; set: ReturnType<typeof encodeAll> }>();

function engineTopK(
  f: Fixture,
  q: Float32Array,
  limit: number,
  oversampling: number,
): { ids: number[]; sims: number[] } {
  let e = engines.get(f);
  if (e === undefined) {
    // as the writer builds a quantized segment: the codes first, then the graph on them
    const set = encodeAll(trainScalar(f.vectors, DIM, f.distance, { quantile: 0.99, seed: SEED }), f.vectors);
    e = {
      graph: new InMemoryGraph(
        buildHnsw(f.vectors, DIM, f.distance, { m: 16, efConstruct: 100, seed: SEED, codes: set }),
      ),
      set,
    };
    engines.set(f, e);
  }
  const { graph, set } = e;
  const top = searchPipelineSync({ n: N, graph }, new Int8Scorer(set, q), floatScorer(f.vectors, DIM, f.distance, q), {
    k: limit,
    candidates: oversampledCount(limit, oversampling),
    ef: 100,
  });
  return { ids: Array.from(top.ids), sims: Array.from(top.scores) };
}

for (const distance of ['Cosine', 'Euclid'] as const) {
  describe(`segment search over the four tiers (${distance})`, () => {
    const f = {} as Fixture;
    let ctx: SegmentTaskContext;

    beforeAll(async () => {
      const t = tempStore();
      f.store = t.store;
      f.cleanup = t.cleanup;
      f.distance = distance;
      f.vectors = seededVectors(N, DIM, 11, distance);
      f.queries = seededVectors(20, DIM, 12, distance);
      const ids = Array.from({ length: N }, (_, i) => i * 3 + 1);
      const payloads = seededPayloads(N, 13);
      for (let t2 = 0; t2 < TIERS.length; t2++) {
        await writeSegment(
          f.store,
          `${COLLECTION}/segments/${segId(t2)}`,
          {
            config: makeConfig(DIM, distance, TIERS[t2]),
            ids,
            versions: ids.map(() => 1),
            vectors: f.vectors,
            payloads,
            seed: SEED,
          },
          // input order kept, so the engine built independently below numbers points the same way
          { graphPageSize: 4096, vectorsPageSize: 4096, localityOrder: false },
        );
      }
      ctx = taskContext(f.store);
    });
    afterAll(() => f.cleanup());

    it('gives the in-memory engine top-k, identical in ids and similarities, whichever tier holds the data', async () => {
      for (let qi = 0; qi < 5; qi++) {
        const q = f.queries.subarray(qi * DIM, (qi + 1) * DIM);
        const expected = engineTopK(f, q, 10, 2);
        for (let t2 = 0; t2 < TIERS.length; t2++) {
          const { result } = await runSegmentTaskDetailed(task(segId(t2), q), ctx);
          expect(result.candidates.map((c) => (Number(c.id) - 1) / 3)).toEqual(expected.ids);
          expect(result.candidates.map((c) => c.similarity)).toEqual(expected.sims);
        }
      }
    });

    it('walks an in-memory tier in wasm with its tombstones as the reject bitmap, answering as the paged JS walk', async () => {
      // every 7th offset deleted, in every tier's segment (tombstone version 1)
      const deleted = Array.from({ length: Math.ceil(N / 7) }, (_, i) => i * 7);
      for (let t2 = 0; t2 < TIERS.length; t2++) {
        await writeTombstones(f.store, `${COLLECTION}/segments/${segId(t2)}`, 1, deleted, N);
      }
      const run = vi.spyOn(WalkArena.prototype, 'run');
      try {
        for (let qi = 0; qi < 5; qi++) {
          const q = f.queries.subarray(qi * DIM, (qi + 1) * DIM);
          const hits = [];
          for (const t2 of [0, 2]) {
            const over = { segments: [{ id: segId(t2), deletedVersion: 1 }] };
            const { result } = await runSegmentTaskDetailed(task(segId(t2), q, over), ctx);
            hits.push(result.candidates.map((c) => [Number(c.id), c.similarity]));
          }
          // tier 0 (graph and codes in memory) walks in wasm; tier 2 (graph on disk) walks in JS
          expect(hits[0]).toEqual(hits[1]);
          expect(hits[0]).toHaveLength(10);
          const found = await lookupOffsets(
            f.store,
            `${COLLECTION}/segments/${segId(0)}`,
            hits[0].map(([id]) => id),
          );
          expect(found).toHaveLength(10);
          for (const { offset } of found) expect(offset % 7).not.toBe(0);
        }
        expect(run).toHaveBeenCalledTimes(5);
        // a walk on the float32 originals (quantization ignored) stays in JS: no copy of the originals is made
        run.mockClear();
        const params = { exact: false, quantization: { ignore: true, oversampling: 1 } };
        const floatWalk = task(segId(0), f.queries.subarray(0, DIM), {
          params,
          segments: [{ id: segId(0), deletedVersion: 1 }],
        });
        const { result } = await runSegmentTaskDetailed(floatWalk, ctx);
        expect(result.candidates).toHaveLength(10);
        expect(run).not.toHaveBeenCalled();
      } finally {
        run.mockRestore();
      }
    });

    it('needs at most 3 sequential rounds before the first distance on a cold open, per tier', async () => {
      const q = f.queries.subarray(5 * DIM, 6 * DIM);
      for (let t2 = 0; t2 < TIERS.length; t2++) {
        const cold = taskContext(f.store);
        for (const ignore of [false, true]) {
          cold.registry.clear();
          const { details } = await runSegmentTaskDetailed(
            task(segId(t2), q, { params: { exact: false, quantization: { ignore, oversampling: 1 } } }),
            cold,
          );
          expect(details[0].cold).toBe(true);
          expect(details[0].roundsBeforeFirstDistance).toBeGreaterThanOrEqual(2);
          expect(details[0].roundsBeforeFirstDistance).toBeLessThanOrEqual(3);
        }
      }
    });

    it('answers a warm rescore=false query on int8 always_ram with the graph in memory with 0 GETs', async () => {
      const warm = taskContext(f.store);
      const q = f.queries.subarray(6 * DIM, 7 * DIM);
      const params = { exact: false, quantization: { ignore: false, rescore: false, oversampling: 1 } };
      for (const t2 of [0, 1]) {
        const first = await runSegmentTaskDetailed(task(segId(t2), q, { params }), warm);
        expect(first.result.stats.cold).toBe(1);
        const before = f.store.stats.snapshot();
        const second = await runSegmentTaskDetailed(task(segId(t2), q, { params }), warm);
        const after = f.store.stats.snapshot();
        expect(second.result.stats).toMatchObject({ cold: 0, gets: 0, bytes: 0, rounds: 0 });
        expect(after.gets + after.rangedGets - before.gets - before.rangedGets).toBe(0);
        expect(second.result.candidates).toEqual(first.result.candidates);
      }
    });

    it('serves a warm graph-on-disk query from the page cache (0 GETs once its pages are resident)', async () => {
      const warm = taskContext(f.store);
      const q = f.queries.subarray(7 * DIM, 8 * DIM);
      const params = { exact: false, quantization: { ignore: false, rescore: false, oversampling: 1 } };
      const first = await runSegmentTaskDetailed(task(segId(2), q, { params }), warm);
      expect(first.details[0].gets).toBeGreaterThan(0);
      const second = await runSegmentTaskDetailed(task(segId(2), q, { params }), warm);
      expect(second.result.stats.gets).toBe(0);
      expect(second.result.candidates).toEqual(first.result.candidates);
    });

    it('exact=true equals brute force over the int8 set rescored, and over originals when quantization is ignored', async () => {
      const q = f.queries.subarray(8 * DIM, 9 * DIM);
      const floats = floatScorer(f.vectors, DIM, distance, q);
      const all = Array.from({ length: N }, (_, i) => ({ i, s: floats.score(i) })).sort(
        (a, b) => b.s - a.s || a.i - b.i,
      );
      for (let t2 = 0; t2 < TIERS.length; t2++) {
        const { result, details } = await runSegmentTaskDetailed(
          task(segId(t2), q, { params: { exact: true, quantization: { ignore: true, oversampling: 1 } } }),
          ctx,
        );
        expect(details[0].path).toBe('exact');
        expect(result.candidates.map((c) => (Number(c.id) - 1) / 3)).toEqual(all.slice(0, 10).map((x) => x.i));
      }
    });
  });
}

describe('segments without quantization, and empty segments', () => {
  it('searches float originals on every tier with identical results, and an empty segment answers nothing', async () => {
    const { store, cleanup } = tempStore();
    try {
      const vectors = seededVectors(1500, DIM, 31);
      const ids = Array.from({ length: 1500 }, (_, i) => i);
      const results: unknown[] = [];
      for (let t2 = 0; t2 < TIERS.length; t2++) {
        await writeSegment(
          store,
          `${COLLECTION}/segments/${segId(t2)}`,
          {
            config: makeConfig(DIM, 'Cosine', { ...TIERS[t2], quantized: false }),
            ids,
            versions: ids.map(() => 1),
            vectors,
            payloads: ids.map(() => null),
            seed: SEED,
          },
          { graphPageSize: 2048, vectorsPageSize: 2048 },
        );
        const { result, details } = await runSegmentTaskDetailed(
          task(segId(t2), seededVectors(1, DIM, 32)),
          taskContext(store),
        );
        expect(details[0]).toMatchObject({ path: 'hnsw', rescored: false });
        expect(details[0].roundsBeforeFirstDistance).toBeLessThanOrEqual(3);
        results.push(result.candidates.map(({ id, version, similarity }) => ({ id, version, similarity })));
      }
      for (const r of results) expect(r).toEqual(results[0]);
      await writeSegment(store, `${COLLECTION}/segments/${segId(9)}`, {
        config: makeConfig(DIM, 'Cosine'),
        ids: [],
        versions: [],
        vectors: new Float32Array(0),
        payloads: [],
        seed: SEED,
      });
      const empty = await runSegmentTaskDetailed(task(segId(9), seededVectors(1, DIM, 32)), taskContext(store));
      expect(empty.result.candidates).toEqual([]);
    } finally {
      cleanup();
    }
  });
});

describe('segment errors', () => {
  it('reports a missing segment object as an internal error naming the object', async () => {
    const { store, cleanup } = tempStore();
    try {
      const ctx = taskContext(store);
      const err = await runSegmentTaskDetailed(task(SEGMENT_ID, new Float32Array(DIM)), ctx).catch((e: unknown) => e);
      expect(isStrataError(err, 'internal')).toBe(true);
      expect((err as Error).message).toMatch(/segment object missing: meta\.json/);
    } finally {
      cleanup();
    }
  });
});
