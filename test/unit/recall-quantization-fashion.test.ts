/**
 * TurboQuant and product quantization recall on Fashion-MNIST-784 (Euclid), a 10k slice, 100 queries, against Qdrant's own
 * engine in the same run (test/support/quantization-recall.ts states what is asserted). PQ is checked at x16 and x64
 * (x4…x64 share the code path; each PQ shard costs Qdrant's optimizer about a minute here).
 */
import { loadFashionMnist } from '../support/datasets.js';
import { describeQuantizationRecall } from '../support/quantization-recall.js';

describeQuantizationRecall({
  label: 'fashion-mnist-784',
  load: loadFashionMnist,
  n: 10_000,
  queries: 100,
  codes: [
    { turbo: 'bits4' },
    { turbo: 'bits2' },
    // measured: rescored x4 0.963 / 0.954 here, 0.961 / 0.953 in Qdrant's shard; at x8 bits1 gives 0.989 here and
    // 0.987 in Qdrant's, so no oversampling measured here reaches the 0.99 floor with 1 bit: only Qdrant's figures bind
    { turbo: 'bits1_5', floorAt: 8 },
    { turbo: 'bits1', floorAt: Number.POSITIVE_INFINITY },
    { product: 'x16' },
    { product: 'x64' },
  ],
  // Qdrant trains on 10,000 rows for up to 100 iterations; on the shared test box that costs minutes per code in JS
  // (see the GloVe file for the budget's effect on recall).
  pq: { sampleSize: 5_000, maxIterations: 10 },
  rescoreFloor: 0.99,
});
