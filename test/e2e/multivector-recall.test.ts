/**
 * Multivector recall on real data (issue acceptance): a 20k-row GloVe-100 slice grouped into documents of 2-6 rows
 * (token matrices), queries of 3 GloVe query rows, k = 10. The approximate search with HNSW at default parameters
 * (m 16, ef_construct 100), over sealed segments, is measured against the brute-force MaxSim top 10 at the default
 * hnsw_ef (= ef_construct) and larger ones; `exact: true` must equal it. Through the official REST client, as a user
 * would query it. The workload and its truth come from test/support/multivector-glove.ts, which
 * `npm run bench -- multivector` runs through Strata's engine and Qdrant's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionOptimizer } from '../../lib/collection/optimizer.js';
import { type Dataset, datasetsAvailable, loadGlove } from '../support/datasets.js';
import {
  gloveTokenMatrices,
  MULTIVECTOR_ROWS,
  maxSimTopK,
  queryMatrix,
  rowsOf,
  type TokenMatrices,
} from '../support/multivector-glove.js';
import { serveTempStore, type ServedTempStore } from '../support/strata-server.js';

const QUERIES = 60;
const K = 10;
const C = 'colbert';

describe.skipIf(!datasetsAvailable())('multivector recall on GloVe token matrices (MaxSim, HNSW defaults)', () => {
  let strata: ServedTempStore;
  let ds: Dataset;
  let set: TokenMatrices;

  beforeAll(async () => {
    ds = await loadGlove();
    set = gloveTokenMatrices(ds);
    strata = await serveTempStore(2);
    await strata.client.createCollection(C, {
      vectors: { size: ds.dim, distance: 'Cosine', multivector_config: { comparator: 'max_sim' } },
      // indexed whatever the size (the default threshold would leave 8 MB of rows unindexed); HNSW params default
      optimizers_config: { default_segment_number: 2, indexing_threshold: 1 },
    });
    const { docs, starts } = set;
    for (let from = 0; from < docs; from += 500) {
      const points = Array.from({ length: Math.min(500, docs - from) }, (_, i) => ({
        id: from + i + 1,
        vector: rowsOf(set.base, ds.dim, starts[from + i], starts[from + i + 1]),
      }));
      await strata.client.upsert(C, { wait: true, points });
    }
    await new CollectionOptimizer({ store: strata.store, skipGc: true }).optimizeUntil(C);
  }, 900_000);

  afterAll(async () => {
    await strata?.close();
  });

  /** Brute-force MaxSim top K as point ids (document d is point d + 1). */
  const truth = (q: number[][]): number[] => maxSimTopK(set, q, K).map((d) => d + 1);

  it('recall@10 of the HNSW search against brute-force MaxSim, at the default hnsw_ef and larger; exact = brute force', async () => {
    const info = await strata.client.getCollection(C);
    expect(info.points_count).toBe(set.docs);
    expect(info.indexed_vectors_count).toBe(set.docs);
    const efs = [undefined, 256, 512] as const;
    const hits = new Map<number | undefined, number>(efs.map((ef) => [ef, 0]));
    let exactHits = 0;
    for (let q = 0; q < QUERIES; q++) {
      const query = queryMatrix(ds, q);
      const want = truth(query);
      for (const ef of efs) {
        const approx = await strata.client.query(C, { query, limit: K, ...(ef ? { params: { hnsw_ef: ef } } : {}) });
        hits.set(ef, (hits.get(ef) ?? 0) + approx.points.filter((p) => want.includes(p.id as number)).length);
      }
      const exact = await strata.client.query(C, { query, limit: K, params: { exact: true } });
      exactHits += exact.points.filter((p) => want.includes(p.id as number)).length;
    }
    const recall = (ef: number | undefined) => (hits.get(ef) ?? 0) / (QUERIES * K);
    console.log(
      `multivector GloVe ${MULTIVECTOR_ROWS} rows / ${set.docs} documents: recall@${K} ` +
        efs.map((ef) => `${ef ?? 'default (ef_construct)'} ${recall(ef).toFixed(4)}`).join(', '),
    );
    expect(exactHits / (QUERIES * K)).toBeGreaterThanOrEqual(0.999);
    // measured on this slice (two segments, 60 queries): 0.977-0.978 at the default ef, 0.997-0.998 at 256, 1.000 at 512, with
    // the build deciding on mutual MaxSim and layer 0 given reverse-nearest-neighbour links afterwards
    // (lib/index/multivector-build.ts, multivector-refine.ts). Before those links: 0.928-0.935 / 0.982-0.983 /
    // 0.990-0.992; with one-sided MaxSim decisions 0.827-0.837 / 0.913-0.92 / 0.952-0.957. One graph over all 5,025
    // documents (npm run bench -- multivector, 300 queries; see bench/README.md) gives 0.948 at the default ef,
    // Qdrant's engine 0.857 on the same workload. Floors sit just under the measured figures.
    expect(recall(undefined)).toBeGreaterThanOrEqual(0.96);
    expect(recall(256)).toBeGreaterThanOrEqual(0.97);
    expect(recall(512)).toBeGreaterThanOrEqual(0.98);
  }, 600_000);
});
