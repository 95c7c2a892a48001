/** Float32 distance kernels and the one similarity ↔ Qdrant-score conversion (see similarity.ts). */
export { dot, l1, l1Bounded, l2sq, l2sqBounded } from './kernels.js';
export { maxSim } from './max-sim.js';
export { normalizeInPlace, normalized, normalizeRows } from './normalize.js';
export {
  DISTANCES,
  scoreIsDistance,
  scoreToSimilarity,
  similarityFn,
  similarityToScore,
  thresholdKind,
  thresholdToSimilarity,
} from './similarity.js';
export type { SimilarityFn } from './similarity.js';
export {
  allocateSimdArena,
  SIMD_BATCH,
  SimdArena,
  STORED_OP,
  simdArenaOf,
  simdAvailable,
  simdRows,
  simdStoredRows,
} from './simd.js';
export type { SimdKernels } from './simd.js';
export {
  cosineOfBytes,
  cosineU8,
  decodeRowInto,
  dotF16,
  dotU8,
  elementBytes,
  encodeRows,
  FLOAT16_VALUES,
  float16Bits,
  l1F16,
  l1U8,
  l2sqF16,
  l2sqU8,
  representableAs,
  storedSimilarityFn,
  sumSquares,
} from './stored-kernels.js';
export type { RowArray } from './stored-kernels.js';
