/**
 * Recall acceptance on real data: Fashion-MNIST-784 (Euclid), a 20k-point slice with exact ground truth recomputed for
 * the slice, 200 queries, k = 10, Qdrant's defaults m = 16, ef_construct = 100, hnsw_ef = 128. One graph per file.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildHnsw,
  exactSearch,
  floatScorer,
  type QueryScorer,
  InMemoryGraph,
  SearchContext,
  searchHnsw,
  oversampledCount,
  searchPipelineSync,
} from '../../lib/index/index.js';
import { Int8Scorer, quantize, type QuantizedSet } from '../../lib/quantization/index.js';
import { type Dataset, datasetsAvailable, loadFashionMnist, recallAtK, slice } from '../support/datasets.js';

const N = 20_000;
const QUERIES = 200;
const K = 10;
/** ~40 s on an idle core; the shared 2-core CI box under load has needed 130 s for the build alone */
const BUILD_TIMEOUT_MS = 600_000;
const EF = 128;

describe.skipIf(!datasetsAvailable())('recall on Fashion-MNIST-784 (Euclid, 20k slice)', () => {
  let ds: Dataset;
  let graph: InMemoryGraph;
  let set: QuantizedSet;
  const ctx = new SearchContext(N);

  beforeAll(async () => {
    ds = slice(await loadFashionMnist(), N, QUERIES, K);
    const t0 = performance.now();
    graph = new InMemoryGraph(buildHnsw(ds.base, ds.dim, 'Euclid', { m: 16, efConstruct: 100, seed: 42 }));
    const t1 = performance.now();
    set = quantize(ds.base, ds.dim, 'Euclid');
    console.log(
      `fashion-mnist: build ${N}×${ds.dim} ${((t1 - t0) / 1000).toFixed(1)} s, quantize ${(performance.now() - t1).toFixed(0)} ms`,
    );
  }, BUILD_TIMEOUT_MS);

  const query = (q: number): Float32Array => ds.queries.subarray(q * ds.dim, (q + 1) * ds.dim);
  const originals = (q: number): QueryScorer => floatScorer(ds.base, ds.dim, 'Euclid', query(q));

  function measure(label: string, run: (q: number) => Uint32Array): number {
    const found: Uint32Array[] = [];
    const t = performance.now();
    for (let q = 0; q < QUERIES; q++) found.push(run(q));
    const r = recallAtK(found, ds.groundTruth, ds.gtK, K);
    console.log(
      `fashion-mnist ${label}: recall@${K} ${r.toFixed(4)}, ${((QUERIES * 1000) / (performance.now() - t)).toFixed(0)} QPS`,
    );
    return r;
  }

  it('exact search returns the ground truth (same squared distances rank by rank; ties may swap ids)', () => {
    const r = measure('exact', (q) => {
      const scorer = originals(q);
      const found = exactSearch(N, scorer, K);
      for (let i = 0; i < K; i++) {
        if (found.scores[i] !== scorer.score(ds.groundTruth[q * ds.gtK + i]))
          throw new Error(`query ${q} rank ${i} differs`);
      }
      return found.ids;
    });
    expect(r).toBeGreaterThanOrEqual(0.999);
  });

  it('HNSW on float32 reaches recall@10 ≥ 0.99 at hnsw_ef = 128', () => {
    expect(
      measure('hnsw float32 ef=128', (q) => searchHnsw(graph, originals(q), { k: K, ef: EF }, ctx).ids),
    ).toBeGreaterThanOrEqual(0.99);
  });

  it('HNSW on int8 with rescoring (oversampling 2) reaches recall@10 ≥ 0.99', () => {
    const r = measure(
      'hnsw int8+rescore x2 ef=128',
      (q) =>
        searchPipelineSync(
          { n: N, graph },
          new Int8Scorer(set, query(q)),
          originals(q),
          { k: K, candidates: oversampledCount(K, 2), ef: EF },
          ctx,
        ).ids,
    );
    expect(r).toBeGreaterThanOrEqual(0.99);
  });

  it('HNSW on int8 without rescoring reaches recall@10 ≥ 0.95', () => {
    const r = measure(
      'hnsw int8 ef=128',
      (q) => searchHnsw(graph, new Int8Scorer(set, query(q)), { k: K, ef: EF }, ctx).ids,
    );
    expect(r).toBeGreaterThanOrEqual(0.95);
  });

  // A quantized segment's graph is built on its int8 codes (as Qdrant builds it); the walk over it must keep recall.
  describe('graph built on int8 codes', () => {
    let int8Graph: InMemoryGraph;
    beforeAll(() => {
      const t = performance.now();
      int8Graph = new InMemoryGraph(
        buildHnsw(ds.base, ds.dim, 'Euclid', { m: 16, efConstruct: 100, seed: 42, codes: set }),
      );
      console.log(`fashion-mnist: int8 build ${N}×${ds.dim} ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }, BUILD_TIMEOUT_MS);

    it('reaches recall@10 ≥ 0.99 with rescoring (oversampling 2) and ≥ 0.95 without, hnsw_ef = 128', () => {
      const rescored = measure(
        'int8-built graph int8+rescore x2 ef=128',
        (q) =>
          searchPipelineSync(
            { n: N, graph: int8Graph },
            new Int8Scorer(set, query(q)),
            originals(q),
            { k: K, candidates: oversampledCount(K, 2), ef: EF },
            ctx,
          ).ids,
      );
      const int8 = measure(
        'int8-built graph int8 ef=128',
        (q) => searchHnsw(int8Graph, new Int8Scorer(set, query(q)), { k: K, ef: EF }, ctx).ids,
      );
      expect(rescored).toBeGreaterThanOrEqual(0.99);
      expect(int8).toBeGreaterThanOrEqual(0.95);
    });
  });
});
