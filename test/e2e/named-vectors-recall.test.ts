/**
 * Recall floors for named vectors: one collection whose three names each sit in one of the tier configurations of
 * Qdrant's optimize-performance guide (test/e2e/qdrant-guide.test.ts runs the same three on the unnamed vector), so
 * each name's own quantization and HNSW overrides, tiers and graph are what a `using` search walks:
 *
 * | name            | guide scenario             | originals        | graph            | quantization        |
 * |-----------------|----------------------------|------------------|------------------|---------------------|
 * | speed_low_mem   | 1. speed + low memory      | S3 pages         | RAM              | int8 (its own)      |
 * | precision_low   | 2. precision + low memory  | S3 pages         | S3 pages, m 64   | none                |
 * | precision_speed | 3. precision + speed       | RAM              | RAM              | int8 (its own)      |
 *
 * Data: real GloVe-100 words (Cosine), a different 2,500-word slice per name (rows [k·N, (k+1)·N)), so a name that
 * searched another name's vectors or graph would score near zero; the guide's first 12 queries; ground truth by brute
 * force over each name's slice. The floors are the guide test's for the same configuration and parameters. Skipped
 * without the dataset folder (../shared/datasets).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionPrefix, manifestKey } from '../../lib/collection/keys.js';
import { loadManifest } from '../../lib/collection/manifest.js';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import type { StrataCollectionService } from '../../lib/collection/service.js';
import { META, segmentObjectKey, segmentPrefix } from '../../lib/segment/keys.js';
import { parseMeta } from '../../lib/segment/meta.js';
import { type Dataset, datasetsAvailable, loadGlove, recallAtK, slice } from '../support/datasets.js';
import { directInvoker, service, tempStore } from '../support/collection-harness.js';
import { startStrata, type StrataUnderTest } from '../support/strata-server.js';

const N = 2500;
const QUERIES = 12;
const K = 10;
const C = 'named_tiers';
const INT8 = { scalar: { type: 'int8' as const, always_ram: true } };
const NAMES = ['speed_low_mem', 'precision_low', 'precision_speed'] as const;
type Name = (typeof NAMES)[number];
/** what each name's part of every sealed segment must be built as, so the floors measure the table's tiers */
const BUILT: Record<Name, { vectorsOnDisk: boolean; graphOnDisk: boolean; int8: boolean; m: number }> = {
  speed_low_mem: { vectorsOnDisk: true, graphOnDisk: false, int8: true, m: 16 },
  precision_low: { vectorsOnDisk: true, graphOnDisk: true, int8: false, m: 64 },
  precision_speed: { vectorsOnDisk: false, graphOnDisk: false, int8: true, m: 16 },
};

let strata: StrataUnderTest;
let svc: StrataCollectionService;
let cleanup: () => void;
const data = {} as Record<Name, Dataset>;

const row = (d: Float32Array, dim: number, i: number): number[] => Array.from(d.subarray(i * dim, (i + 1) * dim));

/** mean recall@K of `using: name` over the queries */
async function recall(name: Name, params: Record<string, unknown>): Promise<number> {
  const ds = data[name];
  const found: number[][] = [];
  for (let q = 0; q < QUERIES; q++) {
    const res = await strata.client.query(C, { query: row(ds.queries, ds.dim, q), using: name, limit: K, params });
    found.push(res.points.map((p) => p.id as number));
  }
  return recallAtK(found, ds.groundTruth, ds.gtK, K);
}

describe.skipIf(!datasetsAvailable())('named vectors: recall per tier configuration (GloVe-100 slices)', () => {
  beforeAll(async () => {
    const glove = await loadGlove();
    NAMES.forEach((name, k) => {
      const base = glove.base.subarray(k * N * glove.dim, (k + 1) * N * glove.dim);
      data[name] = slice({ ...glove, nBase: N, base }, N, QUERIES, K);
    });
    const t = tempStore();
    cleanup = t.cleanup;
    svc = service(t.store, directInvoker(t.store, 2));
    strata = await startStrata(svc);
    const dim = glove.dim;
    await strata.client.createCollection(C, {
      vectors: {
        speed_low_mem: { size: dim, distance: 'Cosine', on_disk: true, quantization_config: INT8 },
        precision_low: {
          size: dim,
          distance: 'Cosine',
          on_disk: true,
          hnsw_config: { m: 64, ef_construct: 512, on_disk: true },
        },
        precision_speed: { size: dim, distance: 'Cosine', on_disk: false, quantization_config: INT8 },
      },
      // the guide test's slice threshold: with Qdrant's default this slice would get no graph (see its header)
      optimizers_config: { indexing_threshold: 10, default_segment_number: 2 },
    });
    for (let at = 0; at < N; at += 500) {
      const points = Array.from({ length: 500 }, (_, j) => {
        const i = at + j;
        const vector = Object.fromEntries(NAMES.map((name) => [name, row(data[name].base, dim, i)]));
        return { id: i, vector };
      });
      await strata.client.upsert(C, { wait: true, points });
    }
    await new CollectionOptimizer({ store: t.store, skipGc: true }).optimizeUntil(C);
    expect((await svc.getCollection(C)).segments_count).toBe(2);
    const prefix = collectionPrefix('', C);
    for (const seg of (await loadManifest(t.store, manifestKey(prefix)))?.manifest.segments ?? []) {
      const meta = parseMeta((await t.store.get(segmentObjectKey(segmentPrefix(prefix, seg.id), META)))?.body);
      for (const name of NAMES) {
        const space = meta.spaces[name];
        const want = BUILT[name];
        expect(space.tiers, name).toEqual({ vectorsOnDisk: want.vectorsOnDisk, graphOnDisk: want.graphOnDisk });
        expect(space.quantization !== null, name).toBe(want.int8);
        expect(space.hnsw?.m, name).toBe(want.m);
      }
    }
  }, 300_000);

  afterAll(async () => {
    await strata?.close();
    cleanup?.();
  });

  it('1. speed_low_mem (int8 in RAM, originals in S3 pages): rescore off >= 0.9, rescore on >= 0.99', async () => {
    const noRescore = await recall('speed_low_mem', { quantization: { rescore: false } });
    const rescored = await recall('speed_low_mem', { quantization: { rescore: true, oversampling: 2 } });
    expect(noRescore).toBeGreaterThanOrEqual(0.9);
    expect(rescored).toBeGreaterThanOrEqual(0.99);
    expect(rescored).toBeGreaterThanOrEqual(noRescore);
  });

  it('2. precision_low (originals and graph in S3 pages, m 64 / ef_construct 512): hnsw_ef 128 >= 0.98', async () => {
    expect(await recall('precision_low', { hnsw_ef: 128 })).toBeGreaterThanOrEqual(0.98);
  });

  it('3. precision_speed (everything in RAM, int8 + default rescoring): >= 0.95; oversampling 2 and ignore >= 0.98', async () => {
    const byDefault = await recall('precision_speed', { hnsw_ef: 128, exact: false });
    expect(byDefault).toBeGreaterThanOrEqual(0.95);
    expect(byDefault).toBeGreaterThanOrEqual(
      await recall('precision_speed', { hnsw_ef: 128, exact: false, quantization: { rescore: false } }),
    );
    expect(
      await recall('precision_speed', { hnsw_ef: 128, exact: false, quantization: { rescore: true, oversampling: 2 } }),
    ).toBeGreaterThanOrEqual(0.98);
    expect(await recall('precision_speed', { hnsw_ef: 128, quantization: { ignore: true } })).toBeGreaterThanOrEqual(
      0.98,
    );
  });

  it('exact `using` search equals brute force over that name', async () => {
    for (const name of NAMES) expect(await recall(name, { exact: true, quantization: { ignore: true } })).toBe(1);
  });
});
