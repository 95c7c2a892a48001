/**
 * TurboQuant and product quantization recall on GloVe-100 (Cosine), a 10k slice, 100 queries, against Qdrant's own
 * engine in the same run (test/support/quantization-recall.ts states what is asserted). PQ is checked at x8 and x32
 * (x4…x64 share the code path; each PQ shard costs Qdrant's optimizer about a minute here).
 */
import { loadGlove } from '../support/datasets.js';
import { describeQuantizationRecall } from '../support/quantization-recall.js';

describeQuantizationRecall({
  label: 'glove-100',
  load: loadGlove,
  n: 10_000,
  queries: 100,
  codes: [
    { turbo: 'bits4' },
    { turbo: 'bits2' },
    { turbo: 'bits1_5' },
    // measured: rescored x4 0.925 here and in Qdrant's shard alike
    { turbo: 'bits1', floorAt: 8 },
    { product: 'x8' },
    // measured: rescored x4 0.905 here, 0.913 in Qdrant's shard
    { product: 'x32', floorAt: 8 },
  ],
  // Qdrant trains on 10,000 rows for up to 100 iterations; on the shared test box that costs minutes per code in JS.
  // Measured on this slice (x16, exact scan on codes): 5,000 rows × 10 iterations gives recall 0.770, 10,000 × 25
  // gives 0.785, and Qdrant's shard 0.778, so the smaller budget stays within the 0.02 the test allows.
  pq: { sampleSize: 5_000, maxIterations: 10 },
  rescoreFloor: 0.95,
});
