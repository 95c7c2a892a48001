/**
 * One segment per tier combination (vectors.on_disk × hnsw.on_disk) over real dataset slices (Fashion-MNIST-784
 * Euclid, GloVe-100 angular), stored on the filesystem store AND on a real S3-compatible server (moto_server on
 * loopback): every tier must return exactly the in-memory engine's top-k, and the I/O counters must hold the
 * cold/warm promises (≤ 3 rounds before the first distance; 0 GETs warm with rescore=false on int8 + graph in RAM).
 * The measured GETs/bytes/rounds per tier are printed for the README. Measured recall@10 on these slices is 1.000
 * (int8 HNSW, m=16, ef=100, oversampling 2, rescored) and 1.000 / 0.980 (Fashion / GloVe) without rescoring; the
 * floors sit just below.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SegmentSearchTask } from '../../lib/segment/task-contract.js';
import { normalizeRows } from '../../lib/distance/index.js';
import { InMemoryGraph } from '../../lib/index/graph.js';
import { deserializeGraph } from '../../lib/index/graph-format.js';
import { deserializeVectors } from '../../lib/index/vectors-format.js';
import { IdTable } from '../../lib/segment/ids-format.js';
import { floatScorer } from '../../lib/index/scorer.js';
import { oversampledCount, searchPipelineSync } from '../../lib/index/pipeline.js';
import { deserializeQuantized, Int8Scorer } from '../../lib/quantization/index.js';
import { META, segmentObjectKey } from '../../lib/segment/keys.js';
import { encodeMeta } from '../../lib/segment/meta.js';
import { runSegmentTaskDetailed } from '../../lib/segment/task.js';
import { encodeSegment } from '../../lib/segment/writer.js';
import type { ObjectStore } from '../../lib/storage/object-store.js';
import { S3Store } from '../../lib/storage/s3-store.js';
import { type Dataset, datasetsAvailable, loadFashionMnist, loadGlove, recallAtK, slice } from '../support/datasets.js';
import { type S3Server, startMoto } from '../support/s3-servers.js';
import { COLLECTION, makeConfig, taskContext, tempStore, TIERS } from '../support/segment-fixtures.js';

const K = 10;
const OVERSAMPLING = 2;
const SEED = 42;
const QUERIES = 20;
const tierName = (t: (typeof TIERS)[number]) =>
  `vectors:${t.vectorsOnDisk ? 'disk' : 'ram'} graph:${t.graphOnDisk ? 'disk' : 'ram'}`;
const segmentId = (d: number, t: number) => `000000000000000${d}-t${t}`;

interface Prepared {
  ds: Dataset;
  /** the in-memory engine over the very graph and codes the segment holds */
  engine: (q: Float32Array) => number[];
  recallFloor: number;
  unrescoredFloor: number;
}

async function prepare(
  d: number,
  ds: Dataset,
  stores: ObjectStore[],
  recallFloor: number,
  unrescoredFloor: number,
): Promise<Prepared> {
  const base = Float32Array.from(ds.base);
  if (ds.distance === 'Cosine') normalizeRows(base, ds.dim);
  const ids = Array.from({ length: ds.nBase }, (_, i) => i);
  const { meta, objects } = encodeSegment(
    {
      config: makeConfig(ds.dim, ds.distance, { m: 16, efConstruct: 100, fullScanThreshold: 10 }),
      ids,
      versions: ids.map(() => 1),
      vectors: base,
      payloads: ids.map((i) => ({ i })),
      seed: SEED,
    },
    { graphPageSize: 16 * 1024, vectorsPageSize: 16 * 1024 },
  );
  for (const store of stores) {
    for (let t = 0; t < TIERS.length; t++) {
      const prefix = `${COLLECTION}/segments/${segmentId(d, t)}`;
      await Promise.all(
        [...objects].map(([name, bytes]) => store.put(segmentObjectKey(prefix, name), bytes, { ifNoneMatch: '*' })),
      );
      await store.put(
        segmentObjectKey(prefix, META),
        encodeMeta({ ...meta, spaces: { '': { ...meta.spaces[''], tiers: { ...TIERS[t] } } } }),
        {
          ifNoneMatch: '*',
        },
      );
    }
  }
  const graph = new InMemoryGraph(deserializeGraph(objects.get('graph')!));
  const set = deserializeQuantized(objects.get('quantized')!);
  // the segment numbers points in locality order; the engine runs over the same offsets and maps them back
  const table = new IdTable(objects.get('ids')!);
  const { data: originals } = deserializeVectors(objects.get('vectors')!);
  const engine = (q: Float32Array): number[] => {
    const found = searchPipelineSync(
      { n: ds.nBase, graph },
      new Int8Scorer(set, q),
      floatScorer(originals, ds.dim, ds.distance, q),
      { k: K, candidates: oversampledCount(K, OVERSAMPLING), ef: 100 },
    );
    return Array.from(found.ids, (id) => table.externalId(id) as number);
  };
  return { ds, engine, recallFloor, unrescoredFloor };
}

function query(ds: Dataset, qi: number): Float32Array {
  const q = Float32Array.from(ds.queries.subarray(qi * ds.dim, (qi + 1) * ds.dim));
  if (ds.distance === 'Cosine') normalizeRows(q, ds.dim);
  return q;
}

function task(id: string, q: Float32Array, rescore?: boolean): SegmentSearchTask {
  return {
    collectionPrefix: COLLECTION,
    segments: [{ id, deletedVersion: 0 }],
    vector: Array.from(q),
    limit: K,
    params: {
      exact: false,
      quantization: { ignore: false, oversampling: OVERSAMPLING, ...(rescore === undefined ? {} : { rescore }) },
    },
  };
}

const available = datasetsAvailable();

describe.skipIf(!available)('segment tiers on dataset slices, filesystem and S3 (moto_server)', () => {
  let s3: S3Server;
  let fs: ReturnType<typeof tempStore>;
  const stores: { name: string; store: ObjectStore }[] = [];
  const prepared: Prepared[] = [];

  beforeAll(async () => {
    fs = tempStore();
    s3 = await startMoto();
    const s3store = new S3Store({
      bucket: 'strata-segment-test',
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
    });
    await s3store.createBucket();
    stores.push({ name: 'fs', store: fs.store }, { name: 's3-moto', store: s3store });
    const [fashion, glove] = await Promise.all([loadFashionMnist(), loadGlove()]);
    prepared.push(
      await prepare(
        1,
        slice(fashion, 3000, QUERIES, K),
        stores.map((s) => s.store),
        0.98,
        0.98,
      ),
    );
    prepared.push(
      await prepare(
        2,
        slice(glove, 10000, QUERIES, K),
        stores.map((s) => s.store),
        0.98,
        0.95,
      ),
    );
  }, 600_000);

  afterAll(async () => {
    await s3?.stop();
    fs?.cleanup();
  });

  it('every tier returns the in-memory engine top-k on both stores, with a recall floor against ground truth', async () => {
    for (const [d, p] of prepared.entries()) {
      const found: number[][] = [];
      for (let qi = 0; qi < QUERIES; qi++) {
        const q = query(p.ds, qi);
        const expected = p.engine(q);
        found.push(expected);
        for (const { store } of stores) {
          const ctx = taskContext(store);
          for (let t = 0; t < TIERS.length; t++) {
            const { result } = await runSegmentTaskDetailed(task(segmentId(d + 1, t), q), ctx);
            expect(result.candidates.map((c) => c.id)).toEqual(expected);
          }
        }
      }
      const recall = recallAtK(found, p.ds.groundTruth, p.ds.gtK, K);
      console.log(
        `${p.ds.name} recall@${K} (int8 HNSW, oversampling ${OVERSAMPLING}, rescored) = ${recall.toFixed(3)}`,
      );
      expect(recall).toBeGreaterThanOrEqual(p.recallFloor);
      // without rescoring the int8 order stands: lower, and its own floor
      const ctx = taskContext(stores[0].store);
      const unrescored: number[][] = [];
      for (let qi = 0; qi < QUERIES; qi++) {
        const { result } = await runSegmentTaskDetailed(task(segmentId(d + 1, 0), query(p.ds, qi), false), ctx);
        unrescored.push(result.candidates.map((c) => c.id as number));
      }
      const plain = recallAtK(unrescored, p.ds.groundTruth, p.ds.gtK, K);
      console.log(`${p.ds.name} recall@${K} (int8 HNSW, no rescoring) = ${plain.toFixed(3)}`);
      expect(plain).toBeGreaterThanOrEqual(p.unrescoredFloor);
    }
  }, 600_000);

  it('holds the cold and warm I/O promises per tier (printed for the README)', async () => {
    const rows: string[] = [];
    for (const [d, p] of prepared.entries()) {
      for (const { name, store } of stores) {
        for (let t = 0; t < TIERS.length; t++) {
          for (const rescore of [undefined, false] as const) {
            const ctx = taskContext(store);
            const cold = await runSegmentTaskDetailed(task(segmentId(d + 1, t), query(p.ds, 0), rescore), ctx);
            const warm = await runSegmentTaskDetailed(task(segmentId(d + 1, t), query(p.ds, 1), rescore), ctx);
            const c = cold.details[0];
            const w = warm.details[0];
            expect(c.cold).toBe(true);
            expect(c.roundsBeforeFirstDistance).toBeLessThanOrEqual(3);
            expect(w.cold).toBe(false);
            if (rescore === false && !TIERS[t].graphOnDisk) expect(w.gets).toBe(0);
            if (rescore === false && TIERS[t].graphOnDisk) {
              // the same query again: every page it needs is resident in the page cache
              const again = await runSegmentTaskDetailed(task(segmentId(d + 1, t), query(p.ds, 1), rescore), ctx);
              expect(again.details[0].gets).toBe(0);
            }
            rows.push(
              [
                p.ds.name.padEnd(36),
                name.padEnd(8),
                tierName(TIERS[t]).padEnd(22),
                `rescore:${rescore ?? 'default'}`.padEnd(16),
                `cold gets=${c.gets} bytes=${c.bytes} rounds=${c.rounds} first@${c.roundsBeforeFirstDistance}`.padEnd(
                  52,
                ),
                `warm gets=${w.gets} bytes=${w.bytes} rounds=${w.rounds} dist=${w.distances}`,
              ].join(' '),
            );
          }
        }
      }
    }
    console.log(`\n${rows.join('\n')}`);
  }, 600_000);
});
