/**
 * The recall acceptance of the TurboQuant and product codes on a real dataset slice, shared by the per-dataset test
 * files (one graph per file): Strata's HNSW pipeline (lib/index) walks a float32-built graph scoring with the code's
 * scorer, without rescoring and with rescoring by the originals at oversampling x2..x4, and Qdrant's own engine
 * (qdrant-edge-py, built in the same run on the same rows, same m / ef_construct / hnsw_ef) answers the same queries.
 *
 * Per code: without rescoring, Strata's recall@10 is at least Qdrant's − 0.02; with rescoring (x2, x3, x4, x8), never
 * below Qdrant's − 0.02 at the same oversampling, and at least the dataset's floor from the code's `floorAt` on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeRows } from '../../lib/distance/index.js';
import {
  buildHnsw,
  floatScorer,
  InMemoryGraph,
  oversampledCount,
  type QueryScorer,
  SearchContext,
  searchPipelineSync,
} from '../../lib/index/index.js';
import {
  type ProductCompression,
  ProductScorer,
  quantizeProduct,
  quantizeTurbo,
  type TurboBits,
  turboBytesPerVector,
  TurboScorer,
} from '../../lib/quantization/index.js';
import { type Dataset, datasetsAvailable, recallAtK, slice } from './datasets.js';
import { type EdgeCode, type EdgeRun, qdrantEdgeRecall } from './qdrant-edge-recall.js';

/**
 * A code under test; `floorAt` is the oversampling from which the rescored floor applies (default x4). A code too
 * coarse for the floor at x4 (Qdrant's own recall with it stays below the floor there too) names a larger one.
 */
export type CodeCase = ({ turbo: TurboBits } | { product: ProductCompression }) & { floorAt?: number };

export interface QuantizationRecallOptions {
  label: string;
  load: () => Promise<Dataset>;
  n: number;
  queries: number;
  codes: readonly CodeCase[];
  /** k-means budget for PQ training (see the file that sets it) */
  pq: { sampleSize: number; maxIterations: number };
  /** recall@10 floor with rescoring */
  rescoreFloor: number;
}

const K = 10;
const EF = 128;
const M = 16;
const EF_CONSTRUCT = 100;
const OVERSAMPLINGS = [2, 3, 4, 8];
/** Qdrant's builds (one shard per code) run beside ours; the shared 2-core box needs minutes for both */
const SETUP_TIMEOUT_MS = 2_400_000;

const codeName = (c: CodeCase): string => ('turbo' in c ? `turbo ${c.turbo}` : `product ${c.product}`);

export function describeQuantizationRecall(o: QuantizationRecallOptions): void {
  describe.skipIf(!datasetsAvailable())(`TurboQuant / PQ recall on ${o.label} against Qdrant's engine`, () => {
    let ds: Dataset;
    let base: Float32Array;
    let graph: InMemoryGraph;
    const scorers = new Map<string, (q: Float32Array) => QueryScorer>();
    const bytes = new Map<string, number>();
    let qdrant: Record<string, number[]> = {};
    const ctx = new SearchContext(o.n);

    beforeAll(async () => {
      ds = slice(await o.load(), o.n, o.queries, K);
      base = Float32Array.from(ds.base.subarray(0, o.n * ds.dim));
      if (ds.distance === 'Cosine') normalizeRows(base, ds.dim);
      const runs: EdgeRun[] = [
        { ef: EF, k: K, rescore: false, oversampling: null },
        ...OVERSAMPLINGS.map((x) => ({ ef: EF, k: K, rescore: true, oversampling: x })),
      ];
      const edgeCodes: EdgeCode[] = o.codes.map((c) =>
        'turbo' in c ? { name: codeName(c), turbo: c.turbo } : { name: codeName(c), product: c.product },
      );
      const t0 = performance.now();
      const edge = qdrantEdgeRecall(ds, edgeCodes, runs, { m: M, efConstruct: EF_CONSTRUCT });
      graph = new InMemoryGraph(buildHnsw(base, ds.dim, ds.distance, { m: M, efConstruct: EF_CONSTRUCT, seed: 42 }));
      const t1 = performance.now();
      for (const c of o.codes) {
        const t = performance.now();
        if ('turbo' in c) {
          const set = quantizeTurbo(base, ds.dim, ds.distance, { bits: c.turbo });
          scorers.set(codeName(c), (q) => new TurboScorer(set, q));
          bytes.set(codeName(c), turboBytesPerVector(ds.dim, c.turbo, ds.distance));
        } else {
          const set = quantizeProduct(base, ds.dim, ds.distance, { compression: c.product, ...o.pq });
          scorers.set(codeName(c), (q) => new ProductScorer(set, q));
          bytes.set(codeName(c), set.params.chunks);
        }
        console.log(`${o.label}: ${codeName(c)} trained + encoded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      }
      const found = await edge;
      qdrant = Object.fromEntries(
        Object.entries(found).map(([name, perRun]) => [
          name,
          perRun.map((ids) => recallAtK(ids, ds.groundTruth, ds.gtK, K)),
        ]),
      );
      console.log(
        `${o.label}: graph ${((t1 - t0) / 1000).toFixed(1)} s, Qdrant's shards done at ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
    }, SETUP_TIMEOUT_MS);

    const query = (q: number): Float32Array => ds.queries.subarray(q * ds.dim, (q + 1) * ds.dim);

    function recall(name: string, oversampling: number | null): number {
      const make = scorers.get(name)!;
      const found: Uint32Array[] = [];
      for (let q = 0; q < ds.nQueries; q++) {
        const rescorer = oversampling === null ? null : floatScorer(base, ds.dim, ds.distance, query(q));
        const candidates = oversampling === null ? K : oversampledCount(K, oversampling);
        found.push(
          searchPipelineSync({ n: o.n, graph }, make(query(q)), rescorer, { k: K, candidates, ef: EF }, ctx).ids,
        );
      }
      return recallAtK(found, ds.groundTruth, ds.gtK, K);
    }

    it.each(o.codes.map((c) => [codeName(c), c.floorAt ?? 4] as const))(
      '%s: within 0.02 of Qdrant without rescoring and rescored; rescored from x%i reaches the floor',
      (name, floorAt) => {
        const theirs = qdrant[name];
        const ours = [recall(name, null), ...OVERSAMPLINGS.map((x) => recall(name, x))];
        const row = (r: number[]) => r.map((v) => v.toFixed(3)).join(' / ');
        console.log(
          `${o.label} ${name} (${bytes.get(name)} B/vector, ef ${EF}) recall@10 none / x2 / x3 / x4 / x8: ` +
            `strata ${row(ours)}, qdrant ${row(theirs)}`,
        );
        expect(ours[0]).toBeGreaterThanOrEqual(theirs[0] - 0.02);
        OVERSAMPLINGS.forEach((x, i) => {
          expect(ours[i + 1]).toBeGreaterThanOrEqual(theirs[i + 1] - 0.02);
          if (x >= floorAt) expect(ours[i + 1]).toBeGreaterThanOrEqual(o.rescoreFloor);
        });
      },
    );
  });
}
